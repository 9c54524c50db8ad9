"""The fast paths compute what the reference cells (``rnn_core.cells``) compute.

The reference runs one step at a time, exactly as the lecture writes it; the models train with
``rnn_core.fast.vanilla`` and ``rnn_core.fast.gated`` (LSTM, GRU), which batch, reuse arrays
and fuse products. Both run on the same random parameters, inputs, masks and initial states, on
awkward shapes (one step, one sequence, one unit, one input symbol), and must agree: within
1e-12 in float64 and 1e-5 in float32 (against the reference in float64).
"""
import numpy as np
import pytest

import rnn_core as rc
from rnn_core import cells, fast, functional
from rnn_core.cells import gru, lstm, vanilla

# (T, B, n_x, n_h, n_y): awkward on purpose, one of each size being 1, and a longer one.
SHAPES = [(1, 1, 1, 1, 1), (1, 3, 2, 1, 4), (5, 1, 3, 2, 1), (2, 4, 1, 3, 2), (7, 3, 5, 4, 6), (12, 2, 3, 5, 3)]
CELLS = {"vanilla": vanilla, "lstm": lstm, "gru": gru, "gru_reset_after": gru}
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}


def random_problem(cell_name, shape, seed, integer_inputs):
    T, B, n_x, n_h, n_y = shape
    rng = np.random.default_rng(seed)
    k = {"vanilla": 1, "lstm": 4}.get(cell_name, 3)
    if cell_name == "vanilla":
        params = {"Wxh": rng.standard_normal((n_x, n_h)), "Whh": rng.standard_normal((n_h, n_h)),
                  "bh": rng.standard_normal((1, n_h))}
    else:
        params = {"Wx": rng.standard_normal((n_x, k * n_h)), "Wh": rng.standard_normal((n_h, k * n_h)),
                  "b": rng.standard_normal((1, k * n_h))}
    if cell_name == "gru_reset_after":
        params["bhn"] = rng.standard_normal((1, n_h))
    params.update(Why=rng.standard_normal((n_h, n_y)), by=rng.standard_normal((1, n_y)))
    params = {name: value * 0.7 for name, value in params.items()}
    X = rng.integers(0, n_x, (T, B)) if integer_inputs else rng.standard_normal((T, B, n_x))
    Y = rng.integers(0, n_y, (T, B))
    mask = (rng.random((T, B)) < 0.7).astype(float)
    mask[0] = 1.0                                               # at least one real step
    state0 = tuple(rng.standard_normal((B, n_h)) * 0.5 for _ in CELLS[cell_name].STATE)
    return params, X, Y, mask, state0


def fast_forward_and_bptt(cell_name, params, X, Y, mask, state0):
    """``(hs, ys, grads, dstate0)`` from the fast path the models use."""
    if cell_name == "vanilla":
        hs, ys = fast.vanilla.forward(params, X, state0[0])
        ys = ys.copy()
        grads = fast.vanilla.bptt(params, X, hs, state0[0], functional.output_error(ys, Y, mask))
        return hs, ys, grads, (grads["dh0"],)
    if cell_name == "lstm":
        hs, cs, gate_values, ys = fast.gated.lstm_forward(params, X, *state0)
        grads = fast.gated.lstm_bptt(params, X, hs, cs, gate_values, *state0, functional.output_error(ys, Y, mask))
        return hs, ys, grads, (grads["dh0"], grads["dc0"])
    hs, gate_values, ys = fast.gated.gru_forward(params, X, state0[0])
    grads = fast.gated.gru_bptt(params, X, hs, gate_values, state0[0], functional.output_error(ys, Y, mask))
    return hs, ys, grads, (grads["dh0"],)


def assert_close(actual, expected, tolerance, what):
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, what
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    error = float(np.abs(actual - expected).max(initial=0.0))
    assert error <= tolerance * scale, f"{what}: largest difference {error:.3g} > {tolerance:g} × {scale:.3g}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("integer_inputs", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("cell_name", list(CELLS))
def test_fast_forward_and_bptt_equal_the_reference(cell_name, shape, integer_inputs, dtype):
    params, X, Y, mask, state0 = random_problem(cell_name, shape, seed=sum(shape), integer_inputs=integer_inputs)
    cell = CELLS[cell_name]
    hs, ys, caches = cells.forward(cell, params, X, state0)
    grads = cells.bptt(cell, params, hs, functional.output_error(ys, Y, mask), caches)

    cast = {name: value.astype(dtype) for name, value in params.items()}
    fast_X = X if integer_inputs else X.astype(dtype)
    fast_state0 = tuple(s.astype(dtype) for s in state0)
    fast_hs, fast_ys, fast_grads, fast_dstate0 = fast_forward_and_bptt(cell_name, cast, fast_X, Y, mask, fast_state0)
    tolerance = TOLERANCE[dtype]
    assert fast_hs.dtype == dtype and fast_ys.dtype == dtype
    assert_close(fast_hs, hs, tolerance, "hs")
    assert_close(fast_ys, ys, tolerance, "ys")
    for name in params:
        assert_close(fast_grads[name], grads[name], tolerance, f"∂L/∂{name}")
    for name, fast_gradient, reference in zip(cell.STATE, fast_dstate0, grads["dstate0"]):
        assert_close(fast_gradient, reference, tolerance, f"∂L/∂{name}0")


GATED_CELLS = {"lstm": fast.cells.LSTMCell, "gru": fast.cells.GRUCell,
               "gru_reset_after": lambda: fast.cells.GRUCell(reset_after=True)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("integer_inputs", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("cell_name", list(GATED_CELLS))
def test_gated_gradients_from_the_hidden_states_alone_equal_the_reference(cell_name, shape, integer_inputs, dtype):
    # What ``RNN.gradients`` does: given only hs (no gates, no cell states), the cell recovers
    # the gates by batched products and the LSTM's c_t by an element-wise loop, then runs BPTT.
    params, X, Y, mask, state0 = random_problem(cell_name, shape, seed=sum(shape) + 1, integer_inputs=integer_inputs)
    hs, ys, caches = cells.forward(CELLS[cell_name], params, X, state0)
    grads = cells.bptt(CELLS[cell_name], params, hs, functional.output_error(ys, Y, mask), caches)

    cast = {name: value.astype(dtype) for name, value in params.items()}
    fast_X = X if integer_inputs else X.astype(dtype)
    fast_state0 = tuple(s.astype(dtype) for s in state0)
    cell = GATED_CELLS[cell_name]()
    fast_hs, fast_ys, _ = cell.forward(cast, fast_X, fast_state0)
    cache = cell.cache(cast, fast_X, fast_hs, fast_state0)
    fast_grads = cell.backward(cast, cache, functional.output_error(fast_ys, Y, mask))
    tolerance = TOLERANCE[dtype]
    for name in params:
        assert fast_grads[name].dtype == dtype
        assert_close(fast_grads[name], grads[name], tolerance, f"∂L/∂{name}")
    for name, fast_gradient, reference in zip(cell.STATE, fast_grads["dstate0"], grads["dstate0"]):
        assert_close(fast_gradient, reference, tolerance, f"∂L/∂{name}0")


@pytest.mark.parametrize("cell_name", list(CELLS))
def test_the_reference_gradients_match_finite_differences(cell_name):
    params, X, Y, mask, state0 = random_problem(cell_name, (4, 3, 3, 2, 3), seed=7, integer_inputs=False)
    cell = CELLS[cell_name]

    def loss(params, state0=state0):
        return functional.cross_entropy(cells.forward(cell, params, X, state0)[1], Y, mask)

    hs, ys, caches = cells.forward(cell, params, X, state0)
    grads = cells.bptt(cell, params, hs, functional.output_error(ys, Y, mask), caches)
    for name, value in params.items():
        numerical = rc.numerical_gradient(lambda: loss(params), value)
        assert rc.relative_error(grads[name], numerical) < 1e-7, name
    for k, start in enumerate(state0):
        numerical = rc.numerical_gradient(lambda: loss(params, state0), start)
        assert rc.relative_error(grads["dstate0"][k], numerical) < 1e-7, cell.STATE[k]


def test_a_cells_state_is_a_tuple_of_its_named_arrays():
    for cell_name, cell in CELLS.items():
        params, X, Y, mask, state0 = random_problem(cell_name, (3, 2, 2, 3, 2), seed=1, integer_inputs=True)
        state, cache = cell.step_forward(np.eye(2)[X[0]], state0, params)
        assert isinstance(state, tuple) and len(state) == len(cell.STATE)
        dstate, grads = cell.step_backward(tuple(np.ones_like(s) for s in state), cache, params)
        assert isinstance(dstate, tuple) and [d.shape for d in dstate] == [s.shape for s in state0]
        assert set(grads) == set(params) - {"Why", "by"}
        assert all(grads[name].shape == params[name].shape for name in grads)
