"""Slide decks from the notebooks: the cells' slide metadata, and offline reveal.js decks.

Every cell gets ``metadata.slideshow.slide_type`` (what RISE in JupyterLab and nbconvert's
reveal.js exporter read) from its content, by these rules, first match wins:

==========================================================  ===========
cell                                                        slide_type
==========================================================  ===========
tagged ``navigation`` (the links at the top and bottom)     ``skip``
tagged ``solution`` (hidden worked solutions)               ``skip``
tagged ``instructor`` (notes for the teacher)               ``notes``
markdown tagged ``demo`` (a live demo, tools/insert_demos.py)  ``subslide``
markdown starting with ``#`` (the notebook's title)         ``slide``
markdown starting with ``##`` (a section)                   ``slide``
the first code cell before the first section (the setup)    ``skip``
anything after the ``## Exercises`` heading: markdown       ``-`` (one closing slide)
anything after the ``## Exercises`` heading: code           ``skip``
markdown starting with ``###`` (a subsection)               ``subslide``
a code cell of more than ``LONG_CODE_LINES`` lines:
  only definitions (``def``, ``class``, imports)            ``notes`` (speaker notes)
  anything else (it draws a figure, prints a table)         ``-`` (the offline deck shows
                                                            only its output)
everything else (text, short code)                          ``-`` (joins the slide above)
a ``-`` cell that would run past the bottom of the slide     ``subslide`` (the slide is full)
==========================================================  ===========

The last rule keeps every slide within 1280x720, which a presenter's clicker needs: arrow keys,
space and a clicker change slides, they never scroll one. It adds estimated heights (a line of
text, of code, an equation row, a table row, a figure; ``SLIDE_BUDGET`` and the constants below
``fitting 1280x720``) and starts a sub-slide when the next cell would not fit. For the stored
metadata (what RISE shows live) it counts the cells' sources only, so executing a notebook never
changes its slides; RISE shows a cell whole, so a single cell taller than a slide still scrolls
there. The offline decks (``--build``) also count the outputs and go further, in their
temporary copy of the notebook:

- a heading in the middle of a markdown cell starts a slide there;
- a markdown cell taller than half a slide is cut into its paragraphs, list items, equations
  and tables (a long table repeats its header on each slide), and the fitting rule carries what
  does not fit to the next sub-slide;
- a code cell whose output is taller than a slide continues on the next sub-slides with its
  output alone (a long printout in pieces of lines, a code listing as highlighted code);
- figures shrink to fit what the slide's text leaves (the template), to at least 300 px;
- long code lines and printed lines wrap at the slide's edge, and figures carry the alt text of
  the notebook (the book shows the same).

tools/browser_check.py measures every slide of the built decks in Chromium
(tests/test_browser.py): none may be taller or wider than 1280x720.

Usage::

    python tools/slides.py --write notebooks/03_bptt.ipynb ...   # store the metadata (in place)
    python tools/slides.py --check [NOTEBOOKS]                    # exit 1 if any metadata differs
    python tools/slides.py --build build/slides [NOTEBOOKS]       # offline decks + index.html

Without NOTEBOOKS, every numbered notebook, the Korean edition's (``notebooks/ko/``) included:
their decks go to ``build/slides/ko/``, listed in the same index. The rules read the Korean text
as they read the English (a Hangul character counts as two for the width of a line), so a
Korean cell may start a sub-slide where its English original does not. ``tools/translate.py``
stores the rules' metadata when it builds a Korean notebook, so ``--write`` leaves those to it
and ``--check`` checks them like the English ones.

``--write`` changes nothing but ``metadata.slideshow`` of cells (files are written only when
that changes). ``--build`` (``make slides``) applies the rules to temporary copies, so the
decks never depend on the committed metadata being current. It copies reveal.js and MathJax 3
next to the decks, so they need no network at view time: no page refers to a remote script,
style or font (tests/test_slides.py checks it). Both come from npm tarballs checked against
their sha512 and cached in build/cache/: ``npm pack`` fetches them once (Node.js/npm needed
then), or download reveal.js-5.2.1.tgz and mathjax-3.2.2.tgz from the npm registry and name
them in REVEAL_TGZ and MATHJAX_TGZ. MathJax is the book's copy (tools/build_book.py).
"""

from __future__ import annotations

import argparse
import ast
import base64
import copy
import html
import re
import shutil
import struct
import sys
import tarfile
import unicodedata
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import nbformat  # noqa: E402

import _nbio  # noqa: E402
import build_book  # noqa: E402

LONG_CODE_LINES = 15
SETUP_SKIP = "skip"
REVEAL_VERSION = "5.2.1"
# npm's "dist.integrity" of reveal.js@5.2.1.
REVEAL_SHA512 = "r7//6mIM5p34hFiDMvYfXgyjXqGRta+/psd9YtytsgRlrpRzFv4RbH76TXd2qD+7ZPZEbpBDhdRhJaFgfQ7zNQ=="
TEMPLATE_DIR = Path(__file__).resolve().parent / "slides_template"
# In the offline decks only (temporary copies): the live widget cells need a kernel, and the
# source of a long code cell or of a demo's static figure cell does not fit a slide (its output does).
LIVE_ONLY_TAG = "demo-live"
HIDE_INPUT_TAG = "slides-hide-input"
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720
MATHJAX_URL = "mathjax/" + build_book.MATHJAX_ENTRY

# The heading of the exercises in each edition: "## Exercises", and "## 연습 문제" in the Korean one.
EXERCISES_HEADING = re.compile(r"^##\s+(Exercises\b|연습\s*문제)", re.MULTILINE)
# The translated editions: notebooks/LANG/ (tools/translate.py builds them, these rules included);
# their decks go to OUT/LANG/. What the index says of each, in its own language: its heading, the
# label of a link to one of its decks, a line about it, a deck's number of slides.
EDITIONS = {"ko": {"heading": "한국어판", "link": "한국어", "count": "(슬라이드 {}장)",
                   "intro": "한국어로 번역된 노트북의 슬라이드이다. 코드와 그림은 영어판과 같다."}}


def heading_level(markdown: str) -> int:
    """The level of the heading the cell starts with (``## x`` → 2), 0 when it starts with text."""
    match = re.match(r"(#{1,6})\s", markdown.lstrip("\n"))
    return len(match.group(1)) if match else 0


def only_definitions(source: str) -> bool:
    """True when the code only defines (functions, classes, imports): nothing to show on a slide.

    Decided from the source alone, never from the outputs, so that executing or clearing a
    notebook does not change its slides. Code that is not plain Python (magics) counts as showing.
    """
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    return bool(body) and all(isinstance(node, definitions)
                              or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
                              for node in body)


def has_outputs(cell) -> bool:
    return bool(cell.get("outputs"))


def slide_types(nb, with_outputs: bool = False) -> list[str]:
    """The slide_type of every cell of ``nb`` by the rules in the module docstring.

    The last rule (a slide full: the next cell starts a sub-slide) estimates heights from the
    cells' sources only, so the stored metadata does not change when a notebook is executed.
    The offline deck (``with_outputs=True``) also counts the outputs it shows.
    """
    return fit_to_slide(nb, content_types(nb), with_outputs)


def content_types(nb) -> list[str]:
    """The slide types the content rules give (every rule but the last: fitting the slide)."""
    types = []
    seen_section = False
    setup_done = False
    in_exercises = False
    for cell in nb.cells:
        tags = _nbio.cell_tags(cell)
        source = "".join(cell.get("source", ""))
        if "navigation" in tags or "solution" in tags:
            kind = "skip"
        elif "instructor" in tags:
            kind = "notes"
        elif "demo" in tags and cell.cell_type == "markdown":
            kind = "subslide"                   # a live demo (tools/insert_demos.py) on its own
        elif cell.cell_type == "markdown":
            level = heading_level(source)
            if level in (1, 2):
                kind = "slide"
            elif in_exercises:
                kind = "-"
            elif level == 3:
                kind = "subslide"
            else:
                kind = "-"
            seen_section = seen_section or level == 2
            in_exercises = in_exercises or bool(EXERCISES_HEADING.search(source))
        elif cell.cell_type == "code":
            if in_exercises:
                kind = "skip"
            elif not seen_section and not setup_done:
                kind = SETUP_SKIP
                setup_done = True
            elif len(source.splitlines()) > LONG_CODE_LINES:
                kind = "notes" if only_definitions(source) else "-"
            else:
                kind = "-"
        else:                                   # raw cells
            kind = "skip"
        types.append(kind)
    return types


# ---------------------------------------------------------------------------- fitting 1280x720
# Estimated heights in the deck's own pixels (a 1280x720 slide; nbconvert's reveal styles set
# text at 20 px and code at 19 px). The figures are rough on purpose and err on the tall side;
# tools/browser_check.py measures the real slides (tests/test_browser.py).
SLIDE_BUDGET = 640                 # px of content one slide holds (720 less padding and the margins)
TEXT_LINE, TEXT_CHARS = 30, 100    # a line of text; characters per line (TeX source counts as text)
CODE_LINE, CODE_CHARS = 23, 95     # a line of code or printed output; characters before it wraps
BLOCK_GAP = 16                     # between paragraphs, around equations and cells
HEADING_HEIGHT = {1: 80, 2: 70, 3: 56, 4: 44}
EQUATION_ROW, FRACTION_ROW = 44, 64
FIGURE_MIN = 300                   # a figure shrinks to fit the slide, down to this height
FIGURE_MAX = 540                   # and never shows taller than this (the template's max-height)
CONTENT_WIDTH = 1180


def text_width(text: str) -> int:
    """Characters of ``text``, counting the wide ones (Hangul, CJK) twice."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def wrapped_lines(text: str, width: int) -> int:
    return sum(max(1, -(-text_width(line) // width)) for line in text.splitlines()) if text.strip() else 0


LIST_ITEM = re.compile(r"^([-*+]|\d+[.)])\s")


def markdown_blocks(markdown: str) -> list[str]:
    """``markdown`` cut at blank lines (not inside code fences or ``$$`` equations), at the items
    of a list and into tables of at most a slide's rows (each with the header).

    A block that ends with a colon stays with the block after it ("Adding both paths:" and its
    equation), and so does a heading.
    """
    blocks, current, fenced, in_math = [], [], False, False

    def close():
        if current:
            blocks.append("\n".join(current))
            current.clear()

    for line in markdown.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")) and not in_math:
            fenced = not fenced
        elif not fenced and stripped.count("$$") % 2 == 1:
            in_math = not in_math
        if not fenced and not in_math:
            if not stripped:
                close()
                continue
            if LIST_ITEM.match(line) or (stripped.startswith("|") and current and not current[-1].strip().startswith("|")):
                close()                                 # a list item, or a table after text
        current.append(line)
    close()
    pieces = [piece for block in blocks for piece in split_table(block)]
    merged = []
    for block in pieces:
        if merged and (merged[-1].rstrip().endswith(":") or heading_level(merged[-1]) and "\n" not in merged[-1].strip()):
            merged[-1] += "\n\n" + block
        else:
            merged.append(block)
    return merged


def table_row_height(row: str) -> int:
    text = re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", row)       # a link shows its text
    cells = [cell.strip() for cell in text.strip().strip("|").split("|")]
    return 12 + 26 * max(1, -(-sum(text_width(cell) for cell in cells) // 90))


HTML_COMMENT = re.compile(r"^\s*<!--.*-->\s*$")


def split_table(block: str) -> list[str]:
    """A markdown table taller than a slide as several tables, each with the header rows.

    An HTML comment line right after the table (a marker such as ``<!-- notebooks:end -->``, which
    shows nothing) stays with its last piece."""
    lines = block.split("\n")
    comments = []
    while lines and HTML_COMMENT.match(lines[-1]):
        comments.insert(0, lines.pop())
    if len(lines) < 4 or not all(line.strip().startswith("|") for line in lines):
        return [block]
    pieces = split_rows(lines)
    pieces[-1] = "\n".join([pieces[-1], *comments])
    return pieces


def split_rows(lines: list[str]) -> list[str]:
    """The lines of a table (header, separator, rows) as tables of at most a slide's height."""
    header, rows = lines[:2], lines[2:]
    header_height = table_row_height(header[0])
    chunks, chunk, height = [], [], header_height
    for row in rows:
        row_height = table_row_height(row)
        if chunk and height + row_height > SLIDE_BUDGET - 2 * BLOCK_GAP:
            chunks.append(chunk)
            chunk, height = [], header_height
        chunk.append(row)
        height += row_height
    chunks.append(chunk)
    return ["\n".join(header + chunk) for chunk in chunks]


def block_height(block: str) -> int:
    """The estimated height of one markdown block (paragraph, list, table, equation, code)."""
    lines = block.strip().splitlines()
    if not lines:
        return 0
    height = 0
    if heading_level(block):
        height += HEADING_HEIGHT.get(heading_level(block), 40)
        lines = lines[1:]
    text, math = [], []
    in_math = in_fence = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            height += CODE_LINE // 2
            continue
        if in_fence:
            height += CODE_LINE * wrapped_lines(line, CODE_CHARS)
        elif in_math or stripped.startswith("$$"):
            math.append(stripped)
            if stripped.count("$$") % 2 == 1:
                in_math = not in_math
            if not in_math:
                height += equation_height("\n".join(math))
                math = []
        elif stripped.startswith("|"):
            height += 0 if set(stripped) <= set("|-: ") else table_row_height(stripped)
        else:
            text.append(line)
    prose = "\n".join(text)
    # list items and lines that end with a hard break start new lines
    height += TEXT_LINE * wrapped_lines(re.sub(r"(?<!\n)\n(?![-*+]\s|\d+\.\s|\|)", " ", prose), TEXT_CHARS)
    return height + BLOCK_GAP


def equation_height(tex: str) -> int:
    rows = re.split(r"\\\\(?![a-zA-Z])", tex)
    return BLOCK_GAP + sum(FRACTION_ROW if re.search(r"\\(d|t)?frac|\\sum|\\prod|\\sqrt|\\begin\{[pb]matrix", row)
                           else EQUATION_ROW for row in rows)


def markdown_height(markdown: str) -> int:
    return sum(block_height(block) for block in markdown_blocks(markdown))


def png_size(data: str) -> tuple[int, int] | None:
    """(width, height) of a base64 PNG, from its header."""
    try:
        header = base64.b64decode(data[:64])
    except ValueError:
        return None
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", header[16:24])


def output_height(output) -> tuple[int, int]:
    """(fixed, figure) estimated heights of one output; a figure's part can shrink to FIGURE_MIN."""
    data = output.get("data", {})
    if output.get("output_type") == "stream":
        return CODE_LINE * wrapped_lines("".join(output.get("text", "")), CODE_CHARS) + BLOCK_GAP, 0
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            size = png_size("".join(data[mime])) if mime == "image/png" else None
            width, height = size or (800, 400)
            shown = height * min(1.0, CONTENT_WIDTH / width)
            return BLOCK_GAP, int(min(shown, FIGURE_MAX))
    text = "".join(data.get("text/plain", ""))
    if "text/html" in data:
        html_text = "".join(data["text/html"])
        rows = html_text.count("<tr")
        if rows:
            return rows * 34 + BLOCK_GAP, 0
        return CODE_LINE * max(1, wrapped_lines(text, CODE_CHARS)) + BLOCK_GAP, 0
    if "text/markdown" in data:
        return markdown_height("".join(data["text/markdown"])), 0
    return CODE_LINE * wrapped_lines(text, CODE_CHARS) + BLOCK_GAP, 0


def deck_hides_input(cell) -> bool:
    """The offline deck shows only the output of a long code cell and of a demo's figure cell."""
    if HIDE_INPUT_TAG in _nbio.cell_tags(cell):
        return True
    long_code = len("".join(cell.source).splitlines()) > LONG_CODE_LINES
    return cell.cell_type == "code" and has_outputs(cell) and (long_code or "demo" in _nbio.cell_tags(cell))


def cell_height(cell, with_outputs: bool) -> tuple[int, int]:
    """(fixed, figure) estimated heights of ``cell`` on a slide."""
    source = "".join(cell.get("source", ""))
    if cell.cell_type == "markdown":
        return markdown_height(source), 0
    if cell.cell_type != "code":
        return 0, 0
    fixed = figure = 0
    if not (with_outputs and deck_hides_input(cell)):
        fixed += CODE_LINE * wrapped_lines(source, CODE_CHARS) + 2 * BLOCK_GAP
    if with_outputs:
        for output in cell.get("outputs", []):
            more, fig = output_height(output)
            fixed, figure = fixed + more, figure + fig
    return fixed, figure


def fit_to_slide(nb, types: list[str], with_outputs: bool) -> list[str]:
    """The last rule: a cell that would run past the bottom of a full slide starts a sub-slide."""
    types = list(types)
    used = 0
    for i, (cell, kind) in enumerate(zip(nb.cells, types)):
        if kind in ("skip", "notes"):
            continue
        fixed, figure = cell_height(cell, with_outputs)
        needed = fixed + min(figure, FIGURE_MIN)
        if kind == "-" and used and used + needed > SLIDE_BUDGET:
            types[i] = kind = "subslide"
        if kind in ("slide", "subslide"):
            used = 0
        used += fixed + min(figure, max(FIGURE_MIN, SLIDE_BUDGET - used - fixed))
    return types


def stored_type(cell):
    slideshow = cell.get("metadata", {}).get("slideshow")
    return slideshow.get("slide_type") if isinstance(slideshow, dict) else None


def apply_slide_types(nb, with_outputs: bool = False) -> int:
    """Store the rules' slide types in ``nb``; return how many cells changed."""
    changed = 0
    for cell, kind in zip(nb.cells, slide_types(nb, with_outputs)):
        if stored_type(cell) != kind:
            slideshow = cell.metadata.get("slideshow")
            if not isinstance(slideshow, dict):
                slideshow = {}
            slideshow["slide_type"] = kind
            cell.metadata["slideshow"] = slideshow
            changed += 1
    return changed


def mismatches(nb) -> list[tuple[int, str | None, str]]:
    """``(cell index, stored, expected)`` for every cell whose metadata differs from the rules."""
    return [(i, stored_type(cell), kind)
            for i, (cell, kind) in enumerate(zip(nb.cells, slide_types(nb))) if stored_type(cell) != kind]


def first_line(cell, width=60) -> str:
    text = "".join(cell.get("source", "")).strip().splitlines()
    return (text[0][:width] if text else "(empty)")


# ---------------------------------------------------------------------------- offline decks
def unpack(tgz: Path, prefixes: tuple[str, ...], target: Path) -> None:
    """The files of an npm tarball under ``prefixes`` (paths inside its package/) into ``target``."""
    if target.exists():
        shutil.rmtree(target)
    with tarfile.open(tgz) as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            if member.isfile() and name.startswith(prefixes):
                path = target / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(archive.extractfile(member).read())


def copy_assets(out: Path) -> None:
    """The files the decks load, next to them: reveal.js/{dist,plugin} and mathjax/.

    Both come from npm tarballs checked against their sha512 and cached in build/cache/
    (``npm pack`` fetches them once; REVEAL_TGZ and MATHJAX_TGZ name downloaded copies instead).
    MathJax is the book's own copy, unpacked by the same function (tools/build_book.py).
    """
    reveal = build_book.npm_tarball("reveal.js", REVEAL_VERSION, REVEAL_SHA512, "REVEAL_TGZ")
    unpack(reveal, ("dist/", "plugin/", "LICENSE"), out / "reveal.js")
    build_book.vendor_mathjax(out)


def split_at_headings(markdown: str) -> list[str]:
    """``markdown`` cut before every ``##``/``###`` heading line (not inside a code fence)."""
    parts, current, fenced = [], [], False
    for line in markdown.splitlines(keepends=True):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if not fenced and re.match(r"#{2,3}\s", line) and "".join(current).strip():
            parts.append("".join(current).rstrip("\n"))
            current = []
        current.append(line)
    parts.append("".join(current).rstrip("\n"))
    return parts


def split_sections(nb) -> None:
    """Give every section heading its own cell, so it starts a slide (in the deck copy only)."""
    cells = []
    for cell in nb.cells:
        parts = split_at_headings("".join(cell.source)) if cell.cell_type == "markdown" else []
        if len(parts) < 2:
            cells.append(cell)
            continue
        cells += cut_cell(cell, parts, "")
    nb.cells = cells


def cut_cell(cell, sources, tag):
    """Copies of ``cell`` holding ``sources`` in turn; the first keeps the cell's id and slide type,
    the others get ids ``ID-{tag}K`` and take their slide type from the rules."""
    pieces = []
    for k, source in enumerate(sources):
        piece = copy.deepcopy(cell)
        piece.source = source
        if k:
            piece["id"] = f"{cell.get('id', 'cell')}-{tag}{k}"
            piece.metadata.pop("slideshow", None)
        pieces.append(piece)
    return pieces


def split_long_markdown(nb) -> None:
    """Cut a markdown cell taller than half a slide into pieces of its blocks (in the deck copy
    only), so that the fitting rule can carry the rest of it to the next sub-slide."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or markdown_height("".join(cell.source)) <= SLIDE_BUDGET // 2:
            cells.append(cell)
            continue
        pieces = []
        for block in markdown_blocks("".join(cell.source)):
            if pieces and block_height(pieces[-1]) + block_height(block) <= SLIDE_BUDGET // 3 \
                    and not block.lstrip().startswith("|"):
                one_list = LIST_ITEM.match(block) and LIST_ITEM.match(pieces[-1].split("\n")[-1].lstrip() + " ")
                pieces[-1] += ("\n" if one_list else "\n\n") + block
            else:
                pieces.append(block)
        cells += cut_cell(cell, pieces, "b")
    nb.cells = cells


def is_code_listing(output) -> bool:
    """An output that shows source code (IPython.display.Code: Pygments HTML, the code as text)."""
    html_text = "".join(output.get("data", {}).get("text/html", ""))
    return 'class="highlight' in html_text or "td.linenos" in html_text


def output_pieces(output, lines_per_piece: int) -> list:
    """A long printed output or code listing as several outputs of at most ``lines_per_piece`` lines."""
    if output.get("output_type") == "stream":
        text = "".join(output.get("text", ""))
        make = lambda chunk: nbformat.v4.new_output("stream", name=output.get("name", "stdout"), text=chunk)
    elif is_code_listing(output):
        text = "".join(output["data"].get("text/plain", ""))
        make = lambda chunk: nbformat.v4.new_output("display_data", data={"text/markdown": f"```python\n{chunk}```\n"})
    else:
        return [output]
    lines = text.splitlines(keepends=True)
    if len(lines) <= lines_per_piece:
        return [output] if output.get("output_type") == "stream" else [make(text)]
    return [make("".join(lines[i:i + lines_per_piece])) for i in range(0, len(lines), lines_per_piece)]


def split_long_outputs(nb) -> None:
    """A code cell whose outputs are taller than a slide continues in cells of its outputs alone
    (in the deck copy only): long printed tables and code listings carry on to the next sub-slide."""
    lines_per_piece = (SLIDE_BUDGET - 3 * BLOCK_GAP) // CODE_LINE
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code" or sum(cell_height(cell, True)) <= SLIDE_BUDGET:
            cells.append(cell)
            continue
        outputs = [piece for output in cell.outputs for piece in output_pieces(output, lines_per_piece)]
        current = copy.deepcopy(cell)
        current.outputs = []
        used = 0
        if deck_hides_input(cell):                  # the first piece shows its outputs alone too
            current.metadata["tags"] = _nbio.cell_tags(cell) + [HIDE_INPUT_TAG]
        else:
            used = sum(cell_height(current, True))
        pieces = [current]
        for output in outputs:
            needed = sum(output_height(output))
            if (current.outputs or used) and used + needed > SLIDE_BUDGET:
                current = copy.deepcopy(cell)
                current["id"] = f"{cell.get('id', 'cell')}-o{len(pieces)}"
                current.metadata.pop("slideshow", None)
                current.metadata["tags"] = [tag for tag in _nbio.cell_tags(cell) if tag != "demo"] + [HIDE_INPUT_TAG]
                current.outputs, used = [], 0
                pieces.append(current)
            current.outputs.append(output)
            used += needed
        cells.extend(pieces)
    nb.cells = cells


def deck_copy(nb):
    """A copy of ``nb`` prepared for the offline deck (the notebook itself is never changed).

    Beyond the rules' metadata, a markdown cell with a section heading in its middle is cut
    there, so that in the offline deck every section starts a slide. (Live in RISE such a
    heading stays inside its cell's slide; split the cell in the notebook to change that.)
    """
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)               # saved widget state would load a CDN renderer
    nb.cells = [cell for cell in nb.cells if LIVE_ONLY_TAG not in _nbio.cell_tags(cell)]
    split_sections(nb)
    split_long_markdown(nb)
    split_long_outputs(nb)
    apply_slide_types(nb, with_outputs=True)
    for cell in nb.cells:
        if deck_hides_input(cell):
            # the slide shows the figure and the printed claims; the notebook shows the code
            tags = cell.metadata.setdefault("tags", [])
            if HIDE_INPUT_TAG not in tags:
                tags.append(HIDE_INPUT_TAG)
    return nb


def slides_exporter(language: str = "en", assets: str = ""):
    """nbconvert's reveal.js exporter for a deck in ``language`` whose assets are at ``assets``
    (the relative path from the deck's folder to OUT: "" or "../")."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config
    config = Config()
    config.SlidesExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    config.SlidesExporter.template_name = "offline_reveal"
    config.SlidesExporter.language_code = language                  # <html lang="...">
    config.SlidesExporter.reveal_url_prefix = assets + "reveal.js"  # --reveal-prefix
    config.SlidesExporter.mathjax_url = assets + MATHJAX_URL        # the HTMLExporter.mathjax_url trait
    config.SlidesExporter.reveal_theme = "white"     # its font is local; "simple" (the default) loads Google Fonts
    config.SlidesExporter.reveal_scroll = True
    config.SlidesExporter.reveal_width = str(SLIDE_WIDTH)
    config.SlidesExporter.reveal_height = str(SLIDE_HEIGHT)
    config.SlidesExporter.reveal_number = "c/t"
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {HIDE_INPUT_TAG}
    config.TagRemovePreprocessor.remove_cell_tags = {LIVE_ONLY_TAG}
    return SlidesExporter(config=config)


def notebook_title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and heading_level("".join(cell.source)) == 1:
            return "".join(cell.source).lstrip("\n").splitlines()[0].lstrip("#").strip()
    return fallback


def edition(path: Path) -> str:
    """The language of a notebook: "ko" for notebooks/ko/NN_name.ipynb, "en" for the English ones."""
    return path.parent.name if path.parent.name in EDITIONS else "en"


def deck_row(deck: dict, other: dict | None) -> str:
    """One line of the index: a deck, its number of slides, a link to its English or translated twin."""
    language = deck["language"]
    count = EDITIONS[language]["count"].format(deck["count"]) if language in EDITIONS else f"({deck['count']} slides)"
    row = (f'  <li><a href="{html.escape(deck["href"])}">{html.escape(deck["title"])}</a> '
           f'<span class="count">{html.escape(count)}</span>')
    if other is not None:                   # the same notebook in the other language
        label = EDITIONS[other["language"]]["link"] if other["language"] in EDITIONS else "English"
        row += (f' · <a class="language" href="{html.escape(other["href"])}" hreflang="{other["language"]}" '
                f'lang="{other["language"]}">{html.escape(label)}</a>')
    return row + "</li>"


def build_index(out: Path, decks: list[dict]) -> None:
    """OUT/index.html: the English decks, each with a link to its translation, then each edition's decks."""
    english = [deck for deck in decks if deck["language"] == "en"]
    by_name = {(deck["language"], deck["name"]): deck for deck in decks}
    rows = "\n".join(deck_row(deck, next((by_name[(lang, deck["name"])] for lang in EDITIONS
                                           if (lang, deck["name"]) in by_name), None)) for deck in english)
    sections = ""
    for lang, about in EDITIONS.items():
        translated = [deck for deck in decks if deck["language"] == lang]
        if translated:
            items = "\n".join(deck_row(deck, by_name.get(("en", deck["name"]))) for deck in translated)
            sections += (f'\n<section lang="{lang}">\n<h2 id="{lang}">{html.escape(about["heading"])}</h2>\n'
                         f'<p>{html.escape(about["intro"])}</p>\n<ol>\n{items}\n</ol>\n</section>')
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Vanilla RNN course: lecture slides</title>
<style>
body {{ font-family: sans-serif; max-width: 48em; margin: 2em auto; line-height: 1.5; }}
.count {{ color: #666; }}
</style>
</head>
<body>
<h1>Lecture slides</h1>
<p>One deck per notebook. Keys: arrows or space to move, <kbd>Esc</kbd> for the overview,
<kbd>S</kbd> for the speaker notes, <kbd>F</kbd> for full screen. Everything is local: no network needed.</p>
<ol>
{rows}
</ol>{sections}
</body>
</html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")


def build(out: Path, paths: list[Path]) -> list[Path]:
    """Write ``out/NN_name.slides.html`` for each notebook (``out/LANG/NN_name.slides.html`` for a
    translated one), ``out/index.html`` and the assets."""
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    exporters = {}
    written, decks = [], []
    for path in paths:
        language = edition(path)
        folder = out if language == "en" else out / language
        if language not in exporters:
            exporters[language] = slides_exporter(language, "" if language == "en" else "../")
        nb = deck_copy(_nbio.read_notebook(path))
        body, _ = exporters[language].from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        folder.mkdir(exist_ok=True)
        target = folder / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
        count = sum(1 for cell in nb.cells if stored_type(cell) in ("slide", "subslide"))
        href = target.relative_to(out).as_posix()
        decks.append({"href": href, "name": path.stem, "title": notebook_title(nb, path.stem),
                      "count": count, "language": language})
        print(f"slides: {href} ({count} slides)")
    build_index(out, decks)
    return written


# ---------------------------------------------------------------------------- command line
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="slides.py", description=__doc__.split("\n\n")[0])
    _nbio.add_root_argument(parser)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="store the slide metadata in the notebooks (in place)")
    mode.add_argument("--check", action="store_true", help="exit 1 if a notebook's slide metadata differs from the rules")
    mode.add_argument("--build", type=Path, metavar="OUT", help="write offline decks and index.html into OUT")
    parser.add_argument("notebooks", nargs="*", help="notebooks (paths or names in notebooks/; default: all numbered, notebooks/ko/ too)")
    return parser


def resolve(names: list[str], root: Path) -> list[Path]:
    if not names:
        return _nbio.numbered_notebooks(root) + [path for language in EDITIONS for path in
                                                 sorted((_nbio.notebooks_dir(root) / language).glob(_nbio.NUMBERED_GLOB))]
    paths = []
    for name in names:
        path = Path(name)
        if not path.is_file() and (_nbio.notebooks_dir(root) / name).is_file():
            path = _nbio.notebooks_dir(root) / name
        if not path.is_file():
            raise FileNotFoundError(name)
        paths.append(path.resolve())
    return paths


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    root = _nbio.resolve_root(args.root)
    try:
        paths = resolve(args.notebooks, root)
    except FileNotFoundError as exc:
        print(f"error: notebook not found: {exc}", file=sys.stderr)
        return 2
    if args.build is not None:
        build(args.build, paths)
        print(f"slides: {len(paths)} decks and index.html in {_nbio.display_path(args.build.resolve(), root)}")
        return 0
    stale, translated_stale = 0, False
    for path in paths:
        nb = _nbio.read_notebook(path)
        if args.write and edition(path) != "en":
            # tools/translate.py builds it, with these rules' metadata: writing it here would only
            # make it differ from what the translations build.
            if mismatches(nb):
                print(f"not written: {_nbio.display_path(path, root)} is built by tools/translate.py, "
                      "which stores these rules' metadata: run python tools/translate.py")
            continue
        if args.check:
            wrong = mismatches(nb)
            if wrong:
                stale += 1
                translated_stale = translated_stale or edition(path) != "en"
                print(f"stale slide metadata: {_nbio.display_path(path, root)}")
                for index, stored, expected in wrong[:10]:
                    print(f"  cell {index} ({first_line(nb.cells[index])!r}): {stored!r}, the rules give {expected!r}")
                if len(wrong) > 10:
                    print(f"  ... and {len(wrong) - 10} more cells")
        elif apply_slide_types(nb):
            _nbio.write_if_changed(path, _nbio.notebook_text(nb))
            print(f"slide metadata written: {_nbio.display_path(path, root)}")
    if args.check:
        if stale:
            print("run `python tools/slides.py --write NOTEBOOKS` to store the rules' metadata"
                  + (" (`python tools/translate.py` for notebooks/ko/)" if translated_stale else ""), file=sys.stderr)
            return 1
        print(f"slide metadata current in all {len(paths)} notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
