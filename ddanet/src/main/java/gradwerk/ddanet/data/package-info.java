/**
 * The CT data layer of DDANet: plain Java on arrays, independent of the tensor library.
 *
 * <p>Everything ends up as a {@link gradwerk.ddanet.data.CtSlice}: an id, a height and width, a row-major
 * {@code float[]} image in {@code [0, 1]} and a row-major {@code byte[]} label map (0 background, 1 ground-glass
 * opacity, 2 consolidation). Sources:
 * <ul>
 *   <li>{@link gradwerk.ddanet.data.MedSegFolder}: the MedSeg-100 folder of PNG slices and {@code split.csv}
 *       (PNG decoding in {@link gradwerk.ddanet.data.GrayPng});</li>
 *   <li>{@link gradwerk.ddanet.data.NiftiCtPair}: an image and a label volume in NIfTI-1
 *       ({@link gradwerk.ddanet.data.Nifti1Reader}, {@link gradwerk.ddanet.data.NiftiVolume}), windowed from HU
 *       by a {@link gradwerk.ddanet.data.HuWindow} and turned by a {@link gradwerk.ddanet.data.SliceOrientation};</li>
 *   <li>{@link gradwerk.ddanet.data.SyntheticCt}: a seeded phantom with exact masks, the same on every machine
 *       ({@link gradwerk.ddanet.data.SplitMix64}).</li>
 * </ul>
 * Then {@link gradwerk.ddanet.data.Resize} brings slices to the training size (area for images, nearest for
 * labels) and {@link gradwerk.ddanet.data.DatasetStats} gives the training set's mean and standard deviation
 * for standardising the inputs. {@link gradwerk.ddanet.data.MedSegSummary} prints these for a real folder.
 */
package gradwerk.ddanet.data;
