"""Shared fixtures. Plots render off-screen; models run on numpy unless a test asks for CuPy.

The book and the decks are built once per run (``built_book``, ``built_decks``) for every test
that reads them; such a test is marked ``ci`` by itself (it needs the book group and npm or its
cached tarballs), so `make ci` runs them all in one pass and `make test` none.
"""
import importlib.util
import os
import shutil
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from hypothesis import settings

# In CI (CI=true) hypothesis draws the same examples on every run, so a run is reproducible and a
# red CI always means the code changed; on a developer's machine it keeps exploring new examples.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KO_NOTEBOOKS = sorted((ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb"))    # the Korean edition so far
BOOK_PACKAGES = ("sphinx", "myst_nb", "sphinx_book_theme")
BUILDS = {"built_book", "built_decks"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """A test that reads the built book or decks is marked ci (before -m selects)."""
    for item in items:
        if BUILDS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.ci)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """build/book/html of this checkout, built once into a temporary folder."""
    sys.path.insert(0, str(ROOT / "tools"))
    import build_book

    missing = [name for name in BOOK_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"the book's packages are not installed ({', '.join(missing)}): "
                    "python3 tools/course.py install --group book (make book does)")
    try:
        return build_book.build(tmp_path_factory.mktemp("book"))
    except SystemExit as error:
        pytest.fail(f"the book did not build: {error}")


@pytest.fixture(scope="session")
def built_decks(tmp_path_factory):
    """The offline decks of every notebook (the Korean ones in ko/), built once into a temporary folder."""
    sys.path.insert(0, str(ROOT / "tools"))
    import build_book
    import slides

    cached = all((build_book.CACHE / name).is_file()
                 for name in (f"reveal.js-{slides.REVEAL_VERSION}.tgz", f"mathjax-{build_book.MATHJAX_VERSION}.tgz"))
    if shutil.which("npm") is None and not cached:
        pytest.skip("npm (Node.js) is not installed and build/cache/ lacks the reveal.js and MathJax tarballs")
    out = tmp_path_factory.mktemp("slides")
    try:
        slides.build(out, NOTEBOOKS + KO_NOTEBOOKS)
    except SystemExit as error:
        pytest.skip(f"reveal.js or MathJax could not be fetched: {error}")
    return out


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def hello():
    """The corrected §6 example: vocabulary {h, e, l, o, ' '}, input 'hello', target 'ello '."""
    chars = ["h", "e", "l", "o", " "]
    char_to_idx = {c: i for i, c in enumerate(chars)}
    idx_to_char = {i: c for c, i in char_to_idx.items()}
    return char_to_idx, idx_to_char
