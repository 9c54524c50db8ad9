"""Execute the notebooks in place, top to bottom, each in a fresh kernel.

Runs every ``notebooks/*.ipynb`` in name order (or only the notebooks given on
the command line) with nbconvert's ``ExecutePreprocessor`` (kernel
``python3``, cell timeout 300 s, working directory = the notebook's folder,
i.e. ``notebooks/``), saves the result over the original, and then
normalises it with ``normalize_notebooks.py``: the metadata becomes what
JupyterLab writes (with the reference Python's version, whatever Python ran
the kernel), timings are dropped and split stream outputs merged, so only
real changes end up in the diff.  The wall time of every notebook is printed.

The kernels inherit ``PYTHONHASHSEED=0`` and
``MPLBACKEND=module://matplotlib_inline.backend_inline`` so the stored outputs
are reproducible.  Thread counts are left alone.

Execution stops at the first notebook that raises; that notebook is not
written and the exit status is 1.

Usage::

    python tools/execute_notebooks.py                    # all notebooks
    python tools/execute_notebooks.py 02_bptt.ipynb      # names in notebooks/ or paths
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import _nbio  # noqa: E402
import normalize_notebooks  # noqa: E402

KERNEL_NAME = "python3"
TIMEOUT_S = 300
KERNEL_ENV = {
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}


def execute_notebook(path: Path, kernel_name: str = KERNEL_NAME, timeout: int = TIMEOUT_S) -> None:
    """Execute ``path`` in a fresh kernel and write it back, normalised."""
    from nbconvert.preprocessors import ExecutePreprocessor

    nb = _nbio.read_notebook(path)
    ep = ExecutePreprocessor(timeout=timeout, kernel_name=kernel_name)
    ep.preprocess(nb, {"metadata": {"path": str(path.parent)}})
    normalize_notebooks.normalize(nb)
    _nbio.write_if_changed(path, _nbio.notebook_text(nb))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="execute_notebooks.py",
        description="Execute notebooks in place in a fresh kernel, then normalise them.",
    )
    _nbio.add_root_argument(parser)
    parser.add_argument(
        "notebooks",
        nargs="*",
        help="notebooks to run (paths, or names inside notebooks/; default: all, in order)",
    )
    parser.add_argument(
        "--timeout", type=int, default=TIMEOUT_S, help=f"per-cell timeout in seconds (default {TIMEOUT_S})"
    )
    parser.add_argument(
        "--kernel", default=KERNEL_NAME, help=f"kernel name (default {KERNEL_NAME})"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    root = _nbio.resolve_root(args.root)
    try:
        paths = normalize_notebooks.resolve_notebooks(args.notebooks, root)
    except FileNotFoundError as exc:
        print(f"error: notebook not found: {exc}", file=sys.stderr)
        return 2
    if not paths:
        print("no notebooks to execute")
        return 0

    os.environ.update(KERNEL_ENV)
    total = 0.0
    for path in paths:
        name = _nbio.display_path(path, root)
        print(f"executing {name} ...", flush=True)
        t0 = time.perf_counter()
        try:
            execute_notebook(path, kernel_name=args.kernel, timeout=args.timeout)
        except Exception as exc:  # CellExecutionError, timeouts, dead kernels
            elapsed = time.perf_counter() - t0
            print(f"FAILED {name} after {elapsed:.1f} s:\n{exc}", file=sys.stderr)
            return 1
        elapsed = time.perf_counter() - t0
        total += elapsed
        print(f"  {name}: {elapsed:.1f} s", flush=True)
    print(f"executed {len(paths)} notebooks in {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
