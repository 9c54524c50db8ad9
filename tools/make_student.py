"""Make the student copy of the notebook series.

Copies every ``notebooks/*.ipynb`` into an output folder (default
``build/student/`` under the project root) with

* every cell tagged ``solution`` (cell metadata ``tags``) replaced by a
  markdown cell reading
  ``*Solution removed from the student copy; write your own above, then run the check below.*``
  (the placeholder keeps the removed cell's id and is tagged ``solution-removed``);
* all code-cell outputs and execution counts cleared;
* the navigation cells' "Contents" link pointed at notebook 00's roadmap, since the
  project README is not part of the handout.

Everything else the notebooks may need from ``notebooks/`` (data files,
``assets/`` or ``figures/`` folders, ...) is copied as well; hidden files,
``.ipynb_checkpoints`` and ``__pycache__`` are skipped.  Files are only
written when their content differs, so a second run changes nothing.  The
number of solution cells removed is printed per notebook.

Usage::

    python tools/make_student.py                    # -> build/student/
    python tools/make_student.py --out dist/handout
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import nbformat  # noqa: E402

import _nbio  # noqa: E402

SOLUTION_TAG = "solution"
PLACEHOLDER_TAG = "solution-removed"
PLACEHOLDER = (
    "*Solution removed from the student copy; write your own above, "
    "then run the check below.*"
)
SKIP_NAMES = {".ipynb_checkpoints", "__pycache__"}
README_CONTENTS = "](../README.md#the-notebooks)"
ROADMAP_CONTENTS = "](00_introduction.ipynb)"


def studentize(nb) -> int:
    """Strip solutions and outputs from ``nb`` in place; return the number of solutions removed."""
    removed = 0
    cells = []
    for cell in nb.cells:
        if _nbio.has_tag(cell, SOLUTION_TAG):
            placeholder = nbformat.v4.new_markdown_cell(
                source=PLACEHOLDER, metadata={"tags": [PLACEHOLDER_TAG]}
            )
            if "id" in cell:
                placeholder["id"] = cell["id"]
            else:
                placeholder.pop("id", None)
            cells.append(placeholder)
            removed += 1
            continue
        if _nbio.has_tag(cell, "navigation"):
            cell["source"] = "".join(cell["source"]).replace(README_CONTENTS, ROADMAP_CONTENTS)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            cell.get("metadata", {}).pop("execution", None)
        cells.append(cell)
    nb.cells = cells
    return removed


def _skipped(path: Path) -> bool:
    return path.name.startswith(".") or path.name in SKIP_NAMES


def copy_support_files(src_dir: Path, out_dir: Path) -> int:
    """Copy non-notebook files/folders of ``src_dir`` into ``out_dir``; return files written."""
    written = 0
    for src in sorted(src_dir.iterdir()):
        if _skipped(src):
            continue
        dst = out_dir / src.name
        if src.is_dir():
            written += _copy_tree(src, dst)
        elif src.is_file() and src.suffix != ".ipynb":
            written += _copy_file(src, dst)
    return written


def _copy_tree(src: Path, dst: Path) -> int:
    written = 0
    for item in sorted(src.iterdir()):
        if _skipped(item):
            continue
        if item.is_dir():
            written += _copy_tree(item, dst / item.name)
        elif item.is_file():
            written += _copy_file(item, dst / item.name)
    return written


def _copy_file(src: Path, dst: Path) -> int:
    data = src.read_bytes()
    if dst.is_file() and dst.read_bytes() == data:
        return 0
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data)
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="make_student.py",
        description="Copy notebooks/ to a student folder with solution cells and outputs removed.",
    )
    _nbio.add_root_argument(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: build/student under the project root)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    root = _nbio.resolve_root(args.root)
    src_dir = _nbio.notebooks_dir(root)
    if not src_dir.is_dir():
        print(f"error: no notebooks/ folder under {root}", file=sys.stderr)
        return 2
    out_dir = (args.out if args.out is not None else root / "build" / "student").resolve()
    if out_dir == src_dir.resolve() or src_dir.resolve() in out_dir.parents:
        print("error: --out must not be notebooks/ or a folder inside it", file=sys.stderr)
        return 2

    total = 0
    written = 0
    for path in _nbio.all_notebooks(root):
        nb = _nbio.read_notebook(path)
        removed = studentize(nb)
        total += removed
        written += _nbio.write_if_changed(out_dir / path.name, _nbio.notebook_text(nb))
        noun = "cell" if removed == 1 else "cells"
        print(f"{path.name}: {removed} solution {noun} removed")
    written += copy_support_files(src_dir, out_dir)
    print(
        f"student copy in {_nbio.display_path(out_dir, root)}: "
        f"{total} solution cells removed, {written} files written"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
