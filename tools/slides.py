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
==========================================================  ===========

A heading in the middle of a markdown cell starts a slide in the offline decks (the build cuts
the cell there, in its temporary copy) but not live in RISE, which shows cells whole: split the
cell in the notebook for that. Slides scroll, so a long cell still shows whole.

Usage::

    python tools/slides.py --write notebooks/03_bptt.ipynb ...   # store the metadata (in place)
    python tools/slides.py --check [NOTEBOOKS]                    # exit 1 if any metadata differs
    python tools/slides.py --build build/slides [NOTEBOOKS]       # offline decks + index.html

``--write`` changes nothing but ``metadata.slideshow`` of cells (files are written only when
that changes). ``--build`` (``make slides``) applies the rules to temporary copies, so the
decks never depend on the committed metadata being current. It installs reveal.js and
MathJax 3 from the npm registry into a cache folder (``--cache``, default build/slides-cache)
and copies them next to the decks, so the decks need no network at view time: no page refers
to a remote script, style or font (tests/test_slides.py checks it).
"""

from __future__ import annotations

import argparse
import ast
import copy
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import _nbio  # noqa: E402

LONG_CODE_LINES = 15
SETUP_SKIP = "skip"
REVEAL_VERSION = "5.2.1"
MATHJAX_VERSION = "3.2.2"
NPM_PACKAGES = (f"reveal.js@{REVEAL_VERSION}", f"mathjax@{MATHJAX_VERSION}")
TEMPLATE_DIR = Path(__file__).resolve().parent / "slides_template"
# In the offline decks only (temporary copies): the live widget cells need a kernel, and the
# source of a long code cell or of a demo's static figure cell does not fit a slide (its output does).
LIVE_ONLY_TAG = "demo-live"
HIDE_INPUT_TAG = "slides-hide-input"
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720

EXERCISES_HEADING = re.compile(r"^##\s+Exercises\b", re.MULTILINE)


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


def slide_types(nb) -> list[str]:
    """The slide_type of every cell of ``nb`` by the rules in the module docstring."""
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


def stored_type(cell):
    slideshow = cell.get("metadata", {}).get("slideshow")
    return slideshow.get("slide_type") if isinstance(slideshow, dict) else None


def apply_slide_types(nb) -> int:
    """Store the rules' slide types in ``nb``; return how many cells changed."""
    changed = 0
    for cell, kind in zip(nb.cells, slide_types(nb)):
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
def npm_assets(cache: Path) -> Path:
    """reveal.js and MathJax 3 from the npm registry into ``cache`` (once); return node_modules."""
    modules = cache / "node_modules"
    wanted = {"reveal.js": REVEAL_VERSION, "mathjax": MATHJAX_VERSION}

    def installed(name):
        package = modules / name / "package.json"
        return package.is_file() and json.loads(package.read_text(encoding="utf-8"))["version"] == wanted[name]

    if all(installed(name) for name in wanted):
        return modules
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("make slides needs npm (Node.js) to install reveal.js and MathJax once: "
                           "install Node.js (https://nodejs.org) or your system's nodejs/npm package")
    cache.mkdir(parents=True, exist_ok=True)
    command = [npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund", "--ignore-scripts",
               "--no-save", *NPM_PACKAGES]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not all(installed(name) for name in wanted):
        raise RuntimeError(f"npm could not install {' '.join(NPM_PACKAGES)}:\n{result.stderr[-2000:]}")
    return modules


def copy_assets(modules: Path, out: Path) -> None:
    """The files the decks load, next to them: reveal.js/{dist,plugin} and mathjax/es5."""
    for source, target in ((modules / "reveal.js" / "dist", out / "reveal.js" / "dist"),
                           (modules / "reveal.js" / "plugin", out / "reveal.js" / "plugin"),
                           (modules / "mathjax" / "es5", out / "mathjax" / "es5")):
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)
    for name in ("reveal.js", "mathjax"):
        shutil.copy2(modules / name / "LICENSE", out / name / "LICENSE")


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
        for k, part in enumerate(parts):
            piece = copy.deepcopy(cell)
            piece.source = part
            if k:
                piece["id"] = f"{cell.get('id', 'cell')}-{k}"
                piece.metadata.pop("slideshow", None)
            cells.append(piece)
    nb.cells = cells


def deck_copy(nb):
    """A copy of ``nb`` prepared for the offline deck (the notebook itself is never changed).

    Beyond the rules' metadata, a markdown cell with a section heading in its middle is cut
    there, so that in the offline deck every section starts a slide. (Live in RISE such a
    heading stays inside its cell's slide; split the cell in the notebook to change that.)
    """
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)               # saved widget state would load a CDN renderer
    split_sections(nb)
    apply_slide_types(nb)
    kept = []
    for cell in nb.cells:
        tags = _nbio.cell_tags(cell)
        if LIVE_ONLY_TAG in tags:
            continue
        long_code = len("".join(cell.source).splitlines()) > LONG_CODE_LINES
        if cell.cell_type == "code" and has_outputs(cell) and (long_code or "demo" in tags):
            # the slide shows the figure and the printed claims; the notebook shows the code
            cell.metadata.setdefault("tags", []).append(HIDE_INPUT_TAG)
        kept.append(cell)
    nb.cells = kept
    return nb


def slides_exporter():
    from nbconvert import SlidesExporter
    from traitlets.config import Config
    config = Config()
    config.SlidesExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    config.SlidesExporter.template_name = "offline_reveal"
    config.SlidesExporter.reveal_url_prefix = "reveal.js"           # --reveal-prefix
    config.SlidesExporter.mathjax_url = "mathjax/es5/tex-svg.js"    # the HTMLExporter.mathjax_url trait
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


def build_index(out: Path, decks: list[tuple[str, str, int]]) -> None:
    rows = "\n".join(f'  <li><a href="{html.escape(name)}">{html.escape(title)}</a> '
                     f'<span class="count">({count} slides)</span></li>' for name, title, count in decks)
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
</ol>
</body>
</html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")


def build(out: Path, paths: list[Path], cache: Path) -> list[Path]:
    """Write ``out/NN_name.slides.html`` for each notebook, ``out/index.html`` and the assets."""
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(npm_assets(cache), out)
    exporter = slides_exporter()
    written, decks = [], []
    for path in paths:
        nb = deck_copy(_nbio.read_notebook(path))
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        target = out / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
        count = sum(1 for kind in slide_types(nb) if kind in ("slide", "subslide"))
        decks.append((target.name, notebook_title(nb, path.stem), count))
        print(f"slides: {target.name} ({count} slides)")
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
    parser.add_argument("--cache", type=Path, default=None,
                        help="where npm installs reveal.js and MathJax (default: build/slides-cache)")
    parser.add_argument("notebooks", nargs="*", help="notebooks (paths or names in notebooks/; default: all numbered)")
    return parser


def resolve(names: list[str], root: Path) -> list[Path]:
    if not names:
        return _nbio.numbered_notebooks(root)
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
        try:
            build(args.build, paths, args.cache or root / "build" / "slides-cache")
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"slides: {len(paths)} decks and index.html in {_nbio.display_path(args.build.resolve(), root)}")
        return 0
    stale = 0
    for path in paths:
        nb = _nbio.read_notebook(path)
        if args.check:
            wrong = mismatches(nb)
            if wrong:
                stale += 1
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
            print("run `python tools/slides.py --write NOTEBOOKS` to store the rules' metadata", file=sys.stderr)
            return 1
        print(f"slide metadata current in all {len(paths)} notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
