package gradwerk.nn.io;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Copies a saved state dict into live tensors (a model's parameters, an optimiser's buffers), the way PyTorch's
 * {@code load_state_dict} does: by name, in place ({@link Tensor#copyFrom}, so references held elsewhere — by an
 * optimiser, say — stay valid), converting the dtype if needed.
 *
 * <p>Everything is checked before anything is copied, so a failed load leaves the target untouched. A tensor of
 * the wrong shape is always an error; missing and unexpected names are errors only when {@code strict}.
 */
public final class StateDicts {
    private StateDicts() {}

    /** What a non-strict load skipped: names the target has but the source lacks, and the other way round. */
    public record LoadResult(List<String> missing, List<String> unexpected) {
        public LoadResult {
            missing = List.copyOf(missing);
            unexpected = List.copyOf(unexpected);
        }

        public boolean isComplete() {
            return missing.isEmpty() && unexpected.isEmpty();
        }
    }

    /**
     * @param source what the tensors came from, for messages ("checkpoint runs/x.safetensors")
     * @param what   what one tensor is called, for messages ("parameter", "optimiser tensor")
     * @param owner  what the live tensors belong to, for messages ("the model", "the optimiser")
     * @param from   the saved tensors
     * @param into   the live tensors to overwrite
     * @throws IllegalArgumentException listing every problem, one per line, if any shape differs or (when strict)
     *                                  any name is missing or unexpected
     */
    public static LoadResult loadInto(String source, String what, String owner, Map<String, Tensor> from,
                                      Map<String, Tensor> into, boolean strict) {
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), problems = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : into.entrySet()) {
            Tensor saved = from.get(e.getKey());
            if (saved == null) {
                missing.add(e.getKey());
                if (strict) problems.add(source + ": " + what + " '" + e.getKey() + "' "
                        + Shape.str(e.getValue().shape()) + " is missing from the file");
            } else if (!Arrays.equals(saved.shape(), e.getValue().shape())) {
                problems.add(source + ": " + what + " '" + e.getKey() + "' has shape " + Shape.str(saved.shape())
                        + " in the file but " + Shape.str(e.getValue().shape()) + " in " + owner);
            }
        }
        for (String name : from.keySet()) {
            if (!into.containsKey(name)) {
                unexpected.add(name);
                if (strict) problems.add(source + ": unexpected " + what + " '" + name + "' in the file (not in " + owner + ")");
            }
        }
        if (!problems.isEmpty()) {
            String hint = strict && problems.size() == missing.size() + unexpected.size()
                    ? "\n(load with strict=false to skip missing/unexpected names)" : "";
            throw new IllegalArgumentException(String.join("\n", problems) + hint);
        }
        for (Map.Entry<String, Tensor> e : into.entrySet()) {
            Tensor saved = from.get(e.getKey());
            if (saved != null) e.getValue().copyFrom(saved.to(e.getValue().device()));
        }
        return new LoadResult(missing, unexpected);
    }
}
