"""The HTML book (`make book`): it builds, loads nothing from the network, and its links resolve.

The build needs the book group of pyproject.toml (`make book` installs it; so does `make ci`)
and MathJax from npm (cached in build/cache/ after the first build). Without the packages the
build tests are skipped, saying which to install.
"""
import html.parser
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_book  # noqa: E402

KO_NOTEBOOKS = sorted((ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb"))   # the Korean edition so far


# Attributes through which HTML loads a resource (<a href> only links, so it is not here).
LOADING_ATTRIBUTES = {"script": ("src",), "img": ("src", "srcset"), "iframe": ("src",),
                      "link": ("href",), "source": ("src", "srcset"), "video": ("src", "poster"),
                      "audio": ("src",), "embed": ("src",), "object": ("data",),
                      "input": ("src",), "track": ("src",)}
REMOTE = re.compile(r"^\s*(https?:)?//", re.I)
# CSS (in .css files and in <style> or style=""): url(...) and @import.
CSS_REMOTE = re.compile(r"""(url\(\s*['"]?\s*(https?:)?//|@import\s+(url\()?\s*['"]?\s*(https?:)?//)""", re.I)
# JavaScript that would fetch from another host.
JS_REMOTE = re.compile(r"""(\.src\s*=\s*['"](https?:)?//|url\(\s*['"]?(https?:)?//|@import\s+['"](https?:)?//"""
                       r"""|\b(fetch|importScripts|import)\(\s*['"](https?:)?//)""", re.I)
# Hosts that serve scripts, styles, fonts and trackers: no file of the book may name them ...
CDN_HOSTS = re.compile(r"https?://(cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|"
                       r"fonts\.googleapis\.com|fonts\.gstatic\.com|[a-z.]*googletagmanager\.com|"
                       r"[a-z.]*google-analytics\.com|ajax\.googleapis\.com|code\.jquery\.com)[^\s'\"]*", re.I)
# ... except these defaults of the speech-rule engine inside MathJax, which a current browser
# never fetches: MathJax points the engine at its own sre/mathmaps (copied into the book), the
# "ie" maps are for Internet Explorer and wicked-good-xpath for browsers without document.evaluate.
SRE_DEFAULTS = ("https://cdn.jsdelivr.net/npm/speech-rule-engine@",
                "https://cdn.jsdelivr.net/npm/sre-mathmaps-ie@",
                "https://cdn.jsdelivr.net/npm/wicked-good-xpath@")


def test_prepare_notebook_collapses_solutions_and_drops_navigation_and_instructor_cells():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("[next](01_x.ipynb)", metadata={"tags": ["navigation"]}),
        nbformat.v4.new_markdown_cell("How to open hidden cells", metadata={"tags": ["instructor"]}),
        nbformat.v4.new_code_cell("def f_solution(): pass", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("plot()", outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "[figure: Loss | Gradient]"})]),
        nbformat.v4.new_code_cell("plot()", outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "[figure: old]"},
            metadata={"image/png": {"alt": "Stored alt text"}})]),
    ])
    book_copy = build_book.prepare_notebook(nb)
    assert [cell.source for cell in book_copy.cells] == ["def f_solution(): pass", "plot()", "plot()"]
    assert book_copy.cells[0].metadata.tags == ["solution", "hide-input"]
    assert book_copy.cells[1].outputs[0].metadata["image/png"]["alt"] == "Figure: Loss | Gradient"
    assert book_copy.cells[2].outputs[0].metadata["image/png"]["alt"] == "Stored alt text"
    assert len(nb.cells) == 5 and "hide-input" not in nb.cells[2].metadata.tags   # the input is untouched


def test_the_scanner_finds_remote_resources_and_passes_links(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<a href="https://example.org">a link is fine</a>'
                    '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=X">'
                    '<script src="//cdn.example.org/x.js"></script><img src="local.png" alt="x">'
                    '<div style="background: url(https://example.org/bg.png)"></div>', encoding="utf-8")
    (tmp_path / "style.css").write_text('@import "https://example.org/a.css";\n'
                                        'a { background: url("data:image/svg+xml,'
                                        "<svg xmlns='http://www.w3.org/2000/svg'/>\"); }", encoding="utf-8")
    (tmp_path / "app.js").write_text('s.src = "https://example.org/t.js"; var ns = "http://www.w3.org/2000/svg";',
                                     encoding="utf-8")
    found = remote_resources(tmp_path)
    assert len(found) == 5, found
    assert broken_links(tmp_path) == ["page.html: local.png"]


def test_the_korean_notebooks_are_a_part_of_their_own_with_a_language_switch(tmp_path, monkeypatch):
    """Any subset of the notebooks may be translated: each Korean one is prepared like the English ones,
    under notebooks/ko/ and a contents heading 한국어판, and the two editions of a notebook link to each
    other; with none translated the sources are the English book's."""
    notebooks = tmp_path / "notebooks"
    (notebooks / "ko").mkdir(parents=True)
    for name, title in (("01_a", "# 01 · The cell"), ("02_b", "# 02 · The loss")):
        nbformat.write(nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell("[next](02_b.ipynb)", metadata={"tags": ["navigation"]}),
            nbformat.v4.new_markdown_cell(title),
            nbformat.v4.new_code_cell("def f_solution(): pass", metadata={"tags": ["solution"]})]), notebooks / f"{name}.ipynb")
    monkeypatch.setattr(build_book, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(build_book, "vendor_mathjax", lambda static: None)
    english_index = (build_book.BOOK_DIR / "index.md").read_text(encoding="utf-8")

    build_book.prepare_sources(tmp_path / "src")                   # nothing translated yet
    assert (tmp_path / "src" / "index.md").read_text(encoding="utf-8") == english_index
    assert not (tmp_path / "src" / "notebooks" / "ko").exists()
    assert "language-switch" not in (tmp_path / "src" / "notebooks" / "01_a.ipynb").read_text(encoding="utf-8")

    korean = nbformat.read(notebooks / "01_a.ipynb", as_version=4)
    korean.cells[1].source = "# 01 · 셀"
    nbformat.write(korean, notebooks / "ko" / "01_a.ipynb")
    build_book.prepare_sources(tmp_path / "src")
    src = tmp_path / "src"
    index = (src / "index.md").read_text(encoding="utf-8")
    assert index.startswith(english_index.rstrip("\n"))
    assert index.rstrip().endswith("```{toctree}\n:maxdepth: 1\n:caption: 한국어판\n:glob:\n\nnotebooks/ko/*\n```")
    page = nbformat.read(src / "notebooks" / "ko" / "01_a.ipynb", as_version=4)
    assert [cell.source for cell in page.cells] == [
        '<p class="language-switch"><a href="../01_a.html" hreflang="en" lang="en">English</a></p>',
        "# 01 · 셀", "def f_solution(): pass"]                      # the navigation dropped
    assert page.cells[2].metadata.tags == ["solution", "hide-input"]
    assert page.metadata.mystnb == {"code_prompt_show": "풀이 보기", "code_prompt_hide": "풀이 숨기기"}
    english = nbformat.read(src / "notebooks" / "01_a.ipynb", as_version=4)
    assert english.cells[0].source == '<p class="language-switch"><a href="ko/01_a.html" hreflang="ko" lang="ko">한국어</a></p>'
    assert "mystnb" not in english.metadata
    assert "language-switch" not in (src / "notebooks" / "02_b.ipynb").read_text(encoding="utf-8")


@pytest.fixture
def book(built_book):
    """The book built once for the run (tests/conftest.py); a test that uses it is marked ci."""
    return built_book


def test_the_book_loads_nothing_from_the_network(book):
    assert remote_resources(book) == []


def test_every_internal_link_of_the_book_resolves(book):
    assert len(list(book.rglob("*.html"))) >= 12
    assert broken_links(book) == []


def test_each_notebook_is_a_page_in_order_with_previous_and_next(book):
    notebooks = sorted(path.stem for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    index = (book / "index.html").read_text(encoding="utf-8")
    positions = [index.find(f'href="notebooks/{name}.html"') for name in notebooks]
    assert -1 not in positions and positions == sorted(positions)
    middle = (book / "notebooks" / f"{notebooks[1]}.html").read_text(encoding="utf-8")
    assert f'href="{notebooks[0]}.html"' in middle and f'href="{notebooks[2]}.html"' in middle
    assert (book / "search.html").exists() and (book / "searchindex.js").exists()


def test_solutions_are_collapsed_figures_have_alt_text_and_math_is_local(book):
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        solutions = sum("solution" in cell.metadata.get("tags", []) for cell in nb.cells)
        figures = sum("image/png" in output.get("data", {}) for cell in nb.cells
                      if cell.cell_type == "code" for output in cell.outputs)
        page = (book / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        collapsed = re.findall(r"<details class=\"[^\"]*hide[^\"]*\">\s*<summary[^>]*>(.*?)</summary>", page, re.S)
        assert len(collapsed) == solutions, path.name
        assert all("Show solution" in summary for summary in collapsed), path.name
        assert page.count('aria-label="Show or hide the worked solution"') == solutions, path.name
        images = re.findall(r"<img [^>]*>", page)
        assert len(images) >= figures, path.name
        assert all(re.search(r'alt="[^"]+"', image) for image in images), (path.name, images)
        assert "instructor" not in page and "../README.md" not in page
        # Sphinx's \begin{split} wrapper around a block with its own environment or \tag
        # makes MathJax print an error instead of the equation (book/conf.py prevents it).
        for wrapped in re.findall(r"\\begin\{split\}(.*?)\\end\{split\}", page, re.S):
            assert "\\begin{" not in wrapped and "\\tag" not in wrapped, (path.name, wrapped[:80])
    page = (book / "notebooks" / "03_bptt.html").read_text(encoding="utf-8")
    assert '<script defer="defer" src="../_static/mathjax/tex-chtml-full.js' in page
    assert (book / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
    assert "CC BY 4.0" in page and "MIT" in page


def test_each_korean_notebook_is_a_korean_page_linked_to_its_english_one(book):
    """notebooks/ko/NN_name.html under 한국어판, after the English pages; <html lang="ko">; its solutions
    behind 풀이 보기; a link to the English page at its top, and one back from the English page."""
    index = (book / "index.html").read_text(encoding="utf-8")
    english = sorted(path.stem for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert ("한국어판" in index) == bool(KO_NOTEBOOKS)
    last_english = index.find(f'href="notebooks/{english[-1]}.html"')
    for path in KO_NOTEBOOKS:
        assert index.find(f'href="notebooks/ko/{path.stem}.html"') > max(last_english, index.find("한국어판"))
        page = (book / "notebooks" / "ko" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert re.search(r'<html lang="ko"', page)
        top = page[page.index('<article'):]
        assert re.match(r'<article[^>]*>\s*<p class="language-switch"><a href="\.\./{}\.html" hreflang="en" lang="en">'
                        r'English</a></p>'.format(re.escape(path.stem)), top), top[:300]
        nb = nbformat.read(path, as_version=4)
        solutions = sum("solution" in cell.metadata.get("tags", []) for cell in nb.cells)
        collapsed = re.findall(r"<details class=\"[^\"]*hide[^\"]*\">\s*<summary[^>]*>(.*?)</summary>", page, re.S)
        assert len(collapsed) == solutions and all("풀이 보기" in summary for summary in collapsed), path.name
        assert page.count('aria-label="풀이를 보이거나 숨긴다"') == solutions and "Show solution" not in page
        figures = sum("image/png" in output.get("data", {}) for cell in nb.cells
                      if cell.cell_type == "code" for output in cell.outputs)
        images = re.findall(r"<img [^>]*>", page)
        assert len(images) >= figures and all(re.search(r'alt="[^"]+"', image) for image in images), path.name
        assert "instructor" not in page and "README.ko.md" not in page          # the navigation is dropped
        english_page = (book / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert f'<a href="ko/{path.stem}.html" hreflang="ko" lang="ko">한국어</a>' in english_page
    translated = {path.stem for path in KO_NOTEBOOKS}
    for name in english:
        page = (book / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert ('class="language-switch"' in page) == (name in translated), name
        assert '<html lang="en"' in page


# ---- the scanners -------------------------------------------------------------------------

class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loads, self.links, self.ids, self.styles = [], [], set(), []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("name") and tag == "a":
            self.ids.add(attrs["name"])
        for attribute in LOADING_ATTRIBUTES.get(tag, ()):
            value = attrs.get(attribute)
            if value:
                self.loads.extend(part.split()[0] for part in value.split(",") if part.strip()) \
                    if attribute == "srcset" else self.loads.append(value)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if attrs.get("style"):
            self.styles.append(attrs["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _parse(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def remote_resources(folder):
    """Every place under ``folder`` where an HTML, CSS or JS file would load something from the network."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in {".html", ".css", ".js"}:
            continue
        name = path.relative_to(folder).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            page = _parse(path)
            found += [f"{name}: {url}" for url in page.loads if REMOTE.match(url)]
            found += [f"{name}: {match.group(0)}" for style in page.styles for match in CSS_REMOTE.finditer(style)]
            text = re.sub(r"<a\s[^>]*>", "", text)   # a link to a site is not a load
        elif path.suffix == ".css":
            found += [f"{name}: {match.group(0)}" for match in CSS_REMOTE.finditer(text)]
        else:
            found += [f"{name}: {match.group(0)}" for match in JS_REMOTE.finditer(text)]
        found += [f"{name}: {match.group(0)}" for match in CDN_HOSTS.finditer(text)
                  if not match.group(0).startswith(SRE_DEFAULTS)]
    return sorted(set(found))


def broken_links(folder):
    """Every internal link or resource of the HTML pages under ``folder`` whose file or #anchor is missing."""
    pages = {path: _parse(path) for path in folder.rglob("*.html")}
    broken = []
    for path, page in sorted(pages.items()):
        for url in page.links + page.loads:
            parts = urlsplit(url)
            if parts.scheme or url.startswith(("//", "mailto:", "javascript:")) or not (parts.path or parts.fragment):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.relative_to(folder).as_posix()}: {url}")
            elif parts.fragment and target.suffix == ".html" and target in pages \
                    and unquote(parts.fragment) not in pages[target].ids:
                broken.append(f"{path.relative_to(folder).as_posix()}: {url}")
    return broken


def test_setup_notebook_stores_alt_text_with_each_png(tmp_path, monkeypatch):
    pytest.importorskip("IPython")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))     # the shell's history database goes there
    import matplotlib
    matplotlib.use("Agg")
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats
    from rnn_course import plots

    shell = InteractiveShell.instance()
    try:
        select_figure_formats(shell, {"png"})          # what the inline backend registers
        plots.setup_notebook()
        plots.setup_notebook()                         # a second call wraps nothing twice
        fig = plots.plot_loss([3.0, 2.0, 1.0], title="Training loss")
        data, metadata = shell.display_formatter.format(fig)
        assert data["image/png"] and data["text/plain"] == "[figure: Training loss]"
        assert metadata == {"image/png": {"alt": "Figure: Training loss (mean cross-entropy (nats) against epoch)"}}
        import matplotlib.pyplot as plt
        plt.close(fig)
    finally:
        InteractiveShell.clear_instance()


def test_figure_alt_text_names_every_titled_axes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from rnn_course.plots import figure_alt_text

    fig, (left, right) = plt.subplots(1, 2)
    fig.suptitle("Two panels")
    left.set_title("Loss")
    left.set_xlabel("epoch")
    left.set_ylabel("nats")
    right.set_title("Norm")
    assert figure_alt_text(fig) == "Figure: Two panels; Loss (nats against epoch); Norm"
    plt.close(fig)
    assert figure_alt_text(plt.figure()) == "Figure (untitled)"
    plt.close("all")


def test_display_equations_in_a_paragraph_get_blank_lines_and_check_outputs_wrap():
    """MyST reads ``$$`` inside a paragraph as two ``$`` and typesets the prose between as maths."""
    text = "the error is\n$$\\delta = x,$$\nwhere $a$ is.\n\n$$\na\n$$\nText.\n```\n$$ not maths\n```"
    assert build_book.separate_display_math(text) == (
        "the error is\n\n$$\\delta = x,$$\n\nwhere $a$ is.\n\n$$\na\n$$\n\nText.\n```\n$$ not maths\n```")
    assert build_book.separate_display_math("a\n\n$$x$$\n\nb") == "a\n\n$$x$$\n\nb"     # nothing to add
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("exercises.check('Exercise 1', checker, f)"),
        nbformat.v4.new_code_cell("print(1)")])
    book_copy = build_book.prepare_notebook(nb)
    assert book_copy.cells[0].metadata.tags == ["wrap-output"]
    assert "tags" not in book_copy.cells[1].metadata
