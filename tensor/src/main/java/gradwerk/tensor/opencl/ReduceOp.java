package gradwerk.tensor.opencl;

/** Reductions along one dimension. ARGMAX/ARGMIN give the index (first on ties) as a value of the tensor's type. */
public enum ReduceOp {
    SUM("sum"), MEAN("sum"), MAX("max"), MIN("min"), ARGMAX("argmax"), ARGMIN("argmin");

    /** The kernel family in reduce.cl: MEAN is a SUM scaled by 1/n. */
    final String kernelName;

    ReduceOp(String kernelName) {
        this.kernelName = kernelName;
    }

    boolean isArg() {
        return this == ARGMAX || this == ARGMIN;
    }
}
