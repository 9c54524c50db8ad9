"""One model class for every cell: the cell chooses the equations, the model does the rest.

VanillaRNN, LSTM and GRU are ``rnn_core.RNN`` with a cell; the state is a tuple; nothing of a
forward pass is kept on the model; state gradients come from one forward pass and one BPTT.
"""
import numpy as np
import pytest

import rnn_core as rc
from rnn_core import GRU, LSTM, RNN, VanillaRNN, fast
from rnn_core.fast.cells import GRUCell, LSTMCell, VanillaCell

TOLERANCE = 1e-7
KINDS = [(VanillaRNN, {}), (LSTM, {}), (GRU, {}), (GRU, {"reset_after": True})]
IDS = ["vanilla", "lstm", "gru", "gru_reset_after"]


def make(cls, options, n_x=5, n_h=4, n_y=4, seed=0):
    model = cls(n_x, n_h, n_y, seed=seed, init_scale=0.6, backend="numpy", **options)
    rng = np.random.default_rng(seed + 100)
    for name, param in model.params.items():
        if name.startswith("b"):
            param[...] = rng.standard_normal(param.shape) * 0.5
    return model


def initial_states(cls, rng, B=3, n_h=4):
    states = {"h0": rng.standard_normal((B, n_h)) * 0.5}
    if cls is LSTM:
        states["c0"] = rng.standard_normal((B, n_h))
    return states


def test_each_model_class_is_the_one_model_with_its_cell():
    cells = {VanillaRNN: VanillaCell, LSTM: LSTMCell, GRU: GRUCell}
    for cls, cell in cells.items():
        model = cls(3, 4, 3, seed=1, backend="numpy")
        assert isinstance(model, RNN) and type(model.cell) is cell and cls.CELL is cell
        overridden = {name for name in vars(cls) if hasattr(RNN, name) and not name.startswith("__")} - {"CELL"}
        assert not overridden                                  # no hooks: nothing of RNN's replaced
    direct = RNN(VanillaCell(), 3, 4, 3, seed=1, backend="numpy")
    for name, param in VanillaRNN(3, 4, 3, seed=1, backend="numpy").params.items():
        np.testing.assert_array_equal(direct.params[name], param)
    with pytest.raises(TypeError, match="VanillaRNN.load, LSTM.load or GRU.load"):
        RNN.load("anything.npz")


@pytest.mark.parametrize("cls, options", KINDS, ids=IDS)
def test_the_model_keeps_nothing_of_a_forward_pass(cls, options, rng):
    model = make(cls, options)
    before = set(vars(model))
    X1, X2, Y = rng.integers(0, 5, (6, 3)), rng.integers(0, 5, (6, 3)), rng.integers(0, 4, (6, 3))
    states = initial_states(cls, rng)
    hs1, ys1 = model.forward(X1, **states)
    expected = {name: g.copy() for name, g in model.gradients(X1, Y, hs1, ys1, **states).items()}
    hs2, ys2 = model.forward(X2)                      # a later forward pass on other inputs ...
    model.train_step(X2, Y)
    model.train_step(X2, Y)
    assert set(vars(model)) == before                 # ... leaves no new attribute behind
    # gradients reads only its arguments: the first pass's, after the parameters changed back
    for name, value in make(cls, options).params.items():
        model.params[name][...] = value
    got = model.gradients(X1, Y, hs1, ys1, **states)
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cls, options", KINDS[1:], ids=IDS[1:])
def test_gated_gradients_refuse_hs_from_another_pass(cls, options, rng):
    model = make(cls, options)
    X, Y = rng.integers(0, 5, (5, 2)), rng.integers(0, 4, (5, 2))
    hs, ys = model.forward(X)
    with pytest.raises(ValueError, match="hs is not what forward"):
        model.gradients(X, Y, hs + 0.1, ys)
    with pytest.raises(ValueError, match="hs is not what forward"):
        model.gradients(X[::-1].copy(), Y, hs, ys)


@pytest.mark.parametrize("cls, options", KINDS[1:], ids=IDS[1:])
def test_gated_float32_gradients_refuse_hs_from_another_pass(cls, options, rng):
    model = cls(5, 4, 4, seed=0, dtype=np.float32, init_scale=0.6, backend="numpy", **options)
    X, Y = rng.integers(0, 5, (5, 2)), rng.integers(0, 4, (5, 2))
    hs, ys = model.forward(X)
    model.gradients(X, Y, hs, ys)                               # its own hs: accepted
    with pytest.raises(ValueError, match="hs is not what forward"):
        model.gradients(X, Y, hs + np.float32(1e-3), ys)
    with pytest.raises(ValueError, match="hs is not what forward"):
        model.gradients(X, Y, hs, ys, h0=np.full((2, 4), 0.1))


@pytest.mark.parametrize("cls, options", KINDS[1:], ids=IDS[1:])
def test_gated_gradients_run_no_recurrence_of_products(cls, options, rng, monkeypatch):
    # Given hs, every pre-activation is known at once: gradients must not run forward's steps.
    model = make(cls, options)
    X, Y = rng.integers(0, 5, (6, 3)), rng.integers(0, 4, (6, 3))
    states = initial_states(cls, rng)
    hs, ys = model.forward(X, **states)
    expected = model.gradients(X, Y, hs, ys, **states)

    def refuse(*args, **kwargs):
        raise AssertionError("gradients ran a step of the forward recurrence")
    for name in ("lstm_step", "lstm_forward", "gru_step", "gru_forward"):
        monkeypatch.setattr(fast.gated, name, refuse)
    got = model.gradients(X, Y, hs, ys, **states)
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name])
    with pytest.raises(AssertionError, match="forward recurrence"):
        model.forward(X, **states)                              # the patch does reach the model


@pytest.mark.parametrize("cls, options", KINDS, ids=IDS)
def test_state_gradients_match_finite_differences_at_every_step(cls, options, rng):
    # ∂L/∂h_t (and the LSTM's total ∂L/∂c_t) at each step t, with a mask and nonzero initial
    # states, against perturbing the state after step t and running the rest of the sequence.
    model = make(cls, options)
    T, B = 5, 3
    X, Y = rng.integers(0, 5, (T, B)), rng.integers(0, 4, (T, B))
    mask = np.ones((T, B))
    mask[3:, 0] = 0                                   # a shorter sequence
    states = initial_states(cls, rng)
    grads = model.state_gradients(X, Y, mask=mask, **states)
    trace = model.forward_trace(X, **states)
    n_real = mask.sum()
    hs, _ = model.forward(X, **states)
    np.testing.assert_array_equal(model.hidden_state_gradients(X, Y, hs, model.forward(X, **states)[1],
                                                               mask=mask, **states), grads["h"])
    for t in range(T):
        def loss_after(h, c=None):
            # the loss's terms from step t + 1 on (as a share of the whole mean), and step t's own
            rest = {"h0": h} if c is None else {"h0": h, "c0": c}
            own = -np.log(np.take_along_axis(
                rc.softmax(h @ model.Why + model.by), Y[t][:, None], axis=1)[:, 0]) @ mask[t]
            if t == T - 1:
                return own / n_real
            ys = model.forward(X[t + 1:], **rest)[1]
            picked = np.take_along_axis(ys, Y[t + 1:][..., None], axis=-1)[..., 0]
            return (own - (np.log(picked) * mask[t + 1:]).sum()) / n_real

        h_t = trace.hs[t].copy()
        if cls is LSTM:
            c_t = trace.cs[t].copy()
            numeric_h = rc.numerical_gradient(lambda: loss_after(h_t, c_t), h_t)
            o_t = trace.gates["o"][t]
            numeric_c = rc.numerical_gradient(lambda: loss_after(o_t * np.tanh(c_t), c_t), c_t)
            assert rc.relative_error(grads["c"][t], numeric_c) < TOLERANCE, t
        else:
            numeric_h = rc.numerical_gradient(lambda: loss_after(h_t), h_t)
        assert rc.relative_error(grads["h"][t], numeric_h) < TOLERANCE, t
    assert set(grads) == ({"h", "c"} if cls is LSTM else {"h"})


@pytest.mark.parametrize("cls, options", KINDS, ids=IDS)
def test_state_gradients_run_one_forward_pass_and_one_bptt(cls, options, rng, monkeypatch):
    model = make(cls, options)
    calls = {"forward": 0, "backward": 0}
    names = {VanillaRNN: ("forward", "bptt"), LSTM: ("lstm_forward", "lstm_bptt"), GRU: ("gru_forward", "gru_bptt")}[cls]
    module = fast.vanilla if cls is VanillaRNN else fast.gated
    for kind, name in zip(calls, names):
        original = getattr(module, name)

        def counting(*args, _kind=kind, _original=original, **kwargs):
            calls[_kind] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counting)
    model.state_gradients(rng.integers(0, 5, (40, 2)), rng.integers(0, 4, (40, 2)))
    assert calls == {"forward": 1, "backward": 1}     # not once per step (O(T), not O(T²))


@pytest.mark.parametrize("cls, options", KINDS, ids=IDS)
def test_the_state_is_a_tuple_carried_from_chunk_to_chunk(cls, options, rng):
    model = make(cls, options)
    X = rng.integers(0, 5, (8, 2))
    states = initial_states(cls, rng, B=2)
    state0 = model._initial_state(states["h0"], 2, states.get("c0"))
    assert isinstance(state0, tuple) and len(state0) == len(model.cell.STATE)
    # Two halves, the second started from the first's last state, equal one whole pass.
    whole = model.forward_trace(X, **states)
    _, _, cache = model.cell.forward(model.params, X[:4], state0)
    last = model.cell.last_state(cache)
    assert isinstance(last, tuple) and len(last) == len(model.cell.STATE)
    second = model.forward_trace(X[4:], h0=last if cls is not LSTM else last[0],
                                 **({"c0": last[1]} if cls is LSTM else {}))
    np.testing.assert_allclose(second.hs, whole.hs[4:], rtol=0, atol=1e-14)
    np.testing.assert_allclose(model.forward(X[4:], h0=last)[0], whole.hs[4:], rtol=0, atol=1e-14)


@pytest.mark.parametrize("cls", [VanillaRNN, GRU])
def test_c0_is_refused_where_the_state_has_no_cell_state(cls):
    model = cls(3, 4, 3, backend="numpy")
    with pytest.raises(ValueError, match=r"state is \(h0\); got c0"):
        model.forward(np.array([0, 1]), c0=np.zeros((1, 4)))
    with pytest.raises(ValueError, match="no gates" if cls is VanillaRNN else "expected one of 'z', 'r', 'n'"):
        model.gate_weights("f")


def test_an_lstm_names_c0_in_its_errors_and_wants_both_parts_of_a_state():
    model = LSTM(3, 4, 3, backend="numpy")
    with pytest.raises(ValueError, match=r"c0 has shape \(2, 4\)"):
        model.forward(np.array([[0, 1, 2]]), c0=np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"state is \(h0, c0\); got a state of 1 arrays$"):
        model.forward(np.array([0, 1]), h0=(np.zeros((1, 4)),))


@pytest.mark.parametrize("cls, options", KINDS, ids=IDS)
def test_load_gives_back_the_cell_and_its_options(cls, options, tmp_path):
    model = cls(3, 4, 3, seed=2, backend="numpy", **options,
                **({"forget_bias": 2.5} if cls is LSTM else {"update_bias": -0.5} if cls is GRU else {}))
    loaded = cls.load(model.save(tmp_path / "m"))
    assert type(loaded.cell) is type(model.cell) and loaded.cell.options() == model.cell.options()
    assert loaded.PARAM_NAMES == model.PARAM_NAMES and repr(loaded) == repr(model)
    X = np.array([0, 2, 1])
    np.testing.assert_array_equal(loaded.forward(X)[1], model.forward(X)[1])


@pytest.mark.parametrize("cls", [VanillaRNN, LSTM, GRU])
def test_each_class_passes_its_backend_and_gate_bias_defaults_on(cls):
    if not rc.gpu_available():
        with pytest.raises(RuntimeError, match="backend 'cupy' was requested"):
            cls(3, 4, 3, backend="cupy")
    model = cls(3, 4, 3, backend="numpy")
    assert model.backend == "numpy"
    if cls is not VanillaRNN:
        gate = model.cell.GATES[0]                    # the LSTM's forget gate, the GRU's update gate
        np.testing.assert_array_equal(model.gate_weights(gate)[2], 1.0 if cls is LSTM else 0.0)
        assert model.cell.options() == ({"forget_bias": 1.0} if cls is LSTM else
                                         {"update_bias": 0.0, "reset_after": False})


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_gated_initialisations_set_every_gate_block(cls):
    n_h, k = 4, len(cls.CELL.GATES)
    identity = cls(3, n_h, 3, backend="numpy", init="identity", whh_scale=0.5)
    np.testing.assert_array_equal(identity.Wh, np.concatenate([0.5 * np.eye(n_h)] * k, axis=1))
    orthogonal = cls(3, n_h, 3, seed=0, backend="numpy", init="orthogonal", whh_scale=0.5)
    for g in range(k):
        block = orthogonal.Wh[:, g * n_h:(g + 1) * n_h]
        np.testing.assert_allclose(block.T @ block, 0.25 * np.eye(n_h), atol=1e-12)
    small = cls(3, n_h, 3, seed=0, backend="numpy")                 # randn * 0.01 for every weight
    assert max(np.abs(small.Wx).max(), np.abs(small.Wh).max(), np.abs(small.Why).max()) < 0.06


def test_constructor_defaults_and_names_in_errors():
    rnn = VanillaRNN(3, 4, 3, backend="numpy", optimizer="adam")
    assert rnn.lr == 0.01                                            # the model's default, not Adam's 0.001
    np.testing.assert_array_equal(VanillaRNN(3, 4, 3, backend="numpy").shuffle_rng.permutation(10),
                                  np.random.default_rng(0).permutation(10))   # shuffle_seed=0
    with pytest.raises(ValueError, match="^shuffle_seed must be >= 0"):
        VanillaRNN(3, 4, 3, backend="numpy", shuffle_seed=-1)
    with pytest.raises(ValueError, match="^init_scale must be a finite number > 0"):
        LSTM(3, 4, 3, backend="numpy", init_scale=0.0)


def test_gradients_refuse_ys_from_other_inputs(rng):
    rnn = VanillaRNN(3, 4, 3, seed=0, backend="numpy")
    X, Y = rng.integers(0, 3, (5, 2)), rng.integers(0, 3, (5, 2))
    hs, ys = rnn.forward(X)
    with pytest.raises(ValueError, match=r"ys has shape \(4, 2, 3\).*from forward\(X\) on the same X"):
        rnn.gradients(X, Y[:4], hs, ys[:4])
