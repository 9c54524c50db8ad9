"""Normalise notebook metadata so that commits don't churn.

The stored metadata is exactly what JupyterLab 4 writes when an instructor opens a notebook
with the project's kernel and saves it unchanged, so that doing so leaves ``git diff`` empty:

* the kernelspec becomes
  ``{"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}``
  (what JupyterLab copies from the kernel's spec);
* ``language_info`` becomes what the python3 ipykernel reports in its kernel_info reply
  (``codemirror_mode``, ``file_extension``, ``mimetype``, ``name``, ``nbconvert_exporter``,
  ``pygments_lexer``, ``version``), which JupyterLab stores when the kernel starts.  The
  ``version`` is the reference environment's Python, ``REFERENCE_PYTHON_VERSION`` (the Python
  that executes the stored outputs and runs CI); a kernel on another Python writes its own
  version there, the one line JupyterLab then changes (see CONTRIBUTING.md, "Quiet files");
* ``nbformat_minor`` is at least 5 (cell ids), as JupyterLab 4 writes new notebooks; the JSON
  layout (indent 1, sorted keys, UTF-8, trailing newline) is nbformat's, which Jupyter's
  server uses to save;
* per-cell ``execution`` timing metadata is removed;
* saved ipywidgets state (``metadata.widgets``, written when the live demos run headless) is
  removed: the widgets need a kernel anyway, and the state churns on every run; cells' own
  metadata, ``slideshow`` (tools/slides.py) included, is kept;
* every cell tagged ``solution`` gets ``"jupyter": {"source_hidden": true}``;
* consecutive stream outputs of the same stream (stdout or stderr) are merged into one, as
  nbval compares them: how a kernel happens to split printed text into messages depends on
  timing, and merging keeps a re-executed notebook byte-identical.

Output text, execution counts, sources and cell ids are left exactly as they are.
Files are only written when they change, so running twice changes nothing.

Usage::

    python tools/normalize_notebooks.py                       # all notebooks/*.ipynb
    python tools/normalize_notebooks.py notebooks/01_x.ipynb  # just these
    python tools/normalize_notebooks.py --check               # exit 1 if any would change
"""

from __future__ import annotations

import argparse
import copy
import sys
import uuid
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import _nbio  # noqa: E402

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
# The Python of the reference environment (the CI machine, where `make notebooks` runs), as
# ipykernel reports it (platform.python_version()). Change it together with that machine.
REFERENCE_PYTHON_VERSION = "3.11.7"
# ipykernel's kernel_info reply (ipykernel 6 and 7), which JupyterLab stores unchanged.
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": REFERENCE_PYTHON_VERSION,
}
NBFORMAT_MINOR = 5  # nbformat 4.5: cell ids, what JupyterLab 4 writes
SOLUTION_TAG = "solution"


def new_cell_id(used: set[str]) -> str:
    """A cell id (nbformat 4.5: 1-64 characters of ``[a-zA-Z0-9-_]``) not in ``used``."""
    while True:
        cell_id = uuid.uuid4().hex[:8]
        if cell_id not in used:
            used.add(cell_id)
            return cell_id


def merge_streams(outputs) -> list:
    """``outputs`` with each run of same-name stream outputs joined into one output."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def normalize(nb) -> None:
    """Normalise ``nb`` in place."""
    nb.metadata["kernelspec"] = copy.deepcopy(KERNELSPEC)
    nb.metadata["language_info"] = copy.deepcopy(LANGUAGE_INFO)
    nb.metadata.pop("widgets", None)
    if nb.get("nbformat_minor", 0) < NBFORMAT_MINOR:
        nb["nbformat_minor"] = NBFORMAT_MINOR
        used = _nbio.existing_ids(nb.cells)
        for cell in nb.cells:
            if "id" not in cell:
                cell["id"] = new_cell_id(used)
    for cell in nb.cells:
        meta = cell.setdefault("metadata", {})
        meta.pop("execution", None)
        if cell.get("cell_type") == "code" and cell.get("outputs"):
            cell["outputs"] = merge_streams(cell["outputs"])
        if SOLUTION_TAG in _nbio.cell_tags(cell):
            jupyter = meta.get("jupyter")
            if not isinstance(jupyter, dict):
                jupyter = {}
            jupyter["source_hidden"] = True
            meta["jupyter"] = jupyter


def normalized_text(path: Path) -> str:
    nb = _nbio.read_notebook(path)
    normalize(nb)
    return _nbio.notebook_text(nb)


def normalize_files(paths: list[Path], root: Path, check: bool = False) -> list[Path]:
    """Normalise (or, with ``check``, only inspect) ``paths``; return those that changed/are stale."""
    changed = []
    for path in paths:
        text = normalized_text(path)
        if check:
            if _nbio.is_stale(path, text):
                changed.append(path)
        elif _nbio.write_if_changed(path, text):
            changed.append(path)
    return changed


def resolve_notebooks(names: list[str], root: Path) -> list[Path]:
    """Command-line names as paths: as given, else looked up in notebooks/."""
    if not names:
        return _nbio.all_notebooks(root)
    paths = []
    for name in names:
        p = Path(name)
        if not p.is_file() and (_nbio.notebooks_dir(root) / name).is_file():
            p = _nbio.notebooks_dir(root) / name
        if not p.is_file():
            raise FileNotFoundError(name)
        paths.append(p.resolve())
    return paths


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="normalize_notebooks.py",
        description="Store the kernelspec/language_info JupyterLab writes, drop execution "
        "timings, merge split stream outputs, hide solution sources.",
    )
    _nbio.add_root_argument(parser)
    parser.add_argument(
        "notebooks",
        nargs="*",
        help="notebooks to normalise (paths, or names inside notebooks/; default: all)",
    )
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if any notebook would change"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    root = _nbio.resolve_root(args.root)
    try:
        paths = resolve_notebooks(args.notebooks, root)
    except FileNotFoundError as exc:
        print(f"error: notebook not found: {exc}", file=sys.stderr)
        return 2
    changed = normalize_files(paths, root, check=args.check)
    label = "stale" if args.check else "normalized"
    for p in changed:
        print(f"{label}: {_nbio.display_path(p, root)}")
    if args.check:
        if changed:
            print("run `python tools/normalize_notebooks.py` to fix", file=sys.stderr)
            return 1
        print(f"all {len(paths)} notebooks normalized")
        return 0
    print(f"normalize: {len(changed)} of {len(paths)} notebooks updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
