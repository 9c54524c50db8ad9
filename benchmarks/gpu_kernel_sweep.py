"""Check and tune rnn_core.fast.gpu_kernels on a GPU: correctness against numpy, then the tile sweep.

Usage (a machine with an NVIDIA GPU and CuPy):  python benchmarks/gpu_kernel_sweep.py [--out FILE]

1. The one-launch forward and backward recurrences against a numpy loop in float64, for awkward
   shapes (n not a multiple of 4 or 32, B not a multiple of the rows per block, n > 1024).
2. For the benchmark sizes, each tile (rows per block × columns per thread) of the forward and
   backward kernels, timed with CUDA events (median of 20), beside the per-step CuPy loop that
   the kernels replace. ``choose_tile`` in rnn_core/fast/gpu_kernels.py is set from this table.
"""
import argparse
import os
import statistics
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.run import torch_step  # noqa: E402
from rnn_core.fast import gpu_kernels  # noqa: E402


def reference(a, h0, Whh, g):
    """numpy float64 loops: h_t = tanh(a_t + h_{t-1} W), δh_t = (g_t + δh_{t+1} Wᵀ)(1 − h_t²)."""
    hs = np.empty_like(a)
    h = h0
    for t in range(a.shape[0]):
        h = hs[t] = np.tanh(a[t] + h @ Whh)
    delta = np.empty_like(g)
    carry = np.zeros_like(g[0])
    for t in range(g.shape[0] - 1, -1, -1):
        carry = delta[t] = (g[t] + carry @ Whh.T) * (1 - hs[t] ** 2)
    return hs, delta


def stepwise(cupy, a, h0, Whh, g):
    """The per-step CuPy loop that the kernels replace (two or three calls per step)."""
    hs = a.copy()
    h = h0
    for t in range(hs.shape[0]):
        hs[t] += h @ Whh
        h = cupy.tanh(hs[t], out=hs[t])
    delta = g.copy()
    deriv = 1 - hs * hs
    for t in range(delta.shape[0] - 1, -1, -1):
        delta[t] *= deriv[t]
        if t > 0:
            delta[t - 1] += delta[t] @ Whh.T
    return hs, delta


def full_step(cupy, B, T, V, n, dtype, fused):
    """forward + loss + BPTT gradients for integer inputs, as rnn_core.functional computes them."""
    rng = np.random.default_rng(0)
    Wxh, Whh, Why = (cupy.asarray(rng.standard_normal(shape) * 0.01, dtype=dtype) for shape in ((V, n), (n, n), (n, V)))
    bh, by = cupy.zeros((1, n), dtype), cupy.zeros((1, V), dtype)
    X, Y = cupy.asarray(rng.integers(0, V, (T, B))), cupy.asarray(rng.integers(0, V, (T, B)))
    h0 = cupy.zeros((B, n), dtype)
    eye = cupy.eye(V, dtype=dtype)

    def step():
        a = Wxh[X] + bh
        if fused:
            hs = gpu_kernels.forward_recurrence(a, h0, Whh)
        else:
            hs, h = a, h0
            for t in range(T):
                hs[t] += h @ Whh
                h = cupy.tanh(hs[t], out=hs[t])
        logits = hs.reshape(T * B, n) @ Why + by
        logits -= logits.max(axis=1, keepdims=True)
        ys = cupy.exp(logits)
        ys /= ys.sum(axis=1, keepdims=True)
        rows = cupy.arange(T * B)
        float(-cupy.log(ys[rows, Y.reshape(-1)]).mean())          # the loss, read on the host
        ys[rows, Y.reshape(-1)] -= 1
        dy = ys / (T * B)
        dWhy, dby = hs.reshape(T * B, n).T @ dy, dy.sum(axis=0)
        g = (dy @ Why.T).reshape(T, B, n)
        if fused:
            delta = gpu_kernels.backward_recurrence(g, hs, Whh)
        else:
            delta, deriv = g, 1 - hs * hs
            for t in range(T - 1, -1, -1):
                delta[t] *= deriv[t]
                if t > 0:
                    delta[t - 1] += delta[t] @ Whh.T
        rows_dh = delta.reshape(T * B, n)
        dWxh = eye[X.reshape(-1)].T @ rows_dh
        dWhh = h0.T @ delta[0] + hs[:-1].reshape(-1, n).T @ delta[1:].reshape(-1, n)
        return dWxh, dWhh, dWhy, rows_dh.sum(axis=0), dby
    return step


def torch_step_ms(B, T, V, n, dtype):
    """PyTorch's cuDNN step (benchmarks/run.py's ``torch_step``), median of 20, timed with CUDA events."""
    try:
        import torch
    except ImportError:
        return float("nan")
    step = torch_step(B, T, V, n, dtype, device="cuda")
    step()
    torch.cuda.synchronize()
    times = []
    for _ in range(20):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        step()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times)


def event_time_ms(cupy, fn, repeats=20):
    fn()
    cupy.cuda.Device().synchronize()
    times = []
    for _ in range(repeats):
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop))
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    import cupy
    lines = [f"GPU: {cupy.cuda.runtime.getDeviceProperties(0)['name'].decode()}, CuPy {cupy.__version__}", ""]

    def say(text):
        print(text, flush=True)
        lines.append(text)

    say("## Correctness (float64 against numpy; float32 against numpy float64)")
    rng = np.random.default_rng(0)
    worst = {np.float64: 0.0, np.float32: 0.0}
    for T, B, n in [(1, 1, 1), (5, 3, 7), (12, 5, 16), (30, 130, 33), (7, 9, 513), (10, 4, 1030), (100, 128, 512)]:
        a = rng.standard_normal((T, B, n))
        h0 = rng.standard_normal((B, n)) * 0.5
        Whh = rng.standard_normal((n, n)) * 0.9 / np.sqrt(n)      # spectral radius about 0.9
        g = rng.standard_normal((T, B, n))
        hs_ref, delta_ref = reference(a, h0, Whh, g)
        for dtype in (np.float64, np.float32):
            for kind, rows, cluster in [("rows", None, 8), ("rows", 8, 8), ("cluster", None, 8), ("cluster", 1, 8),
                                        ("cluster", 4, 4), ("cluster", 16, 8)]:
                gpu_kernels.KERNEL, gpu_kernels.ROWS_PER_BLOCK, gpu_kernels.CLUSTER_SIZE = kind, rows, cluster
                hs = gpu_kernels.forward_recurrence(cupy.asarray(a, dtype=dtype), cupy.asarray(h0, dtype=dtype),
                                                    cupy.asarray(Whh, dtype=dtype))
                delta = gpu_kernels.backward_recurrence(cupy.asarray(g, dtype=dtype), hs, cupy.asarray(Whh, dtype=dtype))
                error_h = float(np.abs(cupy.asnumpy(hs) - hs_ref).max())
                error_d = float(np.abs(cupy.asnumpy(delta) - delta_ref).max() / max(1.0, np.abs(delta_ref).max()))
                worst[dtype] = max(worst[dtype], error_h, error_d)
                if not (np.isfinite(error_h) and np.isfinite(error_d)) or max(error_h, error_d) > 1e-4:
                    say(f"BAD T={T} B={B} n={n} {np.dtype(dtype).name} {kind} rows={rows} cluster={cluster}: "
                        f"h error {error_h:.1e}, δh error {error_d:.1e}")
            gpu_kernels.KERNEL, gpu_kernels.ROWS_PER_BLOCK, gpu_kernels.CLUSTER_SIZE = None, None, 8
        say(f"T={T:>3} B={B:>3} n={n:>4}: worst so far float64 {worst[np.float64]:.1e}, float32 {worst[np.float32]:.1e}")
    say(f"worst error: float64 {worst[np.float64]:.2e} (need < 1e-12), float32 {worst[np.float32]:.2e} (need < 1e-4)")

    say("")
    say("## Tile sweep, ms per call (CUDA events, median of 20); T = 100")
    say("| B | n_h | dtype | per-step CuPy loop fwd+bwd | kernel | rows | kernel fwd | kernel bwd | fwd+bwd |")
    say("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for B, n in [(128, 512), (256, 1024), (32, 128)]:
        for dtype in (np.float32, np.float64):
            T = 100
            a = cupy.asarray(rng.standard_normal((T, B, n)), dtype=dtype)
            h0 = cupy.zeros((B, n), dtype=dtype)
            Whh = cupy.asarray(rng.standard_normal((n, n)) / np.sqrt(n), dtype=dtype)
            g = cupy.asarray(rng.standard_normal((T, B, n)), dtype=dtype)
            loop_ms = event_time_ms(cupy, lambda: stepwise(cupy, a, h0, Whh, g), repeats=5)
            configs = [("rows", 4, 1, 8), ("rows", 1, 1, 8)] + [("cluster", r, 1, c) for c in (4, 8) for r in (2, 4, 8, 16)]
            for kind, rows, cols, cluster in configs:
                    gpu_kernels.KERNEL, gpu_kernels.ROWS_PER_BLOCK = kind, rows
                    gpu_kernels.COLS_PER_THREAD, gpu_kernels.CLUSTER_SIZE = cols, cluster
                    try:
                        work = a.copy()
                        fwd = event_time_ms(cupy, lambda: gpu_kernels.forward_recurrence(work, h0, Whh))
                        hs = gpu_kernels.forward_recurrence(a.copy(), h0, Whh)
                        gwork = g.copy()
                        bwd = event_time_ms(cupy, lambda: gpu_kernels.backward_recurrence(gwork, hs, Whh))
                        say(f"| {B} | {n} | {np.dtype(dtype).name} | {loop_ms:.2f} | {kind} k{cluster} | {rows} | {fwd:.3f} | {bwd:.3f} | {fwd + bwd:.3f} |")
                    except Exception as err:  # a tile that does not fit: say so and go on
                        say(f"| {B} | {n} | {np.dtype(dtype).name} | {loop_ms:.2f} | {kind} k{cluster} | {rows} | failed: {type(err).__name__}: {str(err)[:80]} | | |")
            gpu_kernels.KERNEL, gpu_kernels.CLUSTER_SIZE = None, 8
            gpu_kernels.ROWS_PER_BLOCK = gpu_kernels.COLS_PER_THREAD = None
            plan = gpu_kernels._cluster_plan(B, n, np.dtype(dtype).itemsize,
                                             cupy.cuda.Device().attributes["MultiProcessorCount"])
            say(f"| {B} | {n} | {np.dtype(dtype).name} | automatic choice today: cluster (rows, width, parts, shared) = {plan} | | | | |")
    say("")
    say("## One training step (forward, loss, BPTT gradients), ms, CUDA events, median of 20")
    say("| B, T, V, n_h | dtype | per-step loop | one-launch kernels | PyTorch cuDNN | kernels ÷ cuDNN |")
    say("| --- | --- | ---: | ---: | ---: | ---: |")
    for B, T, V, n in [(128, 100, 65, 512), (256, 100, 65, 1024)]:
        for dtype in (np.float32, np.float64):
            loop = event_time_ms(cupy, full_step(cupy, B, T, V, n, dtype, fused=False), repeats=5)
            fused = event_time_ms(cupy, full_step(cupy, B, T, V, n, dtype, fused=True))
            torch_ms = torch_step_ms(B, T, V, n, dtype)
            say(f"| {B}, {T}, {V}, {n} | {np.dtype(dtype).name} | {loop:.2f} | {fused:.2f} | {torch_ms:.2f} | {fused / torch_ms:.2f} |")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    ok = worst[np.float64] < 1e-12 and worst[np.float32] < 1e-4
    print("CORRECTNESS", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
