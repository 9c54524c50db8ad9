"""Keep the notebook series' navigation links and tables of contents in sync.

For every ``notebooks/NN_*.ipynb`` (in name order) this script

* takes the notebook's title from the first ``# `` heading of its first
  markdown cell (a leading ``NN ·`` / ``NN.`` / ``NN:`` number is dropped, so
  ``# 02 · BPTT`` and ``# BPTT`` both give the title ``BPTT``);
* puts a navigation markdown cell right after that title cell and another one
  as the very last cell, e.g.::

      [← 01 · The RNN cell](01_rnn_cell.ipynb) | [Contents](../README.md#the-notebooks) | [03 · BPTT →](03_bptt.ipynb)

  The cells carry the metadata ``{"tags": ["navigation"]}``; on a rerun they
  are found and rewritten in place (same cell ids) instead of duplicated;
* fills the table of contents between ``<!-- notebooks:start -->`` and
  ``<!-- notebooks:end -->`` in ``README.md`` with a table
  ``| # | Notebook | What it covers | Lecture § |``.  The last two columns come
  from the notebook metadata ``{"rnn_course": {"summary": ..., "lecture": ...}}``
  and stay empty when absent;
* writes the same table (links relative to ``notebooks/``) into any markdown
  cell tagged ``roadmap`` (normally in notebook 00), between the same markers;
  a roadmap cell without markers gets the marked block appended.

Code cells, outputs, execution counts and cell ids are never changed, so
executed notebooks stay valid for ``pytest --nbval``.  Files are only written
when their content changes; running the script twice changes nothing the
second time.

Usage::

    python tools/navigation.py            # update notebooks and README.md
    python tools/navigation.py --check    # exit 1, naming stale files, without writing
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import nbformat  # noqa: E402

import _nbio  # noqa: E402

NAV_TAG = "navigation"
ROADMAP_TAG = "roadmap"
START_MARKER = "<!-- notebooks:start -->"
END_MARKER = "<!-- notebooks:end -->"
CONTENTS_LINK = "[Contents](../README.md#the-notebooks)"
METADATA_KEY = "rnn_course"
TABLE_HEADER = "| # | Notebook | What it covers | Lecture § |\n|---|---|---|---|"
NAV_IDS = ("navigation-top", "navigation-bottom")

_HEADING = re.compile(r"^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_NUMBER_PREFIX = re.compile(
    r"^(?:notebook[ \t]+)?0*(\d+)[ \t]*[·.:|\-–—]?[ \t]+(\S.*)$", re.IGNORECASE
)


@dataclass(frozen=True)
class Entry:
    """One notebook of the series, as shown in links and tables."""

    path: Path
    number: str
    title: str
    summary: str
    lecture: str

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def label(self) -> str:
        return f"{self.number} · {self.title}"


# --------------------------------------------------------------------------
# reading titles and metadata
# --------------------------------------------------------------------------


def _is_nav_cell(cell) -> bool:
    return cell.get("cell_type") == "markdown" and _nbio.has_tag(cell, NAV_TAG)


def title_cell_index(cells) -> int | None:
    """Index of the first markdown cell that is not a navigation cell."""
    for i, cell in enumerate(cells):
        if cell.get("cell_type") == "markdown" and not _is_nav_cell(cell):
            return i
    return None


def strip_number(title: str, number: str) -> str:
    """Drop a leading series number (``01 · ``, ``1. ``, ``Notebook 01: ``) matching ``number``."""
    m = _NUMBER_PREFIX.match(title)
    if m and int(m.group(1)) == int(number):
        return m.group(2).strip()
    return title


def notebook_title(nb, path: Path) -> str | None:
    """Title from the first ``# `` heading of the first markdown cell (None if missing)."""
    idx = title_cell_index(nb.cells)
    if idx is None:
        return None
    for line in nb.cells[idx].source.splitlines():
        m = _HEADING.match(line.strip())
        if m:
            return strip_number(m.group(1).strip(), path.name[:2])
    return None


def _one_line(value) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def make_entry(nb, path: Path) -> Entry:
    number = path.name[:2]
    title = notebook_title(nb, path)
    if title is None:
        title = path.stem[3:].replace("_", " ").strip().capitalize() or path.stem
        print(
            f"warning: {path.name}: no '# ' heading in the first markdown cell; "
            f"using {title!r}",
            file=sys.stderr,
        )
    meta = nb.metadata.get(METADATA_KEY, {}) or {}
    return Entry(
        path=path,
        number=number,
        title=title,
        summary=_one_line(meta.get("summary")),
        lecture=_one_line(meta.get("lecture")),
    )


# --------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------


def _link_text(text: str) -> str:
    return text.replace("[", r"\[").replace("]", r"\]")


def _table_text(text: str) -> str:
    return text.replace("|", r"\|")


def _href(prefix: str, filename: str) -> str:
    return prefix + quote(filename)


def nav_source(prev: Entry | None, nxt: Entry | None) -> str:
    parts = []
    if prev is not None:
        parts.append(f"[← {_link_text(prev.label)}]({_href('', prev.filename)})")
    parts.append(CONTENTS_LINK)
    if nxt is not None:
        parts.append(f"[{_link_text(nxt.label)} →]({_href('', nxt.filename)})")
    return " | ".join(parts)


def contents_table(entries: list[Entry], link_prefix: str) -> str:
    rows = [TABLE_HEADER]
    for e in entries:
        link = f"[{_table_text(_link_text(e.title))}]({_href(link_prefix, e.filename)})"
        rows.append(
            f"| {e.number} | {link} | {_table_text(e.summary)} | {_table_text(e.lecture)} |"
        )
    return "\n".join(rows)


def replace_block(text: str, block: str) -> str | None:
    """Put ``block`` between the markers in ``text``; None when the markers are missing."""
    start = text.find(START_MARKER)
    if start < 0:
        return None
    body_start = start + len(START_MARKER)
    end = text.find(END_MARKER, body_start)
    if end < 0:
        return None
    return text[:body_start] + "\n" + block + "\n" + text[end:]


# --------------------------------------------------------------------------
# updating notebooks
# --------------------------------------------------------------------------


def _new_nav_cell(nb, source: str, preferred_id: str, taken: set[str]):
    cell = nbformat.v4.new_markdown_cell(source=source, metadata={"tags": [NAV_TAG]})
    if nb.get("nbformat_minor", 0) >= 5:
        cell_id = preferred_id
        n = 1
        while cell_id in taken:
            n += 1
            cell_id = f"{preferred_id}-{n}"
        cell["id"] = cell_id
        taken.add(cell_id)
    else:
        cell.pop("id", None)
    return cell


def _set_nav(cell, source: str) -> None:
    cell["source"] = source
    tags = _nbio.cell_tags(cell)
    if NAV_TAG not in tags:
        cell.setdefault("metadata", {})["tags"] = tags + [NAV_TAG]


def apply_navigation(nb, source: str) -> None:
    """Place one navigation cell after the title cell and one at the end (in place)."""
    existing = [c for c in nb.cells if _is_nav_cell(c)]
    cells = [c for c in nb.cells if not _is_nav_cell(c)]
    taken = _nbio.existing_ids(nb.cells)

    top = existing[0] if existing else _new_nav_cell(nb, source, NAV_IDS[0], taken)
    bottom = (
        existing[-1] if len(existing) >= 2 else _new_nav_cell(nb, source, NAV_IDS[1], taken)
    )
    _set_nav(top, source)
    _set_nav(bottom, source)

    idx = title_cell_index(cells)
    cells.insert(0 if idx is None else idx + 1, top)
    cells.append(bottom)
    nb.cells = cells


def apply_roadmap(nb, table: str) -> None:
    """Refresh the marked table inside every markdown cell tagged ``roadmap``."""
    for cell in nb.cells:
        if cell.get("cell_type") != "markdown" or not _nbio.has_tag(cell, ROADMAP_TAG):
            continue
        new = replace_block(cell.source, table)
        if new is None:
            sep = "" if not cell.source else ("\n" if cell.source.endswith("\n") else "\n\n")
            new = f"{cell.source}{sep}{START_MARKER}\n{table}\n{END_MARKER}"
        cell["source"] = new


# --------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------


def plan(root: Path) -> tuple[dict[Path, str], list[str]]:
    """Compute the wanted content of every managed file; return (texts, warnings)."""
    paths = _nbio.numbered_notebooks(root)
    notebooks = [_nbio.read_notebook(p) for p in paths]
    entries = [make_entry(nb, p) for nb, p in zip(notebooks, paths)]
    roadmap_table = contents_table(entries, link_prefix="")

    texts: dict[Path, str] = {}
    warnings: list[str] = []
    for i, (nb, path) in enumerate(zip(notebooks, paths)):
        prev = entries[i - 1] if i > 0 else None
        nxt = entries[i + 1] if i + 1 < len(entries) else None
        apply_navigation(nb, nav_source(prev, nxt))
        apply_roadmap(nb, roadmap_table)
        texts[path] = _nbio.notebook_text(nb)

    readme = root / "README.md"
    if not paths:
        warnings.append("no notebooks/NN_*.ipynb found; README.md left alone")
    elif not readme.is_file():
        warnings.append("README.md not found; table of contents not written")
    else:
        old = readme.read_bytes().decode("utf-8")
        new = replace_block(old, contents_table(entries, link_prefix="notebooks/"))
        if new is None:
            warnings.append(
                f"README.md has no {START_MARKER} ... {END_MARKER} markers; "
                "table of contents not written"
            )
        else:
            texts[readme] = new
    return texts, warnings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="navigation.py",
        description="Write navigation cells into notebooks/NN_*.ipynb and the "
        "table of contents into README.md (and the roadmap cell).",
    )
    _nbio.add_root_argument(parser)
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 and list the files that are out of date",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    root = _nbio.resolve_root(args.root)
    if not _nbio.notebooks_dir(root).is_dir():
        print(f"error: no notebooks/ folder under {root}", file=sys.stderr)
        return 2

    texts, warnings = plan(root)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)

    if args.check:
        stale = [p for p, t in texts.items() if _nbio.is_stale(p, t)]
        for p in stale:
            print(f"stale: {_nbio.display_path(p, root)}")
        if stale:
            print("run `python tools/navigation.py` to update", file=sys.stderr)
            return 1
        print(f"navigation up to date ({len(texts)} files checked)")
        return 0

    changed = [p for p, t in texts.items() if _nbio.write_if_changed(p, t)]
    for p in changed:
        print(f"updated: {_nbio.display_path(p, root)}")
    print(f"navigation: {len(changed)} of {len(texts)} files updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
