package gradwerk.nn.data;

import gradwerk.nn.io.SafeTensors;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GridSampleWarp} (the tensor-level affine_grid + grid_sample) against PyTorch's {@code F.affine_grid} +
 * {@code F.grid_sample} (zeros padding), for bilinear images and nearest labels, with align_corners false and true.
 * Goldens from tools/torch_safetensors_golden.py.
 */
class AffineWarpGoldenTest {
    @Test
    void matchesTorchGridSample() throws IOException, URISyntaxException {
        SafeTensors.Contents c = SafeTensors.load(Path.of(getClass().getResource("/goldens/affine_warp.safetensors").toURI()));
        Tensor image = c.get("image"), labels = c.get("labels");
        int checked = 0;
        for (int i = 0; c.tensors().containsKey("theta." + i); i++) {
            AffineMatrix theta = AffineMatrix.of(c.get("theta." + i));
            for (boolean ac : new boolean[] {false, true}) {
                String suffix = i + "." + (ac ? "ac" : "noac");
                GridSampleWarp warp = new GridSampleWarp(ac);
                Tensor img = warp.image(image, theta), want = c.get("bilinear." + suffix);
                assertTrue(img.allClose(want, 0, 1e-5), "bilinear." + suffix + ":\n" + img + "\nvs torch\n" + want);
                // nearest labels: exact (no coordinate in these goldens is within rounding distance of a .5 tie)
                assertArrayEquals(c.get("nearest." + suffix).toFloatArray(), warp.labels(labels, theta).toFloatArray(),
                        "nearest." + suffix);
                checked++;
            }
        }
        assertTrue(checked >= 8, "goldens present");
    }
}
