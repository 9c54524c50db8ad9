"""The forward pass and the loss: what the equations say, batched, in both dtypes."""
import numpy as np
import pytest

import rnn_core as rc
from rnn_core import VanillaRNN


def reference_forward(rnn, X_rows, h0):
    """A plain per-step loop over one sequence, written straight from (2.2)."""
    h, hs, ys = h0, [], []
    for x in X_rows:
        h = np.tanh(x @ rnn.Wxh + h @ rnn.Whh + rnn.bh)
        z = h @ rnn.Why + rnn.by
        y = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        hs.append(h)
        ys.append(y)
    return np.array(hs), np.array(ys)


def test_batched_forward_equals_a_per_step_loop_for_each_sequence(rng):
    rnn = VanillaRNN(4, 6, 3, seed=3, init_scale=0.5, backend="numpy")
    X = rng.standard_normal((7, 5, 4))
    h0 = rng.standard_normal((5, 6)) * 0.5
    hs, ys = rnn.forward(X, h0)
    assert hs.shape == (7, 5, 6) and ys.shape == (7, 5, 3)
    for b in range(5):
        ref_hs, ref_ys = reference_forward(rnn, X[:, b:b + 1, :], h0[b:b + 1])
        np.testing.assert_allclose(hs[:, b], ref_hs[:, 0], rtol=0, atol=1e-14)
        np.testing.assert_allclose(ys[:, b], ref_ys[:, 0], rtol=0, atol=1e-14)


def test_two_dimensional_input_is_a_batch_of_one_as_in_the_lecture(rng):
    rnn = VanillaRNN(5, 8, 5, seed=0, backend="numpy")
    hs, ys = rnn.forward(np.eye(5))
    assert hs.shape == (5, 1, 8) and ys.shape == (5, 1, 5)
    hs_int, _ = rnn.forward(np.arange(5))
    np.testing.assert_array_equal(hs, hs_int)


def test_outputs_are_probability_distributions(rng):
    rnn = VanillaRNN(3, 4, 6, seed=1, init_scale=2.0, backend="numpy")
    _, ys = rnn.forward(rng.integers(0, 3, (5, 4)))
    assert np.all(ys >= 0)
    np.testing.assert_allclose(ys.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


def test_softmax_is_stable_for_huge_logits():
    probs = rc.softmax(np.array([[1000.0, 1001.0, 1002.0]]))
    expected = np.exp([-2.0, -1.0, 0.0]) / np.exp([-2.0, -1.0, 0.0]).sum()
    np.testing.assert_allclose(probs[0], expected, rtol=1e-12)


@pytest.mark.parametrize("n_y", [2, 5, 27, 65])
def test_loss_at_initialisation_is_close_to_log_n_y(n_y, rng):
    rnn = VanillaRNN(10, 16, n_y, seed=0, backend="numpy")   # the lecture's randn * 0.01
    X = rng.integers(0, 10, (20, 8))
    Y = rng.integers(0, n_y, (20, 8))
    loss = rnn.compute_loss(Y, rnn.forward(X)[1])
    assert loss == pytest.approx(np.log(n_y), abs=2e-3)


def test_loss_is_the_mean_over_real_steps_and_matches_a_direct_computation(rng):
    rnn = VanillaRNN(3, 4, 5, seed=2, init_scale=0.5, backend="numpy")
    X, Y = rng.integers(0, 3, (4, 2)), rng.integers(0, 5, (4, 2))
    mask = np.array([[1, 1], [1, 1], [1, 0], [0, 0]], dtype=bool)
    _, ys = rnn.forward(X)
    picked = [np.log(ys[t, b, Y[t, b]]) for t in range(4) for b in range(2) if mask[t, b]]
    assert rnn.compute_loss(Y, ys, mask) == pytest.approx(-np.mean(picked), rel=1e-13)
    assert rnn.compute_loss(Y, ys) == pytest.approx(
        -np.mean(np.log(np.take_along_axis(ys, Y[..., None], -1))), rel=1e-13)
    assert rnn.compute_loss(rc.one_hot(Y, 5), ys, mask) == pytest.approx(rnn.compute_loss(Y, ys, mask), rel=1e-13)


def test_loss_of_a_zero_probability_is_large_but_finite():
    rnn = VanillaRNN(2, 2, 2, backend="numpy")
    ys = np.array([[[1.0, 0.0]]])
    for dtype in (np.float64, np.float32):
        loss = rnn.compute_loss(np.array([[1]]), ys.astype(dtype))
        assert np.isfinite(loss) and loss > 80


def test_float32_stays_float32_end_to_end(rng):
    rnn = VanillaRNN(5, 8, 5, seed=0, dtype=np.float32, backend="numpy", optimizer="adam")
    for X in (rng.integers(0, 5, (6, 3)), rc.one_hot(rng.integers(0, 5, (6, 3)), 5)):   # float64 one-hots
        hs, ys = rnn.forward(X)
        assert hs.dtype == np.float32 and ys.dtype == np.float32
        Y = rng.integers(0, 5, (6, 3))
        grads = rnn.gradients(X, Y, hs, ys, mask=np.ones((6, 3)))
        assert all(g.dtype == np.float32 for g in grads.values())
        rnn.backward(X, Y, hs, ys)
        assert all(p.dtype == np.float32 for p in rnn.params.values())
        assert all(m.dtype == np.float32 for m in rnn.optimizer.m.values())


def test_functions_write_into_the_arrays_they_are_given(rng):
    """``out=`` arrays are used, not copied: what VanillaRNN relies on to reuse memory."""
    rnn = VanillaRNN(5, 6, 4, seed=0, init_scale=0.5, backend="numpy")
    X, Y = rng.integers(0, 5, (3, 2)), rng.integers(0, 4, (3, 2))
    h0 = np.zeros((2, 6))
    hs_out, ys_out = np.empty((3, 2, 6)), np.empty((3, 2, 4))
    hs, ys = rc.fast.vanilla.forward(rnn.params, X, h0, out=(hs_out, ys_out))
    assert hs is hs_out and np.shares_memory(ys, ys_out)
    dense_out = np.empty((3, 2, 6))
    projected = rc.fast.vanilla.input_projection(rnn.params, rc.one_hot(X, 5), out=dense_out)
    assert np.shares_memory(projected, dense_out)
    delta_out = np.empty_like(ys)
    delta_y = rc.functional.output_error(ys, Y, out=delta_out)
    assert delta_y is delta_out
    np.testing.assert_array_equal(delta_y, rc.functional.output_error(ys, Y))
    soft = rc.functional.output_error(ys, rc.one_hot(Y, 4), out=np.empty_like(ys))
    np.testing.assert_allclose(soft, delta_y, rtol=0, atol=1e-15)
    buffers = (np.empty((3, 2, 6)), np.empty((3, 2, 6)))
    grads = rc.fast.vanilla.bptt(rnn.params, X, hs, h0, delta_y, out=buffers)
    assert grads["delta_h"] is buffers[1]
    plain = rc.fast.vanilla.bptt(rnn.params, X, hs, h0, delta_y)
    for name in plain:
        np.testing.assert_array_equal(grads[name], plain[name])


def test_softmax_with_temperature_is_silent_and_exact():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # no overflow warning, even for τ = 1e-300
        probs = rc.functional.softmax_with_temperature([0.0, 1.0], 1e-300)
    np.testing.assert_array_equal(probs, [0.0, 1.0])
    probs = rc.functional.softmax_with_temperature(np.array([0.0, 1.0], dtype=np.float32), 1.0)
    assert probs.dtype == np.float64                   # sampling probabilities in float64 whatever the model's dtype


def test_softmax_keeps_float32_and_works_row_by_row():
    probs = rc.softmax(np.array([[0.0, 0.0]], dtype=np.float32))
    assert probs.dtype == np.float32
    rows = rc.softmax(np.array([[0.0, np.log(3.0)], [-1000.0, -1000.0 + np.log(3.0)]]))
    np.testing.assert_allclose(rows, [[0.25, 0.75], [0.25, 0.75]], rtol=1e-12)   # each row its own max


def test_sampling_probabilities_at_the_smallest_temperature_raise_no_overflow_warning():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        probs = rc.functional.softmax_with_temperature([0.0, 3.0, 1.0], 5e-324)
    np.testing.assert_array_equal(probs, [0.0, 1.0, 0.0])


def test_dense_output_error_writes_into_out(rng):
    ys = rc.softmax(rng.standard_normal((2, 3, 4)))
    Y = rc.one_hot(rng.integers(0, 4, (2, 3)), 4)
    out = np.empty_like(ys)
    assert rc.functional.output_error(ys, Y, out=out) is out
