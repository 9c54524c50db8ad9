"""Figures for the notebooks (§7). Each function returns its matplotlib ``Figure``.

matplotlib and scikit-learn are imported here only, so ``import rnn_core`` needs neither.
Arrays may live on the GPU; they are copied to numpy with ``to_numpy`` first.
Every figure has a title and labelled axes.
"""
import numpy as np

from rnn_core.backend import to_numpy

DPI = 90


def setup_notebook(dpi=80):
    """Make notebook figures compact, their stored text deterministic, and give them alt text.

    Sets a modest dpi, and makes a figure's plain-text form ``[figure: <its titles>]``
    instead of matplotlib's ``<Figure size 640x480 with 1 Axes>``, so that nbval compares
    something meaningful (the titles) beside the PNG. Each PNG output also carries alt text
    (``figure_alt_text``) in its metadata, ``{"image/png": {"alt": ...}}``, which the HTML
    book (tools/build_book.py) puts on the image. Call it after ``%matplotlib inline``.
    Outside IPython only the dpi is set.
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    plt.rcParams["figure.dpi"] = dpi
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    formatters["text/plain"].for_type(Figure, _figure_as_text)
    png = formatters["image/png"]
    try:
        draw_png = png.lookup_by_type(Figure)     # registered by the inline backend
    except KeyError:
        return
    if not getattr(draw_png, "adds_alt_text", False):
        png.for_type(Figure, _with_alt_text(draw_png))


def _with_alt_text(draw_png):
    """A PNG formatter that returns (png, {"alt": ...}): IPython stores the dict as the output's metadata."""
    def png_with_alt_text(fig):
        data = draw_png(fig)
        if data is None:
            return None
        data, metadata = data if isinstance(data, tuple) else (data, {})
        return data, {**(metadata or {}), "alt": figure_alt_text(fig)}
    png_with_alt_text.adds_alt_text = True
    return png_with_alt_text


def figure_alt_text(fig):
    """A one-line description of ``fig`` for readers who cannot see it: its titles and axes.

    E.g. ``Figure: Training loss (mean cross-entropy (nats) against epoch)``.
    """
    parts = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        parts.append(suptitle.get_text())
    for ax in fig.axes:
        if not ax.get_title():
            continue                      # colour bars and the like
        x_label, y_label = ax.get_xlabel(), ax.get_ylabel()
        axes = f"{y_label} against {x_label}" if x_label and y_label else x_label or y_label
        parts.append(f"{ax.get_title()} ({axes})" if axes else ax.get_title())
    return "Figure: " + "; ".join(parts) if parts else "Figure (untitled)"


def figure_titles(fig):
    """The suptitle and every axes title of ``fig``, in order."""
    titles = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        titles.append(suptitle.get_text())
    titles += [ax.get_title() for ax in fig.axes if ax.get_title()]
    return titles


def _figure_as_text(fig, printer, cycle):
    printer.text(f"[figure: {' | '.join(figure_titles(fig)) or 'untitled'}]")


def _axes(ax, figsize):
    import matplotlib.pyplot as plt
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, dpi=DPI)
    return ax.figure, ax


def _display_name(label):
    """A label as text; whitespace characters are shown quoted (' ', '\\n')."""
    text = str(label)
    return text if text.strip() else repr(text)


def _labels(idx_to_char, n):
    return [_display_name(idx_to_char[i]) for i in range(n)]


def plot_loss(history, ax=None, title="Training loss", reference=None, reference_label=None,
              log_scale=False, label=None):
    """Loss per epoch. ``reference`` draws a horizontal line (e.g. ln n_y, the loss at chance)."""
    fig, ax = _axes(ax, (6, 3.5))
    history = np.asarray(history, dtype=float)
    ax.plot(np.arange(1, len(history) + 1), history, label=label)
    if reference is not None:
        ax.axhline(reference, color="gray", linestyle="--", linewidth=1, label=reference_label)
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean cross-entropy (nats)")
    ax.set_title(title)
    if label is not None or reference_label is not None:
        ax.legend()
    fig.tight_layout()
    return fig


def plot_probability_heatmap(probs, input_text, idx_to_char, target_text=None, ax=None,
                             title="Output probabilities ŷ_t"):
    """Heatmap of ŷ_t: one column per step (labelled by its input), one row per output symbol.

    probs: ``(T, n_y)`` (or ``(T, 1, n_y)``) probabilities for one sequence.
    target_text: the true next characters; each is outlined in its column.
    """
    probs = to_numpy(probs).reshape(len(input_text), -1)
    T, n_y = probs.shape
    fig, ax = _axes(ax, (max(4.0, 0.42 * T + 1.8), max(2.5, 0.27 * n_y + 1.2)))
    image = ax.imshow(probs.T, aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(T))
    ax.set_xticklabels(_labels(dict(enumerate(input_text)), T))
    ax.set_yticks(range(n_y))
    ax.set_yticklabels(_labels(idx_to_char, n_y))
    if target_text is not None:
        inverse = {char: index for index, char in idx_to_char.items()}
        for t, char in enumerate(target_text[:T]):
            ax.add_patch(_box(t, inverse[char]))
    ax.set_xlabel("input character x_t (time →)")
    ax.set_ylabel("next character")
    ax.set_title(title + ("; true next character outlined" if target_text is not None else ""))
    fig.colorbar(image, ax=ax, label="probability", fraction=0.04)
    fig.tight_layout()
    return fig


def _box(x, y):
    from matplotlib.patches import Rectangle
    return Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=1.6)


def plot_hidden_heatmap(hidden_states, input_text, ax=None, title="Hidden-unit activations h_t",
                        max_units=None):
    """Heatmap of hidden activations: one column per step, one row per hidden unit (-1 … 1)."""
    hidden = to_numpy(hidden_states).reshape(len(input_text), -1)
    if max_units is not None:
        hidden = hidden[:, :max_units]
    T, n_h = hidden.shape
    fig, ax = _axes(ax, (max(4.0, 0.32 * T + 1.8), max(2.5, 0.16 * n_h + 1.2)))
    image = ax.imshow(hidden.T, aspect="auto", cmap="RdBu_r", vmin=-1.0, vmax=1.0)
    ax.set_xticks(range(T))
    ax.set_xticklabels(_labels(dict(enumerate(input_text)), T))
    ax.set_xlabel("input character x_t (time →)")
    ax.set_ylabel("hidden unit")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="activation", fraction=0.04)
    fig.tight_layout()
    return fig


def embed_tsne(hidden_states, perplexity=30.0, seed=0):
    """2-D t-SNE embedding ``(N, 2)`` of hidden states ``(N, n_h)`` (PCA start, fixed seed)."""
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits
    points = to_numpy(hidden_states).reshape(-1, to_numpy(hidden_states).shape[-1]).astype(np.float64)
    perplexity = min(float(perplexity), (len(points) - 1) / 3.0)
    # One thread: as fast for a few hundred points, and the result cannot depend on the thread count.
    with threadpool_limits(1):
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
                    learning_rate="auto").fit_transform(points)


def embed_pca(hidden_states):
    """2-D PCA projection ``(N, 2)`` of hidden states ``(N, n_h)``, and the explained variance ratios."""
    from sklearn.decomposition import PCA
    points = to_numpy(hidden_states).reshape(-1, to_numpy(hidden_states).shape[-1]).astype(np.float64)
    pca = PCA(n_components=2, random_state=0).fit(points)
    return pca.transform(points), pca.explained_variance_ratio_


def plot_embedding(points, labels, ax=None, title="Hidden states", xlabel="dimension 1",
                   ylabel="dimension 2", annotate=False, max_legend=12):
    """Scatter of 2-D points coloured by ``labels``: categories (characters) or numbers (positions)."""
    import matplotlib.pyplot as plt
    fig, ax = _axes(ax, (5.5, 4.5))
    points = np.asarray(points)
    labels = list(labels)
    if all(isinstance(v, (int, float, np.integer, np.floating)) for v in labels):
        scatter = ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="viridis", s=14)
        fig.colorbar(scatter, ax=ax, fraction=0.05)
    else:
        categories = sorted(set(labels), key=lambda c: (-labels.count(c), c))
        cmap = plt.get_cmap("tab20", max(len(categories), 1))
        for k, category in enumerate(categories):
            chosen = np.array([label == category for label in labels])
            name = _display_name(category)
            ax.scatter(points[chosen, 0], points[chosen, 1], s=14, color=cmap(k),
                       label=name if k < max_legend else None)
            if annotate:
                centre = points[chosen].mean(axis=0)
                ax.annotate(name, centre, fontsize=9, weight="bold")
        ax.legend(fontsize=7, markerscale=1.2, loc="best", ncol=2, title=None)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- notebook 07: reading one unit, class scatters

# Okabe & Ito's palette: eight colours told apart with every common kind of colour blindness.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
VISIBLE_WHITESPACE = {" ": "␣", "\n": "↵", "\t": "⇥"}


def visible(text):
    """``text`` with whitespace drawn as a symbol (␣ for a space, ↵ for a newline), as every figure shows it."""
    return "".join(VISIBLE_WHITESPACE.get(char, char) for char in str(text))


def plot_categories(points, labels, ax=None, title="Hidden states", xlabel="dimension 1", ylabel="dimension 2",
                    background=("other",), colors=OKABE_ITO, legend_fontsize=9):
    """Scatter of 2-D points ``(N, 2)`` coloured by category ``labels`` (length N), colour-blind safe.

    Categories are ordered by frequency and coloured from ``colors`` (Okabe–Ito by default); the
    ``background`` categories (e.g. "other") are drawn first, in light grey, so they do not hide the
    rest. Whitespace labels are shown as ␣ and ↵. The legend sits to the right of the axes.
    """
    points = np.asarray(to_numpy(points), dtype=float)
    labels = [str(label) for label in labels]
    if points.ndim != 2 or points.shape[1] != 2 or len(points) != len(labels):
        raise ValueError(f"points must have shape (N, 2) with N = len(labels) = {len(labels)}; "
                         f"got shape {points.shape}")
    background = [str(label) for label in background]
    categories = sorted(set(labels) - set(background), key=lambda c: (-labels.count(c), c))
    if len(categories) > len(colors):
        raise ValueError(f"{len(categories)} categories but only {len(colors)} colours; merge the rare ones "
                         f"into a background category such as 'other'")
    fig, ax = _axes(ax, (6.5, 4.5))
    labels = np.array(labels)
    for category in background:
        chosen = labels == category
        if chosen.any():
            ax.scatter(points[chosen, 0], points[chosen, 1], s=10, color="#CCCCCC",
                       label=f"{visible(category)} ({chosen.sum()})", zorder=1)
    for color, category in zip(colors, categories):
        chosen = labels == category
        ax.scatter(points[chosen, 0], points[chosen, 1], s=14, color=color, edgecolors="none",
                   label=f"{visible(category)} ({chosen.sum()})", zorder=2)
    ax.legend(fontsize=legend_fontsize, markerscale=1.6, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              borderaxespad=0.0, frameon=False, handletextpad=0.3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig


def _prediction_label(char, probability):
    """'e .62': a predicted character and its probability, compact enough to sit under one character."""
    share = f"{probability:.2f}"
    return f"{visible(char)} {share[1:] if share.startswith('0') else share[:3]}"


def text_activation(text, values, top_predictions=None, next_text=None, ax=None,
                    title="Text coloured by a hidden unit", chars_per_line=26, vmax=1.0,
                    cmap="RdBu_r", value_label="activation h_t[unit]"):
    """Karpathy-style text: each character's background coloured by one hidden unit's activation.

    text: the T characters read, x_1 … x_T. values: ``(T,)`` numbers, e.g. ``h_t[unit]`` after
    reading ``text[t]``, coloured on a diverging, colour-blind-safe map from ``-vmax`` (blue) to
    ``+vmax`` (red). top_predictions: optional, for each step a list of ``(char, probability)``
    pairs, the model's most probable next characters after reading ``text[t]``, printed small
    under the character. next_text: optional, the T true next characters; a prediction that
    matches is printed bold. Whitespace is drawn as ␣ and ↵; lines wrap every ``chars_per_line``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    text = str(text)
    values = np.asarray(to_numpy(values), dtype=float).reshape(-1)
    T = len(text)
    if T == 0 or values.shape != (T,):
        raise ValueError(f"values must have shape (T,) with T = len(text) = {T} > 0; got shape {values.shape}")
    if top_predictions is not None and len(top_predictions) != T:
        raise ValueError(f"top_predictions must hold one list per character ({T}); got {len(top_predictions)}")
    if next_text is not None and len(next_text) != T:
        raise ValueError(f"next_text must have one character per step ({T}); got {len(next_text)}")
    chars_per_line = min(int(chars_per_line), T)
    n_predictions = max((len(p) for p in top_predictions), default=0) if top_predictions is not None else 0
    row_height = 1.0 + 0.5 * n_predictions + 0.3              # a character, its predictions, a gap
    n_rows = -(-T // chars_per_line)
    cell = 0.4                                                # inches per character
    fig, ax = _axes(ax, (cell * chars_per_line + 1.5, cell * row_height * n_rows + 0.7))
    colormap, norm = plt.get_cmap(cmap), Normalize(-vmax, vmax)
    for t, char in enumerate(text):
        x, top = t % chars_per_line, (t // chars_per_line) * row_height
        ax.add_patch(Rectangle((x, top), 1.0, 1.0, facecolor=colormap(norm(values[t])),
                               edgecolor="white", linewidth=0.5))
        ink = "white" if abs(norm(values[t]) - 0.5) > 0.35 else "black"       # readable on dark cells
        ax.text(x + 0.5, top + 0.5, visible(char), ha="center", va="center", fontsize=11,
                family="monospace", color=ink)
        for k, (predicted, probability) in enumerate(top_predictions[t] if top_predictions is not None else []):
            right = next_text is not None and predicted == next_text[t]
            ax.text(x + 0.5, top + 1.0 + 0.5 * (k + 0.5), _prediction_label(predicted, probability),
                    ha="center", va="center", fontsize=7, family="monospace",
                    weight="bold" if right else "normal", color="black" if right else "0.35")
    ax.set_xlim(0, chars_per_line)
    ax.set_ylim(n_rows * row_height, 0)
    ax.set_axis_off()
    ax.set_title(title)
    mappable = plt.cm.ScalarMappable(norm=norm, cmap=colormap)
    fig.colorbar(mappable, ax=ax, label=value_label, fraction=0.025, pad=0.01)
    fig.tight_layout()
    return fig


def plot_connectivity(distances, sensitivities, ax=None, title="Connectivity", labels=None,
                      xlabel="distance s = t − t′ (steps back)",
                      ylabel="mean ‖∂ log ŷ_t[y_t] / ∂x_{t−s}‖"):
    """Sensitivity of a prediction to the input ``s`` steps back, on a log scale.

    distances: ``(S,)`` step distances s; sensitivities: ``(S,)`` or a list of ``(S,)`` curves
    (one per model, named by ``labels``).
    """
    fig, ax = _axes(ax, (6.5, 3.6))
    distances = np.asarray(distances)
    curves = sensitivities if isinstance(sensitivities, (list, tuple)) else [sensitivities]
    labels = labels if labels is not None else [None] * len(curves)
    if len(labels) != len(curves):
        raise ValueError(f"{len(curves)} curves but {len(labels)} labels")
    for curve, label, color in zip(curves, labels, OKABE_ITO[4:] + OKABE_ITO[:4]):
        curve = np.asarray(to_numpy(curve), dtype=float)
        if curve.shape != distances.shape:
            raise ValueError(f"each curve must have the shape of distances {distances.shape}; got {curve.shape}")
        ax.plot(distances, curve, marker="o", markersize=3, color=color, label=label)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if any(label is not None for label in labels):
        ax.legend(fontsize=9)
    return fig
