"""Normalise notebook metadata so that commits don't churn.

For every ``notebooks/*.ipynb`` (or the notebooks given on the command line):

* the kernelspec becomes
  ``{"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}``;
* ``language_info`` is reduced to ``{"name": "python"}`` (no version numbers);
* per-cell ``execution`` timing metadata is removed;
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
import sys
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import _nbio  # noqa: E402

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {"name": "python"}
SOLUTION_TAG = "solution"


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
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
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
        description="Normalise kernelspec/language_info, drop execution timings, "
        "hide solution sources.",
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
