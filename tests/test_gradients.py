"""BPTT's gradients equal central finite differences, for every parameter, in float64."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import rnn_core as rc
from rnn_core import VanillaRNN

TOLERANCE = 1e-7   # float64, eps = 1e-5: correct gradients give about 1e-9 or less


def model(n_x=5, n_h=6, n_y=4, seed=0):
    # A large init_scale makes tanh non-linear, so the check exercises (1 - h²) for real.
    return VanillaRNN(n_x, n_h, n_y, seed=seed, init_scale=0.5, backend="numpy")


def assert_gradients_match(errors):
    assert set(errors) == {"Wxh", "Whh", "Why", "bh", "by"}
    for name, error in errors.items():
        assert error < TOLERANCE, f"{name}: relative error {error:.2e} >= {TOLERANCE:.0e}"


def test_gradients_match_finite_differences_for_one_dense_sequence(rng):
    rnn = model()
    X = rc.one_hot(rng.integers(0, 5, 6), 5)          # (T, n_x), a batch of one
    Y = rc.one_hot(rng.integers(0, 4, 6), 4)
    assert_gradients_match(rc.check_gradients(rnn, X, Y))


def test_gradients_match_for_a_batch_with_mask_nonzero_h0_and_integer_data(rng):
    rnn = model()
    T, B = 5, 3
    X = rng.integers(0, 5, (T, B))
    Y = rng.integers(0, 4, (T, B))
    mask = np.ones((T, B), dtype=bool)
    mask[3:, 0] = False
    mask[1:, 2] = False
    h0 = rng.standard_normal((B, 6)) * 0.5
    assert_gradients_match(rc.check_gradients(rnn, X, Y, h0=h0, mask=mask))


def test_gradients_match_for_dense_real_valued_inputs_and_soft_targets(rng):
    rnn = model(n_x=3)
    X = rng.standard_normal((4, 2, 3))
    Y = rng.dirichlet(np.ones(4), size=(4, 2))         # soft targets, rows sum to 1
    h0 = rng.standard_normal((1, 6)) * 0.3             # one row, shared by the batch
    assert_gradients_match(rc.check_gradients(rnn, X, Y, h0=h0))


def test_integer_and_one_hot_inputs_give_identical_results(rng):
    rnn = model()
    indices = rng.integers(0, 5, (4, 2))
    targets = rng.integers(0, 4, (4, 2))
    hs_int, ys_int = rnn.forward(indices)
    hs_hot, ys_hot = rnn.forward(rc.one_hot(indices, 5))
    np.testing.assert_allclose(hs_int, hs_hot, rtol=0, atol=1e-14)
    grads_int = rnn.gradients(indices, targets, hs_int, ys_int)
    grads_hot = rnn.gradients(rc.one_hot(indices, 5), rc.one_hot(targets, 4), hs_hot, ys_hot)
    for name in grads_int:
        np.testing.assert_allclose(grads_int[name], grads_hot[name], rtol=0, atol=1e-14)


def test_padded_batch_equals_the_step_weighted_sum_of_single_sequences(rng):
    rnn = model()
    words = [rng.integers(0, 5, n) for n in (2, 5, 3)]
    targets = [rng.integers(0, 4, len(w)) for w in words]
    X, mask = rc.pad_sequences(words)
    Y, _ = rc.pad_sequences(targets)
    hs, ys = rnn.forward(X)
    batched = rnn.gradients(X, Y, hs, ys, mask=mask)
    total_steps = sum(len(w) for w in words)
    for name in batched:
        single = sum(len(w) / total_steps *
                     rnn.gradients(w, y, *rnn.forward(w))[name] for w, y in zip(words, targets))
        np.testing.assert_allclose(batched[name], single, rtol=0, atol=1e-13)


def test_gradient_of_the_mean_loss_is_the_sum_gradient_divided_by_n(rng):
    """The notes' δy = ŷ − y belongs to the summed loss; the mean's is (ŷ − y)/N."""
    rnn = model()
    X, Y = rng.integers(0, 5, 7), rng.integers(0, 4, 7)
    hs, ys = rnn.forward(X)
    delta = rc.functional.output_error(ys, Y[:, None])
    expected = (ys - rc.one_hot(Y, 4)[:, None, :]) / 7
    np.testing.assert_allclose(delta, expected, rtol=0, atol=1e-15)


def test_hidden_state_gradients_match_finite_differences_through_h0(rng):
    """∂L/∂h_0 (the gradient that would flow into the previous chunk) is exact too."""
    rnn = model()
    X, Y = rng.integers(0, 5, (4, 2)), rng.integers(0, 4, (4, 2))
    h0 = rng.standard_normal((2, 6)) * 0.5
    hs, ys = rnn.forward(X, h0)
    analytic = rc.fast.vanilla.bptt(rnn.params, X, hs, h0, rc.functional.output_error(ys, Y))["dh0"]
    numeric = rc.numerical_gradient(lambda: rnn.compute_loss(Y, rnn.forward(X, h0)[1]), h0)
    assert rc.relative_error(analytic, numeric) < TOLERANCE


def test_gradients_leave_the_model_unchanged(rng):
    rnn = model()
    before = {name: p.copy() for name, p in rnn.params.items()}
    X, Y = rng.integers(0, 5, 4), rng.integers(0, 4, 4)
    rnn.gradients(X, Y, *rnn.forward(X))
    for name, param in rnn.params.items():
        np.testing.assert_array_equal(param, before[name])


@settings(max_examples=25, deadline=None)
@given(n_x=st.integers(1, 4), n_h=st.integers(1, 4), n_y=st.integers(2, 4), T=st.integers(1, 4),
       B=st.integers(1, 3), integer_inputs=st.booleans(), seed=st.integers(0, 2**16))
def test_gradients_match_finite_differences_for_random_shapes(n_x, n_h, n_y, T, B, integer_inputs, seed):
    gen = np.random.default_rng(seed)
    rnn = VanillaRNN(n_x, n_h, n_y, seed=seed, init_scale=0.5, backend="numpy")
    indices = gen.integers(0, n_x, (T, B))
    # Indices that look like one-hot rows (T, n_x) are refused as ambiguous.
    assume(not (integer_inputs and T >= 2 and B == n_x >= 3 and ((indices == 0) | (indices == 1)).all()
                and (indices.sum(axis=1) == 1).all()))
    X = indices if integer_inputs else gen.standard_normal((T, B, n_x))
    Y = gen.integers(0, n_y, (T, B))
    mask = gen.random((T, B)) < 0.7
    mask[0, 0] = True
    h0 = gen.standard_normal((B, n_h)) * 0.5
    hs, ys = rnn.forward(X, h0)
    analytic = rnn.gradients(X, Y, hs, ys, h0=h0, mask=mask)
    for name, param in rnn.params.items():
        numeric = rc.numerical_gradient(lambda: rnn.compute_loss(Y, rnn.forward(X, h0)[1], mask), param)
        # Central differences carry a rounding error of about ε_machine·L/ε ≈ 1e-11 in every entry.
        # When a whole gradient array is that small (e.g. two steps' δy cancelling), the relative
        # error measures that rounding, not BPTT; the absolute difference still must stay at it.
        difference = float(np.max(np.abs(analytic[name] - numeric)))
        error = rc.relative_error(analytic[name], numeric)
        assert error < TOLERANCE or difference < 1e-10, \
            f"{name}: relative error {error:.2e} >= {TOLERANCE:.0e} and largest difference {difference:.1e}"


def test_gradients_match_where_a_gradient_is_at_rounding_level():
    """A case hypothesis found: the two real steps' δy nearly cancel, so ∂L/∂b_y is about 3e-6
    and its central difference is only good to about 1e-12 (relative error 4.6e-7 at ε = 1e-5).
    The gradient is still right: a larger ε brings the relative error below 1e-8."""
    gen = np.random.default_rng(8751)
    rnn = VanillaRNN(2, 1, 2, seed=8751, init_scale=0.5, backend="numpy")
    X, Y = gen.integers(0, 2, (3, 1)), gen.integers(0, 2, (3, 1))
    mask = gen.random((3, 1)) < 0.7
    mask[0, 0] = True
    h0 = gen.standard_normal((1, 1)) * 0.5
    analytic = rnn.gradients(X, Y, *rnn.forward(X, h0), h0=h0, mask=mask)["by"]
    loss = lambda: rnn.compute_loss(Y, rnn.forward(X, h0)[1], mask)  # noqa: E731
    assert np.max(np.abs(analytic)) < 1e-5
    assert np.max(np.abs(analytic - rc.numerical_gradient(loss, rnn.by))) < 1e-10
    assert rc.relative_error(analytic, rc.numerical_gradient(loss, rnn.by, eps=1e-4)) < 1e-8


def test_relative_error_is_scale_aware_and_rejects_shape_mismatch():
    a = np.array([1.0, 2.0, 1e-12])
    assert rc.relative_error(a, a) == 0.0
    assert rc.relative_error(a, a + np.array([0, 0, 1e-12])) == pytest.approx(1e-12 / 4, rel=1e-6)
    assert rc.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match="shapes"):
        rc.relative_error(np.zeros(3), np.zeros(4))


def test_gradients_match_for_targets_that_do_not_sum_to_one(rng):
    """(4.1)'s general form ŷ_t Σ_j y_tj − y_t: weighted targets (each row sums to 2 here)."""
    rnn = model()
    X = rng.integers(0, 5, (4, 2))
    Y = 2.0 * rc.one_hot(rng.integers(0, 4, (4, 2)), 4)
    assert_gradients_match(rc.check_gradients(rnn, X, Y))


def test_hidden_state_gradients_match_finite_differences(rng):
    """∂L/∂h_t: perturb h_t itself and rerun the rest of the sequence from it."""
    rnn = VanillaRNN(5, 4, 3, seed=2, init_scale=0.7, backend="numpy")
    T, B = 5, 2
    X, Y = rng.integers(0, 5, (T, B)), rng.integers(0, 3, (T, B))
    hs, ys = rnn.forward(X)
    analytic = rnn.hidden_state_gradients(X, Y, hs, ys)
    N = T * B

    def loss_from(t, h_t):
        probs = rc.softmax(h_t @ rnn.Why + rnn.by)
        loss = -np.log(probs[np.arange(B), Y[t]]).sum()
        if t + 1 < T:
            _, later = rnn.forward(X[t + 1:], h0=h_t)
            loss -= np.log(np.take_along_axis(later, Y[t + 1:, :, None], axis=-1)).sum()
        return loss / N                          # the steps before t do not depend on h_t

    for t in range(T):
        h_t = hs[t].copy()
        numeric = rc.numerical_gradient(lambda: loss_from(t, h_t), h_t)
        assert rc.relative_error(analytic[t], numeric) < 1e-7, t
