package gradwerk.tensor;

/** Factories behind {@link Tensor}'s static creation methods. */
final class Creation {
    private Creation() {}

    static Tensor empty(DType dtype, Device device, int... shape) {
        Shape.check("empty", shape);
        return new Tensor(device.backend().allocate(dtype, Shape.numel(shape)), shape);
    }

    static Tensor full(DType dtype, Device device, double value, int... shape) {
        Tensor t = empty(dtype, device, shape);
        if (value != 0) device.backend().fill(t, value); // storages start zeroed
        return t;
    }

    static Tensor fromArray(float[] data, int... shape) {
        checkLength("of", data.length, shape);
        return new Tensor(Device.CPU.backend().upload(data.clone()), shape);
    }

    static Tensor fromArray(double[] data, int... shape) {
        checkLength("of", data.length, shape);
        return new Tensor(Device.CPU.backend().upload(data.clone()), shape);
    }

    private static void checkLength(String op, int length, int[] shape) {
        Shape.check(op, shape);
        if (Shape.numel(shape) != length)
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape " + Shape.str(shape)
                    + " (" + Shape.numel(shape) + " elements)");
    }

    static Tensor arange(DType dtype, double start, double end, double step) {
        if (step == 0) throw new IllegalArgumentException("arange: step must not be 0");
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = start + i * step;
        return fromArray(d, n).to(dtype);
    }

    static Tensor linspace(DType dtype, double start, double end, int n) {
        if (n < 0) throw new IllegalArgumentException("linspace: negative count " + n);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = n == 1 ? start : start + (end - start) * i / (n - 1);
        return fromArray(d, n).to(dtype);
    }

    static Tensor eye(DType dtype, int n) {
        double[] d = new double[n * n];
        for (int i = 0; i < n; i++) d[i * n + i] = 1;
        return fromArray(d, n, n).to(dtype);
    }

    static Tensor rand(DType dtype, Generator g, int... shape) {
        double[] d = new double[Shape.numel(Shape.check("rand", shape))];
        for (int i = 0; i < d.length; i++) d[i] = g.nextDouble();
        return fromArray(d, shape).to(dtype);
    }

    static Tensor randn(DType dtype, Generator g, int... shape) {
        double[] d = new double[Shape.numel(Shape.check("randn", shape))];
        for (int i = 0; i < d.length; i++) d[i] = g.nextGaussian();
        return fromArray(d, shape).to(dtype);
    }

    static Tensor randint(DType dtype, Generator g, int low, int high, int... shape) {
        if (high <= low) throw new IllegalArgumentException("randint: empty range [" + low + ", " + high + ")");
        double[] d = new double[Shape.numel(Shape.check("randint", shape))];
        for (int i = 0; i < d.length; i++) d[i] = low + g.nextInt(high - low);
        return fromArray(d, shape).to(dtype);
    }
}
