"""Bad input raises ValueError or TypeError naming the problem and what was expected.

None of these may surface as a numpy broadcasting error, an IndexError, a KeyError or a NaN.
"""
import numpy as np
import pytest

import rnn_core as rc
from rnn_core import VanillaRNN


@pytest.fixture
def rnn():
    return VanillaRNN(5, 8, 5, seed=0, backend="numpy")


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_x": 0}, ValueError, "n_x must be a positive integer, got 0"),
    ({"n_h": -3}, ValueError, "n_h must be a positive integer, got -3"),
    ({"n_y": 2.5}, TypeError, "n_y must be a positive integer, got 2.5"),
    ({"n_h": True}, TypeError, "n_h must be a positive integer"),
    ({"lr": 0}, ValueError, "lr must be a finite number > 0, got 0"),
    ({"lr": -0.1}, ValueError, "lr must be a finite number > 0"),
    ({"lr": float("nan")}, ValueError, "lr must be a finite number > 0"),
    ({"clip": 0}, ValueError, "clip must be a finite number > 0, got 0"),
    ({"clip": -5}, ValueError, "clip must be a finite number > 0"),
    ({"clip_mode": "max"}, ValueError, "clip_mode='max'; expected 'value', 'norm' or None"),
    ({"dtype": np.int32}, ValueError, "expected numpy.float32 or numpy.float64"),
    ({"optimizer": "rmsprop"}, ValueError, "optimizer='rmsprop'; expected one of sgd, adagrad, adam"),
    ({"backend": "tpu"}, ValueError, "backend='tpu' is not a backend; expected one of numpy, cupy, auto"),
])
def test_bad_constructor_arguments(kwargs, error, message):
    args = {"n_x": 5, "n_h": 8, "n_y": 5, "backend": "numpy", **kwargs}
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        VanillaRNN(**args)


@pytest.mark.parametrize("X, error, message", [
    (np.zeros((4, 3)), ValueError, r"width 3 does not match n_x=5"),
    (np.zeros((4, 2, 6)), ValueError, r"width 6 does not match n_x=5"),
    (np.zeros((2, 2, 2, 5)), ValueError, r"shape \(2, 2, 2, 5\); expected"),
    (np.zeros(4), ValueError, r"expected \(T, n_x\) or \(T, B, n_x\) floats"),
    (np.float64(1.0), ValueError, "X is a scalar"),
    ("hello", TypeError, "not a string"),
    (np.zeros((0, 5)), ValueError, "empty sequence"),
    (np.zeros((0,), dtype=int), ValueError, "empty sequence"),
    (np.full((3, 5), np.nan), ValueError, "X contains NaN or inf"),
    (np.array([0, 1, 5]), ValueError, r"index 5 at position \(2,\); expected 0 <= index < 5"),
    (np.array([[0, -1]]), ValueError, r"index -1 at position \(0, 1\)"),
    (np.zeros((3, 2, 2), dtype=int), ValueError, r"integer X has shape \(3, 2, 2\); expected indices"),
    (np.array([True, False]), TypeError, "X is boolean"),
    ([[0.0] * 5, [0.0] * 4], ValueError, "ragged"),
    (None, TypeError, "X must be an array, got None"),
])
def test_bad_inputs_to_forward(rnn, X, error, message):
    with pytest.raises(error, match=message):
        rnn.forward(X)


@pytest.mark.parametrize("h0, message", [
    (np.zeros((3, 8)), r"h0 has shape \(3, 8\); expected \(B, n_h\) = \(2, 8\) or \(1, 8\)"),
    (np.zeros(8), r"h0 has shape \(8,\)"),
    (np.zeros((2, 7)), r"h0 has shape \(2, 7\)"),
    (np.full((2, 8), np.inf), "h0 contains NaN or inf"),
])
def test_bad_initial_state(rnn, h0, message):
    with pytest.raises(ValueError, match=message):
        rnn.forward(np.zeros((4, 2), dtype=int), h0=h0)


def test_bad_targets_and_masks(rnn):
    X = np.zeros((4, 2), dtype=int)
    hs, ys = rnn.forward(X)
    cases = [
        (np.zeros((4, 3), dtype=int), None, ValueError, r"integer Y has shape \(4, 3\); expected classes of shape \(T, B\) = \(4, 2\)"),
        (np.full((4, 2), 5), None, ValueError, r"class 5 at position \(0, 0\); expected 0 <= class < 5"),
        (np.zeros((4, 2, 4)), None, ValueError, r"Y has shape \(4, 2, 4\); expected one-hot targets shaped like ys"),
        (np.full((4, 2, 5), np.nan), None, ValueError, "Y contains NaN or inf"),
        (-np.ones((4, 2, 5)), None, ValueError, "Y has negative entries"),
        ("ello ", None, TypeError, "Y must be an array, not a string"),
        (np.zeros((4, 2), dtype=int), np.ones((4, 3)), ValueError, r"mask has shape \(4, 3\); expected \(T, B\) = \(4, 2\)"),
        (np.zeros((4, 2), dtype=int), np.zeros((4, 2)), ValueError, "mask marks no step as real"),
        (np.zeros((4, 2), dtype=int), np.full((4, 2), 0.5), ValueError, "mask must hold only 0/1"),
    ]
    for Y, mask, error, message in cases:
        with pytest.raises(error, match=message):
            rnn.compute_loss(Y, ys, mask=mask)
        with pytest.raises(error, match=message):
            rnn.gradients(X, Y, hs, ys, mask=mask)


def test_gradients_refuse_states_from_another_sequence(rnn):
    X = np.zeros((4, 2), dtype=int)
    hs, ys = rnn.forward(np.zeros((3, 2), dtype=int))
    with pytest.raises(ValueError, match=r"hs has shape \(3, 2, 8\); expected \(T, B, n_h\) = \(4, 2, 8\)"):
        rnn.gradients(X, np.zeros((4, 2), dtype=int), hs, ys)
    with pytest.raises(ValueError, match=r"ys has shape \(4, 2, 3\); expected \(T, B, n_y\) with n_y=5"):
        rnn.compute_loss(np.zeros((4, 2), dtype=int), np.full((4, 2, 3), 1 / 3))


def test_bad_predict_arguments(rnn, hello):
    char_to_idx, idx_to_char = hello
    with pytest.raises(ValueError, match=r"seed_text has the character 'x' \(at position 1\) that is not in the vocabulary"):
        rnn.predict("hx", char_to_idx, idx_to_char, 3)
    with pytest.raises(ValueError, match="length must be >= 0, got -1"):
        rnn.predict("h", char_to_idx, idx_to_char, -1)
    with pytest.raises(TypeError, match="length must be a non-negative integer"):
        rnn.predict("h", char_to_idx, idx_to_char, 2.5)
    with pytest.raises(ValueError, match="seed_text is empty"):
        rnn.predict("", char_to_idx, idx_to_char, 3)
    with pytest.raises(ValueError, match="temperature must be a finite number > 0"):
        rnn.predict("h", char_to_idx, idx_to_char, 3, temperature=0)
    with pytest.raises(ValueError, match="no vocabulary"):
        rnn.predict("h", length=3)


def test_bad_training_data(rnn):
    with pytest.raises(ValueError, match="the word list is empty"):
        rnn.train_words([], epochs=1)
    with pytest.raises(TypeError, match="not one string"):
        rnn.train_words("hello", epochs=1)
    char_to_idx = {c: i for i, c in enumerate(".helo")}
    with pytest.raises(ValueError, match=r"word 'help' has the character 'p' \(at position 3\)"):
        rnn.train_words(["hello", "help"], char_to_idx, epochs=1)
    with pytest.raises(ValueError, match="epochs must be >= 0, got -2"):
        rnn.train_words(["hello"], char_to_idx, epochs=-2)
    with pytest.raises(ValueError, match="the vocabulary has 6 characters but the model has n_x=5"):
        rnn.train_words(["hello", "hi"], epochs=1)
    with pytest.raises(ValueError, match="sequence 1: X has 2 steps but Y has 3"):
        rnn.train([np.array([0, 1]), np.array([1, 2])], [np.array([1, 2]), np.array([1, 2, 3])], epochs=1)
    with pytest.raises(ValueError, match="the marker '.' is not in the vocabulary"):
        rc.prepare_sequences(["hello"], {c: i for i, c in enumerate("helo")})


def test_bad_helper_arguments():
    with pytest.raises(ValueError, match=r"indices range over \[0, 5\]; expected 0 <= index < 5"):
        rc.one_hot(np.array([0, 5]), 5)
    with pytest.raises(TypeError, match="indices must be integers"):
        rc.one_hot(np.array([0.5]), 5)
    with pytest.raises(ValueError, match=r"text has the character 'z'"):
        rc.encode("zap", {"a": 0, "p": 1})
    with pytest.raises(ValueError, match="max_norm must be a finite number > 0"):
        rc.clip_by_global_norm({"a": np.ones(2)}, 0)
    with pytest.raises(ValueError, match="clip must be a finite number > 0"):
        rc.clip_by_value({"a": np.ones(2)}, -1)
    with pytest.raises(ValueError, match="too few for 50 streams"):
        list(rc.data.text_stream_batches(np.arange(20), batch_size=50, seq_length=5))


def test_forward_never_returns_nan_silently(rnn):
    X = np.arange(5)
    rnn.Whh[0, 0] = np.nan
    with pytest.raises(FloatingPointError, match="the parameter.s. Whh contain NaN or inf"):
        rnn.forward(X)
    rnn.Whh[0, 0] = 0.0
    rnn.Wxh[...] = 5.0                        # h_t ≈ 1 in every unit ...
    rnn.Why[...] = 1e308                      # ... so the finite logits sum to inf, and inf - inf = NaN
    with pytest.raises(FloatingPointError, match="the logits overflow"):
        with np.errstate(all="ignore"):
            rnn.forward(X)


def test_a_vocabulary_smaller_than_the_outputs_is_refused():
    rnn = VanillaRNN(5, 4, 5, seed=0, backend="numpy")
    with pytest.raises(ValueError, match="vocabulary has 3 characters .* expected exactly n_y"):
        rnn.set_vocabulary({"a": 0, "b": 1, "c": 2})
    with pytest.raises(ValueError, match="expected exactly n_y"):
        rnn.predict("a", {"a": 0, "b": 1, "c": 2}, length=3)
    rnn.set_vocabulary({c: i for i, c in enumerate("abcde")})      # one character per class: fine
    assert len(rnn.predict("a", length=10, temperature=1.0, seed=0)) == 11


def test_integer_one_hot_rows_are_not_read_as_indices():
    rnn = VanillaRNN(5, 8, 5, seed=0, backend="numpy")
    one_hot_ints = np.eye(5, dtype=int)[[0, 1, 2, 2, 3]]
    with pytest.raises(ValueError, match=r"looks like one-hot rows \(T, n_x\).*X.astype\(float\)"):
        rnn.forward(one_hot_ints)
    hs, _ = rnn.forward(one_hot_ints.astype(float))
    assert hs.shape == (5, 1, 8)
    hs_indices, _ = rnn.forward(np.array([0, 1, 2, 2, 3]))
    np.testing.assert_array_equal(hs, hs_indices)
    hs_batch, _ = rnn.forward(np.array([[0, 1, 2], [3, 4, 0]]))      # genuine (T, B) indices still work
    assert hs_batch.shape == (2, 3, 8)


def test_lr_together_with_an_optimizer_object_is_refused():
    with pytest.raises(ValueError, match="lr=0.5 was given together with the optimizer object Adam"):
        VanillaRNN(3, 4, 3, lr=0.5, optimizer=rc.Adam(lr=0.001), backend="numpy")
    rnn = VanillaRNN(3, 4, 3, optimizer=rc.Adam(lr=0.001, beta2=0.99), backend="numpy")
    assert rnn.lr == 0.001 and rnn.optimizer.beta2 == 0.99
    assert VanillaRNN(3, 4, 3, backend="numpy").lr == 0.01             # the default for a named one
    assert VanillaRNN(3, 4, 3, lr=0.3, optimizer="adam", backend="numpy").lr == 0.3


def test_softmax_takes_lists_and_refuses_scalars_clearly():
    np.testing.assert_allclose(rc.softmax([1.0, 1.0]), [0.5, 0.5])
    np.testing.assert_allclose(rc.softmax([0, 0, 0, 0]), [0.25] * 4)       # integers become floats
    np.testing.assert_allclose(rc.softmax(np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]])
    with pytest.raises(ValueError, match="at least one axis, got a scalar"):
        rc.softmax(np.float64(3.0))
