"""Build the HTML book of the series (`make book`, `python tools/course.py book`).

    python tools/build_book.py [--out build/book]

Writes a static site to OUT/html (open OUT/html/index.html; it needs no server and no network):
Sphinx with MyST-NB and sphinx-book-theme (the book group of pyproject.toml, locked in uv.lock), configured by
book/conf.py. The notebooks are not executed: the book shows their stored outputs, the ones
nbval checks. Each notebook is copied to OUT/src first and prepared there (the notebooks
themselves are never written):

- cells tagged ``solution`` (the hidden worked solutions) get MyST-NB's ``hide-input`` tag,
  so they sit collapsed behind a "Show solution" control;
- cells tagged ``navigation`` (previous / contents / next links) are dropped: the book has its own;
- cells tagged ``instructor`` are dropped: they tell how to open the hidden cells in JupyterLab,
  which the book does with its own control (the book keeps the solutions themselves);
- a display equation (``$$ ... $$``) that a paragraph's lines run into or out of gets blank
  lines around it: MyST reads ``$$`` in the middle of a paragraph as two inline ``$``, and
  typesets the prose between the equations as maths (JupyterLab shows such cells right);
- the output of an exercise's check cell (a call of ``check(``) wraps its long message lines
  (tag ``wrap-output``, book.css); other outputs keep their columns and scroll if wide;
- each figure keeps its alt text (``{"image/png": {"alt": ...}}`` in the output's metadata, as
  ``rnn_course.plots.setup_notebook`` stores it); an older output without it gets the figure's
  titles from its ``[figure: ...]`` text form.

**The Korean edition (한국어판).** The Korean notebooks (``notebooks/ko/``, built by
tools/translate.py) are a part of the book of their own: pages ``notebooks/ko/NN_name.html``
under a contents heading "한국어판", prepared like the English ones (their solutions behind
"풀이 보기"), with ``<html lang="ko">``. The copies keep the repository's layout, so a Korean
page's link to an English notebook not yet translated (``../03_bptt.ipynb``) resolves. Each
English page that has a Korean edition starts with a link to it ("한국어"), and each Korean page
with a link back ("English"). Any subset of the notebooks may be translated; none at all leaves
the book as it was.

MathJax 3 comes from npm's ``mathjax`` package (``npm pack``, checked against its sha512 and
cached in build/cache/), or from a tarball named by the environment variable MATHJAX_TGZ. The
slide decks (tools/slides.py) unpack the same files from the same tarball: one MathJax for both.
"""
import argparse
import base64
import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BOOK_DIR = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"
NUMBERED = "[0-9][0-9]_*.ipynb"
# The translated editions (notebooks/LANG/, tools/translate.py): the contents heading of each, the
# label of the link to it from an English page, and the labels of its collapsed solutions.
EDITIONS = {"ko": {"caption": "한국어판", "name": "한국어", "show": "풀이 보기", "hide": "풀이 숨기기",
                   "aria": "풀이를 보이거나 숨긴다",
                   "intro": "**한국어판.** 아래 \"한국어판\" 목차의 노트북은 같은 노트북의 한국어 번역이다. "
                            "코드와 출력은 영어판과 똑같고, 설명과 연습 문제의 지시문이 한국어로 되어 있다. "
                            "번역된 노트북의 각 페이지 맨 위에 다른 언어판으로 가는 링크가 있다."}}
SOLUTION_LABEL = "Show or hide the worked solution"
CACHE = ROOT / "build" / "cache"

MATHJAX_VERSION = "3.2.2"
# The bundle the book and the slides load (in the folder vendor_mathjax writes).
MATHJAX_ENTRY = "tex-chtml-full.js"
# npm's "dist.integrity" of mathjax@3.2.2.
MATHJAX_SHA512 = "Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
# What the book loads: the full TeX bundle (every TeX extension built in), its CHTML fonts,
# the parts MathJax's menu loads on demand (accessibility, the speech rules' maps), the licence.
MATHJAX_FILES = ("es5/tex-chtml-full.js", "es5/output/chtml/fonts/woff-v2/", "es5/a11y/",
                 "es5/sre/", "es5/ui/", "es5/input/", "LICENSE")

SOLUTION, HIDE_INPUT = "solution", "hide-input"
DROPPED_TAGS = {"navigation", "instructor"}
WRAP_OUTPUT = "wrap-output"
CHECK_CALL = re.compile(r"\bcheck\(")
FENCE = re.compile(r"^\s*(```|~~~)")
FIGURE_TEXT = re.compile(r"^\[figure: (.*)\]$", re.S)
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def prepare_notebook(nb):
    """The book's copy of a notebook: solutions collapsed, navigation and instructor cells dropped."""
    nb = nbformat.from_dict(nb)
    cells = []
    for cell in nb.cells:
        tags = list(cell.metadata.get("tags", []))
        if DROPPED_TAGS & set(tags):
            continue
        if SOLUTION in tags and HIDE_INPUT not in tags:
            tags = cell.metadata["tags"] = tags + [HIDE_INPUT]
        if cell.cell_type == "markdown":
            cell.source = separate_display_math(cell.source)
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source) and SOLUTION not in tags:
            cell.metadata["tags"] = tags + [WRAP_OUTPUT]
        if cell.cell_type == "code":
            for output in cell.outputs:
                _add_alt_text(output)
        cells.append(cell)
    nb.cells = cells
    return nb


def separate_display_math(markdown):
    """``markdown`` with a blank line before and after every ``$$`` display block (not in code fences)."""
    out = []
    fenced = in_block = just_closed = False
    for line in markdown.split("\n"):
        stripped = line.strip()
        if FENCE.match(line) and not in_block:
            fenced = not fenced
        starts = not fenced and not in_block and stripped.startswith("$$")
        if (starts or just_closed) and stripped and out and out[-1].strip():
            out.append("")                                  # a blank line before or after the block
        out.append(line)
        just_closed = False
        if starts:
            in_block = stripped.count("$$") % 2 == 1        # "$$ ... $$" on one line closes itself
            just_closed = not in_block
        elif in_block and "$$" in stripped:
            in_block, just_closed = False, True
    return "\n".join(out)


def _add_alt_text(output):
    """Alt text for an image output that has none, from its ``[figure: titles]`` text form."""
    data = output.get("data", {})
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    match = FIGURE_TEXT.match(text.strip())
    for mime in IMAGE_TYPES:
        if mime not in data:
            continue
        meta = output.setdefault("metadata", {}).setdefault(mime, {})
        if not meta.get("alt"):
            meta["alt"] = f"Figure: {match.group(1)}" if match else "Figure"


def npm_tarball(name, version, sha512, variable):
    """Path of ``name-version.tgz``, checked against npm's sha512: the file the environment
    variable ``variable`` names, else the cache (build/cache/), else ``npm pack`` fills the cache."""
    import os
    given = os.environ.get(variable)
    tgz = Path(given) if given else CACHE / f"{name}-{version}.tgz"
    if not tgz.exists():
        npm = shutil.which("npm")
        if npm is None:
            sys.exit(f"{name} {version} is fetched with npm, which was not found. Install Node.js "
                     f"(it brings npm), or download {name}-{version}.tgz from the npm registry "
                     f"(https://registry.npmjs.org/{name}/-/{name}-{version}.tgz) and set {variable} to its path.")
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "pack", f"{name}@{version}", "--pack-destination", str(CACHE),
                        "--prefer-offline", "--silent"], check=True, stdout=subprocess.DEVNULL)
    digest = base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
    if digest != sha512:
        sys.exit(f"{tgz} is not {name} {version} (sha512 {digest}, expected {sha512}); "
                 "delete it and run again.")
    return tgz


def mathjax_tarball():
    """mathjax-3.2.2.tgz (MATHJAX_TGZ, the cache or npm), checked against its sha512."""
    return npm_tarball("mathjax", MATHJAX_VERSION, MATHJAX_SHA512, "MATHJAX_TGZ")


def vendor_mathjax(static_dir):
    """Unpack the parts of MathJax the book (and the slides, tools/slides.py) use into STATIC_DIR/mathjax."""
    target = static_dir / "mathjax"
    if target.exists():
        shutil.rmtree(target)
    with tarfile.open(mathjax_tarball()) as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            if not member.isfile() or not name.startswith(MATHJAX_FILES):
                continue
            path = target / name.removeprefix("es5/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.extractfile(member).read())
    return target


def translated_notebooks(language):
    """notebooks/LANG/NN_name.ipynb of one translated edition (none while it has none)."""
    return sorted((NOTEBOOKS / language).glob(NUMBERED))


def language_switch(href, language, label):
    """The markdown cell at the top of a page that links to the same notebook in another language."""
    return nbformat.v4.new_markdown_cell(
        f'<p class="language-switch"><a href="{href}" hreflang="{language}" lang="{language}">{label}</a></p>',
        id=f"language-switch-{language}", metadata={"tags": ["language-switch"]})


def prepare_sources(src):
    """OUT/src: conf.py, index.md, _static/ from book/, the notebooks' book copies, MathJax."""
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(BOOK_DIR, src, ignore=shutil.ignore_patterns("__pycache__"))
    (src / "notebooks").mkdir()
    editions = {language: translated_notebooks(language) for language in EDITIONS}
    for path in sorted(NOTEBOOKS.glob(NUMBERED)):
        nb = prepare_notebook(nbformat.read(path, as_version=4))
        switches = [language_switch(f"{language}/{path.stem}.html", language, EDITIONS[language]["name"])
                    for language, paths in editions.items() if any(p.name == path.name for p in paths)]
        nb.cells[:0] = switches
        nbformat.write(nb, src / "notebooks" / path.name)
    index = src / "index.md"
    for language, paths in editions.items():
        if not paths:
            continue
        edition = EDITIONS[language]
        (src / "notebooks" / language).mkdir()
        for path in paths:
            nb = prepare_notebook(nbformat.read(path, as_version=4))
            nb.cells.insert(0, language_switch(f"../{path.stem}.html", "en", "English"))
            # MyST-NB reads a notebook's own labels for its collapsed cells from this metadata.
            nb.metadata["mystnb"] = {"code_prompt_show": edition["show"], "code_prompt_hide": edition["hide"]}
            nbformat.write(nb, src / "notebooks" / language / path.name)
        index.write_text(index.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + edition["intro"] + "\n\n"
                         f"```{{toctree}}\n:maxdepth: 1\n:caption: {edition['caption']}\n:glob:\n\n"
                         f"notebooks/{language}/*\n```\n", encoding="utf-8")
    vendor_mathjax(src / "_static")


def build(out):
    out = Path(out).resolve()
    src, html = out / "src", out / "html"
    prepare_sources(src)
    # -W: a warning (a broken cross-reference, a missing page) fails the build; --keep-going lists all.
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going",
               "-d", str(out / "doctrees"), str(src), str(html)]
    result = subprocess.run(command, cwd=src)
    if result.returncode:
        sys.exit(f"build_book: sphinx failed (exit {result.returncode})")
    # The themes copy their Jinja macro files (webpack-macros.html) into _static: not pages.
    for template in (html / "_static").glob("*macros.html"):
        template.unlink()
    # MyST-NB labels every collapsed cell "Toggle hidden content" for screen readers; the only
    # collapsed cells here are the worked solutions, so say so (in the page's language). A
    # translated page says its language, for screen readers and the browser's choice of fonts.
    pages = [(page, None) for page in (html / "notebooks").glob("*.html")]
    pages += [(page, language) for language in EDITIONS for page in (html / "notebooks" / language).glob("*.html")]
    for page, language in pages:
        text = page.read_text(encoding="utf-8")
        label = EDITIONS[language]["aria"] if language else SOLUTION_LABEL
        text = text.replace('<summary aria-label="Toggle hidden content">', f'<summary aria-label="{label}">')
        if language:
            text, count = re.subn(r'<html lang="[^"]*"', f'<html lang="{language}"', text, count=1)
            if not count:
                sys.exit(f"build_book: {page.name} has no <html lang=...>; update build()")
        page.write_text(text, encoding="utf-8")
    add_search_excerpts(html)
    print(f"The book: {html / 'index.html'}")
    return html


ARTICLE = re.compile(r'<article\b[^>]*role="main"[^>]*>.*?</article>|<article\b[^>]*>.*?</article>', re.S)
NOT_TEXT = re.compile(r"<(script|style|svg|template)\b.*?</\1>|<img\b[^>]*>|<!--.*?-->", re.S)
ATTRIBUTES = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)\b([^>]*)>")
ID = re.compile(r"""\bid=("[^"]*"|'[^']*')""")
# Sphinx's search page fetches each result's page to show an excerpt; a browser refuses that
# fetch from file://, so the offline book listed bare titles. This script (loaded before
# searchtools.js) answers those fetches from the pages' text, stored in it.
SEARCH_SHIM = """// The book's pages as text, for the search results' excerpts (tools/build_book.py).
(function () {
  const pages = %s;
  const fetchPage = window.fetch ? window.fetch.bind(window) : null;
  window.fetch = function (resource, options) {
    const url = new URL(typeof resource === "string" ? resource : resource.url, document.baseURI);
    const base = new URL(".", document.baseURI).href;
    const name = url.href.startsWith(base) ? decodeURIComponent(url.href.slice(base.length).split("#")[0]) : null;
    if (name !== null && Object.prototype.hasOwnProperty.call(pages, name)) {
      return Promise.resolve(new Response(pages[name], {headers: {"Content-Type": "text/html"}}));
    }
    return fetchPage ? fetchPage(resource, options) : Promise.reject(new Error("no fetch"));
  };
})();
"""


def page_text(page_html):
    """The article of a page with its ids (the excerpts' anchors), without images, scripts or other
    attributes, inside the ``role="main"`` element that Sphinx's search reads."""
    match = ARTICLE.search(page_html)
    text = NOT_TEXT.sub("", match.group(0) if match else "")
    text = ATTRIBUTES.sub(lambda m: f"<{m.group(1)} {ID.search(m.group(2)).group(0)}>" if ID.search(m.group(2))
                          else f"<{m.group(1)}>", text)
    return '<div role="main">' + re.sub(r"\s+", " ", text) + "</div>"


def add_search_excerpts(html):
    """_static/search_pages.js with every page's text, loaded by search.html before searchtools.js."""
    import json
    pages = {path.relative_to(html).as_posix(): page_text(path.read_text(encoding="utf-8"))
             for path in sorted(html.rglob("*.html")) if path.name not in ("search.html", "genindex.html")}
    (html / "_static" / "search_pages.js").write_text(
        SEARCH_SHIM % json.dumps(pages, ensure_ascii=False), encoding="utf-8")
    search = html / "search.html"
    text = search.read_text(encoding="utf-8")
    hook = '<script src="_static/searchtools.js'
    if hook not in text:
        sys.exit("build_book: search.html no longer loads _static/searchtools.js; update add_search_excerpts")
    search.write_text(text.replace(hook, '<script src="_static/search_pages.js"></script>\n  ' + hook, 1),
                      encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "book"),
                        help="output folder: OUT/html is the book, OUT/src its prepared sources")
    args = parser.parse_args(argv)
    try:
        import myst_nb  # noqa: F401
        import sphinx_book_theme  # noqa: F401
    except ImportError as error:
        sys.exit(f"build_book: {error.name} is missing; install the book's packages with "
                 "`python3 tools/course.py install --group book` (make book does).")
    build(args.out)


if __name__ == "__main__":
    main()
