"""GPU benchmark: rnn_core on CuPy against rnn_core on numpy and PyTorch's cuDNN nn.RNN.

Usage (on a machine with an NVIDIA GPU, CuPy and PyTorch):
    python benchmarks/gpu_bench.py [--out FILE] [--runs 3]

One step = forward + loss + BPTT gradients, as in ``benchmarks/run.py``. GPU timings
synchronize the device before reading the clock. CuPy is timed three ways: the time loop on
the host (one cuBLAS call and one elementwise call per step, the old path), the one-launch
recurrence kernel (rnn_core/fast/gpu_kernels.py), and the library's default, which picks between
them by the size of W_hh. Each is measured in ``--runs`` separate runs (median of
``--repeats`` steps each) and reported as the range over the runs. It also times fused elementwise kernels
(``cupy.ElementwiseKernel``) for the tanh step and its derivative against the unfused
operations, and the host-side cost of one CuPy call, which bounds a per-step time loop.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import rnn_core as rc  # noqa: E402
from rnn_core.fast import gpu_kernels  # noqa: E402
from benchmarks.run import publish, rnn_core_step, torch_step  # noqa: E402

SIZES = {"medium": (32, 50, 65, 128), "large": (128, 100, 65, 512), "xl": (256, 100, 65, 1024)}   # B, T, V, n_h


def require_gpu():
    try:
        import cupy
    except ImportError:
        sys.exit("gpu_bench.py needs CuPy (`python3 tools/course.py install --group gpu`, or `pip install cupy-cuda12x`) and an NVIDIA GPU")
    if not rc.gpu_available():
        sys.exit("gpu_bench.py found CuPy but no usable GPU")
    return cupy


def median_time(step, synchronize, repeats):
    step()
    synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fused_kernels(cupy, B, H, dtype, repeats=200):
    """Per-call time of the tanh step and its derivative: unfused operations vs one kernel."""
    tanh_step = cupy.ElementwiseKernel("T a, T b", "T h", "h = tanh(a + b)", "rnn_tanh_step")
    tanh_backward = cupy.ElementwiseKernel("T h, T dh", "T out", "out = (1 - h * h) * dh", "rnn_tanh_backward")
    rng = np.random.default_rng(0)
    a, b = (cupy.asarray(rng.standard_normal((B, H)).astype(dtype)) for _ in range(2))
    out = cupy.empty_like(a)
    sync = cupy.cuda.Device().synchronize

    def per_call(fn):
        return median_time(fn, sync, repeats) * 1e6

    unfused_forward = per_call(lambda: cupy.tanh(cupy.add(a, b, out=out), out=out))
    fused_forward = per_call(lambda: tanh_step(a, b, out))
    unfused_backward = per_call(lambda: cupy.multiply(1 - a * a, b, out=out))
    fused_backward = per_call(lambda: tanh_backward(a, b, out))
    assert float(cupy.abs(tanh_step(a, b) - cupy.tanh(a + b)).max()) < 1e-5
    assert float(cupy.abs(tanh_backward(a, b) - (1 - a * a) * b).max()) < 1e-4
    one_call = per_call(lambda: cupy.tanh(a, out=out))
    return unfused_forward, fused_forward, unfused_backward, fused_backward, one_call


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("benchmarks", "results", "gpu.md"))
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    cupy = require_gpu()
    try:
        import torch
        has_torch = torch.cuda.is_available()
    except ImportError:
        has_torch = False
    device = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    lines = ["# rnn_core GPU benchmark", "",
             f"GPU: {device}; CuPy {cupy.__version__}, numpy {np.__version__}"
             + (f", PyTorch {torch.__version__} (cuDNN {torch.backends.cudnn.version()})" if has_torch else
                ", PyTorch not available (not run)") + ".", "",
             "One step = forward + loss + BPTT gradients (integer inputs for rnn_core, one-hot for PyTorch). "
             f"GPU columns: the range over {args.runs} runs, each the median of {args.repeats} steps. "
             "Per-step loop: the time loop on the host (the old path); one launch: the recurrence kernel of "
             "rnn_core/fast/gpu_kernels.py; default: what the library uses (the kernel while W_hh is at most 2 MiB).", "",
             "| size (B, T, V, n_h) | dtype | numpy ms | CuPy per-step loop ms | CuPy one launch ms | CuPy default ms "
             "| PyTorch cuDNN ms | default ÷ cuDNN |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    sync = cupy.cuda.Device().synchronize

    def cupy_ms(B, T, V, H, dtype, kernel):
        gpu_kernels.KERNEL = kernel
        try:
            return median_time(rnn_core_step(B, T, V, H, dtype, backend="cupy"), sync, args.repeats) * 1e3
        finally:
            gpu_kernels.KERNEL = None

    def span(values):
        return f"{min(values):.2f}–{max(values):.2f}"

    for size, (B, T, V, H) in SIZES.items():
        for dtype in (np.float32, np.float64):
            numpy_ms = median_time(rnn_core_step(B, T, V, H, dtype, backend="numpy"), lambda: None, 3) * 1e3
            runs = {"loop": [], "one": [], "default": [], "torch": []}
            for _ in range(args.runs):
                runs["loop"].append(cupy_ms(B, T, V, H, dtype, "loop"))
                runs["one"].append(cupy_ms(B, T, V, H, dtype, "cluster"))
                runs["default"].append(cupy_ms(B, T, V, H, dtype, None))
                if has_torch:
                    runs["torch"].append(median_time(torch_step(B, T, V, H, dtype, device="cuda"),
                                                     torch.cuda.synchronize, args.repeats) * 1e3)
            ratio = "—"
            if has_torch:
                ratio = f"{min(runs['default']) / max(runs['torch']):.2f}–{max(runs['default']) / min(runs['torch']):.2f}"
            lines.append(f"| {size} ({B}, {T}, {V}, {H}) | {np.dtype(dtype).name} | {numpy_ms:.1f} | {span(runs['loop'])} | "
                         f"{span(runs['one'])} | {span(runs['default'])} | {span(runs['torch']) if has_torch else '—'} | {ratio} |")
            print(lines[-1], flush=True)
    B, H = SIZES["large"][0], SIZES["large"][3]
    uf, ff, ub, fb, one = fused_kernels(cupy, B, H, np.float32)
    lines += ["", f"## Fused elementwise kernels (B = {B}, n_h = {H}, float32), µs per call", "",
              "| operation | unfused CuPy | one ElementwiseKernel |", "| --- | ---: | ---: |",
              f"| h = tanh(a + b) | {uf:.1f} | {ff:.1f} |",
              f"| (1 − h²) ⊙ dh | {ub:.1f} | {fb:.1f} |", "",
              f"One CuPy call (tanh of a ({B}, {H}) array) costs {one:.1f} µs from call to completion: a time "
              f"loop of T steps with k calls per step costs at least about T·k times that, whatever the GPU's "
              f"arithmetic speed."]
    text = "\n".join(lines) + "\n"
    publish(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
