"""Shared fixtures. Plots render off-screen; models run on numpy unless a test asks for CuPy."""
import os

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
