"""The recurrence of a whole sequence in one GPU launch (CuPy only).

Why: on the GPU a Python loop over time pays for every CuPy call on the host (15–30 µs each),
so T steps of a few calls each cost milliseconds however fast the GPU is. The recurrence is the
only part of the RNN that must run step by step; here it runs as ONE kernel launch per batch of
sequences, forward and backward. ``rnn_core.functional`` calls the two public functions below
when its arrays live on the GPU; its numpy loop stays the readable reference, and the GPU tests
compare the two.

    forward   (2.2)  h_t  = tanh(a_t + h_{t-1} W_hh)                 t = 1 … T
    backward  (4.1)  δh_t = (g_t + δh_{t+1} W_hhᵀ) ⊙ (1 − h_t²)      t = T … 1,  δh_{T+1} = 0

where a_t = x_t W_xh + b_h and g_t = δy_t W_hyᵀ were computed for all t at once beforehand.

How: the batch rows' recurrences are independent of each other, so no block ever waits for a
block of another row: the "persistent RNN" idea (Diamos et al., 2016) without any grid-wide
synchronisation. Three paths, chosen by measurement (benchmarks/gpu_kernel_sweep.py, H100):

- "cluster" (compute capability ≥ 9.0): a cluster of 8 blocks shares a group of rows; each block
  owns an eighth of the units (columns of W_hh); after each step the blocks swap their slices of
  h_t through distributed shared memory and meet at a cluster barrier. All multiprocessors work.
- "rows" (older GPUs): one block walks all T steps for a few rows on its own.
- "loop": for a large W_hh (over 2 MiB) every cluster re-reading it from the L2 cache at every
  step costs more than one cuBLAS GEMM per step from the host, so the host loops.
"""
import math

import numpy as np

# The "rows" kernel. Each CUDA source is specialised by the #defines that _compile() puts in front.
_SOURCE = r"""
// acc[c][r] holds unit j = threadIdx.x + c*blockDim.x of batch row first_row + r.
extern "C" __global__ void KERNEL_NAME(
        const REAL* __restrict__ M,      // (n, n): W_hh forward, W_hhᵀ (contiguous) backward
        REAL* __restrict__ seq,          // (T, B, n): a_t in, h_t out  |  g_t in, δh_t out
        const REAL* __restrict__ start,  // (B, n): h_0 (forward only)
        const REAL* __restrict__ hs,     // (T, B, n): h_t (backward only)
        const int steps, const int batch, const int n, const int stride)
{
    extern __shared__ unsigned char shared_bytes[];
    REAL* prev = reinterpret_cast<REAL*>(shared_bytes);   // [ROWS][stride]: h_{t-1} or δh_{t+1}
    const int first_row = blockIdx.x * ROWS;

    for (int i = threadIdx.x; i < ROWS * stride; i += blockDim.x) {
        const int r = i / stride, k = i - r * stride;
        prev[i] = (!BACKWARD && k < n && first_row + r < batch) ? start[(size_t)(first_row + r) * n + k] : REAL(0);
    }
    __syncthreads();

    for (int s = 0; s < steps; ++s) {
        const int t = BACKWARD ? steps - 1 - s : s;
        REAL* step = seq + (size_t)t * batch * n;
        REAL acc[COLS][ROWS];
        #pragma unroll
        for (int c = 0; c < COLS; ++c) {
            const int j = threadIdx.x + c * blockDim.x;
            #pragma unroll
            for (int r = 0; r < ROWS; ++r)
                acc[c][r] = (j < n && first_row + r < batch) ? step[(size_t)(first_row + r) * n + j] : REAL(0);
        }
        // acc += prev @ M, four k at a time (prev is zero-padded to a multiple of 4).
        for (int k0 = 0; k0 < stride; k0 += 4) {
            REAL p[ROWS][4];
            #pragma unroll
            for (int r = 0; r < ROWS; ++r) load4(prev + r * stride + k0, p[r]);
            #pragma unroll
            for (int c = 0; c < COLS; ++c) {
                const int j = threadIdx.x + c * blockDim.x;
                #pragma unroll
                for (int q = 0; q < 4; ++q) {
                    const REAL w = (j < n && k0 + q < n) ? M[(size_t)(k0 + q) * n + j] : REAL(0);
                    #pragma unroll
                    for (int r = 0; r < ROWS; ++r) acc[c][r] += p[r][q] * w;
                }
            }
        }
        __syncthreads();                           // every thread has read prev: overwrite it
        #pragma unroll
        for (int c = 0; c < COLS; ++c) {
            const int j = threadIdx.x + c * blockDim.x;
            if (j >= n) continue;
            #pragma unroll
            for (int r = 0; r < ROWS; ++r) {
                const int row = first_row + r;
                REAL value = REAL(0);
                if (row < batch) {
                    const size_t at = (size_t)row * n + j;
                    if (BACKWARD) {
                        const REAL h = hs[(size_t)t * batch * n + at];
                        value = acc[c][r] * (REAL(1) - h * h);       // δh_t = (…) ⊙ (1 − h_t²)
                    } else {
                        value = TANH(acc[c][r]);                     // h_t = tanh(…)
                    }
                    step[at] = value;
                }
                prev[r * stride + j] = value;
            }
        }
        __syncthreads();
    }
}
"""

# The same recurrence with all multiprocessors busy, for GPUs with thread-block clusters
# (compute capability 9.0: H100, H200). A cluster of CLUSTER blocks shares ROWS batch rows; each
# block owns n/CLUSTER of the units (a slice of W_hh's columns), so W_hh is read once per cluster
# and step instead of once per row. After each step the blocks swap their slices of h_t through
# distributed shared memory (each block reads its neighbours' shared memory) and meet at a
# cluster barrier: no trip to the host, and no grid-wide synchronisation.
_CLUSTER_SOURCE = r"""
__device__ __forceinline__ unsigned shared_address(const void* p) {
    unsigned long long a; asm("cvta.to.shared.u64 %0, %1;" : "=l"(a) : "l"(p)); return (unsigned)a;
}
__device__ __forceinline__ REAL load_from_block(const REAL* p, unsigned rank) {   // p in block `rank`
    unsigned remote; REAL v;
    asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(shared_address(p)), "r"(rank));
    asm volatile(PEER_LOAD : PEER_OUT(v) : "r"(remote) : "memory");
    return v;
}
__device__ __forceinline__ void cluster_barrier() {
    asm volatile("barrier.cluster.arrive.aligned;\n\tbarrier.cluster.wait.aligned;" ::: "memory");
}
__device__ __forceinline__ unsigned block_rank_in_cluster() {
    unsigned r; asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r)); return r;
}

extern "C" __global__ void __cluster_dims__(CLUSTER, 1, 1) KERNEL_NAME(
        const REAL* __restrict__ M,      // (n, n): W_hh forward, W_hhᵀ (contiguous) backward
        REAL* __restrict__ seq,          // (T, B, n): a_t in, h_t out  |  g_t in, δh_t out
        const REAL* __restrict__ start,  // (B, n): h_0 (forward only)
        const REAL* __restrict__ hs,     // (T, B, n): h_t (backward only)
        const int steps, const int batch, const int n,
        const int width,                 // units per block: ceil(n / CLUSTER)
        const int stride,                // n rounded up to a multiple of 4
        const int parts)                 // the sum over k is split into this many parts
{
    extern __shared__ unsigned char shared_bytes[];
    REAL* previous = reinterpret_cast<REAL*>(shared_bytes);   // [ROWS][stride]  h_{t-1} of the rows, all units
    REAL* mine = previous + ROWS * stride;                     // [2][ROWS][width] this block's slice of h_t
    REAL* partial = mine + 2 * ROWS * width;                   // [parts][ROWS][width] partial sums
    const unsigned rank = block_rank_in_cluster();
    const int first_row = (blockIdx.x / CLUSTER) * ROWS;
    const int first_unit = rank * width;
    const int j = threadIdx.x % width, part = threadIdx.x / width;    // my unit, my part of k
    const int k_length = 4 * ((stride / 4 + parts - 1) / parts);
    const int k_begin = part * k_length, k_end = min(stride, k_begin + k_length);

    for (int i = threadIdx.x; i < ROWS * stride; i += blockDim.x) {
        const int r = i / stride, k = i - r * stride;
        previous[i] = (!BACKWARD && k < n && first_row + r < batch) ? start[(size_t)(first_row + r) * n + k] : REAL(0);
    }
    __syncthreads();

    for (int s = 0; s < steps; ++s) {
        const int t = BACKWARD ? steps - 1 - s : s;
        REAL* step = seq + (size_t)t * batch * n;
        // 1. my part of previous @ M[:, my unit], for all ROWS rows
        if (part < parts) {
            REAL acc[ROWS];
            #pragma unroll
            for (int r = 0; r < ROWS; ++r) acc[r] = REAL(0);
            const int unit = first_unit + j;
            for (int k0 = k_begin; k0 < k_end; k0 += 4) {
                REAL w[4];
                #pragma unroll
                for (int q = 0; q < 4; ++q) w[q] = (unit < n && k0 + q < n) ? M[(size_t)(k0 + q) * n + unit] : REAL(0);
                #pragma unroll
                for (int r = 0; r < ROWS; ++r) {
                    REAL p[4];
                    load4(previous + r * stride + k0, p);
                    acc[r] += p[0] * w[0] + p[1] * w[1] + p[2] * w[2] + p[3] * w[3];
                }
            }
            #pragma unroll
            for (int r = 0; r < ROWS; ++r) partial[(part * ROWS + r) * width + j] = acc[r];
        }
        __syncthreads();
        // 2. add the parts and the step's input, apply tanh (forward) or the tanh derivative (backward)
        REAL* out = mine + (s & 1) * ROWS * width;
        for (int i = threadIdx.x; i < ROWS * width; i += blockDim.x) {
            const int r = i / width, jj = i - r * width, row = first_row + r, unit = first_unit + jj;
            REAL value = REAL(0);
            if (row < batch && unit < n) {
                const size_t at = (size_t)row * n + unit;
                REAL sum = step[at];
                for (int p = 0; p < parts; ++p) sum += partial[(p * ROWS + r) * width + jj];
                if (BACKWARD) {
                    const REAL h = hs[(size_t)t * batch * n + at];
                    value = sum * (REAL(1) - h * h);                 // δh_t = (…) ⊙ (1 − h_t²)
                } else {
                    value = TANH(sum);                               // h_t = tanh(…)
                }
                step[at] = value;
            }
            out[i] = value;
        }
        cluster_barrier();            // every block's slice of this step is written
        // 3. gather the whole h_t of my rows from the blocks of my cluster
        for (int i = threadIdx.x; i < ROWS * stride; i += blockDim.x) {
            const int r = i / stride, k = i - r * stride;
            previous[i] = (k < n) ? load_from_block(out + r * width + (k % width), k / width) : REAL(0);
        }
        __syncthreads();
    }
    cluster_barrier();                // keep my shared memory alive until my neighbours have read it
}
"""

_LOAD4 = {
    np.float32: "__device__ __forceinline__ void load4(const float* p, float out[4]) {"
                " const float4 v = *reinterpret_cast<const float4*>(p);"
                " out[0] = v.x; out[1] = v.y; out[2] = v.z; out[3] = v.w; }",
    np.float64: "__device__ __forceinline__ void load4(const double* p, double out[4]) {"
                " const double2 a = *reinterpret_cast<const double2*>(p);"
                " const double2 b = *reinterpret_cast<const double2*>(p + 2);"
                " out[0] = a.x; out[1] = a.y; out[2] = b.x; out[3] = b.y; }",
}
_C_TYPE = {np.float32: "float", np.float64: "double"}
_TANH = {np.float32: "tanhf", np.float64: "tanh"}
_PEER_LOAD = {np.float32: ('"ld.shared::cluster.f32 %0, [%1];"', '"=f"'),
              np.float64: ('"ld.shared::cluster.f64 %0, [%1];"', '"=d"')}
_compiled = {}
SHARED_LIMIT = 48 * 1024          # bytes of shared memory a block may use without opting in
SHARED_MAX = 200 * 1024           # what we allow ourselves after opting in (H100: 227 KiB)
MAX_THREADS = 1024

# Tuning knobs, for benchmarks/gpu_kernel_sweep.py; None means the automatic choice below.
KERNEL = None                     # "cluster", "rows" or "loop"
CLUSTER_SIZE = 8                  # blocks per cluster (8 is the portable maximum)
ROWS_PER_BLOCK = None
COLS_PER_THREAD = None


def _compile(kind, dtype, rows, cols, backward):
    """The kernel for one specialisation, compiled on first use (NVRTC) and cached."""
    import cupy
    key = (kind, dtype, rows, cols, backward, CLUSTER_SIZE if kind == "cluster" else None)
    if key not in _compiled:
        name = (f"rnn_recurrence_{kind}_{_C_TYPE[dtype]}_r{rows}_c{cols}"
                f"{'_k' + str(CLUSTER_SIZE) if kind == 'cluster' else ''}_{'backward' if backward else 'forward'}")
        load, out = _PEER_LOAD[dtype]
        defines = (f"#define REAL {_C_TYPE[dtype]}\n#define TANH {_TANH[dtype]}\n#define ROWS {rows}\n"
                   f"#define COLS {cols}\n#define CLUSTER {CLUSTER_SIZE}\n#define PEER_LOAD {load}\n"
                   f"#define PEER_OUT(v) {out}(v)\n"
                   f"#define BACKWARD {'true' if backward else 'false'}\n#define KERNEL_NAME {name}\n")
        source = _CLUSTER_SOURCE if kind == "cluster" else _SOURCE
        _compiled[key] = cupy.RawKernel(defines + _LOAD4[dtype] + source, name)
    return _compiled[key]


def _next_power_of_two(x):
    return 1 << max(0, math.ceil(math.log2(max(1, x))))


def choose_tile(batch, n, itemsize, multiprocessors):
    """(rows per block, columns per thread) for the "rows" kernel.

    More rows per block reuse each W_hh load for more batch rows; fewer keep more blocks (and so
    more multiprocessors) busy. Take the most rows that still give every multiprocessor a block.
    """
    stride = 4 * math.ceil(n / 4)
    rows = ROWS_PER_BLOCK
    if rows is None:
        rows = 1
        while rows < 8 and math.ceil(batch / (2 * rows)) >= multiprocessors:
            rows *= 2
    while rows > 1 and rows * stride * itemsize > SHARED_LIMIT:
        rows //= 2
    cols = COLS_PER_THREAD or max(1, math.ceil(n / MAX_THREADS))
    return rows, cols


def _check(seq, M, start, hs):
    if seq.dtype.type not in _C_TYPE:
        raise TypeError(f"the GPU recurrence needs float32 or float64 arrays, got {seq.dtype}")
    for name, array in (("seq", seq), ("M", M), ("start", start), ("hs", hs)):
        if not array.flags.c_contiguous or array.dtype != seq.dtype:
            raise ValueError(f"{name} must be a C-contiguous {seq.dtype} array")


def _with_shared(kernel, shared):
    if shared > SHARED_LIMIT:
        kernel.max_dynamic_shared_size_bytes = shared
    return kernel


def _launch_rows(seq, M, start, hs, backward, device):
    """One block per ROWS batch rows, walking all T steps (any CUDA GPU)."""
    dtype = seq.dtype.type
    T, B, n = seq.shape
    rows, cols = choose_tile(B, n, seq.itemsize, device.attributes["MultiProcessorCount"])
    stride = 4 * math.ceil(n / 4)
    while True:   # a thread per unit if the registers allow, else more columns per thread
        kernel = _compile("rows", dtype, rows, cols, backward)
        most_threads = 32 * (kernel.attributes["max_threads_per_block"] // 32)
        threads = min(most_threads, 32 * math.ceil(math.ceil(n / cols) / 32))
        if threads * cols >= n:
            break
        cols = max(cols + 1, math.ceil(n / most_threads))
    shared = rows * stride * seq.itemsize
    _with_shared(kernel, shared)((math.ceil(B / rows),), (threads,),
                                 (M, seq, start, hs, np.int32(T), np.int32(B), np.int32(n), np.int32(stride)),
                                 shared_mem=shared)


def _cluster_plan(B, n, itemsize, multiprocessors):
    """(rows, width, parts, shared bytes) for the "cluster" kernel, or None when it does not fit."""
    width = math.ceil(n / CLUSTER_SIZE)
    stride = 4 * math.ceil(n / 4)
    if width > MAX_THREADS:
        return None
    rows = ROWS_PER_BLOCK or min(16, _next_power_of_two(math.ceil(B * CLUSTER_SIZE / multiprocessors)))
    parts = max(1, min(stride // 4, 512 // width))
    while True:
        shared = (rows * stride + 2 * rows * width + parts * rows * width) * itemsize
        if shared <= SHARED_MAX:
            return rows, width, parts, shared
        if parts > 1:
            parts //= 2
        elif rows > 1:
            rows //= 2
        else:
            return None


def _launch_cluster(seq, M, start, hs, backward, device):
    """Clusters of blocks, each block a slice of the units (compute capability 9.0 and later)."""
    dtype = seq.dtype.type
    T, B, n = seq.shape
    plan = _cluster_plan(B, n, seq.itemsize, device.attributes["MultiProcessorCount"])
    if plan is None:
        return False
    rows, width, parts, shared = plan
    kernel = _compile("cluster", dtype, rows, 1, backward)
    most_threads = 32 * (kernel.attributes["max_threads_per_block"] // 32)
    while parts > 1 and width * parts > most_threads:
        parts //= 2
    if width * parts > most_threads:
        return False
    shared = (rows * (4 * math.ceil(n / 4)) + 2 * rows * width + parts * rows * width) * seq.itemsize
    threads = 32 * math.ceil(width * parts / 32)
    _with_shared(kernel, shared)((math.ceil(B / rows) * CLUSTER_SIZE,), (threads,),
                                 (M, seq, start, hs, np.int32(T), np.int32(B), np.int32(n), np.int32(width),
                                  np.int32(4 * math.ceil(n / 4)), np.int32(parts)),
                                 shared_mem=shared)
    return True


ONE_LAUNCH_MAX_BYTES = 2 << 20   # W_hh above this size: the per-step cuBLAS loop is faster (see below)


def _stepwise(seq, M, start, hs, backward):
    """The time loop on the host, one cuBLAS GEMM (C ← A·B + C) and one elementwise call per step.

    Used for large n_h: there every cluster of the one-launch kernel re-reads all of W_hh from the
    L2 cache at every step, and cuBLAS's tiled GEMM does better (gpu_kernel_sweep.py: B 256,
    n_h 1024 on an H100). Same arithmetic as the kernels.
    """
    import cupy
    from cupy import cublas
    T = seq.shape[0]
    steps = range(T - 1, -1, -1) if backward else range(T)
    previous = None if backward else start
    for t in steps:
        if previous is not None:
            cublas.gemm("N", "N", previous, M, out=seq[t], alpha=1.0, beta=1.0)   # += previous @ M
        if backward:
            seq[t] *= 1 - hs[t] * hs[t]                                         # ⊙ (1 − h_t²)
        else:
            cupy.tanh(seq[t], out=seq[t])
        previous = seq[t]
    return seq


def _launch(seq, M, start, hs, backward):
    import cupy
    _check(seq, M, start, hs)
    T, B, n = seq.shape
    if T == 0 or B == 0:
        return seq
    device = cupy.cuda.Device()
    kind = KERNEL
    if kind is None:
        if M.nbytes > ONE_LAUNCH_MAX_BYTES:
            kind = "loop"
        else:
            kind = "cluster" if int(device.compute_capability) >= 90 else "rows"
    if kind == "loop":
        return _stepwise(seq, M, start, hs, backward)
    if kind != "cluster" or not _launch_cluster(seq, M, start, hs, backward, device):
        _launch_rows(seq, M, start, hs, backward, device)
    return seq


def forward_recurrence(hs, h0, Whh):
    """(2.2) for all t in one launch: ``hs`` (T, B, n_h) holds a_t on entry and h_t on return."""
    import cupy
    h0 = cupy.ascontiguousarray(cupy.broadcast_to(h0, hs.shape[1:]), dtype=hs.dtype)
    return _launch(hs, cupy.ascontiguousarray(Whh, dtype=hs.dtype), h0, hs, backward=False)


def backward_recurrence(delta_h, hs, Whh):
    """(4.1) for all t in one launch: ``delta_h`` holds g_t = δy_t W_hyᵀ on entry and δh_t on return."""
    import cupy
    Whh_T = cupy.ascontiguousarray(Whh.T, dtype=delta_h.dtype)
    return _launch(delta_h, Whh_T, delta_h, cupy.ascontiguousarray(hs), backward=True)
