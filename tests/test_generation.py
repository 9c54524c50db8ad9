"""Generation: greedy and sampled text, temperatures, the start symbol, and the one step it shares with forward."""
import numpy as np
import pytest

import rnn_core as rc
from rnn_core import VanillaRNN, fast, functional


def test_tiny_temperatures_are_greedy_not_nan(hello):
    char_to_idx, idx_to_char = hello
    rnn = VanillaRNN(5, 8, 5, seed=0, init_scale=1.0, backend="numpy")
    greedy = rnn.predict("h", char_to_idx, idx_to_char, 12)
    for temperature in (1e-3, 1e-200, 5e-324):
        assert rnn.predict("h", char_to_idx, idx_to_char, 12, temperature=temperature, seed=0) == greedy
    probs = functional.softmax_with_temperature(np.array([1.0, 3.0, 3.0, -2.0]), 1e-300)
    np.testing.assert_array_equal(probs, [0.0, 0.5, 0.5, 0.0])       # an exact tie splits evenly


def test_temperature_sampling_draws_from_softmax_of_logits_over_temperature():
    """With W_xh = W_hh = 0 the state is constant, so every draw comes from one distribution."""
    rnn = VanillaRNN(4, 3, 4, seed=0, backend="numpy")
    rnn.Wxh[...] = 0
    rnn.Whh[...] = 0
    rnn.bh[...] = [[1.0, -0.5, 0.25]]
    rnn.Why[...] = np.array([[1.0, 0.0, -1.0, 0.5], [0.0, 1.0, 0.0, -1.0], [0.5, 0.0, 1.0, 0.0]])
    logits = (np.tanh(rnn.bh) @ rnn.Why)[0]
    vocabulary = {c: i for i, c in enumerate("abcd")}
    draws = 6000
    for temperature in (0.5, 2.0):
        text = rnn.predict("a", vocabulary, length=draws, temperature=temperature, seed=3)[1:]
        frequencies = np.array([text.count(c) for c in "abcd"]) / draws
        expected = np.exp(logits / temperature) / np.exp(logits / temperature).sum()
        wrong = np.exp(logits * temperature) / np.exp(logits * temperature).sum()
        assert np.abs(frequencies - expected).max() < 0.025             # about 3.5 standard errors
        assert np.abs(wrong - expected).max() > 0.1                     # the test can tell them apart


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


def test_forward_and_predict_share_the_one_step_function(monkeypatch, hello):
    char_to_idx, idx_to_char = hello
    rnn = VanillaRNN(5, 8, 5, seed=0, init_scale=1.0, backend="numpy")
    calls = []
    original = fast.vanilla.rnn_step

    def counting_step(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(fast.vanilla, "rnn_step", counting_step)
    rnn.forward(np.array([0, 1, 2]))
    assert len(calls) == 3
    rnn.predict("he", char_to_idx, idx_to_char, 4)
    assert len(calls) == 3 + 2 + 4                                    # read 2, feed back 4
    # Reading a seed step by step gives forward's last hidden state exactly.
    hs, _ = rnn.forward(rc.encode("hello", char_to_idx))
    h = rnn._initial_state(None, 1)
    for char in "hello":
        h = rnn._generation_step(char_to_idx[char], h)
    np.testing.assert_array_equal(h[0], hs[-1])          # the state is the tuple (h,)
