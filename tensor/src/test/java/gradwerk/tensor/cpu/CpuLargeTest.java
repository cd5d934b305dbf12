package gradwerk.tensor.cpu;

import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.DType;
import gradwerk.tensor.ReduceOp;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.UnaryOp;
import gradwerk.tensor.cpu.KernelCases.Kind;
import gradwerk.tensor.cpu.KernelCases.Values;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static gradwerk.tensor.cpu.CpuBackendTest.compare;
import static gradwerk.tensor.cpu.CpuReduceTest.checkReduce;
import static gradwerk.tensor.cpu.KernelCases.operand;

/**
 * Sizes above the threading threshold (with 3 threads, so that chunk borders fall at odd places): elementwise
 * ops split by element count, long single rows of reductions split across threads and recombined (sums, and
 * argmax with ties and NaN on both sides of a chunk border), column reductions, softmax rows.
 */
class CpuLargeTest {
    private static int savedThreads;

    @BeforeAll
    static void threeThreads() {
        savedThreads = Parallel.threads();
        Parallel.setThreads(3);
    }

    @AfterAll
    static void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    @Test
    void elementwiseAboveTheThreadingThreshold() {
        Random r = new Random(1);
        for (DType dt : DType.values()) {
            int[] shape = {150, 457}; // 68550 elements: two chunks, the border inside a row
            Tensor a = operand(r, shape, dt, Kind.CONTIGUOUS, Values.SPECIALS);
            Tensor at = operand(r, new int[] {457, 150}, dt, Kind.CONTIGUOUS, Values.GAUSSIAN).transpose(0, 1);
            Tensor bias = operand(r, new int[] {457}, dt, Kind.CONTIGUOUS, Values.GAUSSIAN).expand(shape);
            Tensor col = operand(r, new int[] {150, 1}, dt, Kind.CONTIGUOUS, Values.GAUSSIAN).expand(shape);
            Tensor out = operand(r, shape, dt, Kind.CONTIGUOUS, Values.GAUSSIAN);
            Tensor outT = operand(r, new int[] {457, 150}, dt, Kind.CONTIGUOUS, Values.GAUSSIAN).transpose(0, 1);
            compare(out, (be, o) -> be.zip(BinaryOp.ADD, a, bias, o), true, "a + row bias " + dt);
            compare(out, (be, o) -> be.zip(BinaryOp.SUB, col, a, o), true, "column - a " + dt);
            compare(outT, (be, o) -> be.zip(BinaryOp.MUL, a, at, o), true, "a * transposed into transposed " + dt);
            compare(out, (be, o) -> be.map(UnaryOp.EXP, 0, 0, at, o), false, "exp " + dt);
            compare(out, (be, o) -> be.map(UnaryOp.GELU, 0, 0, a, o), dt == DType.FLOAT64, "gelu " + dt);
            compare(out, (be, o) -> be.where(a, at, bias, o), true, "where " + dt);
            compare(outT, (be, o) -> be.copy(a, o), true, "copy into transposed " + dt);
            compare(out, (be, o) -> be.fill(o, 3.5), true, "fill " + dt);
        }
    }

    @Test
    void transposingCopiesGoTileByTile() {
        Random r = new Random(4);
        for (DType dt : DType.values()) {
            // x.t().contiguous(), odd sizes (partial tiles), and into an offset output
            Tensor at = operand(r, new int[] {457, 150}, dt, Kind.CONTIGUOUS, Values.SPECIALS).transpose(0, 1);
            compare(operand(r, new int[] {150, 457}, dt, Kind.OFFSET, Values.GAUSSIAN), (be, o) -> be.copy(at, o), true,
                    "copy transposed " + dt);
            // NCHW -> NHWC: after collapsing, [N, HW, C] blocks with the source contiguous along HW
            Tensor nchw = operand(r, new int[] {3, 19, 9, 13}, dt, Kind.CONTIGUOUS, Values.GAUSSIAN);
            compare(Tensor.zeros(dt, 3, 9, 13, 19), (be, o) -> be.copy(nchw.permute(0, 2, 3, 1), o), true,
                    "copy NCHW to NHWC " + dt);
            // a batch of transposed matrices with a sliced (non-contiguous) batch dim
            Tensor batch = operand(r, new int[] {6, 33, 40}, dt, Kind.CONTIGUOUS, Values.GAUSSIAN).slice(0, 0, 6, 2);
            compare(Tensor.zeros(dt, 3, 40, 33), (be, o) -> be.copy(batch.transpose(1, 2), o), true,
                    "copy batched transpose " + dt);
        }
    }

    @Test
    void longRowsAreSplitAcrossThreadsAndRecombined() {
        Random r = new Random(2);
        for (DType dt : DType.values()) {
            int n = 70_001;
            Tensor gauss = operand(r, new int[] {n}, dt, Kind.OFFSET, Values.GAUSSIAN);
            Tensor ties = operand(r, new int[] {n}, dt, Kind.CONTIGUOUS, Values.INTEGERS);
            Tensor nan = operand(r, new int[] {2, n}, dt, Kind.CONTIGUOUS, Values.GAUSSIAN);
            float[] f = dt == DType.FLOAT32 ? CpuStorage.floats(nan) : null;
            double[] d = dt == DType.FLOAT64 ? CpuStorage.doubles(nan) : null;
            for (int i : new int[] {n - 3, n + 40_000, n + 40_007}) { // NaN late in row 0, two in row 1
                if (f != null) f[i] = Float.NaN;
                else d[i] = Double.NaN;
            }
            Tensor out1 = Tensor.zeros(dt), out2 = Tensor.zeros(dt, 2);
            for (ReduceOp op : ReduceOp.values()) {
                checkReduce(op, ties, 1, out1);
                checkReduce(op, nan, 1, out2);
                if (op == ReduceOp.SUM || op == ReduceOp.MEAN) checkReduce(op, gauss, 1, out1);
            }
            // a long strided row (every other element), packed block by block
            Tensor strided = operand(r, new int[] {2 * n}, dt, Kind.CONTIGUOUS, Values.INTEGERS).slice(0, 1, 2 * n, 2);
            checkReduce(ReduceOp.ARGMIN, strided, 1, out1);
        }
    }

    @Test
    void columnReductionsAndSoftmaxRows() {
        Random r = new Random(3);
        for (DType dt : DType.values()) {
            Tensor a = operand(r, new int[] {333, 517}, dt, Kind.CONTIGUOUS, Values.GAUSSIAN);
            Tensor out = Tensor.zeros(dt, 517);
            for (ReduceOp op : ReduceOp.values()) checkReduce(op, a.transpose(0, 1), 1, out);
            Tensor logits = operand(r, new int[] {40, 2500}, dt, Kind.OFFSET, Values.GAUSSIAN);
            Tensor probs = Tensor.zeros(dt, 40, 2500);
            compare(probs, (be, o) -> be.softmax(logits, o, false), false, "softmax rows " + dt);
            compare(probs, (be, o) -> be.softmax(logits, o, true), false, "log softmax rows " + dt);
            Tensor probsT = Tensor.zeros(dt, 2500, 40).transpose(0, 1);
            compare(probsT, (be, o) -> be.softmax(logits, o, false), false, "softmax into transposed " + dt);
        }
    }
}
