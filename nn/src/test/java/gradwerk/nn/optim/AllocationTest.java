package gradwerk.nn.optim;

import gradwerk.nn.Parameter;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Optimiser steps reuse their scratch space: after the first step, a step allocates a few small objects (views,
 * boxed numbers) but no tensor. Measured with HotSpot's per-thread allocation counter, relative to what the
 * backend's own in-place primitives allocate (the scalar reference backend allocates per element; fast kernels
 * allocate nothing): a step may cost at most two dozen in-place passes over the parameters (Adam makes about 15), plus 64 KB.
 */
class AllocationTest {
    @Test
    void stepsAllocateNothingParameterSized() {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Generator g = new Generator(1);
        List<Parameter> ps = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Parameter p = new Parameter("p" + i, Tensor.randn(g, 32, 32, 3, 3)); // 8 × 37 KB
            TorchOptimGoldenTest.setGrad(p, Tensor.randn(g, 32, 32, 3, 3));
            ps.add(p);
        }
        long paramBytes = 8L * 32 * 32 * 9 * 4;
        Runnable onePass = () -> { for (Parameter p : ps) p.value().mulInPlace(1.0); };
        for (int i = 0; i < 3; i++) onePass.run();
        long before0 = bean.getCurrentThreadAllocatedBytes();
        onePass.run();
        long pass = bean.getCurrentThreadAllocatedBytes() - before0;
        System.out.println("one in-place pass over the parameters allocates " + pass + " bytes (backend overhead)");
        List<Function<List<Parameter>, Optimizer>> makers = List.of(
                p -> new SGD(p, 0.1, 0.9, 0, 1e-4, true), p -> new Adam(p, 1e-3, 0.9, 0.999, 1e-8, 1e-4), p -> new AdamW(p, 1e-3));
        for (var make : makers) {
            Optimizer opt = make.apply(ps);
            for (int i = 0; i < 3; i++) opt.step(); // warm up: scratch space, JIT
            long before = bean.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10; i++) opt.step();
            long perStep = (bean.getCurrentThreadAllocatedBytes() - before) / 10;
            System.out.println(opt.getClass().getSimpleName() + ": " + perStep + " bytes allocated per step for "
                    + paramBytes + " bytes of parameters");
            assertTrue(perStep < 24 * pass + (64 << 10), opt.getClass().getSimpleName() + " allocates " + perStep
                    + " bytes per step; one in-place pass " + pass);
        }
    }

    @Test
    void scratchIsReusedAcrossParametersAndSteps() {
        Scratch s = new Scratch(1);
        Tensor big = Tensor.zeros(10, 10), small = Tensor.zeros(3);
        Tensor a = s.like(0, big), b = s.like(0, small), c = s.like(0, big);
        assertTrue(a.storage() == b.storage() && b.storage() == c.storage(), "one storage for every parameter");
        assertTrue(java.util.Arrays.equals(new int[] {3}, b.shape()));
        Tensor d = s.like(0, Tensor.zeros(20, 10));                 // larger: grows once
        assertTrue(d.storage() != a.storage() && s.like(0, big).storage() == d.storage());
    }
}
