"""tools/word_split_sweep.py repeats notebook 05's split, counting baseline and early stopping."""
import json
import sys
from pathlib import Path

import rnn_core as rc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import word_split_sweep as tool  # noqa: E402


def test_splits_are_disjoint_and_cover_the_list():
    words = rc.load_words()
    for seed in (0, 1):
        train, validation, test = tool.split_words(words, seed)
        assert (len(train), len(validation), len(test)) == (len(words) - 92, 41, 51)
        assert sorted(train + validation + test) == sorted(words)
    assert tool.split_words(words, 0) != tool.split_words(words, 1)


def test_one_split_reports_the_margin_of_the_early_stopped_rnn():
    result = tool.one_split(0, epochs=2)
    assert 1 <= result["best_epoch"] <= 2
    assert abs(result["margin"] - (result["ngram_test"] - result["rnn_test"])) < 2e-4
    assert all(0.0 <= share <= 1.0 for share in result["novel"].values())


def test_stored_sweep_starts_with_the_notebook_split():
    stored = json.loads((ROOT / "notebooks" / "data" / "word_splits.json").read_text(encoding="utf-8"))
    assert [run["seed"] for run in stored["runs"]] == list(range(stored["settings"]["splits"]))
    assert stored["settings"]["splits"] >= 5
