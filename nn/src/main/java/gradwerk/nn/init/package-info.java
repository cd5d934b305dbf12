/** Seeded weight initialisation, PyTorch's {@code torch.nn.init}: Kaiming/He, Xavier/Glorot, layer defaults. */
package gradwerk.nn.init;
