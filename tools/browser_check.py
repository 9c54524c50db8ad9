"""What a reader and an instructor see: the book and the slide decks measured in headless Chromium.

    python tools/browser_check.py [--book build/book/html] [--slides build/slides] [--screenshots DIR]

Opens every page of the built book (the Korean edition's, ``notebooks/ko/``, too) at the widths
of ``BOOK_WIDTHS`` and every slide of every deck (the Korean decks in ``ko/`` too) at 1280x720, from ``file://`` with every other request aborted (nothing is fetched), and
lists what a person would miss:

- an element cut off by a box that hides its overflow, or running past the text column or the
  window (a box that scrolls is fine in the book: its content is reachable);
- a formula MathJax could not typeset (an error box, or TeX left as text);
- an image without alt text (or with nbconvert's placeholder), or one that did not load;
- a slide taller or wider than 1280x720, or anything on it that needs scrolling (a clicker
  cannot scroll) or runs past its right edge.

Each problem names the page, the element and the overflow in CSS pixels. Exit status 1 when
there is any. tests/test_browser.py runs the same checks on fresh builds.

Needs the Python package ``playwright`` (its driver only: the browser is the system's Chromium,
e.g. Debian's ``chromium``; ``playwright install`` is never needed) and uses one browser and one
browser for everything (two tabs: the next page loads while one is measured).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BOOK_WIDTHS = (768, 1280, 1440, 1920)
# The translated pages (notebooks/LANG/) are checked at these widths. Loading a page and typesetting
# its maths cost most of the time: measured on the 2-core machine (load average 5-7), the three
# Korean pages took 2.3 s at one width and 3.1 s at all four. Set (1280,) (the narrowest column
# with both sidebars) if a full translation ever makes CI too long.
TRANSLATED_WIDTHS = BOOK_WIDTHS
BOOK_HEIGHT = 900
SLIDE_SIZE = (1280, 720)
# Sub-pixel rounding of layouts: an overflow smaller than this is not one.
TOLERANCE_PX = 1.5
PLACEHOLDER_ALT = "No description has been provided for this image"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-extensions",
                 "--disable-default-apps", "--mute-audio"]
# How long one page may take to load and typeset its maths (ms).
PAGE_TIMEOUT_MS = 30_000


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    pages: int = 0
    views: int = 0
    slides: int = 0
    seconds: float = 0.0

    def add(self, where: str, items: list[str]) -> None:
        self.problems += [f"{where}: {item}" for item in items]


# ---------------------------------------------------------------------------- in the page
# Shared by the book and the slides: a short name for an element, and the checks of formulas
# and images inside ``root``.
COMMON_JS = r"""
const describe = (el) => {
  let name = el.tagName.toLowerCase();
  if (el.id) name += '#' + el.id;
  const cls = (typeof el.className === 'string' ? el.className : '').trim().split(/\s+/).filter(Boolean).slice(0, 2);
  if (cls.length) name += '.' + cls.join('.');
  const math = el.closest('mjx-container');
  let text = '';
  if (math) {
    const tex = math.querySelector('mjx-assistive-mml, math');
    text = math.getAttribute('aria-label') || (tex ? tex.textContent : '') || math.textContent;
    if (el !== math) name = 'mjx-container > ' + name;
  } else {
    text = el.textContent || el.getAttribute('alt') || '';
  }
  text = text.replace(/\s+/g, ' ').trim().slice(0, 60);
  return text ? `${name} "${text}"` : name;
};
const formulaAndImageProblems = (root, placeholder) => {
  const found = [];
  for (const err of root.querySelectorAll('mjx-merror, [data-mjx-error]')) {
    if (err.closest('mjx-assistive-mml')) continue;            // the screen readers' copy of the same formula
    found.push(`formula not typeset: ${err.getAttribute('data-mjx-error') || err.textContent.slice(0, 80)}`);
  }
  // TeX that MathJax never saw: delimiters left in text outside code.
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('pre, code, script, style, mjx-container, .highlight, textarea, .jp-OutputArea-output, .output')) continue;
    if (/\$|\\\(|\\\[|\\begin\{/.test(node.textContent)) {
      found.push(`formula not typeset (TeX left as text): "${node.textContent.trim().slice(0, 60)}"`);
    }
  }
  for (const img of root.querySelectorAll('img')) {
    const alt = (img.getAttribute('alt') || '').trim();
    const src = (img.getAttribute('src') || '').slice(0, 40);
    if (!alt || alt === placeholder) found.push(`image without alt text (src ${src}...)`);
    if (!img.complete || img.naturalWidth === 0) found.push(`image did not load (src ${src}...)`);
  }
  return found;
};
"""

# The book: everything inside the article that sticks out of a box hiding its overflow, or
# out of the text column, or out of the window. Reports the outermost element only.
BOOK_JS = COMMON_JS + r"""
([tolerance, placeholder]) => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const found = formulaAndImageProblems(article, placeholder);
  const viewport = document.documentElement.clientWidth;
  const column = article.getBoundingClientRect();
  const styles = new Map();
  const style = (el) => { if (!styles.has(el)) styles.set(el, getComputedStyle(el)); return styles.get(el); };
  const reported = new Set();
  for (const el of article.querySelectorAll('*')) {
    // MathJax's own parts clip by design (stretchy delimiters): a formula is measured whole.
    if (el.parentElement && el.parentElement.closest('mjx-container')) continue;
    if (el.closest('details:not([open])') && !el.closest('summary')) continue;  // a closed solution
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;              // not displayed (a closed solution)
    let parentReported = false;
    for (let a = el.parentElement; a && a !== article; a = a.parentElement) {
      if (reported.has(a)) { parentReported = true; break; }
    }
    if (parentReported) continue;
    let verdict = null;
    if (el.tagName === 'MJX-CONTAINER' && el.getAttribute('display') === 'true') {  // wider than its own box
      const s = style(el), over = el.scrollWidth - el.clientWidth;
      if (over > tolerance && s.overflowX !== 'auto' && s.overflowX !== 'scroll') {
        verdict = `formula is ${over} px wider than its box (overflow-x: ${s.overflowX})`;
      }
    }
    if (!verdict) for (let a = el.parentElement; a; a = a.parentElement) {
      const s = style(a);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') { if (a === article) break; else continue; }
      const b = a.getBoundingClientRect();
      if (b.width <= 2 || b.height <= 2) break;                 // a visually hidden label
      const left = b.left + a.clientLeft, right = left + a.clientWidth;
      const top = b.top + a.clientTop, bottom = top + a.clientHeight;
      const overX = Math.max(r.right - right, left - r.left);
      const overY = Math.max(r.bottom - bottom, top - r.top);
      const scrollsX = s.overflowX === 'auto' || s.overflowX === 'scroll';
      const scrollsY = s.overflowY === 'auto' || s.overflowY === 'scroll';
      if (overX > tolerance && !scrollsX) verdict = `cut off by ${describe(a).split(' "')[0]} (overflow-x: ${s.overflowX}) by ${Math.round(overX)} px`;
      else if (overY > tolerance && !scrollsY) verdict = `cut off by ${describe(a).split(' "')[0]} (overflow-y: ${s.overflowY}) by ${Math.round(overY)} px`;
      break;                                                     // the first box that clips decides
    }
    if (!verdict) {
      let scrolled = false;
      for (let a = el.parentElement; a && a !== article; a = a.parentElement) {
        const s = style(a);
        if (s.overflowX !== 'visible') { scrolled = true; break; }
      }
      if (!scrolled) {
        const overColumn = Math.max(r.right - column.right, column.left - r.left);
        const overWindow = Math.max(r.right - viewport, -r.left);
        if (overWindow > tolerance) verdict = `runs past the window by ${Math.round(overWindow)} px`;
        else if (overColumn > tolerance) verdict = `runs past the text column by ${Math.round(overColumn)} px`;
      }
    }
    if (verdict) { reported.add(el); found.push(`${describe(el)} ${verdict}`); }
  }
  return found;
}
"""

# Every slide of a deck, one after the other (reveal.js shows one at a time): its size against
# the deck's, and anything on it that scrolls, is cut off or runs past its edges. Sizes are in
# the deck's own pixels (before reveal.js scales the deck to the window).
SLIDES_JS = COMMON_JS + r"""
([tolerance, placeholder]) => {
  Reveal.configure({transition: 'none', backgroundTransition: 'none', fragments: false});
  const {width, height} = Reveal.getComputedSlideSize();
  const results = [];
  for (const target of Reveal.getSlides()) {
    const index = Reveal.getIndices(target);
    Reveal.slide(index.h, index.v || 0);
    const slide = Reveal.getCurrentSlide();
    const heading = slide.querySelector('h1, h2, h3');
    const title = heading ? heading.textContent.replace(/¶/g, '').trim().slice(0, 50) : '';
    const found = formulaAndImageProblems(slide, placeholder);
    const box = slide.getBoundingClientRect();
    const scale = box.width / slide.offsetWidth || 1;
    if (slide.scrollHeight > height + tolerance) found.push(`slide is ${slide.scrollHeight} px tall, ${slide.scrollHeight - height} px more than ${height}`);
    if (slide.scrollWidth > width + tolerance) found.push(`slide is ${slide.scrollWidth} px wide, ${slide.scrollWidth - width} px more than ${width}`);
    const reported = new Set();
    for (const el of slide.querySelectorAll('*')) {
      if (el.closest('aside.notes') || (el.parentElement && el.parentElement.closest('mjx-container'))) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      let skip = false;
      for (let a = el.parentElement; a && a !== slide; a = a.parentElement) if (reported.has(a)) { skip = true; break; }
      if (skip) continue;
      const s = getComputedStyle(el);
      let verdict = null;
      if (el.tagName === 'MJX-CONTAINER' && el.getAttribute('display') === 'true' && el.scrollWidth > el.clientWidth + tolerance) {
        verdict = `formula is ${el.scrollWidth - el.clientWidth} px wider than its box (overflow-x: ${s.overflowX})`;
      } else if (s.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + tolerance && el.clientWidth > 2) {
        verdict = `hides ${el.scrollWidth - el.clientWidth} px of its width (overflow-x: ${s.overflowX}; a clicker cannot scroll)`;
      } else if (s.overflowY !== 'visible' && el.scrollHeight > el.clientHeight + tolerance && el.clientHeight > 2) {
        verdict = `hides ${el.scrollHeight - el.clientHeight} px of its height (overflow-y: ${s.overflowY}; a clicker cannot scroll)`;
      } else {
        const overRight = (r.right - box.right) / scale, overLeft = (box.left - r.left) / scale;
        const overBottom = (r.bottom - box.bottom) / scale;
        if (overRight > tolerance) verdict = `runs past the slide's right edge by ${Math.round(overRight)} px`;
        else if (overLeft > tolerance) verdict = `runs past the slide's left edge by ${Math.round(overLeft)} px`;
        else if (overBottom > tolerance && slide.scrollHeight <= height + tolerance) verdict = `runs past the slide's bottom by ${Math.round(overBottom)} px`;
      }
      if (verdict) { reported.add(el); found.push(`${describe(el)} ${verdict}`); }
    }
    results.push([index.h, index.v || 0, title, found]);
  }
  return results;
}
"""

MATHJAX_READY_JS = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  if (window.MathJax && MathJax.typesetPromise) await MathJax.typesetPromise();
  await document.fonts.ready;
  for (const img of document.images) if (!img.complete) await new Promise(ok => { img.onload = img.onerror = ok; });
  return true;
}
"""


def _block_network(route) -> None:
    if route.request.url.startswith("file://"):
        route.continue_()
    else:
        route.abort()


class Tab:
    """One page of the browser and the script errors it reported since its last navigation."""

    def __init__(self, context):
        self.page = context.new_page()
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))

    def start(self, path: Path, width: int, height: int) -> None:
        self.errors.clear()
        self.page.set_viewport_size({"width": width, "height": height})
        self.page.goto(path.resolve().as_uri(), wait_until="commit")

    def finish(self) -> None:
        self.page.wait_for_load_state("load")
        self.page.evaluate(MATHJAX_READY_JS)


class Browser:
    """One headless Chromium with two tabs, every request but file:// aborted.

    ``loaded`` opens pages one after the other, the next one loading in the second tab while
    the first is measured: loading and typesetting take most of the time.
    """

    def __init__(self, executable: str | None = None):
        from playwright.sync_api import sync_playwright
        self.executable = executable or find_chromium()
        if self.executable is None:
            raise RuntimeError("no Chromium found (Debian: apt-get install chromium)")
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(executable_path=self.executable, headless=True,
                                                             args=CHROMIUM_ARGS, timeout=PAGE_TIMEOUT_MS)
            self._context = self._browser.new_context(viewport={"width": 1280, "height": 720},
                                                      service_workers="block", offline=True)
            self._context.route("**/*", _block_network)
            self.tabs = [Tab(self._context), Tab(self._context)]
        except BaseException:
            self._playwright.stop()
            raise
        self.page, self.errors = self.tabs[0].page, self.tabs[0].errors

    def close(self) -> None:
        try:
            self._browser.close()
        finally:
            self._playwright.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def open(self, path: Path, width: int, height: int) -> None:
        """Load ``path`` in the first tab (``self.page``) and wait for its maths."""
        self.tabs[0].start(path, width, height)
        self.tabs[0].finish()

    def loaded(self, paths: list[Path], width: int, height: int):
        """Yield ``(path, tab)`` for each path once loaded and typeset, in order."""
        for tab, path in zip(self.tabs, paths):
            tab.start(path, width, height)
        for i, path in enumerate(paths):
            tab = self.tabs[i % len(self.tabs)]
            tab.finish()
            yield path, tab
            if i + len(self.tabs) < len(paths):
                tab.start(paths[i + len(self.tabs)], width, height)


def book_pages(book: Path) -> list[Path]:
    """The book's pages a reader reads: the index and one page per notebook."""
    return [book / "index.html", *sorted((book / "notebooks").glob("*.html"))]


def translated_pages(book: Path) -> list[Path]:
    """The pages of the translated editions: notebooks/LANG/NN_name.html."""
    return sorted((book / "notebooks").glob("*/*.html"))


def check_book(browser: Browser, book: Path, report: Report, widths=BOOK_WIDTHS, screenshots: Path | None = None,
               pages: list[Path] | None = None, translated_widths=TRANSLATED_WIDTHS):
    """Every page at ``widths``, the translated ones at ``translated_widths`` (only ``pages`` at
    ``widths`` when given)."""
    groups = [(pages, widths)] if pages else [(book_pages(book), widths),
                                              (translated_pages(book), translated_widths)]
    for group, group_widths in groups:
        if group and group_widths:
            _check_pages(browser, book, report, group, group_widths, screenshots)


def _check_pages(browser, book, report, pages, widths, screenshots):
    for page_path, tab in browser.loaded(pages, widths[0], BOOK_HEIGHT):
        name = page_path.relative_to(book).as_posix()
        # The theme animates its sidebars when the window changes size: measure the end state.
        tab.page.add_style_tag(content="*, *::before, *::after { transition: none !important; "
                                       "animation: none !important; }")
        report.pages += 1
        report.add(name, list(tab.errors))
        for width in widths:
            tab.page.set_viewport_size({"width": width, "height": BOOK_HEIGHT})
            report.views += 1
            report.add(f"{name} at {width} px", tab.page.evaluate(BOOK_JS, [TOLERANCE_PX, PLACEHOLDER_ALT]))
            if screenshots is not None and width == 1280 and name.startswith(
                    ("notebooks/03_", "notebooks/05_", "notebooks/ko/01_")):
                shot = name.removesuffix(".html").replace("/", "_").removeprefix("notebooks_")
                tab.page.screenshot(path=str(screenshots / f"book_{shot}_{width}.png"), full_page=True)


GO_TO_SLIDE_JS = "([h, v]) => { Reveal.slide(h, v); return Reveal.getCurrentSlide().scrollHeight; }"


def deck_pages(decks: Path) -> list[Path]:
    """Every deck: OUT/NN_name.slides.html, and the translated ones in OUT/LANG/."""
    return sorted(decks.glob("[0-9][0-9]_*.slides.html")) + sorted(decks.glob("*/[0-9][0-9]_*.slides.html"))


def check_slides(browser: Browser, decks: Path, report: Report, screenshots: Path | None = None,
                 shoot: tuple[str, ...] = ("The derivation", "Gradient clipping"), pages: list[Path] | None = None):
    width, height = SLIDE_SIZE
    for deck, tab in browser.loaded(pages or deck_pages(decks), width, height):
        tab.page.wait_for_function("window.Reveal && Reveal.isReady()")
        name = deck.relative_to(decks).as_posix()
        report.pages += 1
        report.add(name, list(tab.errors))
        section = ""
        for h, v, title, found in tab.page.evaluate(SLIDES_JS, [TOLERANCE_PX, PLACEHOLDER_ALT]):
            report.slides += 1
            report.add(f"{name} slide {h + 1}.{v + 1} ({title})", found)
            section = title if v == 0 else section           # its sub-slides belong to the section
            if screenshots is None:
                continue
            if (name.startswith("03_") and any(s in section for s in shoot)) or (name.startswith("ko/01_") and h < 3):
                tab.page.evaluate(GO_TO_SLIDE_JS, [h, v])
                shot = name.split("_")[0].replace("/", "_")          # 03, ko_01
                tab.page.screenshot(path=str(screenshots / f"slide_{shot}_{h + 1}_{v + 1}.png"))


def run(book: Path | None, decks: Path | None, screenshots: Path | None = None,
        executable: str | None = None) -> Report:
    report = Report()
    start = time.perf_counter()
    with Browser(executable) as browser:
        if book is not None:
            check_book(browser, book, report, screenshots=screenshots)
        if decks is not None:
            check_slides(browser, decks, report, screenshots=screenshots)
    report.seconds = time.perf_counter() - start
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--book", type=Path, help="the built book (make book: build/book/html)")
    parser.add_argument("--slides", type=Path, help="the built decks (make slides: build/slides)")
    parser.add_argument("--screenshots", type=Path, help="save screenshots of 03, 05 and ko/01 (book) and of slides of 03 and ko/01 here")
    parser.add_argument("--chromium", help="the browser's executable (default: chromium on PATH)")
    args = parser.parse_args(argv)
    if args.book is None and args.slides is None:
        parser.error("give --book, --slides or both")
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    report = run(args.book, args.slides, args.screenshots, args.chromium)
    for problem in report.problems:
        print(problem)
    print(f"{len(report.problems)} problems; {report.pages} pages, {report.views} book views, "
          f"{report.slides} slides in {report.seconds:.1f} s")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
