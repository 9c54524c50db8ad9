"""The live demos' update functions (rnn_course/demos.py): the numbers each slider shows."""
import re

import numpy as np
import pytest

import rnn_core as rc
from rnn_course import demos


# ------------------------------------------------------------------ temperature (notebook 05)
LOGITS = np.array([2.0, 1.0, 0.5, -1.0, 3.0])


def test_temperature_one_is_the_models_softmax():
    result = demos.temperature_distribution(LOGITS, 1.0)
    np.testing.assert_allclose(result.probabilities, rc.softmax(LOGITS), rtol=1e-14)
    p = rc.softmax(LOGITS)
    assert result.entropy == pytest.approx(-(p * np.log(p)).sum(), rel=1e-12)


def test_temperature_towards_zero_is_one_hot_on_the_largest_logit():
    result = demos.temperature_distribution(LOGITS, 1e-4)
    np.testing.assert_array_equal(result.probabilities, np.eye(5)[4])
    assert result.entropy == 0.0


def test_temperature_large_is_nearly_uniform_and_entropy_rises_with_tau():
    result = demos.temperature_distribution(LOGITS, 1e6)
    np.testing.assert_allclose(result.probabilities, np.full(5, 0.2), atol=1e-5)
    assert result.entropy == pytest.approx(np.log(5), abs=1e-9)
    entropies = [demos.temperature_distribution(LOGITS, tau).entropy for tau in (0.1, 0.5, 1, 2, 10)]
    assert all(a < b for a, b in zip(entropies, entropies[1:]))


def test_temperature_keeps_the_order_of_the_symbols():
    for tau in (0.3, 1.0, 3.0):
        p = demos.temperature_distribution(LOGITS, tau).probabilities
        assert list(np.argsort(p)) == list(np.argsort(LOGITS))
        assert p.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("tau", [0, -1.0, float("inf"), float("nan")])
def test_temperature_rejects_a_non_positive_tau(tau):
    with pytest.raises(ValueError, match="tau"):
        demos.temperature_distribution(LOGITS, tau)


def test_temperature_rejects_bad_logits():
    with pytest.raises(ValueError, match="1-D"):
        demos.temperature_distribution(np.zeros((2, 3)), 1.0)
    with pytest.raises(ValueError, match="finite"):
        demos.temperature_distribution([1.0, np.nan], 1.0)


# ------------------------------------------------------------------ clipping (notebook 03)
def test_norm_clipping_keeps_the_direction_and_value_clipping_turns_it():
    result = demos.clip_2d((8.0, 2.0), 5.0)
    np.testing.assert_array_equal(result.by_value, [5.0, 2.0])
    assert np.linalg.norm(result.by_norm) == pytest.approx(5.0, rel=1e-12)
    assert result.turn_by_norm < 1e-9
    expected_turn = np.degrees(np.arctan2(2, 5) - np.arctan2(2, 8))      # 21.80° − 14.04°
    assert result.turn_by_value == pytest.approx(expected_turn, rel=1e-12)
    assert result.turn_by_value > 7.0


def test_clipping_leaves_a_small_gradient_alone():
    result = demos.clip_2d((-3.0, -2.0), 5.0)
    np.testing.assert_array_equal(result.by_value, [-3.0, -2.0])
    np.testing.assert_array_equal(result.by_norm, [-3.0, -2.0])
    assert result.turn_by_value == result.turn_by_norm == 0.0


def test_value_clipping_keeps_a_diagonal_direction():
    result = demos.clip_2d((9.0, -9.0), 5.0)
    np.testing.assert_array_equal(result.by_value, [5.0, -5.0])
    assert result.turn_by_value < 1e-9


def test_clipping_rejects_bad_input():
    with pytest.raises(ValueError, match="2 finite numbers"):
        demos.clip_2d((1.0, 2.0, 3.0), 5.0)
    with pytest.raises(ValueError, match="threshold"):
        demos.clip_2d((1.0, 2.0), 0.0)


# ------------------------------------------------------------------ spectral radius (notebook 08)
def test_without_inputs_the_ratio_is_exactly_rho_to_the_distance():
    for rho in (0.5, 1.0, 1.5):
        curve = demos.gradient_decay(rho, steps=40, input_scale=0.0)
        np.testing.assert_allclose(curve.ratio, rho ** np.arange(40), rtol=1e-12)


def test_the_curve_decays_for_rho_below_one():
    curve = demos.gradient_decay(0.5, steps=60)
    assert curve.ratio[0] == 1.0
    assert np.all(np.diff(curve.ratio) < 0)
    assert curve.ratio[-1] < 1e-15
    assert np.all(curve.ratio <= curve.linear * (1 + 1e-9))   # 1 − h² ≤ 1 only takes away


def test_the_curve_grows_for_rho_above_one_with_small_inputs():
    curve = demos.gradient_decay(1.1, steps=20, input_scale=0.01)
    assert curve.ratio[-1] > 3.0


def test_large_inputs_saturate_and_make_even_rho_above_one_vanish():
    curve = demos.gradient_decay(1.5, steps=60, input_scale=1.0)
    assert curve.ratio[-1] < 1e-3 < curve.linear[-1]


def test_gradient_decay_rejects_bad_input():
    with pytest.raises(ValueError, match="rho"):
        demos.gradient_decay(-1.0)
    with pytest.raises(ValueError, match="steps"):
        demos.gradient_decay(0.9, steps=0)
    with pytest.raises(ValueError, match="input_scale"):
        demos.gradient_decay(0.9, input_scale=-1.0)


# ------------------------------------------------------------------ hidden states (notebook 07)
@pytest.fixture(scope="module")
def small_model():
    text = "hello world"
    char_to_idx, idx_to_char = rc.vocabulary_from_text(text)
    model = rc.VanillaRNN(len(char_to_idx), 6, len(char_to_idx), seed=0, backend="numpy", init_scale=0.5)
    return model, char_to_idx, idx_to_char


def test_hidden_state_trace_is_the_forward_pass(small_model):
    model, char_to_idx, _ = small_model
    trace = demos.hidden_state_trace(model, "hello", char_to_idx)
    hs, ys = model.forward(np.array([char_to_idx[c] for c in "hello"]))
    assert trace.hidden.shape == (5, 6) and trace.predictions.shape == (5, len(char_to_idx))
    np.testing.assert_array_equal(trace.hidden, hs[:, 0])
    np.testing.assert_allclose(trace.predictions.sum(axis=1), 1.0, atol=1e-12)
    # h_1 by hand, (2.2): tanh(x_1 W_xh + b_h) from h_0 = 0
    np.testing.assert_allclose(trace.hidden[0], np.tanh(model.Wxh[char_to_idx["h"]] + model.bh[0]), rtol=1e-12)


def test_hidden_state_trace_names_unknown_characters(small_model):
    model, char_to_idx, _ = small_model
    with pytest.raises(ValueError, match=r"\['z'\]"):
        demos.hidden_state_trace(model, "hez", char_to_idx)
    with pytest.raises(ValueError, match="non-empty"):
        demos.hidden_state_trace(model, "", char_to_idx)


# ------------------------------------------------------------------ static figures and widgets
def test_static_figures_fit_a_slide(small_model):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    model, char_to_idx, idx_to_char = small_model
    figures = [demos.clipping_figure(), demos.temperature_figure(LOGITS, list("abcde"), top=4),
               demos.spectral_radius_figure(steps=20),
               demos.hidden_state_figure(model, "hello world", char_to_idx, idx_to_char)]
    for fig in figures:
        width, height = fig.get_size_inches() * fig.dpi
        assert width <= 1200 and height <= 560, (width, height)   # inside a 1280×720 slide
        assert fig.axes[0].get_title()
        plt.close(fig)


def test_widgets_build_and_follow_their_sliders(small_model):
    widgets = pytest.importorskip("ipywidgets")
    import matplotlib
    matplotlib.use("Agg")
    model, char_to_idx, idx_to_char = small_model
    box = demos.show_clipping()
    assert isinstance(box, widgets.VBox)
    sliders = box.children[0].children
    sliders[2].value = 1.0                       # moving c redraws without error
    demos.show_temperature(LOGITS, list("abcde")).children[0].value = 0.1
    demos.show_spectral_radius(steps=10).children[0].children[0].value = 1.2
    explorer = demos.show_hidden_states(model, char_to_idx, idx_to_char, text="hello")
    explorer.children[0].value = "hex"           # unknown character: the widget says so, no exception


# ------------------------------------------------------------------ tools/insert_demos.py on copies
def load_insert_demos():
    import importlib.util
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "tools"))
    spec = importlib.util.spec_from_file_location("insert_demos", root / "tools" / "insert_demos.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module              # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module, root


@pytest.fixture()
def notebook_copies(tmp_path):
    import shutil
    insert_demos, root = load_insert_demos()
    (tmp_path / "notebooks").mkdir()
    for demo in insert_demos.DEMOS:
        for path in (root / "notebooks").glob(f"{demo.prefix}_*.ipynb"):
            shutil.copy(path, tmp_path / "notebooks" / path.name)
    return insert_demos, tmp_path


def test_insert_demos_places_three_tagged_cells_once(notebook_copies):
    import nbformat
    insert_demos, root = notebook_copies
    assert insert_demos.main(["--root", str(root)]) == 0
    first = {p.name: p.read_bytes() for p in (root / "notebooks").glob("*.ipynb")}
    assert insert_demos.main(["--root", str(root)]) == 0               # idempotent: nothing rewritten
    assert {p.name: p.read_bytes() for p in (root / "notebooks").glob("*.ipynb")} == first
    assert insert_demos.main(["--root", str(root), "--check"]) == 0
    for demo in insert_demos.DEMOS:
        path = next((root / "notebooks").glob(f"{demo.prefix}_*.ipynb"))
        nb = nbformat.read(path, as_version=4)
        positions = [i for i, c in enumerate(nb.cells) if "demo" in c.metadata.get("tags", [])]
        assert len(positions) == 3 and positions == list(range(positions[0], positions[0] + 3))
        text, figure, live = (nb.cells[i] for i in positions)
        assert text.cell_type == "markdown" and figure.cell_type == live.cell_type == "code"
        assert live.source.splitlines()[0] == "# NBVAL_IGNORE_OUTPUT"
        assert "NBVAL" not in figure.source and "plt.show()" in figure.source
        assert "demo-live" in live.metadata["tags"] and "solution" not in live.metadata["tags"]
        anchor = nb.cells[positions[-1] + 1] if demo.place == "before" else nb.cells[positions[0] - 1]
        assert re.search(demo.anchor, anchor.source, re.MULTILINE), demo.name


def test_insert_demos_fails_loudly_without_its_anchor(notebook_copies, capsys):
    import nbformat
    insert_demos, root = notebook_copies
    demo = insert_demos.DEMOS[0]
    path = next((root / "notebooks").glob(f"{demo.prefix}_*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    pattern = re.compile(demo.anchor, re.MULTILINE)
    for cell in nb.cells:
        if pattern.search(cell.source):
            cell.source = "## Renamed heading"
    nbformat.write(nb, path)
    before = path.read_bytes()
    assert insert_demos.main(["--root", str(root), str(path)]) == 1
    assert "no cell" in capsys.readouterr().err
    assert path.read_bytes() == before
