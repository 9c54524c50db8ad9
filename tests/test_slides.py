"""tools/slides.py: the slide metadata rules, --write/--check, and the offline decks of `make slides`."""
import html
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KO_NOTEBOOKS = sorted((ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb"))   # the Korean edition so far


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "tools"))
    spec.loader.exec_module(module)
    return module


slides = load_tool("slides")


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def lecture_notebook():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    long_source = "\n".join(f"x{i} = {i}" for i in range(slides.LONG_CODE_LINES + 5))
    long_definition = "def f(x):\n" + "\n".join(f"    x += {i}" for i in range(slides.LONG_CODE_LINES + 5))
    figure = code(long_source)
    figure.outputs = [nbformat.v4.new_output("stream", text="done\n")]
    cells = [
        md("# 03 · A title\n\nIntro."),                                   # 0 slide
        tagged(md("[← previous](x.ipynb)"), "navigation"),               # 1 skip
        code("%matplotlib inline\nimport numpy as np"),                   # 2 skip (setup)
        md("## 1. A section\n\nText."),                                   # 3 slide
        md("Plain text."),                                                # 4 -
        code("print(1)"),                                                 # 5 -
        md("### A subsection"),                                           # 6 subslide
        figure,                                                           # 7 - (long, has output)
        code(long_definition),                                            # 8 notes (long, only a def)
        tagged(md("**Live demo.** Drag."), "demo"),                       # 9 subslide
        md("## Summary\n\n- a point\n\n## Exercises\n\nDo them."),        # 10 slide (closing)
        tagged(md("Solutions are hidden."), "instructor"),                # 11 notes
        md("### Exercise 1: a thing"),                                    # 12 - (same closing slide)
        code("def f():\n    # YOUR CODE HERE\n    return None"),          # 13 skip
        tagged(code("def f_solution():\n    return 1"), "solution"),      # 14 skip
        code("exercises.check('Exercise 1', checker, f)"),                # 15 skip
        tagged(md("[← previous](x.ipynb)"), "navigation"),               # 16 skip
    ]
    return nbformat.v4.new_notebook(cells=cells)


def test_rules_give_one_slide_per_section_and_a_closing_exercise_slide():
    assert slides.slide_types(lecture_notebook()) == [
        "slide", "skip", "skip", "slide", "-", "-", "subslide", "-", "notes", "subslide",
        "slide", "notes", "-", "skip", "skip", "skip", "skip"]


def test_every_real_notebook_gets_a_title_slide_and_skips_its_solutions():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        types = slides.slide_types(nb)
        assert types[0] == "slide", path.name
        assert types.count("slide") >= 3, path.name
        for cell, kind in zip(nb.cells, types):
            tags = cell.metadata.get("tags", [])
            if "solution" in tags or "navigation" in tags:
                assert kind == "skip", (path.name, cell.source[:40])


def test_the_rules_do_not_depend_on_outputs():
    nb = lecture_notebook()
    before = slides.slide_types(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    assert slides.slide_types(nb) == before


def test_only_definitions():
    assert slides.only_definitions("import numpy as np\n\n\ndef f():\n    return 1\n")
    assert not slides.only_definitions("def f():\n    return 1\n\nprint(f())\n")
    assert not slides.only_definitions("%matplotlib inline\ndef f():\n    pass\n")


def strip_slideshow(text):
    nb = json.loads(text)
    for cell in nb["cells"]:
        cell["metadata"].pop("slideshow", None)
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS[:4] + NOTEBOOKS[5:7], ids=lambda p: p.name[:2])
def test_write_changes_only_the_slide_metadata_then_check_passes(tmp_path, path):
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    original = copy.read_text(encoding="utf-8")
    assert slides.main(["--write", str(copy)]) == 0
    written = copy.read_text(encoding="utf-8")
    assert strip_slideshow(written) == strip_slideshow(original)
    assert slides.main(["--check", str(copy)]) == 0
    assert slides.main(["--write", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == written             # idempotent
    # with metadata that was current before, only the slideshow lines differ
    changed = [line for line in written.splitlines() if line not in original.splitlines()]
    assert all(re.search(r'"slideshow"|"slide_type"|^\s*[{}],?$|"metadata": \{', line) for line in changed), changed[:5]


def test_the_committed_notebooks_have_the_rules_slide_metadata():
    """RISE reads the stored metadata: a new or edited cell must not break a deck silently.
    The Korean notebooks' metadata is the rules' for the Korean text (tools/translate.py stores it)."""
    stale = {path.relative_to(ROOT / "notebooks").as_posix(): len(slides.mismatches(nbformat.read(path, as_version=4)))
             for path in NOTEBOOKS + KO_NOTEBOOKS}
    stale = {name: count for name, count in stale.items() if count}
    assert not stale, f"cells whose slide_type differs from the rules: {stale}; " \
        "run `python tools/slides.py --write notebooks/[0-9][0-9]_*.ipynb`"


def test_check_covers_the_korean_edition_and_write_leaves_it_to_translate(tmp_path, capsys):
    """Without names --check reads notebooks/ko/ too; --write never writes a Korean notebook (tools/translate.py
    builds it, with these rules' metadata), it says to run translate.py instead."""
    assert slides.resolve([], ROOT) == NOTEBOOKS + KO_NOTEBOOKS
    root = tmp_path / "project"
    (root / "notebooks" / "ko").mkdir(parents=True)
    md = nbformat.v4.new_markdown_cell
    nb = nbformat.v4.new_notebook(cells=[md("# 01 · 셀"), md("## 1. 절"), md("## 연습 문제"), md("### 연습 문제 1")])
    nbformat.write(nb, root / "notebooks" / "01_a.ipynb")
    korean = root / "notebooks" / "ko" / "01_a.ipynb"
    nbformat.write(nb, korean)
    before = korean.read_text(encoding="utf-8")
    assert slides.main(["--root", str(root), "--write"]) == 0
    assert korean.read_text(encoding="utf-8") == before
    assert "python tools/translate.py" in capsys.readouterr().out
    assert slides.main(["--root", str(root), "--check"]) == 1
    captured = capsys.readouterr()
    assert "notebooks/ko/01_a.ipynb" in captured.out and "notebooks/01_a.ipynb" not in captured.out
    assert "translate.py" in captured.err


def test_the_korean_text_gets_the_same_rules():
    """The exercises' heading "## 연습 문제" ends the deck's content like "## Exercises", and a Hangul
    character counts as two of a slide line: a Korean cell fills a slide sooner than as many Latin letters."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    for heading in ("## Exercises", "## 연습 문제"):
        nb = nbformat.v4.new_notebook(cells=[md("# 01 · 셀"), md("## 1. 절"), code("x = 1"), md(heading),
                                             md("### 1"), code("def f():\n    pass")])
        assert slides.slide_types(nb)[3:] == ["slide", "-", "skip"], heading
    assert slides.text_width("은닉 상태") == 9 and slides.wrapped_lines("가" * 100, slides.TEXT_CHARS) == 2
    for letter, expected in (("a", False), ("가", True)):
        paragraph = " ".join([letter * 9] * 70)                # 699 characters: 7 lines of Latin text, 14 of Hangul
        nb = nbformat.v4.new_notebook(cells=[md("## 1."), md(paragraph), md(paragraph)])
        assert ("subslide" in slides.slide_types(nb)) == expected, letter


def test_check_fails_when_a_new_cell_breaks_the_deck(tmp_path, capsys):
    path = tmp_path / NOTEBOOKS[3].name
    shutil.copy(NOTEBOOKS[3], path)
    slides.main(["--write", str(path)])
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(5, nbformat.v4.new_markdown_cell("## A new section"))
    nbformat.write(nb, path)
    assert slides.main(["--check", str(path)]) == 1
    assert "cell 5" in capsys.readouterr().out


# ---------------------------------------------------------------------------- the offline decks
REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)
ATTRIBUTE_REFS = re.compile(r"<(script|link|img|iframe|source|audio|video)\b[^>]*?\b(?:src|href)\s*=\s*[\"']([^\"']+)",
                            re.IGNORECASE)
CSS_REFS = re.compile(r"@import\s+(?:url\()?\s*[\"']?([^\"')\s;]+)|url\(\s*[\"']?([^\"')]+)", re.IGNORECASE)


def without_css_comments(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)


def css_references(text):
    return [a or b for a, b in CSS_REFS.findall(without_css_comments(text))]


def check_css_file(path, seen):
    """Every @import/url() of a local CSS file, recursively: none remote, each present on disk."""
    if path in seen:
        return
    seen.add(path)
    for ref in css_references(path.read_text(encoding="utf-8", errors="replace")):
        if ref.startswith("data:") or ref.startswith("#"):
            continue
        assert not REMOTE.match(ref), f"{path.name} refers to the remote {ref}"
        target = (path.parent / ref.split("?")[0].split("#")[0]).resolve()
        assert target.exists(), f"{path.name} refers to the missing {ref}"
        if target.suffix == ".css":
            check_css_file(target, seen)


@pytest.fixture
def decks(built_decks):
    """The decks built once for the run (tests/conftest.py); a test that uses them is marked ci."""
    return built_decks


def test_every_notebook_has_a_deck_and_the_index_links_them(decks):
    index = (decks / "index.html").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        deck = decks / f"{path.stem}.slides.html"
        assert deck.is_file()
        assert f'href="{deck.name}"' in index
        assert '<html lang="en">' in deck.read_text(encoding="utf-8")


def test_each_korean_notebook_has_a_korean_deck_linked_both_ways_from_the_index(decks):
    """build/slides/ko/NN_name.slides.html, with the assets of build/slides/ (one copy), <html lang="ko">;
    the index lists it under 한국어판 and links the English and Korean decks of a notebook to each other."""
    index = (decks / "index.html").read_text(encoding="utf-8")
    assert ('<section lang="ko">' in index) == bool(KO_NOTEBOOKS)
    for path in KO_NOTEBOOKS:
        deck = decks / "ko" / f"{path.stem}.slides.html"
        text = deck.read_text(encoding="utf-8")
        assert '<html lang="ko">' in text
        assert '<script src="../reveal.js/dist/reveal.js">' in text and '<script src="../mathjax/tex-chtml-full.js">' in text
        title = nbformat.read(path, as_version=4).cells[0].source.splitlines()[0].lstrip("# ")
        assert html.escape(title) in index
        assert index.index(f'<a href="ko/{deck.name}">') > index.index('<section lang="ko">')
        english_row = next(line for line in index.splitlines() if f'href="{path.stem}.slides.html"' in line)
        assert f'href="ko/{deck.name}" hreflang="ko" lang="ko">한국어</a>' in english_row
        korean_row = next(line for line in index.splitlines() if f'<a href="ko/{deck.name}">' in line)
        assert f'href="{path.stem}.slides.html" hreflang="en" lang="en">English</a>' in korean_row
    assert not (decks / "ko" / "reveal.js").exists() and not (decks / "ko" / "mathjax").exists()


def test_no_page_refers_to_a_remote_script_style_or_font(decks):
    seen_css = set()
    pages = sorted(decks.glob("*.html")) + sorted(decks.glob("ko/*.html"))
    assert len(pages) == 1 + len(NOTEBOOKS) + len(KO_NOTEBOOKS)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for _, ref in ATTRIBUTE_REFS.findall(text):
            if ref.startswith(("data:", "#")) or ref.endswith(".slides.html"):
                continue
            assert not REMOTE.match(ref), f"{page.name} refers to the remote {ref}"
            assert (page.parent / ref.split("?")[0]).exists(), f"{page.name} refers to the missing {ref}"
            if ref.endswith(".css"):
                check_css_file((page.parent / ref).resolve(), seen_css)
        for style in re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.DOTALL | re.IGNORECASE):
            for ref in css_references(style):
                assert ref.startswith(("data:", "#")) or not REMOTE.match(ref), f"{page.name}: {ref}"
        for module_import in re.findall(r"\bimport\b[^;]*?from\s+[\"']([^\"']+)", text):
            assert not REMOTE.match(module_import), f"{page.name} imports {module_import}"
    assert any(p.name == "white.css" for p in seen_css), "the theme's CSS was followed"


def deck_of(decks, path):
    """The deck of a notebook: NN_name.slides.html, ko/NN_name.slides.html for a Korean one."""
    return decks / ("ko/" if path.parent.name == "ko" else "") / f"{path.stem}.slides.html"


def test_each_deck_has_slides_math_and_figures(decks):
    for path in NOTEBOOKS + KO_NOTEBOOKS:
        text = deck_of(decks, path).read_text(encoding="utf-8")
        assets = "../" if path.parent.name == "ko" else ""
        assert text.count("<section") >= 3, path.name
        assert f'<script src="{assets}mathjax/tex-chtml-full.js">' in text
        assert f'<script src="{assets}reveal.js/dist/reveal.js">' in text
        assert re.search(r"\$[^$\n]+\$|\\\(", text), f"{path.name}: no TeX for MathJax to render"
        nb = nbformat.read(path, as_version=4)
        figures = sum("image/png" in out.get("data", {}) for c in nb.cells if c.cell_type == "code"
                      for out in c.get("outputs", []))
        if figures:
            assert 'src="data:image/png;base64,' in text, f"{path.name}: its figures are missing"
    assert 'src="data:image/png;base64,' in (decks / f"{NOTEBOOKS[3].stem}.slides.html").read_text(encoding="utf-8")


def test_the_deck_copy_starts_a_slide_at_every_section_heading():
    md = nbformat.v4.new_markdown_cell
    nb = nbformat.v4.new_notebook(cells=[
        md("# Title"),
        md("## 1. First\n\nText.\n\n```python\n## not a heading (a comment in a fence)\n```\n\n"
           "Closing words.\n\n## 2. Second\n\nMore.\n\n### 2.1 Sub\n\nDetail.")])
    deck = slides.deck_copy(nb)
    assert [c.source.splitlines()[0] for c in deck.cells] == ["# Title", "## 1. First", "## 2. Second", "### 2.1 Sub"]
    assert [c.metadata["slideshow"]["slide_type"] for c in deck.cells] == ["slide", "slide", "slide", "subslide"]
    assert "## not a heading" in deck.cells[1].source
    assert len({c["id"] for c in deck.cells}) == 4
    assert len(nb.cells) == 2                                          # the notebook itself is unchanged


def test_the_live_widget_cells_are_left_out_of_the_decks(tmp_path):
    nb = lecture_notebook()
    live = tagged(nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\ndemos.show_clipping()"), "demo", "demo-live")
    nb.cells.insert(10, live)
    nb.metadata["widgets"] = {"state": {}}
    copy = slides.deck_copy(nb)
    assert all("demo-live" not in c.metadata.get("tags", []) for c in copy.cells)
    assert "widgets" not in copy.metadata
    assert any("slides-hide-input" in c.metadata.get("tags", []) for c in copy.cells)
    assert len(nb.cells) == 18 and "widgets" in nb.metadata            # the notebook itself is unchanged
    assert [c.source.splitlines()[0] for c in copy.cells if c.source.startswith("## ")] == [
        "## 1. A section", "## Summary", "## Exercises"]                 # the closing slide on its own


def test_the_decks_use_the_books_mathjax_and_the_figures_alt_text(decks):
    """One MathJax for book and slides (tools/build_book.py unpacks it); figures keep their alt text."""
    assert (decks / "mathjax" / "tex-chtml-full.js").is_file()
    assert (decks / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
    assert not (decks / "mathjax" / "es5").exists()
    for path in NOTEBOOKS + KO_NOTEBOOKS:
        text = deck_of(decks, path).read_text(encoding="utf-8")
        assert "No description has been provided" not in text, path.name
        nb = nbformat.read(path, as_version=4)
        alts = [out.metadata["image/png"]["alt"] for c in nb.cells if c.cell_type == "code"
                for out in c.get("outputs", []) if out.get("metadata", {}).get("image/png", {}).get("alt")]
        shown = [html.unescape(double or single) for double, single
                 in re.findall(r"""<img [^>]*\balt=(?:"([^"]*)"|'([^']*)')""", text)]
        assert sorted(shown) == sorted(alts), path.name


# ---------------------------------------------------------------------------- fitting 1280x720
def test_markdown_blocks_cut_at_paragraphs_list_items_and_long_tables():
    table = "| term | meaning |\n|---|---|\n" + "\n".join(f"| t{i} | {'long words ' * 12} |" for i in range(40))
    text = ("Adding both paths:\n\n$$\na = b\n\nc = d\n$$\n\nA paragraph.\n\n- one\n- two\n  more two\n\n"
            "```python\nx = 1\n\ny = 2\n```\n\n" + table)
    blocks = slides.markdown_blocks(text)
    assert blocks[0] == "Adding both paths:\n\n$$\na = b\n\nc = d\n$$"      # the colon keeps its equation
    assert blocks[1:4] == ["A paragraph.", "- one", "- two\n  more two"]
    assert blocks[4] == "```python\nx = 1\n\ny = 2\n```"                      # a fence stays whole
    tables = blocks[5:]
    assert len(tables) >= 3 and all(t.startswith("| term | meaning |\n|---|---|\n") for t in tables)
    assert sum(t.count("\n| t") for t in tables) == 40
    assert all(slides.block_height(t) <= slides.SLIDE_BUDGET for t in tables)
    # a marker comment right after a table (README's and 00's contents) does not keep it whole
    marked = slides.markdown_blocks("<!-- start -->\n\n" + table + "\n<!-- end -->")
    assert len(marked) == len(tables) + 1 and marked[-1].endswith("|\n<!-- end -->")
    assert ["\n".join(block.split("\n")[:-1]) if block.endswith("-->") else block for block in marked[1:]] == tables


def test_a_full_slide_continues_on_a_sub_slide():
    md = nbformat.v4.new_markdown_cell
    paragraph = "word " * 150                                   # about 8 lines of slide text
    nb = nbformat.v4.new_notebook(cells=[md("## A section"), *[md(paragraph) for _ in range(6)]])
    types = slides.slide_types(nb)
    assert types[0] == "slide" and "subslide" in types
    used = 0
    for cell, kind in zip(nb.cells, types):
        used = (0 if kind != "-" else used) + slides.markdown_height(cell.source)
        assert used <= slides.SLIDE_BUDGET


def test_long_outputs_and_code_listings_continue_on_following_slides():
    code = nbformat.v4.new_code_cell("for i in range(100):\n    print(i)")
    code.outputs = [nbformat.v4.new_output("stream", text="".join(f"line {i}\n" for i in range(100)))]
    listing = nbformat.v4.new_code_cell("Code(inspect.getsource(f))")
    listing.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": '<div class="highlight"><pre>...</pre></div>',
        "text/plain": "".join(f"    x{i} = {i}\n" for i in range(60))})]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Section"), code, listing])
    deck = slides.deck_copy(nb)
    pieces = [c for c in deck.cells if c.cell_type == "code"]
    assert len(pieces) >= 6
    continued = [c for c in pieces if "-o" in c["id"]]
    assert len(continued) == len(pieces) - 2                              # each cell's first piece shows its code
    assert all("slides-hide-input" not in c.metadata.get("tags", []) for c in pieces if c not in continued)
    assert all("slides-hide-input" in c.metadata["tags"] for c in continued)
    printed = "".join(o["text"] for c in pieces for o in c.outputs if o.output_type == "stream")
    assert printed == code.outputs[0]["text"]                              # nothing lost, in order
    fenced = [o["data"]["text/markdown"] for c in pieces for o in c.outputs if "text/markdown" in o.get("data", {})]
    assert len(fenced) >= 2 and all(f.startswith("```python\n") for f in fenced)
    for cell in deck.cells:
        assert sum(slides.cell_height(cell, True)) <= slides.SLIDE_BUDGET, cell.get("id")
    kinds = [c.metadata["slideshow"]["slide_type"] for c in deck.cells]
    assert kinds.count("subslide") >= 4
    assert len(nb.cells) == 3                                               # the notebook is unchanged
