"""What issue 10 asked of the library: initialisations, the start symbol, the n-gram baseline;
and the structure issue 9 asked for: (2.2) written once, the GPU loops behind one hook."""
import math
import sys
import types

import numpy as np
import pytest

import rnn_core as rc
from rnn_core import VanillaRNN, functional
from rnn_course.ngram import NGramModel


# ----------------------------------------------------------------------------- initialisations
def test_the_three_initialisations_of_whh():
    lecture = VanillaRNN(3, 6, 4, seed=7, backend="numpy")
    orthogonal = VanillaRNN(3, 6, 4, seed=7, backend="numpy", init="orthogonal", whh_scale=0.9)
    identity = VanillaRNN(3, 6, 4, seed=7, backend="numpy", init="identity", whh_scale=0.5)
    assert np.std(lecture.Whh) < 0.03                                  # randn * 0.01
    np.testing.assert_allclose(orthogonal.Whh @ orthogonal.Whh.T, 0.81 * np.eye(6), atol=1e-12)
    np.testing.assert_array_equal(identity.Whh, 0.5 * np.eye(6))
    for other in (orthogonal, identity):                              # the same seed, the same rest
        np.testing.assert_array_equal(other.Wxh, lecture.Wxh)
        np.testing.assert_array_equal(other.Why, lecture.Why)
    default_scale = VanillaRNN(3, 6, 4, seed=7, backend="numpy", init="orthogonal")
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(default_scale.Whh)), 1.0, atol=1e-12)
    assert not np.allclose(default_scale.Whh, VanillaRNN(3, 6, 4, seed=8, backend="numpy", init="orthogonal").Whh)


@pytest.mark.parametrize("kwargs, message", [
    ({"init": "xavier"}, "init='xavier'; expected one of 'lecture', 'orthogonal', 'identity'"),
    ({"whh_scale": 0.5}, "whh_scale applies to init='orthogonal' or 'identity'"),
    ({"init": "identity", "whh_scale": -1.0}, "whh_scale must be a finite number > 0"),
])
def test_bad_initialisations_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        VanillaRNN(3, 4, 3, backend="numpy", **kwargs)


# ----------------------------------------------------------------------------- start symbol
def test_the_start_symbol_makes_the_first_letter_a_prediction():
    assert rc.START_MARKER == "^"
    char_to_idx, _ = rc.vocabulary_from_words(["ab", "b"], start=True)
    assert set(char_to_idx) == {".", "^", "a", "b"}
    X, Y, mask = rc.prepare_sequences(["ab", "b"], char_to_idx, start=True)
    decode = {i: c for c, i in char_to_idx.items()}
    assert "".join(decode[i] for i in X[:, 0]) == "^ab" and "".join(decode[i] for i in Y[:, 0]) == "ab."
    assert "".join(decode[i] for i in X[:2, 1]) == "^b" and "".join(decode[i] for i in Y[:2, 1]) == "b."
    np.testing.assert_array_equal(mask, [[1, 1], [1, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"marker '\^' is not in the vocabulary.*start=True"):
        rc.prepare_sequences(["ab"], rc.vocabulary_from_words(["ab"])[0], start=True)
    with pytest.raises(ValueError, match="contains the start marker"):
        rc.vocabulary_from_words(["a^b"], start=True)


def test_a_model_trained_with_the_start_symbol_generates_words_from_nothing():
    words = ["cat", "cab", "cot"]
    n = len(rc.vocabulary_from_words(words, start=True)[0])
    rnn = VanillaRNN(n, 24, n, lr=0.05, seed=0, backend="numpy", optimizer="adam")
    history = rnn.train_words(words, epochs=150, print_interval=0, start=True)
    assert history[-1] < 0.45 * history[0]
    generated = rnn.predict(rc.START_MARKER, length=6, stop_at=rc.END_MARKER)
    assert generated.startswith("^c") and generated[1:] in words


# ----------------------------------------------------------------------------- n-gram baseline
def test_ngram_probabilities_are_smoothed_counts():
    model = NGramModel(order=2, k=1.0).fit(["ab", "aa"])
    # alphabet {., a, b}: after "^": a twice; after "a": b once, a once, "." once; after "b": "." once.
    assert model.alphabet == [".", "a", "b"]
    assert model.probability("", "a") == pytest.approx((2 + 1) / (2 + 3))
    assert model.probability("a", "b") == pytest.approx((1 + 1) / (3 + 3))
    assert model.probability("xb", ".") == pytest.approx((1 + 1) / (1 + 3))    # only the last character counts
    expected = -(math.log(3 / 5) + math.log(2 / 6) + math.log(2 / 4)) / 3           # "ab" = ^→a, a→b, b→.
    assert model.mean_loss(["ab"]) == pytest.approx(expected)
    for order in (1, 2, 3):                                           # each context sums to one
        fitted = NGramModel(order=order, k=0.5).fit(["abc", "bca", "cab"])
        for context in ("", "a", "bc", "ca"):
            assert sum(fitted.probability(context, c) for c in fitted.alphabet) == pytest.approx(1.0)


def test_ngram_unigram_loss_and_held_out_letters():
    uniform = NGramModel(order=1, k=1.0).fit(["ab"])
    assert uniform.mean_loss(["ab"]) == pytest.approx(math.log(3))   # a, b, . once each: uniform
    with pytest.raises(ValueError, match="has the character 'z'.*pass vocabulary="):
        uniform.mean_loss(["az"])
    full = NGramModel(order=2, vocabulary={c: i for i, c in enumerate(".^abz")}).fit(["ab"])
    assert full.alphabet == [".", "a", "b", "z"] and math.isfinite(full.mean_loss(["az"]))
    with pytest.raises(ValueError, match="call fit"):
        NGramModel(order=2).mean_loss(["ab"])


def test_ngram_loss_is_comparable_with_the_rnn_loss_on_start_marked_words():
    """Both predict every letter and the end marker: the same number of steps per word."""
    words = ["abc", "abd", "ab"]
    char_to_idx, _ = rc.vocabulary_from_words(words, start=True)
    X, Y, mask = rc.prepare_sequences(words, char_to_idx, start=True)
    assert mask.sum() == sum(len(word) + 1 for word in words)
    model = NGramModel(order=3, k=0.01, vocabulary=char_to_idx).fit(words)
    assert model.mean_loss(words) < NGramModel(order=1, k=0.01, vocabulary=char_to_idx).fit(words).mean_loss(words)


# ----------------------------------------------------------------------------- (2.2) written once
def test_forward_and_predict_share_the_one_step_function(monkeypatch, hello):
    char_to_idx, idx_to_char = hello
    rnn = VanillaRNN(5, 8, 5, seed=0, init_scale=1.0, backend="numpy")
    calls = []
    original = functional.rnn_step

    def counting_step(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(functional, "rnn_step", counting_step)
    rnn.forward(np.array([0, 1, 2]))
    assert len(calls) == 3
    rnn.predict("he", char_to_idx, idx_to_char, 4)
    assert len(calls) == 3 + 2 + 4                                    # read 2, feed back 4
    # Reading a seed step by step gives forward's last hidden state exactly.
    hs, _ = rnn.forward(rc.encode("hello", char_to_idx))
    h = rnn._initial_state(None, 1)
    for char in "hello":
        h = rnn._generation_step(char_to_idx[char], h)
    np.testing.assert_array_equal(h, hs[-1])


def test_the_gpu_hook_gets_the_documented_arrays(monkeypatch, rng):
    """forward/bptt hand CuPy arrays to gpu_kernels; a numpy stand-in keeping the contract gives
    the numpy path's results, so the arrays handed over are the right ones."""

    def forward_recurrence(hs, h0, Whh):                  # hs holds x_t W_xh + b_h on entry
        h = h0
        for t in range(hs.shape[0]):
            hs[t] = np.tanh(hs[t] + h @ Whh)
            h = hs[t]
        return hs

    def backward_recurrence(delta_h, hs, Whh):            # delta_h holds δy_t W_hyᵀ on entry
        after = np.zeros_like(delta_h[0])
        for t in range(hs.shape[0] - 1, -1, -1):
            delta_h[t] = (delta_h[t] + after @ Whh.T) * (1 - hs[t] ** 2)
            after = delta_h[t]
        return delta_h

    fake = types.ModuleType("rnn_core.gpu_kernels")
    fake.forward_recurrence, fake.backward_recurrence = forward_recurrence, backward_recurrence
    rnn = VanillaRNN(5, 6, 4, seed=0, init_scale=0.5, backend="numpy")
    X, Y = rng.integers(0, 5, (7, 3)), rng.integers(0, 4, (7, 3))
    h0 = rng.standard_normal((3, 6)) * 0.3
    hs, ys = functional.forward(rnn.params, X, h0)
    grads = functional.bptt(rnn.params, X, hs, h0, functional.output_error(ys, Y))
    monkeypatch.setitem(sys.modules, "rnn_core.gpu_kernels", fake)
    monkeypatch.setattr(rc, "gpu_kernels", fake, raising=False)
    monkeypatch.setattr(functional, "is_cupy_array", lambda array: True)
    hs_gpu, ys_gpu = functional.forward(rnn.params, X, h0)
    grads_gpu = functional.bptt(rnn.params, X, hs_gpu, h0, functional.output_error(ys_gpu, Y))
    np.testing.assert_allclose(hs_gpu, hs, rtol=0, atol=1e-15)
    for name in grads:
        np.testing.assert_allclose(grads_gpu[name], grads[name], rtol=0, atol=1e-15)
