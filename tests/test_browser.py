"""What a reader and an instructor see, measured in headless Chromium (tools/browser_check.py).

Every page of a fresh build of the book (the Korean pages too) at 768, 1280, 1440 and 1920 px, and
every slide of fresh decks (the Korean ones too) at 1280x720, from file:// with every other request aborted: nothing overflows its
box, every formula is typeset, every image loads and has alt text, no slide needs scrolling.
Then the same checks on planted faults, to show they fail and say where.

Needs the Python package playwright (the dev group of pyproject.toml; only its driver: the browser
is the system's Chromium, Debian's ``chromium``, which .ci/run installs; ``playwright install`` is
never run), the book group and npm or the cached tarballs for the decks. Marked ``ci``: `make ci`
runs it, `make test` does not. Without them the tests are skipped, saying what is missing, except
under CI (``CI=true``), where a missing browser is an error rather than a silent skip.
"""
import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import browser_check  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KO_NOTEBOOKS = sorted((ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb"))   # the Korean edition so far

pytestmark = pytest.mark.ci
MISSING = ("the Python package playwright is not installed (python3 tools/course.py install --group dev; "
           "its browser download is not needed: the tests use the system's Chromium)"
           if importlib.util.find_spec("playwright") is None else
           "no Chromium on PATH (Debian/Ubuntu: apt-get install chromium)"
           if browser_check.find_chromium() is None else None)
if MISSING and os.environ.get("CI") == "true":
    raise RuntimeError(f"the browser check must run in CI: {MISSING}")
if MISSING:
    pytest.skip(MISSING, allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with browser_check.Browser() as session:
        yield session


@pytest.fixture
def book(built_book):
    return built_book


@pytest.fixture
def decks(built_decks):
    return built_decks


def listing(report):
    return "\n".join(report.problems[:40]) + (f"\n... and {len(report.problems) - 40} more"
                                              if len(report.problems) > 40 else "")


def test_every_book_page_shows_everything_at_four_widths(browser, book):
    report = browser_check.Report()
    browser_check.check_book(browser, book, report)
    assert report.pages == 1 + len(NOTEBOOKS) + len(KO_NOTEBOOKS)
    assert report.views == ((1 + len(NOTEBOOKS)) * len(browser_check.BOOK_WIDTHS)
                            + len(KO_NOTEBOOKS) * len(browser_check.TRANSLATED_WIDTHS))
    assert not report.problems, listing(report)


def test_every_slide_fits_1280x720(browser, decks):
    report = browser_check.Report()
    browser_check.check_slides(browser, decks, report)
    assert report.pages == len(NOTEBOOKS) + len(KO_NOTEBOOKS)
    assert report.slides >= 10 * report.pages
    assert not report.problems, listing(report)


# Two Hangul syllables are drawn differently only by a font that has them: without one, both
# are the same empty box (the missing-glyph sign).
HANGUL_DRAWN_JS = r"""
() => {
  const draw = (text) => {
    const canvas = document.createElement('canvas');
    canvas.width = 200; canvas.height = 60;
    const context = canvas.getContext('2d');
    context.font = '40px ' + getComputedStyle(document.body).fontFamily;
    context.fillText(text, 10, 45);
    return Array.from(context.getImageData(0, 0, 200, 60).data).join(',');
  };
  return draw('한') !== draw('국');
}
"""


@pytest.mark.skipif(not KO_NOTEBOOKS, reason="no notebook is translated yet")
def test_the_korean_pages_show_hangul_in_a_font_that_has_it(browser, book):
    """The theme's fonts have no Hangul: the page names Korean fonts first, and the system must have one
    (Debian: fonts-nanum, which .ci/run installs), or every Korean letter is an empty box."""
    browser.open(book / "notebooks" / "ko" / f"{KO_NOTEBOOKS[0].stem}.html", 1280, browser_check.BOOK_HEIGHT)
    assert browser.page.evaluate("() => document.documentElement.lang") == "ko"
    if not browser.page.evaluate(HANGUL_DRAWN_JS):
        message = "no font with Hangul is installed (Debian: apt-get install fonts-nanum)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


# ---------------------------------------------------------------------------- planted faults
WIDE_TEX = " + ".join(f"x_{{{i}}} W_{{{i}}}" for i in range(60))
TALL_SECTION = "<section><h2>Planted: too tall</h2>" + "<p>A line of text.</p>" * 40 + "</section>"
WIDE_SECTION = f"<section><h2>Planted: too wide</h2><p>$$ {WIDE_TEX} $$</p></section>"
FAULTY_SECTION = ("<section><h2>Planted: broken</h2><p>$$ \\frac{{a}} $$</p>"
                  '<img src="missing.png" alt="a figure"><img src="data:image/png;base64,'
                  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="></section>')


def plant(page: Path, name: str, replace: tuple[str, str], *, count=1) -> Path:
    """A copy of ``page`` next to it (so its relative links hold) with one planted change."""
    text = page.read_text(encoding="utf-8")
    old, new = replace
    assert text.count(old) >= count, f"{page.name} has no {old!r} to plant at"
    planted = page.with_name(name)
    planted.write_text(text.replace(old, new, count), encoding="utf-8")
    return planted


def test_the_slide_check_fails_on_planted_wide_tall_and_broken_slides(browser, decks):
    deck = plant(decks / f"{NOTEBOOKS[3].stem}.slides.html", "zz_planted.slides.html",
                 ('<div class="slides">', '<div class="slides">' + WIDE_SECTION + TALL_SECTION + FAULTY_SECTION))
    report = browser_check.Report()
    try:
        browser_check.check_slides(browser, decks, report, pages=[deck])
    finally:
        deck.unlink()                     # the decks are shared with the other tests of the run
    planted = [p for p in report.problems if "Planted" in p]
    assert not [p for p in report.problems if "Planted" not in p], "only the planted slides fail"
    wide = [p for p in planted if "too wide" in p]
    assert wide and all(re.search(r"\d+ px", p) for p in wide), planted
    assert any(re.search(r"mjx-container.* formula is \d+ px wider than its box", p) for p in wide), wide
    tall = [p for p in planted if "too tall" in p]
    assert any(re.search(r"slide is \d+ px tall, \d+ px more than 720", p) for p in tall), tall
    broken = [p for p in planted if "broken" in p]
    assert any("formula not typeset" in p for p in broken), broken
    assert any("image did not load" in p and "missing.png" in p for p in broken), broken
    assert any("image without alt text" in p for p in broken), broken


def test_the_book_check_fails_on_a_planted_wide_equation_the_theme_cuts_off(browser, book):
    """Without book.css a too-wide equation is cut off by the theme's box; with it, it scrolls."""
    page = book / "notebooks" / f"{NOTEBOOKS[3].stem}.html"
    planted_math = f'<div class="math notranslate nohighlight">\\[{WIDE_TEX} \\tag{{9.9}}\\]</div>'
    with_css = plant(page, "zz_planted_wide.html", ("<section ", planted_math + "<section "))
    without_css = plant(with_css, "zz_planted_wide_no_css.html", ("book.css", "no-such.css"))
    report = browser_check.Report()
    try:
        browser_check.check_book(browser, book, report, widths=(1280,), pages=[with_css, without_css])
    finally:
        for planted in (with_css, without_css):
            planted.unlink()              # the book is shared with the other tests of the run
    assert report.problems, "the planted equation was not found"
    assert all(p.startswith("notebooks/zz_planted_wide_no_css.html at 1280 px: mjx-container") for p in report.problems), \
        report.problems
    assert any(re.search(r"cut off by div\.math.* by \d+ px", p) for p in report.problems), report.problems


def search(browser, book, query, link):
    """The book's offline search for ``query``: ``[(link, excerpt)]`` of every result, ``link`` being
    what the result's anchor gives (``"textContent"`` or ``"getAttribute('href')"``)."""
    browser.errors.clear()
    browser.page.goto((book / "search.html").resolve().as_uri() + "?q=" + query)
    # Results arrive one by one, each excerpt after its own (answered) fetch: wait for all.
    browser.page.wait_for_function("""() => {
        const status = document.querySelector('p.search-summary');
        const items = document.querySelectorAll('ul.search li');
        const found = status && status.textContent.match(/found (\\d+)/);
        return found && items.length === Number(found[1])
            && Array.from(items).every(li => li.querySelector('p.context')); }""",
        timeout=browser_check.PAGE_TIMEOUT_MS)
    return browser.page.evaluate(f"""() => Array.from(document.querySelectorAll('ul.search li')).map(
        li => [li.querySelector('a').{link}, (li.querySelector('p.context') || {{}}).textContent || ''])""")


def test_search_results_show_an_excerpt_offline(browser, book):
    """Sphinx fetches each result's page for its excerpt; from file:// build_book's search_pages.js answers."""
    results = search(browser, book, "gradient+clipping", "textContent")
    assert len(results) >= 3 and not browser.errors
    titles = [title for title, _ in results]
    assert any(title.startswith("03") for title in titles), titles
    assert all(len(excerpt) > 80 for _, excerpt in results), results
    assert any("clipping" in excerpt.lower() for _, excerpt in results), results


@pytest.mark.skipif(not KO_NOTEBOOKS, reason="no notebook is translated yet")
def test_a_korean_search_finds_the_korean_pages_offline(browser, book):
    """Sphinx's index splits Korean text at spaces and punctuation; a word finds the pages whose
    words start with it (은닉 finds 은닉 and 은닉층), with an excerpt from the page offline."""
    results = search(browser, book, "은닉", "getAttribute('href')")
    korean = [(href, excerpt) for href, excerpt in results if href.startswith("notebooks/ko/")]
    assert not browser.errors
    assert korean and {href.split("#")[0] for href, _ in korean} <= {f"notebooks/ko/{p.stem}.html" for p in KO_NOTEBOOKS}
    assert all(len(excerpt) > 40 and re.search("[가-힣]", excerpt) for _, excerpt in korean), korean
