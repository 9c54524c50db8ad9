"""Write the glossary (용어집) of notebook 00 from one data file, ``docs/glossary.tsv``.

The data file is tab-separated, UTF-8, with the header

    english  korean  notes  first_notebook  definition

one row per term: the English term, the Korean term as the lecture notes write it, the section
of the notes that uses it (``§4.1``; ``—`` for a term the notes do not use), the number of the
notebook that introduces it (``02``), and a short definition. Later editions of the series can
share the file; this tool turns it into the markdown cell tagged ``glossary`` in
``notebooks/00_*.ipynb`` (the only cell it touches; outputs are left alone).

Usage::

    python tools/glossary.py            # rewrite the glossary cell if the data file changed
    python tools/glossary.py --check    # exit 1 if the cell is stale, 2 if the data file is bad
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import _nbio  # noqa: E402

DATA_FILE = Path("docs") / "glossary.tsv"
COLUMNS = ["english", "korean", "notes", "first_notebook", "definition"]
TAG = "glossary"
NOTES_SECTION = re.compile(r"^(—|§\d+(\.\d+)?(, §\d+(\.\d+)?)*)$")
HEADER = """\
## 6. Glossary (용어집)

The lecture's terms in English and in Korean as the notes write them, with the section of the notes
that uses each (— marks a common term the notes do not use) and the notebook that introduces it.
This cell is generated from `docs/glossary.tsv` by `tools/glossary.py`; edit the data file, not the cell.

| English | 한국어 | notes | introduced in | meaning |
|---|---|---|---|---|"""


class GlossaryError(ValueError):
    """The data file is malformed; the message names the line and the problem."""


def read_terms(path: Path) -> list[dict]:
    """The rows of the data file, checked: every field filled, known columns, unique terms."""
    if not path.is_file():
        raise GlossaryError(f"{path}: no such file (expected a TSV with columns {', '.join(COLUMNS)})")
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header != COLUMNS:
            raise GlossaryError(f"{path}, line 1: the header must be {COLUMNS}, got {header}")
        terms, seen = [], set()
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(COLUMNS):
                raise GlossaryError(f"{path}, line {line}: expected {len(COLUMNS)} tab-separated fields, got {len(row)}")
            term = dict(zip(COLUMNS, (field.strip() for field in row)))
            empty = [name for name, value in term.items() if not value]
            if empty:
                raise GlossaryError(f"{path}, line {line}: empty field(s) {', '.join(empty)}")
            if not re.fullmatch(r"\d\d", term["first_notebook"]):
                raise GlossaryError(f"{path}, line {line}: first_notebook must be two digits like 02, "
                                    f"got {term['first_notebook']!r}")
            if not NOTES_SECTION.match(term["notes"]):
                raise GlossaryError(f"{path}, line {line}: notes must be a section like §4.1 (or '—' for a "
                                    f"term the notes do not use), got {term['notes']!r}")
            if "|" in "".join(term.values()):
                raise GlossaryError(f"{path}, line {line}: '|' would break the markdown table")
            if term["english"].lower() in seen:
                raise GlossaryError(f"{path}, line {line}: {term['english']!r} is listed twice")
            seen.add(term["english"].lower())
            terms.append(term)
    if not terms:
        raise GlossaryError(f"{path}: no terms")
    return terms


def _escape(text: str) -> str:
    """Markdown-safe text: x_t and a*b must not turn into italics."""
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def render(terms: list[dict], notebook_names: dict[str, str]) -> str:
    """The glossary cell's markdown; a term's first notebook links to it when the notebook exists."""
    lines = [HEADER]
    for term in terms:
        number = term["first_notebook"]
        first = f"[{number}]({notebook_names[number]})" if number in notebook_names else number
        lines.append(f"| {_escape(term['english'])} | {_escape(term['korean'])} | {term['notes']} | {first} "
                     f"| {_escape(term['definition'])} |")
    return "\n".join(lines)


def glossary_notebook(root: Path) -> Path:
    matches = sorted(_nbio.notebooks_dir(root).glob("00_*.ipynb"))
    if len(matches) != 1:
        raise GlossaryError(f"expected one notebooks/00_*.ipynb under {root}, found {len(matches)}")
    return matches[0]


def updated_notebook_text(root: Path) -> tuple[Path, str]:
    """The path of notebook 00 and its text with the glossary cell regenerated."""
    terms = read_terms(root / DATA_FILE)
    names = {p.name[:2]: p.name for p in _nbio.numbered_notebooks(root)}
    path = glossary_notebook(root)
    nb = _nbio.read_notebook(path)
    cells = [cell for cell in nb.cells if _nbio.has_tag(cell, TAG)]
    if len(cells) != 1:
        raise GlossaryError(f"{path.name}: expected one markdown cell tagged {TAG!r}, found {len(cells)}")
    if cells[0].cell_type != "markdown":
        raise GlossaryError(f"{path.name}: the cell tagged {TAG!r} must be a markdown cell")
    cells[0].source = render(terms, names)
    return path, _nbio.notebook_text(nb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="glossary.py", description=__doc__.splitlines()[0])
    _nbio.add_root_argument(parser)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if the glossary cell is stale")
    args = parser.parse_args(argv)
    root = _nbio.resolve_root(args.root)
    try:
        path, text = updated_notebook_text(root)
    except GlossaryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    name = _nbio.display_path(path, root)
    if args.check:
        if _nbio.is_stale(path, text):
            print(f"{name}: the glossary cell is stale; run python tools/glossary.py")
            return 1
        print(f"{name}: glossary up to date")
        return 0
    print(f"{name}: glossary {'written' if _nbio.write_if_changed(path, text) else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
