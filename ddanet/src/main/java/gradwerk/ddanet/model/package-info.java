/**
 * The three segmentation models, built by {@link gradwerk.ddanet.model.Models#create} from a
 * {@link gradwerk.ddanet.model.ModelConfig}: {@code unet} ({@link gradwerk.ddanet.model.UNet}), {@code cca}
 * ({@link gradwerk.ddanet.model.CCANet}: criss-cross attention at the bottleneck) and {@code ddanet}
 * ({@link gradwerk.ddanet.model.DDANet}: deformable criss-cross attention at the bottleneck). Each maps
 * [B,1,H,W] images to [B,3,H,W] logits (background, ground-glass opacity, consolidation).
 */
package gradwerk.ddanet.model;
