// gemm.cl - batched matrix product  C = alpha * A·B + beta * C  with arbitrary strides. -DREAL=float|double.
//
// A is M x K, B is K x N, C is M x N; each has its own offset, row stride, column stride and batch stride
// (batch stride 0 = the same matrix for every batch entry, i.e. broadcasting). Transposed operands are just
// swapped strides, so there is no separate "NT"/"TN" kernel.
//
// Tiling (after Cedric Nugteren's "myGEMM" tutorial): a work-group computes a TSM x TSN tile of C. It walks along
// K in steps of TSK; each step the group copies a TSM x TSK tile of A and a TSK x TSN tile of B into local memory
// once, and every work-item then reads them many times from there instead of from global memory. On top of that
// each work-item computes a WPTM x WPTN block of C in registers ("2-D register tiling"), so each value it loads
// from local memory feeds WPTN (or WPTM) multiply-adds. The work-group is (TSN/WPTN) x (TSM/WPTM) work-items.
// Edges: tiles reaching past M, N or K are padded with zeros on load and not stored, so every size is correct.
// The tile sizes are build options; the host picks them from the device's work-group limit.

#ifndef TSM
#define TSM 64                  // rows of C per work-group
#endif
#ifndef TSN
#define TSN 64                  // columns of C per work-group
#endif
#ifndef TSK
#define TSK 16                  // depth of one K step
#endif
#ifndef WPTM
#define WPTM 4                  // rows of C per work-item
#endif
#ifndef WPTN
#define WPTN 4                  // columns of C per work-item
#endif
#define RTSM (TSM / WPTM)       // work-items along M
#define RTSN (TSN / WPTN)       // work-items along N
#define THREADS (RTSM * RTSN)

__kernel __attribute__((reqd_work_group_size(RTSN, RTSM, 1)))
void gemm(int M, int N, int K, REAL alpha, REAL beta,
          __global const REAL* A, int aOff, int aBatch, int aRow, int aCol,
          __global const REAL* B, int bOff, int bBatch, int bRow, int bCol,
          __global REAL* C, int cOff, int cBatch, int cRow, int cCol) {
    const int tn = get_local_id(0), tm = get_local_id(1);
    const int n0 = get_group_id(0) * TSN, m0 = get_group_id(1) * TSM;
    const int batch = get_global_id(2);
    A += aOff + batch * aBatch;
    B += bOff + batch * bBatch;
    C += cOff + batch * cBatch;

    // K-major tiles: the inner loop reads As[k][m] / Bs[k][n] for consecutive m / n across work-items.
    __local REAL As[TSK][TSM];
    __local REAL Bs[TSK][TSN];

    REAL acc[WPTM][WPTN];
    for (int wm = 0; wm < WPTM; ++wm)
        for (int wn = 0; wn < WPTN; ++wn) acc[wm][wn] = ZERO;

    const int tid = tm * RTSN + tn;
    for (int k0 = 0; k0 < K; k0 += TSK) {
        // Load the tiles. Consecutive work-items take consecutive elements along whichever dimension is
        // contiguous in memory (stride 1), so their global reads coalesce for row- and column-major operands.
        for (int e = tid; e < TSM * TSK; e += THREADS) {
            int m, k;
            if (aCol == 1) { k = e % TSK; m = e / TSK; } else { m = e % TSM; k = e / TSM; }
            int gm = m0 + m, gk = k0 + k;
            As[k][m] = (gm < M && gk < K) ? A[gm * aRow + gk * aCol] : ZERO;
        }
        for (int e = tid; e < TSK * TSN; e += THREADS) {
            int k, n;
            if (bCol == 1) { n = e % TSN; k = e / TSN; } else { k = e % TSK; n = e / TSK; }
            int gk = k0 + k, gn = n0 + n;
            Bs[k][n] = (gk < K && gn < N) ? B[gk * bRow + gn * bCol] : ZERO;
        }
        barrier(CLK_LOCAL_MEM_FENCE);

        for (int k = 0; k < TSK; ++k) {
            REAL b[WPTN];
            for (int wn = 0; wn < WPTN; ++wn) b[wn] = Bs[k][tn + wn * RTSN];
            for (int wm = 0; wm < WPTM; ++wm) {
                REAL a = As[k][tm + wm * RTSM];
                for (int wn = 0; wn < WPTN; ++wn) acc[wm][wn] = mad(a, b[wn], acc[wm][wn]);
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE); // the tiles are overwritten next step: wait until everyone is done
    }

    // Work-item (tm, tn) owns rows tm, tm + RTSM, ... and columns tn, tn + RTSN, ... of the tile (strided, so
    // that neighbouring work-items write neighbouring columns).
    for (int wm = 0; wm < WPTM; ++wm) {
        int gm = m0 + tm + wm * RTSM;
        if (gm >= M) continue;
        for (int wn = 0; wn < WPTN; ++wn) {
            int gn = n0 + tn + wn * RTSN;
            if (gn >= N) continue;
            __global REAL* c = C + gm * cRow + gn * cCol;
            // beta == 0 must not read C: a fresh buffer may hold NaNs, and 0 * NaN is NaN.
            *c = beta == ZERO ? alpha * acc[wm][wn] : alpha * acc[wm][wn] + beta * *c;
        }
    }
}
