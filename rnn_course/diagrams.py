"""Diagrams drawn with matplotlib (no image files, no special fonts): notebook 09's LSTM cell."""
import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

GATE_COLOR = "#56B4E9"      # Okabe–Ito sky blue: the sigmoid gates
TANH_COLOR = "#E69F00"      # Okabe–Ito orange: the tanh layers
PATH_COLOR = "#333333"


def _arrow(ax, points, color=PATH_COLOR, width=1.4):
    """A polyline through ``points`` with an arrowhead at its end."""
    for (x0, y0), (x1, y1) in zip(points[:-2], points[1:-1]):
        ax.plot([x0, x1], [y0, y1], color=color, linewidth=width, solid_capstyle="round")
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=12,
                                 color=color, linewidth=width, shrinkA=0, shrinkB=0))


def _box(ax, x, y, text, color, label=None):
    ax.add_patch(FancyBboxPatch((x - 0.42, y - 0.3), 0.84, 0.6, boxstyle="round,pad=0.02",
                                facecolor=color, edgecolor=PATH_COLOR, linewidth=1.0, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=11, zorder=4)
    if label:
        ax.text(x + 0.5, y + 0.45, label, ha="left", va="center", fontsize=11)


def _node(ax, x, y, text):
    ax.add_patch(Circle((x, y), 0.22, facecolor="white", edgecolor=PATH_COLOR, linewidth=1.0, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=11, zorder=4)


def lstm_cell(ax=None):
    """Draw one LSTM step (8.5): the cell state along the top, the four gate layers below, the
    element-wise products (⊙) and the sum (+). Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.9))
    y_cell, y_gates, y_bus, y_out = 5.0, 2.6, 1.4, 0.5
    x_f, x_i, x_g, x_o, x_h = 2.6, 4.1, 5.6, 7.1, 8.4
    # The cell state: c_{t-1} → ⊙ f_t → + i_t ⊙ c̃_t → c_t (the additive path of (8.6)).
    _arrow(ax, [(0.2, y_cell), (x_f - 0.22, y_cell)])
    _arrow(ax, [(x_f + 0.22, y_cell), (x_g - 0.22, y_cell)])
    _arrow(ax, [(x_g + 0.22, y_cell), (9.8, y_cell)])
    ax.text(0.2, y_cell + 0.3, r"$c_{t-1}$", fontsize=12)
    ax.text(9.45, y_cell + 0.3, r"$c_t$", fontsize=12)
    _node(ax, x_f, y_cell, "×")
    _node(ax, x_g, y_cell, "+")
    # The inputs of every gate: x_t and h_{t-1}, one bus.
    ax.plot([0.2, x_o], [y_bus, y_bus], color=PATH_COLOR, linewidth=1.2)
    ax.text(0.2, y_bus + 0.2, r"$h_{t-1}$", fontsize=12)
    _arrow(ax, [(1.3, 0.0), (1.3, y_bus)], width=1.2)
    ax.text(1.45, 0.05, r"$x_t$", fontsize=12)
    for x in (x_f, x_i, x_g, x_o):
        _arrow(ax, [(x, y_bus), (x, y_gates - 0.3)], width=1.2)
    _box(ax, x_f, y_gates, r"$\sigma$", GATE_COLOR, r"$f_t$")
    _box(ax, x_i, y_gates, r"$\sigma$", GATE_COLOR, r"$i_t$")
    _box(ax, x_g, y_gates, "tanh", TANH_COLOR, r"$\tilde c_t$")
    _box(ax, x_o, y_gates, r"$\sigma$", GATE_COLOR, r"$o_t$")
    # forget: f_t up into the product with c_{t-1}; input: i_t ⊙ c̃_t up into the sum.
    _arrow(ax, [(x_f, y_gates + 0.3), (x_f, y_cell - 0.22)])
    y_write = 3.8
    _node(ax, x_g, y_write, "×")
    _arrow(ax, [(x_i, y_gates + 0.3), (x_i, y_write), (x_g - 0.22, y_write)])
    _arrow(ax, [(x_g, y_gates + 0.3), (x_g, y_write - 0.22)])
    _arrow(ax, [(x_g, y_write + 0.22), (x_g, y_cell - 0.22)])
    # output: h_t = o_t ⊙ tanh(c_t).
    _box(ax, x_h, 3.9, "tanh", TANH_COLOR)
    _arrow(ax, [(x_h, y_cell), (x_h, 3.9 + 0.3)])
    _node(ax, x_h, y_gates, "×")
    _arrow(ax, [(x_h, 3.9 - 0.3), (x_h, y_gates + 0.22)])
    _arrow(ax, [(x_o + 0.42, y_gates), (x_h - 0.22, y_gates)])
    _arrow(ax, [(x_h, y_gates - 0.22), (x_h, y_out), (9.8, y_out)])
    ax.text(9.45, y_out + 0.2, r"$h_t$", fontsize=12)
    ax.text(5.0, 5.75, "cell state: multiplied by $f_t$, then added to, never squashed",
            ha="center", fontsize=9, color="#555555")
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.2, 6.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("One LSTM step (8.5): σ gates (blue), tanh layers (orange), × and + element-wise")
    return ax
