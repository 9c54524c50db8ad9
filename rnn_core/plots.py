"""Figures for the notebooks (§7). Each function returns its matplotlib ``Figure``.

matplotlib and scikit-learn are imported here only, so ``import rnn_core`` needs neither.
Arrays may live on the GPU; they are copied to numpy with ``to_numpy`` first.
Every figure has a title and labelled axes.
"""
import numpy as np

from .backend import to_numpy

DPI = 90


def setup_notebook(dpi=80):
    """Make notebook figures compact and their stored text deterministic.

    Sets a modest dpi, and makes a figure's plain-text form ``[figure: <its titles>]``
    instead of matplotlib's ``<Figure size 640x480 with 1 Axes>``, so that nbval compares
    something meaningful (the titles) beside the PNG. Outside IPython only the dpi is set.
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    plt.rcParams["figure.dpi"] = dpi
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/plain"].for_type(Figure, _figure_as_text)


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


def plot_hidden_tsne(hidden_states, labels, perplexity=30.0, seed=0, ax=None,
                     title="t-SNE of hidden states", annotate=False):
    """t-SNE scatter of hidden states ``(N, n_h)`` coloured by ``labels`` (length N)."""
    points = embed_tsne(hidden_states, perplexity=perplexity, seed=seed)
    return plot_embedding(points, labels, ax=ax, title=title, xlabel="t-SNE 1", ylabel="t-SNE 2",
                          annotate=annotate)


def plot_hidden_pca(hidden_states, labels, ax=None, title="PCA of hidden states", annotate=False):
    """PCA scatter of hidden states ``(N, n_h)`` coloured by ``labels``; axes give the variance share."""
    points, ratios = embed_pca(hidden_states)
    return plot_embedding(points, labels, ax=ax, title=title,
                          xlabel=f"PC 1 ({ratios[0]:.0%} of variance)",
                          ylabel=f"PC 2 ({ratios[1]:.0%} of variance)", annotate=annotate)
