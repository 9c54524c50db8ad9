"""CPU benchmarks: rnn_core against the lecture's one-sequence loop and PyTorch.

Usage:  python -m benchmarks.run [--sizes small,medium,large] [--repeats N] [--tiny]
                                 [--skip-quality] [--out FILE]

The unit measured is one training step's gradient computation: forward pass, loss and BPTT
(no parameter update). Implementations run round-robin inside each repetition, so drift in
the machine's speed hits all of them alike; the table reports medians.
"""
import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc

import numpy as np

import rnn_core as rc
from benchmarks.lecture_loop import LectureRNN, rows

LECTURE_SGD_LR = 0.1   # the notes' 0.01 is far too slow here; 0.5 diverges before reaching 1.5 nats

SIZES = {               # B, T, vocabulary, n_h
    "tiny": (2, 5, 11, 8),
    "small": (1, 25, 65, 100),
    "medium": (32, 50, 65, 128),
    "large": (128, 100, 65, 512),
}


def flops_per_step(B, T, V, H):
    """Matrix-multiply flops of forward + BPTT, counting a one-hot input as a dense product.

    Per token: forward 2VH (input) + 2HH (recurrence) + 2HV (output);
    backward 2HV (dWhy) + 2HV (δy Whyᵀ) + 2HH (δh Whhᵀ) + 2HH (dWhh) + 2VH (dWxh).
    Total 10·V·H + 6·H² per token, times B·T tokens.
    """
    return B * T * (10 * V * H + 6 * H * H)


def matmul_peak_gflops(dtype, n=1024, repeats=7):
    """Best observed GFLOP/s of one n×n by n×n numpy product: this machine's practical peak."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def make_data(B, T, V, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))


# ----------------------------------------------------------------------------- implementations
def lecture_step(B, T, V, H):
    """(a) The lecture's class, one sequence at a time, B sequences per step."""
    model = rc.VanillaRNN(V, H, V, seed=0, backend="numpy")
    lecture = LectureRNN(**{k: v.copy() for k, v in model.params.items()})
    X, Y = make_data(B, T, V)
    sequences = [(rows(X[:, b], V), rows(Y[:, b], V)) for b in range(B)]

    def step():
        for x_rows, y_rows in sequences:
            hs, ys = lecture.forward(x_rows)
            lecture.gradients(x_rows, y_rows, hs, ys)
    return step


def rnn_core_step(B, T, V, H, dtype, integer_inputs=True, backend="numpy"):
    """(b) rnn_core, batched; dense one-hot inputs or integer indices; numpy or CuPy."""
    model = rc.VanillaRNN(V, H, V, seed=0, dtype=dtype, backend=backend)
    X, Y = make_data(B, T, V)
    inputs = model.xp.asarray(X if integer_inputs else rc.one_hot(X, V, dtype=dtype))
    Y = model.xp.asarray(Y)

    def step():
        hs, ys = model.forward(inputs)
        model.compute_loss(Y, ys)
        model.gradients(inputs, Y, hs, ys)
    return step


def torch_step(B, T, V, H, dtype, device="cpu"):
    """(c) PyTorch: nn.RNN(tanh) → nn.Linear → cross-entropy, autograd (cuDNN on ``device="cuda"``)."""
    import torch
    torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
    torch.manual_seed(0)
    rnn = torch.nn.RNN(V, H, nonlinearity="tanh").to(device, torch_dtype)
    head = torch.nn.Linear(H, V).to(device, torch_dtype)
    X, Y = make_data(B, T, V)
    inputs = torch.nn.functional.one_hot(torch.from_numpy(X), V).to(device, torch_dtype)
    targets = torch.from_numpy(Y).reshape(-1).to(device)

    def step():
        rnn.zero_grad(set_to_none=True)
        head.zero_grad(set_to_none=True)
        hidden, _ = rnn(inputs)
        loss = torch.nn.functional.cross_entropy(head(hidden).reshape(T * B, V), targets)
        loss.backward()
    return step


def torch_version():
    try:
        import torch
    except ImportError:
        return None
    return torch.__version__


def implementations(B, T, V, H, with_lecture=True):
    impls = {}
    if with_lecture:
        impls["(a) lecture loop, float64"] = ("float64", lecture_step(B, T, V, H))
    for dtype in (np.float64, np.float32):
        name = np.dtype(dtype).name
        impls[f"(b) rnn_core, one-hot, {name}"] = (name, rnn_core_step(B, T, V, H, dtype, False))
        impls[f"(b) rnn_core, integer, {name}"] = (name, rnn_core_step(B, T, V, H, dtype, True))
    if torch_version():
        for dtype in (np.float64, np.float32):
            name = np.dtype(dtype).name
            impls[f"(c) PyTorch nn.RNN, {name}"] = (name, torch_step(B, T, V, H, dtype))
    return impls


def peak_memory_mb(step):
    """Peak bytes allocated through Python's tracemalloc during one step (numpy reports there)."""
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2 ** 20


def measure(size, repeats, peaks):
    B, T, V, H = SIZES[size]
    impls = implementations(B, T, V, H, with_lecture=(size != "large" or repeats <= 5))
    for _, step in impls.values():
        step()                                         # warm up: caches, allocator, threads
    times = {name: [] for name in impls}
    for _ in range(repeats):
        for name, (_, step) in impls.items():          # round-robin: drift hits all alike
            times[name].append(_timed(step))
    flops = flops_per_step(B, T, V, H)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    lecture = medians.get("(a) lecture loop, float64")
    rows_out = []
    for name, (dtype, step) in impls.items():
        median = medians[name]
        torch_ref = medians.get(f"(c) PyTorch nn.RNN, {dtype}")
        memory = peak_memory_mb(step) if not name.startswith("(c)") else None
        rows_out.append({
            "size": size, "implementation": name, "ms": median * 1e3,
            "tokens_per_s": B * T / median,
            "vs_torch": median / torch_ref if torch_ref else None,
            "speedup_vs_lecture": lecture / median if lecture else None,
            "gflops": flops / median / 1e9,
            "peak_fraction": flops / median / 1e9 / peaks[dtype],
            "memory_mb": memory,
        })
    return rows_out


# ----------------------------------------------------------------------------- time to quality
def time_to_quality(threshold, time_cap, seed=0):
    """Wall time until the whole-text loss per character first drops below ``threshold``.

    The clock runs only while training; the loss is evaluated on the whole text after every
    update, with the clock stopped.
    """
    text = rc.zen_of_python()
    char_to_idx, _ = rc.vocabulary_from_text(text)
    V, H, L = len(char_to_idx), 100, 25
    data = rc.encode(text, char_to_idx)
    inputs, targets = data[:-1], data[1:]
    results = {}

    def evaluate(params):
        probe = rc.VanillaRNN(V, H, V, backend="numpy")
        for name, value in params.items():
            getattr(probe, name)[...] = value
        return probe.compute_loss(targets, probe.forward(inputs)[1])

    def run(name, update, params):
        trained, updates = 0.0, 0
        loss = evaluate(params)
        while loss >= threshold and trained < time_cap:
            start = time.perf_counter()
            update()
            trained, updates = trained + time.perf_counter() - start, updates + 1
            loss = evaluate(params)
        results[name] = (trained if loss < threshold else None, updates, loss)

    def per_sequence(optimizer_name, lr):
        model = rc.VanillaRNN(V, H, V, seed=seed, backend="numpy")
        lecture = LectureRNN(**{k: v.copy() for k, v in model.params.items()})
        memory = {k: np.zeros_like(v) for k, v in lecture.params.items()}
        state = {"position": 0, "h": None}

        def update():
            p = state["position"]
            if p + L + 1 > len(data):
                p, state["h"] = 0, None
            x_rows, y_rows = rows(data[p:p + L], V), rows(data[p + 1:p + L + 1], V)
            h0 = state["h"]
            hs, ys = lecture.forward(x_rows, h0)
            # The lecture uses the mean (1/T); min-char-rnn sums over the 25 steps.
            grads = lecture.gradients(x_rows, y_rows, hs, ys, h0, scale=1.0 if optimizer_name == "adagrad" else None)
            for key, param in lecture.params.items():
                g = np.clip(grads[key], -5, 5)
                if optimizer_name == "adagrad":
                    memory[key] += g * g
                    param -= lr * g / np.sqrt(memory[key] + 1e-8)
                else:
                    param -= lr * g
            state["position"], state["h"] = p + L, hs[-1]
        return update, lecture.params

    update, params = per_sequence("sgd", LECTURE_SGD_LR)
    run(f"lecture loop, SGD (lr {LECTURE_SGD_LR}), one sequence of 25", update, params)
    update, params = per_sequence("adagrad", 0.1)
    run("min-char-rnn style, Adagrad (lr 0.1), one sequence of 25", update, params)

    model = rc.VanillaRNN(V, H, V, lr=0.01, seed=seed, backend="numpy", optimizer="adam")
    chunks = list(rc.data.text_stream_batches(data, batch_size=8, seq_length=L))
    state = {"chunk": 0, "h": None}

    def batched_update():
        k = state["chunk"] % len(chunks)
        if k == 0:
            state["h"] = None
        X, Y = chunks[k]
        _, hs = model.train_step(X, Y, h0=state["h"])
        state["chunk"], state["h"] = state["chunk"] + 1, hs[-1].copy()   # a copy: hs can be reused
    run("rnn_core, Adam (lr 0.01), batches of 8 × 25", batched_update, model.params)
    return threshold, results


# ----------------------------------------------------------------------------- report
def machine_description():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info
        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            blas = ", ".join(f"{p['internal_api']} {p.get('version', '')} ({p['num_threads']} threads)" for p in pools)
    except ImportError:
        pass
    torch = torch_version()
    threads = ""
    if torch:
        import torch as _torch
        threads = f", {_torch.get_num_threads()} threads"
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, numpy {np.__version__} "
            f"(BLAS: {blas}); PyTorch {torch + threads if torch else 'not installed (not run)'}")


def _fmt(value, spec, missing="—"):
    return missing if value is None else format(value, spec)


def report(results, peaks, quality, machine):
    lines = ["# rnn_core CPU benchmark", "", f"Machine: {machine}.", "",
             f"Measured matrix-multiply peak (square numpy product): float64 {peaks['float64']:.1f} GFLOP/s, "
             f"float32 {peaks['float32']:.1f} GFLOP/s.", "",
             "One step = forward + loss + BPTT gradients (no update). Median over interleaved repetitions.", "",
             "| size (B, T, V, n_h) | implementation | ms / step | tokens / s | time ÷ PyTorch (same dtype) "
             "| speed-up over (a) | GFLOP/s | of matmul peak | peak memory (MiB) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in results:
        B, T, V, H = SIZES[row["size"]]
        lines.append(
            f"| {row['size']} ({B}, {T}, {V}, {H}) | {row['implementation']} | {row['ms']:.3f} | "
            f"{row['tokens_per_s']:,.0f} | {_fmt(row['vs_torch'], '.2f')} | {_fmt(row['speedup_vs_lecture'], '.1f')}"
            f"{'×' if row['speedup_vs_lecture'] else ''} | {row['gflops']:.2f} | {row['peak_fraction']:.0%} | "
            f"{_fmt(row['memory_mb'], '.1f', 'not measured')} |")
    lines += ["", "Peak memory is what numpy allocated during one step (tracemalloc); PyTorch's allocator "
              "is not visible to it. GFLOP/s counts 10·V·n_h + 6·n_h² matmul flops per token."]
    if quality:
        threshold, runs = quality
        lines += ["", f"## Time to quality: Zen of Python, until the whole-text loss < {threshold} nats/char",
                  "", "| method | training time (s) | updates | loss reached |", "| --- | ---: | ---: | ---: |"]
        for name, (seconds, updates, loss) in runs.items():
            lines.append(f"| {name} | {_fmt(seconds, '.2f', 'not reached')} | {updates} | {loss:.3f} |")
    return "\n".join(lines) + "\n"


def publish(text, out):
    """Print the report, and write it to ``out`` (creating its folder) unless ``out`` is empty."""
    print(text)
    if out:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w", encoding="utf-8") as stream:
            stream.write(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,medium,large", help="comma-separated, or 'none'")
    parser.add_argument("--repeats", type=int, default=None, help="repetitions per size")
    parser.add_argument("--tiny", action="store_true", help="a seconds-long run for smoke tests")
    parser.add_argument("--skip-quality", action="store_true", help="skip the time-to-quality runs")
    parser.add_argument("--quality-threshold", type=float, default=1.5)
    parser.add_argument("--quality-cap", type=float, default=40.0, help="seconds per method at most")
    parser.add_argument("--out", default=None,
                        help="also write the report to this file (default: benchmarks/results/cpu.md; "
                             "with --tiny, nowhere unless --out is given)")
    args = parser.parse_args(argv)
    sizes = ["tiny"] if args.tiny else [s.strip() for s in args.sizes.split(",") if s.strip() not in ("", "none")]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {unknown}; expected some of {', '.join(SIZES)}")
    peaks = {"float64": matmul_peak_gflops(np.float64, n=256 if args.tiny else 1024, repeats=2 if args.tiny else 7),
             "float32": matmul_peak_gflops(np.float32, n=256 if args.tiny else 1024, repeats=2 if args.tiny else 7)}
    results = []
    for size in sizes:
        repeats = args.repeats or {"tiny": 3, "small": 200, "medium": 30, "large": 5}[size]
        results += measure(size, repeats, peaks)
        print(f"measured {size}", file=sys.stderr, flush=True)
    quality = None
    if not args.skip_quality:
        quality = time_to_quality(args.quality_threshold, 1.0 if args.tiny else args.quality_cap)
    text = report(results, peaks, quality, machine_description())
    # A --tiny smoke run must not overwrite the committed table that the README links to.
    out = args.out if args.out is not None else ("" if args.tiny else os.path.join("benchmarks", "results", "cpu.md"))
    publish(text, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
