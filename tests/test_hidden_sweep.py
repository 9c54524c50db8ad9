"""tools/hidden_state_sweep.py repeats notebook 07's purity table and single-unit correlations over seeds."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from rnn_course import hidden_sweep, zen

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import hidden_state_sweep as tool  # noqa: E402
STORED = ROOT / "notebooks" / "data" / "hidden_state_sweep.json"



def test_purity_is_one_for_separated_clusters_and_near_chance_for_random_labels():
    rng = np.random.default_rng(0)
    points = np.concatenate([rng.standard_normal((50, 3)), rng.standard_normal((50, 3)) + 100.0])
    labels = np.repeat([0, 1], 50)
    assert hidden_sweep.neighbour_purity(points, labels) == 1.0
    random_labels = rng.integers(0, 4, size=400)
    assert abs(hidden_sweep.neighbour_purity(rng.standard_normal((400, 8)), random_labels) - 0.25) < 0.05


def test_best_correlation_finds_the_planted_unit_with_its_sign():
    rng = np.random.default_rng(1)
    feature = rng.standard_normal(300)
    states = rng.standard_normal((300, 6))
    states[:, 4] = -feature + 0.1 * rng.standard_normal(300)
    unit, r = hidden_sweep.best_correlation(states, feature)
    assert unit == 4 and r < -0.99


def test_stored_sweep_covers_five_seeds_of_the_recipe_and_its_untrained_rows_reproduce():
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    assert stored["seeds"] == list(range(5)) and stored["recipe"] == zen.RECIPE
    text, char_to_idx, _ = zen.zen_text_and_vocabulary()
    for record in stored["records"]:
        assert set(record["trained"]["purity"]) == set(hidden_sweep.PURITY_LABELS)
        assert set(record["trained"]["units"]) == set(hidden_sweep.UNIT_PROPERTIES)
    for seed in (0, 3):           # no training: the untrained rows are recomputed exactly
        states = hidden_sweep.one_pass_states(hidden_sweep.untrained_model(seed, char_to_idx), text, char_to_idx)
        fresh = tool.rounded(hidden_sweep.measure(states, text))
        assert fresh == stored["records"][seed]["untrained"]


def test_the_tool_rejects_fewer_than_one_seed():
    with pytest.raises(SystemExit):
        tool.main(["--seeds", "0"])
