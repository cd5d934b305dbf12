package gradwerk.nn.optim;

import gradwerk.tensor.Storage;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;

/**
 * Reusable temporary tensors for optimiser updates, so that a step allocates nothing: each slot is one storage,
 * grown to the largest parameter seen, and handed out as a view shaped like the parameter at hand.
 */
final class Scratch {
    private final Storage[] slots;

    Scratch(int count) {
        slots = new Storage[count];
    }

    /** A contiguous tensor shaped like {@code like} (same dtype and device) over slot {@code i}; contents undefined. */
    Tensor like(int i, Tensor like) {
        Storage s = slots[i];
        int n = like.numel();
        if (s == null || s.length() < n || s.dtype() != like.dtype() || s.device() != like.device())
            slots[i] = s = like.device().backend().allocate(like.dtype(), Math.max(n, s == null ? 0 : s.length()));
        return TensorScope.persist(new Tensor(s, like.shape())); // reused by every later step
    }
}
