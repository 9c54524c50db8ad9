"""The three cells on the CPU: rnn_core's vanilla RNN, LSTM and GRU against PyTorch's nn.RNN / nn.LSTM / nn.GRU.

Usage:  python -m benchmarks.gated_bench [--sizes medium] [--repeats N] [--threads N] [--tiny] [--out FILE]

The unit is the one ``benchmarks.run`` measures: one training step's forward pass, loss and
BPTT gradients (no update), integer inputs for rnn_core and one-hot inputs for PyTorch, the
implementations interleaved within each repetition; the table reports medians and each
rnn_core time divided by PyTorch's for the same cell and dtype. PyTorch's GRU is the
reset-after variant (8.7′), so rnn_core's ``GRU(reset_after=True)`` is the like-for-like row;
the (8.7) GRU of notebook 08 needs two products with h_{t-1} per step instead of one.
``gated_rows`` is what ``benchmarks.run`` can call to add these rows to its own report.
"""
import argparse
import statistics
import sys
import time

import numpy as np

import rnn_core as rc
from benchmarks.run import SIZES, machine_description, make_data, publish, torch_version

CELLS = {   # name → (rnn_core constructor, its options, PyTorch module name)
    "vanilla (tanh)": (rc.VanillaRNN, {}, "RNN"),
    "LSTM": (rc.LSTM, {}, "LSTM"),
    "GRU (8.7′, reset after)": (rc.GRU, {"reset_after": True}, "GRU"),
    "GRU (8.7, notebook 08)": (rc.GRU, {}, None),
}


def rnn_core_step(cell, B, T, V, H, dtype):
    cls, options, _ = CELLS[cell]
    model = cls(V, H, V, seed=0, dtype=dtype, backend="numpy", **options)
    X, Y = make_data(B, T, V)

    def step():
        hs, ys = model.forward(X)
        model.compute_loss(Y, ys)
        model.gradients(X, Y, hs, ys)
    return step


def torch_step(module_name, B, T, V, H, dtype):
    import torch
    torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
    torch.manual_seed(0)
    cell = getattr(torch.nn, module_name)(V, H).to(torch_dtype)
    head = torch.nn.Linear(H, V).to(torch_dtype)
    X, Y = make_data(B, T, V)
    inputs = torch.nn.functional.one_hot(torch.from_numpy(X), V).to(torch_dtype)
    targets = torch.from_numpy(Y).reshape(-1)

    def step():
        cell.zero_grad(set_to_none=True)
        head.zero_grad(set_to_none=True)
        hidden, _ = cell(inputs)
        loss = torch.nn.functional.cross_entropy(head(hidden).reshape(T * B, V), targets)
        loss.backward()
    return step


def gated_rows(size="medium", repeats=20):
    """Measure every cell at ``size``; rows of dicts (size, implementation, ms, vs_torch)."""
    B, T, V, H = SIZES[size]
    impls = {}
    with_torch = torch_version() is not None
    for cell, (_, _, module_name) in CELLS.items():
        for dtype in (np.float64, np.float32):
            name = np.dtype(dtype).name
            impls[(cell, "rnn_core", name)] = rnn_core_step(cell, B, T, V, H, dtype)
            if with_torch and module_name:
                impls[(module_name, "PyTorch", name)] = torch_step(module_name, B, T, V, H, dtype)
    for step in impls.values():
        step()                                             # warm up
    times = {key: [] for key in impls}
    for _ in range(repeats):
        for key, step in impls.items():                    # round-robin: drift hits all alike
            start = time.perf_counter()
            step()
            times[key].append(time.perf_counter() - start)
    medians = {key: statistics.median(ts) for key, ts in times.items()}
    rows = []
    for (cell, library, dtype), median in medians.items():
        module_name = CELLS[cell][2] if cell in CELLS else cell
        reference = medians.get((module_name, "PyTorch", dtype))
        rows.append({"size": size, "cell": cell, "library": library, "dtype": dtype, "ms": median * 1e3,
                     "tokens_per_s": B * T / median, "vs_torch": median / reference if reference else None})
    return rows


def report(rows, repeats, threads=None):
    lines = ["# The vanilla RNN, LSTM and GRU: rnn_core against PyTorch (CPU)", "",
             f"Machine: {machine_description()}"
             + (f"; both libraries limited to {threads} thread(s)" if threads else "") + ".", "",
             f"One step = forward + loss + BPTT gradients (no update); median of {repeats} interleaved "
             f"repetitions. PyTorch {torch_version() or 'not installed (not run)'}.", "",
             "| size (B, T, V, n_h) | cell | library | dtype | ms / step | tokens / s | time ÷ PyTorch |",
             "| --- | --- | --- | --- | ---: | ---: | ---: |"]
    for row in rows:
        B, T, V, H = SIZES[row["size"]]
        ratio = "—" if row["vs_torch"] is None else f"{row['vs_torch']:.2f}"
        lines.append(f"| {row['size']} ({B}, {T}, {V}, {H}) | {row['cell']} | {row['library']} | {row['dtype']} | "
                     f"{row['ms']:.2f} | {row['tokens_per_s']:,.0f} | {ratio} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="medium")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--tiny", action="store_true", help="a seconds-long smoke run")
    parser.add_argument("--out", default="", help="also write the table to this file")
    parser.add_argument("--note", default="", help="a sentence to add under the table (e.g. the machine's load)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS and PyTorch threads (default: leave both libraries' own settings)")
    args = parser.parse_args(argv)
    if args.threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
        if torch_version():
            import torch
            torch.set_num_threads(args.threads)
    sizes = ["tiny"] if args.tiny else [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {unknown}; expected some of {', '.join(SIZES)}")
    repeats = 3 if args.tiny else args.repeats
    rows = [row for size in sizes for row in gated_rows(size, repeats)]
    text = report(rows, repeats, args.threads)
    publish(text + (f"\n{args.note}\n" if args.note else ""), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
