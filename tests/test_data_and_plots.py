"""Vocabularies, padding, bundled data, and the notebooks' figures."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

import rnn_core as rc
from rnn_core import VanillaRNN
from rnn_course import plots


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
        plots.plot_embedding(plots.embed_tsne(hs[:, 0], perplexity=5), list(text)),
        plots.plot_embedding(plots.embed_pca(hs[:, 0])[0], list(range(len(text)))),
    ]
    for fig in figures:
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        plt.close(fig)


def test_tsne_is_deterministic_for_a_fixed_seed(rng):
    points = rng.standard_normal((40, 6))
    np.testing.assert_array_equal(plots.embed_tsne(points, perplexity=10, seed=3),
                                  plots.embed_tsne(points, perplexity=10, seed=3))


def test_pad_sequences_keeps_dtype_and_trailing_axes_and_pads_with_zero():
    padded, mask = rc.pad_sequences([np.array([5, 6, 7]), np.array([8])])
    assert padded.dtype == np.array([5]).dtype and mask.dtype == bool
    np.testing.assert_array_equal(padded, [[5, 8], [6, 0], [7, 0]])
    rows, _ = rc.pad_sequences([np.eye(3, dtype=np.float32)[[0, 1]], np.eye(3, dtype=np.float32)[[2]]], pad_value=-1)
    assert rows.shape == (2, 2, 3) and rows.dtype == np.float32
    np.testing.assert_array_equal(rows[1, 1], [-1, -1, -1])
    with pytest.raises(ValueError, match="^no sequences to pad$"):
        rc.pad_sequences([])
    with pytest.raises(ValueError, match="^sequence 1 is empty; every sequence needs at least one step$"):
        rc.pad_sequences([[1], [], [2], []])


def test_prepare_sequences_pads_inputs_and_targets_with_the_end_marker():
    char_to_idx, _ = rc.vocabulary_from_words(["ab", "b"], start=True)
    X, Y, mask = rc.prepare_sequences(["ab", "b"], char_to_idx, start=True)
    end = char_to_idx["."]
    assert X[2, 1] == end and Y[2, 1] == end and not mask[2, 1]
    own = {"a": 0, "b": 1, ".": 2}                                     # the end marker need not be 0
    X, Y, mask = rc.prepare_sequences(["ab", "b"], own)
    assert X[1, 1] == 2 and Y[1, 1] == 2 and not mask[1, 1]
    with pytest.raises(ValueError, match=r"the word 'a\^' contains the start marker"):
        rc.prepare_sequences(["a^"], char_to_idx, start=True)
    plain, _ = rc.vocabulary_from_words(["a^b"])                       # without start= a '^' is a letter
    assert "^" in plain


def test_word_lists_are_checked():
    with pytest.raises(TypeError, match=r"^words must be a list of strings, not one string; did you mean \[words\]\?$"):
        rc.vocabulary_from_words("cat")
    with pytest.raises(ValueError, match="^the word list is empty; expected at least one word$"):
        rc.vocabulary_from_words([])
    for bad in (3, "", None):
        with pytest.raises(ValueError, match="^every word must be a non-empty string, got"):
            rc.vocabulary_from_words(["cat", bad])
    with pytest.raises(ValueError, match="^cannot build a vocabulary from no characters$"):
        rc.data.vocabulary([])
    with pytest.raises(TypeError, match="^text must be a string, got list$"):
        rc.vocabulary_from_text(["a"])


def test_one_hot_checks_and_dtype():
    assert rc.one_hot(np.array([0, 2]), 3, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="^n must be a positive integer, got 0$"):
        rc.one_hot(np.array([0]), 0)
    with pytest.raises(TypeError, match="^indices must be integers, got dtype float64$"):
        rc.one_hot(np.array([0.0]), 3)
    with pytest.raises(ValueError, match=r"^indices range over \[0, 3\]; expected 0 <= index < 3$"):
        rc.one_hot(np.array([0, 3]), 3)
    assert rc.one_hot(np.array([], dtype=int), 3).shape == (0, 3)


def test_text_stream_batches_checks_and_covers_the_text():
    batches = list(rc.data.text_stream_batches(np.arange(23), batch_size=2, seq_length=5))
    assert [X.shape for X, _ in batches] == [(5, 2), (5, 2), (1, 2)]    # 11 steps per stream
    np.testing.assert_array_equal(np.concatenate([X[:, 1] for X, _ in batches]), np.arange(11, 22))
    np.testing.assert_array_equal(np.concatenate([Y[:, 1] for _, Y in batches]), np.arange(12, 23))
    with pytest.raises(ValueError, match="^batch_size must be a positive integer, got 0$"):
        list(rc.data.text_stream_batches(np.arange(23), batch_size=0, seq_length=5))
    with pytest.raises(ValueError, match="^seq_length must be a positive integer, got 0$"):
        list(rc.data.text_stream_batches(np.arange(23), batch_size=2, seq_length=0))
    with pytest.raises(ValueError, match="^the text has 3 characters, too few for 3 streams; use a smaller batch_size$"):
        list(rc.data.text_stream_batches(np.arange(3), batch_size=3, seq_length=5))
    assert len(list(rc.data.text_stream_batches(np.arange(4), batch_size=3, seq_length=5))) == 1


def test_encode_decode_and_the_bundled_texts(capsys, monkeypatch):
    assert rc.decode(np.array([[1], [0]]), {0: "b", 1: "a"}) == "ab"
    assert rc.data.invert_vocabulary({"x": 0, "<s>": 1}) == {0: "x", 1: "<s>"}
    monkeypatch.delitem(__import__("sys").modules, "this", raising=False)   # a first import prints the Zen
    zen = rc.zen_of_python()
    assert zen.startswith("The Zen of Python, by Tim Peters") and "Namespaces are one honking great idea" in zen
    assert rc.load_words("animals") == rc.load_words()
    assert capsys.readouterr().out == ""                           # `import this` printed nothing
