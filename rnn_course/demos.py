"""Live classroom demos (ipywidgets) and the static figures shown beside them.

Each demo has three parts:

* a plain **update function** that computes what the slider shows (no widgets, no plotting;
  tested in tests/test_demos.py);
* a **static figure** function for nbval, the HTML book and the offline slides;
* a ``show_*`` helper that builds the live widget (ipywidgets is imported only there), for
  JupyterLab and RISE. Its cell starts with ``# NBVAL_IGNORE_OUTPUT``.

The demos:

========================  ==========  =====================================================
update function           notebook    what the slider changes
========================  ==========  =====================================================
``clip_2d``               03 (§7)     the threshold c and a 2-D gradient g: clipping by value
                                      (4.4) turns g, clipping by norm (4.5) only shortens it
``temperature_distribution`` 05 (§6)  τ in softmax(z / τ): the sampling distribution and its
                                      entropy
``hidden_state_trace``    06 (§7)     the typed text: h_t and ŷ_t for every character
``gradient_decay``        07 (§8)     the spectral radius ρ of W_hh: ‖∂L/∂h_t‖ against T − t
========================  ==========  =====================================================
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnn_core import functional
from rnn_core.fast import vanilla as fast
from rnn_core.initialisation import orthogonal_from
from rnn_core.optim import clip_by_global_norm, clip_by_value
from rnn_core.validation import positive_float

# Okabe–Ito colours (colour-blind safe), as in the notebooks
BLUE, ORANGE, GREEN, VERMILION, PURPLE, GREY = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#999999")


def _figure(figsize, ncols=1):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, ncols, figsize=figsize, dpi=90)
    return fig, axes


def _widgets():
    try:
        import ipywidgets
    except ImportError as exc:   # pragma: no cover - ipywidgets is in requirements.txt
        raise ImportError("the live demos need ipywidgets: run `make install` "
                          "(or `pip install ipywidgets`)") from exc
    return ipywidgets


def _show_in(output, draw, *args):
    """Redraw ``draw(*args)`` into the ipywidgets ``output`` (clears the previous figure)."""
    import matplotlib.pyplot as plt
    with output:
        output.clear_output(wait=True)
        fig = draw(*args)
        plt.show()
        plt.close(fig)


# ---------------------------------------------------------------------------- 03: clipping
class ClippedGradient(NamedTuple):
    """A 2-D gradient clipped both ways at threshold c, and the angle each clip turned it by."""
    gradient: np.ndarray
    by_value: np.ndarray          # (4.4) each coordinate limited to [−c, c]
    by_norm: np.ndarray           # (4.5) the vector scaled by min(1, c / ‖g‖)
    turn_by_value: float          # degrees between g and its value-clipped version
    turn_by_norm: float           # degrees between g and its norm-clipped version (0 up to rounding)


def angle_degrees(u, v):
    """The angle between two 2-D vectors in degrees (0 when either is the zero vector)."""
    u, v = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
    if not (np.any(u) and np.any(v)):
        return 0.0
    cross = u[0] * v[1] - u[1] * v[0]
    return float(np.degrees(abs(np.arctan2(cross, u @ v))))   # atan2: exact near 0°, unlike arccos


def clip_2d(gradient, threshold):
    """Clip the 2-D ``gradient`` at ``threshold`` by value (4.4) and by norm (4.5).

    Uses the library's ``clip_by_value`` and ``clip_by_global_norm`` on ``{"g": gradient}``.
    """
    g = np.asarray(gradient, dtype=np.float64)
    if g.shape != (2,) or not np.all(np.isfinite(g)):
        raise ValueError(f"gradient must be 2 finite numbers (g1, g2), got {gradient!r}")
    threshold = positive_float("threshold", threshold)
    by_value = clip_by_value({"g": g}, threshold)["g"]
    by_norm = clip_by_global_norm({"g": g}, threshold)[0]["g"]
    return ClippedGradient(g, by_value, by_norm, angle_degrees(g, by_value), angle_degrees(g, by_norm))


def clipping_figure(gradient=(8.0, 2.0), threshold=5.0, limit=13.0):
    """Two panels: the gradient (grey) clipped by value inside the box, and by norm onto the circle."""
    import matplotlib.pyplot as plt
    result = clip_2d(gradient, threshold)
    fig, axes = _figure((8.0, 4.0), ncols=2)
    panels = ((axes[0], result.by_value, result.turn_by_value, VERMILION,
               plt.Rectangle((-threshold, -threshold), 2 * threshold, 2 * threshold),
               "by value (4.4)"),
              (axes[1], result.by_norm, result.turn_by_norm, BLUE,
               plt.Circle((0.0, 0.0), threshold), "by norm (4.5)"))
    for ax, clipped, turn, colour, region, name in panels:
        region.set(fill=False, linestyle="--", edgecolor=GREY)
        ax.add_patch(region)
        ax.annotate("", xy=result.gradient, xytext=(0, 0),
                    arrowprops=dict(arrowstyle="->", color="lightgray", lw=3))
        ax.annotate("", xy=clipped, xytext=(0, 0), arrowprops=dict(arrowstyle="->", color=colour, lw=2))
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
        ax.set_xlabel("g₁")
        ax.set_ylabel("g₂")
        ax.set_title(f"{name}: turned {turn:.1f}°", fontsize=10)
    fig.suptitle(f"g = ({result.gradient[0]:g}, {result.gradient[1]:g}) clipped at c = {threshold:g}")
    fig.tight_layout()
    return fig


def show_clipping(gradient=(8.0, 2.0), threshold=5.0):
    """Live: sliders for g₁, g₂ and c; the figure of ``clipping_figure`` follows them."""
    widgets = _widgets()
    style = dict(continuous_update=False)
    g1 = widgets.FloatSlider(value=gradient[0], min=-12, max=12, step=0.5, description="g₁", **style)
    g2 = widgets.FloatSlider(value=gradient[1], min=-12, max=12, step=0.5, description="g₂", **style)
    c = widgets.FloatSlider(value=threshold, min=0.5, max=12, step=0.5, description="c", **style)
    output = widgets.Output()

    def update(_=None):
        _show_in(output, clipping_figure, (g1.value, g2.value), c.value)

    for slider in (g1, g2, c):
        slider.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([g1, g2, c]), output])


# ---------------------------------------------------------------------------- 05: temperature
class TemperatureDistribution(NamedTuple):
    probabilities: np.ndarray     # softmax(z / τ)
    entropy: float                # −Σ p ln p, in nats (0: one-hot; ln K: uniform)


def entropy_nats(probabilities):
    """−Σ p ln p with 0 · ln 0 = 0, in nats."""
    p = np.asarray(probabilities, dtype=np.float64)
    nonzero = p[p > 0]
    return max(0.0, float(-(nonzero * np.log(nonzero)).sum()))   # max: no −0.0 for a one-hot


def temperature_distribution(logits, tau):
    """The sampling distribution softmax(z / τ) of one prediction and its entropy.

    τ → 0 tends to the one-hot vector of the largest logit (greedy decoding), τ = 1 is the
    model's own softmax, τ → ∞ tends to the uniform distribution.
    """
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or z.size < 2 or not np.all(np.isfinite(z)):
        raise ValueError(f"logits must be a 1-D array of at least 2 finite numbers, got shape {z.shape}")
    tau = positive_float("tau", tau)
    probabilities = functional.softmax_with_temperature(z, tau)
    return TemperatureDistribution(probabilities, entropy_nats(probabilities))


def _label(labels, index):
    text = str(labels[index])
    return text if text.strip() else repr(text)


def _temperature_bars(ax, logits, labels, tau, top):
    order = np.argsort(np.asarray(logits, dtype=np.float64))[::-1][:top]
    result = temperature_distribution(logits, tau)
    ax.bar(range(len(order)), result.probabilities[order], color=BLUE)
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels([_label(labels, i) for i in order])
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.set_title(f"τ = {tau:g}: entropy {result.entropy:.2f} nats", fontsize=10)


def temperature_figure(logits, labels, taus=(0.25, 1.0, 4.0), top=8):
    """Bars of softmax(z / τ) over the ``top`` most likely symbols, one panel per τ.

    ``labels`` maps an index to its symbol (``idx_to_char`` or a list).
    """
    if len(taus) < 1:
        raise ValueError("taus must hold at least one temperature")
    fig, axes = _figure((3.2 * len(taus), 3.2), ncols=len(taus))
    axes = np.atleast_1d(axes)
    for ax, tau in zip(axes, taus):
        _temperature_bars(ax, logits, labels, tau, top)
    fig.suptitle(f"softmax(z / τ) over the {top} most likely symbols (maximum entropy ln {len(logits)} "
                 f"= {np.log(len(logits)):.2f})")
    fig.tight_layout()
    return fig


def show_temperature(logits, labels, top=8, tau=1.0):
    """Live: a logarithmic τ slider (0.05 to 10) over the bars of ``temperature_figure``."""
    widgets = _widgets()
    slider = widgets.FloatLogSlider(value=tau, base=10, min=-1.3, max=1, step=0.05, description="τ",
                                    continuous_update=False)
    output = widgets.Output()

    def draw(value):
        fig, ax = _figure((6.0, 3.2))
        _temperature_bars(ax, logits, labels, value, top)
        fig.tight_layout()
        return fig

    slider.observe(lambda change: _show_in(output, draw, change["new"]), names="value")
    _show_in(output, draw, slider.value)
    return widgets.VBox([slider, output])


# ---------------------------------------------------------------------------- 06: hidden states
class HiddenStateTrace(NamedTuple):
    hidden: np.ndarray            # h_t for every character, (T, n_h)
    predictions: np.ndarray       # ŷ_t, the next-character distribution after it, (T, n_y)


def hidden_state_trace(model, text, char_to_idx):
    """Run ``model`` over ``text`` from h_0 = 0: h_t (2.2) and ŷ_t (2.3) for every character."""
    from rnn_core.backend import to_numpy
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string, got {text!r}")
    unknown = sorted({ch for ch in text if ch not in char_to_idx})
    if unknown:
        raise ValueError(f"characters not in the model's vocabulary: {unknown!r}; "
                         f"the vocabulary has {len(char_to_idx)} symbols")
    indices = np.array([char_to_idx[ch] for ch in text])
    hs, ys = model.forward(indices)
    return HiddenStateTrace(to_numpy(hs)[:, 0, :], to_numpy(ys)[:, 0, :])


def _shown_symbols(trace, text, char_to_idx, rows):
    """The vocabulary rows worth showing: the typed characters and each step's top prediction."""
    wanted = {char_to_idx[ch] for ch in text} | set(trace.predictions.argmax(axis=1).tolist())
    by_mass = np.argsort(trace.predictions.sum(axis=0))[::-1]
    for index in by_mass:
        if len(wanted) >= rows:
            break
        wanted.add(int(index))
    return sorted(wanted)[:max(rows, len(wanted))]


def hidden_state_figure(model, text, char_to_idx, idx_to_char, max_units=32, rows=16):
    """Heatmaps of h_t (units × steps) and ŷ_t (symbols × steps) for ``text``."""
    trace = hidden_state_trace(model, text, char_to_idx)
    symbols = _shown_symbols(trace, text, char_to_idx, rows)
    T = len(text)
    fig, axes = _figure((min(12.0, 3.0 + 0.45 * T), 4.6), ncols=2)
    steps = [_label(list(text), t) for t in range(T)]
    image = axes[0].imshow(trace.hidden[:, :max_units].T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1)
    axes[0].set_title(f"h_t (first {min(max_units, trace.hidden.shape[1])} units)", fontsize=10)
    axes[0].set_ylabel("hidden unit")
    fig.colorbar(image, ax=axes[0], fraction=0.04)
    image = axes[1].imshow(trace.predictions[:, symbols].T, aspect="auto", cmap="viridis", vmin=0, vmax=1)
    axes[1].set_title("ŷ_t: probability of the next character", fontsize=10)
    axes[1].set_yticks(range(len(symbols)))
    axes[1].set_yticklabels([_label(idx_to_char, i) for i in symbols], fontsize=8)
    fig.colorbar(image, ax=axes[1], fraction=0.04)
    for ax in axes:
        ax.set_xticks(range(T))
        ax.set_xticklabels(steps, fontsize=8)
        ax.set_xlabel("input character x_t")
    fig.suptitle(f"Hidden states and predictions while reading {text!r}")
    fig.tight_layout()
    return fig


def show_hidden_states(model, char_to_idx, idx_to_char, text="Beautiful is better"):
    """Live: type a text; the heatmaps of ``hidden_state_figure`` follow for its first 24 characters.

    A character outside the vocabulary is named in the output instead of raising.
    """
    widgets = _widgets()
    box = widgets.Text(value=text, description="text", continuous_update=False)
    output = widgets.Output()

    def update(value):
        try:
            _show_in(output, hidden_state_figure, model, value[:24], char_to_idx, idx_to_char)
        except ValueError as exc:            # an unknown character: say which, keep the widget alive
            with output:
                output.clear_output()
                print(exc)

    box.observe(lambda change: update(change["new"]), names="value")
    update(box.value)
    return widgets.VBox([box, output])


# ---------------------------------------------------------------------------- 07: spectral radius
class GradientDecay(NamedTuple):
    distance: np.ndarray          # T − t = 0, 1, …, steps
    ratio: np.ndarray             # ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ at each distance
    linear: np.ndarray            # ρ^(T − t), the linear prediction (8.4)


def orthogonal(n, seed=1):
    """A random n×n orthogonal matrix (QR of a seeded Gaussian matrix, signs fixed)."""
    return orthogonal_from(np.random.default_rng(seed).standard_normal((n, n)))


def gradient_decay(rho, steps=60, n_h=32, input_scale=0.01, seed=0):
    """How the gradient of a loss at the last step shrinks or grows on its way back, (8.2).

    W_hh = ρ · Q with Q orthogonal, so every eigenvalue has modulus ρ (spectral radius ρ).
    The forward pass (2.2) reads ``steps`` random inputs of size ``input_scale`` from h_0 = 0;
    backwards, ∂L/∂h_{t−1} = (∂L/∂h_t ⊙ (1 − h_t²)) W_hhᵀ, starting from a random unit
    vector. ``input_scale=0`` keeps every h_t = 0, so 1 − h² = 1 and the ratio is ρ^(T−t).
    """
    rho = positive_float("rho", rho)
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not np.isfinite(input_scale) or input_scale < 0:
        raise ValueError(f"input_scale must be a finite number ≥ 0, got {input_scale!r}")
    steps = int(steps)
    rng = np.random.default_rng(seed)
    Whh = rho * orthogonal(n_h, seed=seed + 1)
    x_proj = input_scale * rng.standard_normal((steps, n_h))       # x_t W_xh + b_h
    hs = np.zeros((steps, n_h))
    h = np.zeros(n_h)
    for t in range(steps):
        h = hs[t] = fast.rnn_step(x_proj[t], h, Whh)           # (2.2)
    grad = rng.standard_normal(n_h)
    grad /= np.linalg.norm(grad)                                    # ∂L/∂h_T, norm 1
    norms = [1.0]
    for t in range(steps - 1, 0, -1):
        grad = (grad * (1.0 - hs[t] ** 2)) @ Whh.T                  # (8.2) one step back
        norms.append(float(np.linalg.norm(grad)))
    distance = np.arange(steps)
    return GradientDecay(distance, np.array(norms), rho ** distance.astype(np.float64))


def spectral_radius_figure(rhos=(0.5, 0.9, 1.0, 1.1, 1.5), steps=60, input_scale=0.01):
    """‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ against T − t (solid) and ρ^(T−t) (dotted), one curve per ρ."""
    fig, ax = _figure((6.5, 3.8))
    colours = (BLUE, ORANGE, GREEN, PURPLE, VERMILION)
    for k, rho in enumerate(rhos):
        curve = gradient_decay(rho, steps=steps, input_scale=input_scale)
        colour = colours[k % len(colours)]
        ax.semilogy(curve.distance, curve.ratio, color=colour, label=f"ρ = {rho:g}")
        ax.semilogy(curve.distance, curve.linear, color=colour, linestyle=":", linewidth=1)
    ax.set_xlabel("distance T − t (steps)")
    ax.set_ylabel("‖∂L/∂h_t‖ / ‖∂L/∂h_T‖")
    ax.set_ylim(1e-20, 1e12)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(f"Gradient over distance (inputs of size {input_scale:g}); dotted: ρ^(T−t)", fontsize=10)
    fig.tight_layout()
    return fig


def show_spectral_radius(rho=0.9, steps=60):
    """Live: a ρ slider (0.3 to 1.6) and the input size; the curve and ρ^(T−t) follow."""
    widgets = _widgets()
    slider = widgets.FloatSlider(value=rho, min=0.3, max=1.6, step=0.05, description="ρ",
                                 continuous_update=False)
    inputs = widgets.ToggleButtons(options=[("small inputs", 0.01), ("large inputs", 1.0)],
                                   value=0.01, description="inputs")
    output = widgets.Output()

    def draw(value, scale):
        curve = gradient_decay(value, steps=steps, input_scale=scale)
        fig, ax = _figure((6.5, 3.6))
        ax.semilogy(curve.distance, curve.ratio, color=BLUE, label="measured (8.2)")
        ax.semilogy(curve.distance, curve.linear, color=GREY, linestyle=":", label="ρ^(T−t)")
        ax.set_ylim(1e-20, 1e12)
        ax.set_xlabel("distance T − t (steps)")
        ax.set_ylabel("‖∂L/∂h_t‖ / ‖∂L/∂h_T‖")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title(f"ρ = {value:.2f}: ratio {curve.ratio[-1]:.1e} at distance {steps - 1}", fontsize=10)
        fig.tight_layout()
        return fig

    def update(_=None):
        _show_in(output, draw, slider.value, inputs.value)

    slider.observe(update, names="value")
    inputs.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([slider, inputs]), output])
