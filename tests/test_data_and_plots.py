"""Vocabularies, padding, bundled data, and the notebooks' figures."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

import rnn_core as rc
from rnn_core import VanillaRNN, plots


def test_vocabulary_encode_decode_and_one_hot():
    char_to_idx, idx_to_char = rc.vocabulary_from_text("hello ")
    assert char_to_idx == {" ": 0, "e": 1, "h": 2, "l": 3, "o": 4}
    indices = rc.encode("hello", char_to_idx)
    assert indices.tolist() == [2, 1, 3, 3, 4]
    assert rc.decode(indices, idx_to_char) == "hello"
    np.testing.assert_array_equal(rc.one_hot(indices, 5), np.eye(5)[indices])
    assert rc.one_hot(np.zeros((2, 3), dtype=int), 4).shape == (2, 3, 4)


def test_prepare_sequences_pads_and_masks_with_the_end_marker():
    char_to_idx, idx_to_char = rc.vocabulary_from_words(["hi", "hello"])
    X, Y, mask = rc.prepare_sequences(["hi", "hello"], char_to_idx)
    assert X.shape == Y.shape == mask.shape == (5, 2)
    assert rc.decode(X[:, 1], idx_to_char) == "hello"
    assert rc.decode(Y[:, 1], idx_to_char) == "ello."
    assert rc.decode(Y[:2, 0], idx_to_char) == "i."
    assert mask[:, 0].tolist() == [True, True, False, False, False]
    assert mask[:, 1].all()


def test_bundled_words_and_zen_text_are_available_offline():
    words = rc.load_words()
    assert len(words) > 200 and all(w.isalpha() and w.islower() for w in words)
    assert "animals" in rc.data.available_word_lists()
    with pytest.raises(ValueError, match="no bundled word list named 'klingon'"):
        rc.load_words("klingon")
    zen = rc.zen_of_python()
    assert "Beautiful is better than ugly." in zen


def test_each_plot_returns_a_titled_figure_with_labelled_axes():
    rnn = VanillaRNN(5, 6, 5, seed=0, init_scale=0.5, backend="numpy")
    idx_to_char = dict(enumerate("helo "))
    text = "hello hello hello"
    indices = rc.encode(text, {c: i for i, c in idx_to_char.items()})
    hs, ys = rnn.forward(indices)
    figures = [
        plots.plot_loss([1.6, 1.0, 0.5], reference=np.log(5), reference_label="ln 5"),
        plots.plot_probability_heatmap(ys[:5], "hello", idx_to_char, target_text="ello "),
        plots.plot_hidden_heatmap(hs[:5], "hello"),
        plots.plot_hidden_tsne(hs[:, 0], list(text), perplexity=5),
        plots.plot_hidden_pca(hs[:, 0], list(range(len(text)))),
    ]
    for fig in figures:
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        plt.close(fig)


def test_tsne_is_deterministic_for_a_fixed_seed(rng):
    points = rng.standard_normal((40, 6))
    np.testing.assert_array_equal(plots.embed_tsne(points, perplexity=10, seed=3),
                                  plots.embed_tsne(points, perplexity=10, seed=3))
