"""Shared helpers for the notebook maintenance scripts in ``tools/``.

This module is not a command-line tool.  It holds the few pieces every
script needs: locating the project root, listing the notebooks, reading and
writing notebooks through nbformat (version 4), and writing files only when
their bytes actually change, so that every tool is idempotent and a second
run leaves modification times alone.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path
from typing import Iterable

import nbformat

NB_VERSION = 4
TOOLS_DIR = Path(__file__).resolve().parent
DEFAULT_ROOT = TOOLS_DIR.parent
NOTEBOOKS_DIRNAME = "notebooks"
NUMBERED_GLOB = "[0-9][0-9]_*.ipynb"


def add_root_argument(parser: argparse.ArgumentParser) -> None:
    """Add the common ``--root`` option (project root, default: above tools/)."""
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="project root holding notebooks/ and README.md "
        "(default: the folder that contains tools/)",
    )


def resolve_root(root: Path | None) -> Path:
    """Return the absolute project root chosen on the command line."""
    return (root if root is not None else DEFAULT_ROOT).resolve()


def notebooks_dir(root: Path) -> Path:
    return root / NOTEBOOKS_DIRNAME


def numbered_notebooks(root: Path) -> list[Path]:
    """``notebooks/NN_*.ipynb`` in series order."""
    return sorted(notebooks_dir(root).glob(NUMBERED_GLOB))


def all_notebooks(root: Path) -> list[Path]:
    """Every ``notebooks/*.ipynb`` (numbered or not), sorted by name."""
    return sorted(p for p in notebooks_dir(root).glob("*.ipynb") if p.is_file())


def read_notebook(path: Path) -> nbformat.NotebookNode:
    with open(path, encoding="utf-8") as fh:
        return nbformat.read(fh, as_version=NB_VERSION)


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """Serialise ``nb`` exactly as ``nbformat.write`` would, trailing newline included."""
    buf = io.StringIO()
    nbformat.write(nb, buf, version=NB_VERSION)
    text = buf.getvalue()
    if not text.endswith("\n"):
        text += "\n"
    return text


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` (UTF-8, no newline translation) unless identical; return True if written."""
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def is_stale(path: Path, text: str) -> bool:
    """True when the file at ``path`` does not already hold exactly ``text``."""
    return not (path.is_file() and path.read_bytes() == text.encode("utf-8"))


def cell_tags(cell) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", None) or []
    return list(tags)


def has_tag(cell, tag: str) -> bool:
    return tag in cell_tags(cell)


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when possible (for messages)."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def existing_ids(cells: Iterable) -> set[str]:
    return {c["id"] for c in cells if "id" in c}
