package gradwerk.tensor.opencl;

import static gradwerk.tensor.opencl.OpenClTestSupport.context;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Device discovery and selection. */
class OpenClPlatformsTest {
    @Test
    void listsDevicesWithSaneProperties() {
        context(); // skips (or fails on CI) without OpenCL
        List<OpenClDevice> all = OpenClPlatforms.devices();
        assertFalse(all.isEmpty());
        for (int i = 0; i < all.size(); i++) {
            OpenClDevice d = all.get(i);
            assertEquals(i, d.index());
            assertEquals("opencl:" + i, d.id());
            assertFalse(d.name().isBlank());
            assertTrue(d.computeUnits() > 0 && d.globalMemBytes() > 0 && d.maxAllocBytes() > 0
                    && d.localMemBytes() > 0 && d.maxWorkGroupSize() > 0, d.describe());
            assertTrue(d.openClVersion().startsWith("OpenCL "), d.openClVersion());
        }
        List<String> lines = OpenClPlatforms.describeDevices();
        assertEquals(all.size(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            assertTrue(lines.get(i).startsWith("opencl:" + i + " "), lines.get(i));
            assertFalse(lines.get(i).contains("\n"));
        }
    }

    @Test
    void selectsByIndexTypeAndName() {
        context();
        OpenClDevice first = OpenClPlatforms.byIndex(0);
        assertEquals(first, OpenClPlatforms.select("opencl:0"));
        assertEquals(first, OpenClPlatforms.select("0"));
        assertEquals(OpenClPlatforms.defaultDevice(), OpenClPlatforms.select("opencl"));
        assertEquals(first.type(), OpenClPlatforms.select("opencl:" + first.type().name().toLowerCase(Locale.ROOT))
                .type());
        String word = first.name().split("[\\s-]+")[0].toUpperCase(Locale.ROOT); // case does not matter
        assertTrue(OpenClPlatforms.select("opencl:" + word).name().toUpperCase(Locale.ROOT).contains(word)
                || OpenClPlatforms.select("opencl:" + word).platformName().toUpperCase(Locale.ROOT).contains(word));
    }

    @Test
    void aMissingDeviceIsAClearMessage() {
        context();
        int n = OpenClPlatforms.devices().size();
        var e = assertThrows(IllegalArgumentException.class, () -> OpenClPlatforms.select("opencl:" + (n + 7)));
        assertTrue(e.getMessage().startsWith("no OpenCL device opencl:" + (n + 7) + "; this machine has " + n),
                e.getMessage());
        assertTrue(e.getMessage().contains("opencl:0 "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OpenClPlatforms.select("opencl:no-such-device-xyz"));
        assertTrue(e.getMessage().contains("no OpenCL device matches 'no-such-device-xyz'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OpenClPlatforms.byIndex(-1));
        assertTrue(e.getMessage().contains("opencl:-1"), e.getMessage());
    }
}
