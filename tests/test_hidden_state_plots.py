"""The figures of notebook 07: text coloured by one unit, colour-blind-safe class scatters, connectivity."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import Rectangle

from rnn_course import plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_visible_draws_spaces_and_newlines_as_symbols():
    assert plots.visible("a b\nc") == "a␣b↵c"
    assert plots.visible("") == ""
    assert plots.visible(7) == "7"


def test_text_activation_colours_each_character_by_its_value():
    text = "ab c"
    values = np.array([-1.0, 0.0, 1.0, 0.5])
    fig = plots.text_activation(text, values, title="unit 3")
    ax = fig.axes[0]
    cells = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(cells) == len(text)
    cmap = plt.get_cmap("RdBu_r")
    for cell, value in zip(cells, values):          # −1 → cmap(0) (blue), +1 → cmap(1) (red)
        np.testing.assert_allclose(cell.get_facecolor(), cmap((value + 1) / 2), atol=1e-6)
    assert cells[0].get_facecolor()[2] > cells[0].get_facecolor()[0]       # blue for −1
    assert cells[2].get_facecolor()[0] > cells[2].get_facecolor()[2]       # red for +1
    assert _texts(ax) == ["a", "b", "␣", "c"]                              # the space drawn as ␣
    assert ax.get_title() == "unit 3"
    assert fig.axes[1].get_ylabel() == "activation h_t[unit]"              # the colour bar says what it shows


def test_text_activation_prints_the_top_predictions_under_each_character_and_bolds_the_true_one():
    text = "hi"
    top = [[("i", 0.62), ("e", 0.30), (" ", 0.051)], [(" ", 1.0), ("!", 0.0)]]
    fig = plots.text_activation(text, [0.2, -0.4], top_predictions=top, next_text="i ", title="predictions")
    ax = fig.axes[0]
    labels = {t.get_text(): t for t in ax.texts}
    assert set(labels) == {"h", "i", "i .62", "e .30", "␣ .05", "␣ 1.0", "! .00"}
    assert labels["i .62"].get_fontweight() == "bold" and labels["␣ 1.0"].get_fontweight() == "bold"
    assert labels["e .30"].get_fontweight() == "normal"
    # every prediction sits below its own character, in the same column
    assert labels["i .62"].get_position()[0] == labels["h"].get_position()[0]
    assert labels["i .62"].get_position()[1] > labels["h"].get_position()[1]       # y grows downwards


def test_text_activation_wraps_long_text_into_lines():
    fig = plots.text_activation("x" * 10, np.zeros(10), chars_per_line=4, title="wrapped")
    ax = fig.axes[0]
    lefts = sorted({p.get_x() for p in ax.patches})
    tops = sorted({p.get_y() for p in ax.patches})
    assert lefts == [0.0, 1.0, 2.0, 3.0] and len(tops) == 3


@pytest.mark.parametrize("text, values, kwargs, message", [
    ("abc", [0.1, 0.2], {}, r"values must have shape \(T,\) with T = len\(text\) = 3"),
    ("", [], {}, r"T = len\(text\) = 0 > 0"),
    ("ab", [0.1, 0.2], {"top_predictions": [[("a", 1.0)]]}, r"one list per character \(2\); got 1"),
    ("ab", [0.1, 0.2], {"next_text": "abc"}, r"one character per step \(2\); got 3"),
])
def test_text_activation_rejects_inputs_that_do_not_fit_the_text(text, values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plots.text_activation(text, values, **kwargs)


def test_plot_categories_draws_the_background_class_first_in_light_grey_with_counts_in_the_legend():
    points = np.arange(16, dtype=float).reshape(8, 2)
    labels = ["other", "e", " ", "e", "other", "other", "\n", "e"]
    fig = plots.plot_categories(points, labels, title="classes")
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert names == ["other (3)", "e (3)", "↵ (1)", "␣ (1)"]       # background first, then by count
    grey, first = ax.collections[0], ax.collections[1]
    np.testing.assert_allclose(grey.get_facecolor()[0], to_rgba("#CCCCCC"))
    assert grey.get_zorder() < first.get_zorder()
    np.testing.assert_allclose(first.get_facecolor()[0], to_rgba(plots.OKABE_ITO[0]))
    assert ax.get_legend().get_texts()[0].get_fontsize() == 9
    assert ax.get_title() == "classes" and ax.get_xlabel() and ax.get_ylabel()


def test_plot_categories_refuses_more_categories_than_colours_and_misshapen_points():
    points = np.zeros((10, 2))
    with pytest.raises(ValueError, match="10 categories but only 8 colours"):
        plots.plot_categories(points, [str(k) for k in range(10)], background=())
    with pytest.raises(ValueError, match=r"shape \(N, 2\) with N = len\(labels\) = 3; got shape \(10, 2\)"):
        plots.plot_categories(points, ["a", "b", "c"])


def test_plot_connectivity_draws_each_curve_on_a_log_scale():
    s = np.arange(5)
    fig = plots.plot_connectivity(s, [0.5 ** s, 0.1 ** s], labels=["trained", "untrained"], title="connectivity")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "connectivity"
    assert [line.get_label() for line in ax.get_lines()] == ["trained", "untrained"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), 0.1 ** s)
    with pytest.raises(ValueError, match=r"shape of distances \(5,\); got \(4,\)"):
        plots.plot_connectivity(s, np.ones(4))
    with pytest.raises(ValueError, match="2 curves but 1 labels"):
        plots.plot_connectivity(s, [np.ones(5), np.ones(5)], labels=["one"])
