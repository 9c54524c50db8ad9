"""The series' Zen model (rnn_course.zen): one recipe, the decision points and both scoring layouts."""
from pathlib import Path

import numpy as np
import pytest

import rnn_core as rc
from rnn_core import LSTM, VanillaRNN
from rnn_course import zen

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def zen_data():
    return zen.zen_text_and_vocabulary()


def small_model(char_to_idx, cls=VanillaRNN, seed=0):
    n = len(char_to_idx)
    return cls(n, 8, n, seed=seed, init_scale=0.5, backend="numpy")


def test_decision_points_are_the_characters_after_than_with_their_distance(zen_data):
    text, _, _ = zen_data
    points = zen.decision_points(text)
    assert len(points) == text.count("than ") == 8
    for point in points:
        assert text[point["position"] - 5: point["position"]] == "than "
        assert point["answer"] == text[point["position"]]
        assert point["line_start"] == 0 or text[point["line_start"] - 1] == "\n"
        assert point["distance"] == len(point["line"].split("than ")[0]) + len("than ")
    assert points[0]["line"] == "Beautiful is better than ugly." and points[0]["distance"] == 25
    assert sorted(p["distance"] for p in points) == [19, 20, 22, 22, 23, 24, 25, 36]


def test_one_stream_layout_is_the_one_pass(zen_data):
    text, char_to_idx, _ = zen_data
    model = small_model(char_to_idx)
    indices = rc.encode(text, char_to_idx)
    one_stream = zen.layout_probabilities(model, indices, streams=1)
    np.testing.assert_allclose(one_stream, zen.one_pass_probabilities(model, indices), atol=1e-12)


@pytest.mark.parametrize("cls", [VanillaRNN, LSTM], ids=["vanilla", "lstm"])
@pytest.mark.parametrize("offset", [0, 53])
def test_stream_layout_reads_each_stream_from_h0(zen_data, cls, offset):
    text, char_to_idx, _ = zen_data
    model = small_model(char_to_idx, cls)
    indices = rc.encode(zen.rotated(text, offset), char_to_idx)
    probs = zen.layout_probabilities(model, rc.encode(text, char_to_idx), streams=8, offset=offset)
    steps = (len(text) - 1) // 8
    for stream in (0, 3, 7):
        _, ys = model.forward(indices[stream * steps: (stream + 1) * steps])
        for step in (0, 30, steps - 1):
            position = (stream * steps + step + offset) % len(text)
            if position < len(text) - 1:
                np.testing.assert_allclose(probs[position], ys[step, 0], atol=1e-12)
    # Unscored: the last characters no stream reaches, and with an offset the step from the text's
    # last character to its first (it predicts no character of the text).
    assert np.isnan(probs).any(axis=1).sum() == len(text) - 1 - 8 * steps + (1 if offset else 0)


def test_read_whole_marks_the_lines_cut_by_a_stream_start(zen_data):
    text, _, _ = zen_data
    points = zen.decision_points(text)
    cut = [p["line"].split()[0] for p in points if not zen.read_whole(p, len(text), streams=8)]
    assert cut[:2] == ["Simple", "Sparse"]            # streams 2 and 3 start inside these lines
    assert all(zen.read_whole(p, len(text), streams=1) for p in points)
    shifted = [p["line"].split()[0] for p in points if not zen.read_whole(p, len(text), streams=8, offset=53)]
    assert "Simple" not in shifted and "Sparse" not in shifted


def test_baselines_count_what_the_text_allows(zen_data):
    text, _, _ = zen_data
    assert zen.constant_baseline(text) == ("c", 2)
    counting = zen.counting_baseline(text)
    assert [row["context"] for row in counting[:7]] == [" is better than "] * 7
    assert [round(row["p_true"] * 7) for row in counting[:7]] == [1, 1, 2, 2, 2, 1, 2]
    assert sum(row["right"] for row in counting) == 3.0        # four half-won ties and the unique last line


def test_recipe_is_reproducible_and_decays_the_step_size():
    first, history = zen.train_zen_model(seed=3, epochs=(2, 1))
    second, _ = zen.train_zen_model(seed=3, epochs=(2, 1))
    assert len(history) == 3 and first.optimizer.lr == zen.RECIPE["decayed_lr"]
    for name, value in first.params.items():
        np.testing.assert_array_equal(value, second.params[name])
    other, _ = zen.train_zen_model(seed=4, epochs=(1, 0))
    assert not np.array_equal(other.params["Wxh"], first.params["Wxh"])


def test_score_decisions_reports_both_layouts(zen_data):
    text, char_to_idx, _ = zen_data
    rows = zen.score_decisions(small_model(char_to_idx), text, char_to_idx)
    assert len(rows) == 8
    for row in rows:
        for layout in ("training layout", "one pass"):
            assert 0.0 < row[layout]["p_true"] < 1.0 and isinstance(row[layout]["right"], bool)


def test_stored_model_is_the_recipe_seed_0(zen_data):
    text, char_to_idx, _ = zen_data
    stored = VanillaRNN.load(ROOT / "notebooks" / "data" / "zen_model.npz", backend="numpy")
    assert stored.char_to_idx == char_to_idx and stored.n_h == zen.RECIPE["n_h"]
    retrained, _ = zen.train_zen_model(seed=0)
    indices = rc.encode(text, char_to_idx)
    # Training amplifies last-bit differences between BLAS kernels, so compare predictions, not bits.
    difference = np.abs(zen.one_pass_probabilities(stored, indices) - zen.one_pass_probabilities(retrained, indices))
    assert difference.max() < 0.01


def _tool(name):
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_zen_sweep_tool_stores_runs_and_the_series_model(tmp_path):
    sweep = _tool("gated_sweep")
    out, model_out = tmp_path / "zen.json", tmp_path / "zen_model.npz"
    wanted = [sweep.ZEN_RUNS[0], ("LSTM, n_h = 29", "8 streams", 8, 0, 0.01)]
    runs = sweep.zen_sweep(1, str(out), str(model_out), log=lambda _: None, runs_wanted=wanted, epochs=(2, 1))
    assert [(r["model"], r["lr"]) for r in runs] == [("vanilla RNN, n_h = 64", 0.005), ("LSTM, n_h = 29", 0.01)]
    assert "constant_step_size" in runs[0] and "constant_step_size" not in runs[1]
    assert set(runs[0]["whole_text"]) == {"training layout", "one pass"} and len(runs[1]["decisions"]) == 8
    assert VanillaRNN.load(model_out, backend="numpy").n_h == zen.RECIPE["n_h"]
    assert len(__import__("json").loads(out.read_text(encoding="utf-8"))["runs"]) == 2
