"""LSTM and GRU: BPTT through the gates equals finite differences; the models behave like VanillaRNN."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnn_core as rc
from rnn_core import GRU, LSTM, fast
from rnn_course import gated_experiment

TOLERANCE = 1e-7   # float64, eps = 1e-5: correct gradients give about 1e-9 or less

# (class, options): the LSTM, the GRU of notebook 08 (8.7) and PyTorch's GRU (8.7′).
KINDS = [(LSTM, {}), (GRU, {}), (GRU, {"reset_after": True})]
KIND_IDS = ["lstm", "gru", "gru_reset_after"]


def make(cls, options, n_x=5, n_h=4, n_y=4, seed=0, **kwargs):
    # A large init_scale makes every gate non-linear, so the check exercises σ' and tanh' for real;
    # random biases move the gates away from 0.5.
    model = cls(n_x, n_h, n_y, seed=seed, init_scale=0.6, backend="numpy", **options, **kwargs)
    rng = np.random.default_rng(seed + 100)
    for name, param in model.params.items():
        if name.startswith("b"):
            param[...] = rng.standard_normal(param.shape) * 0.5
    return model


def assert_small(errors, names):
    assert set(errors) == set(names)
    for name, error in errors.items():
        assert error < TOLERANCE, f"{name}: relative error {error:.2e} >= {TOLERANCE:.0e}"


def padded_batch(rng, T, B, n_x, n_y, integer=True):
    X = rng.integers(0, n_x, (T, B)) if integer else rng.standard_normal((T, B, n_x))
    Y = rng.integers(0, n_y, (T, B))
    mask = np.ones((T, B), dtype=bool)
    mask[T // 2 + 1:, 0] = False                 # a shorter sequence, padded at the end
    if B > 2:
        mask[1:, 2] = False                      # a one-step sequence
    return X, Y, mask


# ------------------------------------------------------------------ finite differences
@pytest.mark.parametrize("cls, options", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("integer", [True, False], ids=["integer", "dense"])
def test_every_parameter_matches_finite_differences_with_mask_and_nonzero_h0(cls, options, integer, rng):
    model = make(cls, options)
    X, Y, mask = padded_batch(rng, 6, 3, 5, 4, integer)
    h0 = rng.standard_normal((3, 4)) * 0.5
    errors = rc.check_gradients(model, X, Y, h0=h0, mask=mask, names=tuple(model.params))
    assert_small(errors, model.params)


def test_lstm_gradients_with_a_nonzero_initial_cell_state(rng):
    model = make(LSTM, {})
    X, Y, mask = padded_batch(rng, 5, 3, 5, 4)
    h0, c0 = rng.standard_normal((3, 4)) * 0.5, rng.standard_normal((3, 4))
    hs, ys = model.forward(X, h0, c0)
    analytic = model.gradients(X, Y, hs, ys, h0=h0, mask=mask, c0=c0)

    def loss():
        return model.compute_loss(Y, model.forward(X, h0, c0)[1], mask)

    errors = {name: rc.relative_error(analytic[name], rc.numerical_gradient(loss, param))
              for name, param in model.params.items()}
    assert_small(errors, model.params)
    # c0 really matters: the gradients differ from those with c0 = 0.
    at_zero = model.gradients(X, Y, *model.forward(X, h0), h0=h0, mask=mask)
    assert rc.relative_error(at_zero["Wh"], analytic["Wh"]) > 1e-3


@pytest.mark.parametrize("cls, options", KINDS, ids=KIND_IDS)
def test_initial_state_gradients_match_finite_differences(cls, options, rng):
    model = make(cls, options)
    X, Y, mask = padded_batch(rng, 5, 3, 5, 4)
    h0, c0 = rng.standard_normal((3, 4)) * 0.5, rng.standard_normal((3, 4)) * 0.5
    states = {"h0": h0, "c0": c0} if cls is LSTM else {"h0": h0}
    _, ys, cache = model.cell.forward(model.params, X, tuple(states.values()))
    delta_y = rc.functional.output_error(ys, Y, mask.astype(float))
    dstate0 = model.cell.backward(model.params, cache, delta_y)["dstate0"]    # the cell's (dh0,) or (dh0, dc0)

    def loss():
        return model.compute_loss(Y, model.forward(X, **states)[1], mask)

    for (name, state), analytic in zip(states.items(), dstate0):
        error = rc.relative_error(analytic, rc.numerical_gradient(loss, state))
        assert error < TOLERANCE, f"{name}: {error:.1e}"


@settings(max_examples=12, deadline=None)
@given(T=st.integers(1, 5), B=st.integers(1, 3), n_x=st.integers(1, 4), n_h=st.integers(1, 4),
       n_y=st.integers(2, 4), kind=st.integers(0, 2), integer=st.booleans(), seed=st.integers(0, 10_000))
def test_gradients_match_finite_differences_for_random_shapes(T, B, n_x, n_h, n_y, kind, integer, seed):
    cls, options = KINDS[kind]
    rng = np.random.default_rng(seed)
    model = make(cls, options, n_x, n_h, n_y, seed=seed % 7)
    X = rng.integers(0, n_x, (T, B)) if integer else rng.standard_normal((T, B, n_x))
    Y = rng.integers(0, n_y, (T, B))
    mask = rng.random((T, B)) < 0.7
    mask[0, 0] = True
    h0 = rng.standard_normal((B, n_h)) * 0.5
    errors = rc.check_gradients(model, X, Y, h0=h0, mask=mask, names=tuple(model.params))
    assert_small(errors, model.params)


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_state_gradients_match_finite_differences_of_a_perturbed_state(cls, rng):
    # ∂L_T/∂h_t (and the LSTM's total ∂L_T/∂c_t) against perturbing the state at step t and
    # running the rest of the sequence from there; only the last step is in the loss.
    model = make(cls, {})
    T, B, t = 7, 2, 2
    X = rng.integers(0, 5, (T, B))
    Y = rng.integers(0, 4, (T, B))
    mask = np.zeros((T, B))
    mask[-1] = 1
    grads = model.state_gradients(X, Y, mask=mask)
    trace = model.forward_trace(X)
    rest = {"X": X[t + 1:], "Y": Y[t + 1:], "mask": mask[t + 1:]}

    def suffix_loss(h, c=None):
        states = {"h0": h} if c is None else {"h0": h, "c0": c}
        return model.compute_loss(rest["Y"], model.forward(rest["X"], **states)[1], rest["mask"])

    h_t = trace.hs[t].copy()
    if cls is LSTM:
        c_t = trace.cs[t].copy()
        numeric_h = rc.numerical_gradient(lambda: suffix_loss(h_t, c_t), h_t)
        o_t = trace.gates["o"][t]
        numeric_c = rc.numerical_gradient(lambda: suffix_loss(o_t * np.tanh(c_t), c_t), c_t)
        assert rc.relative_error(grads["c"][t], numeric_c) < TOLERANCE
    else:
        numeric_h = rc.numerical_gradient(lambda: suffix_loss(h_t), h_t)
    assert rc.relative_error(grads["h"][t], numeric_h) < TOLERANCE
    hs, ys = model.forward(X)
    np.testing.assert_array_equal(model.hidden_state_gradients(X, Y, hs, ys, mask=mask), grads["h"])


# ------------------------------------------------------------------ PyTorch
def _torch_models(cls, n_x, n_h, seed):
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    module = (torch.nn.LSTM if cls is LSTM else torch.nn.GRU)(n_x, n_h).double()
    with torch.no_grad():
        for param in module.parameters():
            param.normal_(0.0, 0.5)
    return torch, module


def _to_ours(weight, order, n_h):
    """PyTorch stacks gate blocks as rows of (k·n_h, ·); ours are column blocks, in our gate order."""
    return np.concatenate([weight[k * n_h:(k + 1) * n_h] for k in order], axis=0).T


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_outputs_and_gradients_match_pytorch(cls, rng):
    T, B, n_x, n_h, n_y = 6, 3, 5, 4, 5
    torch, module = _torch_models(cls, n_x, n_h, seed=0)
    # PyTorch's gate rows: LSTM (i, f, g, o) → ours (f, i, o, g); GRU (r, z, n) → ours (z, r, n).
    order = [1, 0, 3, 2] if cls is LSTM else [1, 0, 2]
    w_ih, w_hh, b_ih, b_hh = (getattr(module, name).detach().numpy()
                              for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
    model = cls(n_x, n_h, n_y, seed=0, backend="numpy", **({} if cls is LSTM else {"reset_after": True}))
    model.Wx[...] = _to_ours(w_ih, order, n_h)
    model.Wh[...] = _to_ours(w_hh, order, n_h)
    model.Why[...] = rng.standard_normal((n_h, n_y)) * 0.5
    model.by[...] = rng.standard_normal((1, n_y)) * 0.5
    if cls is LSTM:
        model.b[...] = _to_ours((b_ih + b_hh)[:, None], order, n_h)
    else:   # b_hn stays separate: it sits inside r ⊙ (h W_hn + b_hn), (8.7′)
        model.b[...] = _to_ours(np.concatenate([(b_ih + b_hh)[:2 * n_h], b_ih[2 * n_h:]])[:, None], order, n_h)
        model.bhn[...] = b_hh[2 * n_h:][None]
    X, Y, mask = padded_batch(rng, T, B, n_x, n_y)
    h0, c0 = rng.standard_normal((B, n_h)) * 0.5, rng.standard_normal((B, n_h)) * 0.5
    states = {"h0": h0, "c0": c0} if cls is LSTM else {"h0": h0}

    # PyTorch: the same network, the mean cross-entropy over the real steps, autograd.
    inputs = torch.nn.functional.one_hot(torch.from_numpy(X), n_x).double()
    Why = torch.tensor(model.Why, requires_grad=True)
    by = torch.tensor(model.by, requires_grad=True)
    torch_h0 = torch.from_numpy(h0)[None]
    hidden, _ = module(inputs, (torch_h0, torch.from_numpy(c0)[None]) if cls is LSTM else torch_h0)
    log_probs = torch.log_softmax(hidden @ Why + by, dim=-1)
    picked = log_probs.gather(-1, torch.from_numpy(Y)[..., None])[..., 0]
    weights = torch.from_numpy(mask.astype(np.float64))
    loss = -(picked * weights).sum() / weights.sum()
    loss.backward()

    hs, ys = model.forward(X, **states)
    np.testing.assert_allclose(hs, hidden.detach().numpy(), rtol=0, atol=1e-12)
    assert abs(model.compute_loss(Y, ys, mask) - loss.item()) < 1e-12
    ours = model.gradients(X, Y, hs, ys, mask=mask, **states)
    expected = {"Wx": _to_ours(module.weight_ih_l0.grad.numpy(), order, n_h),
                "Wh": _to_ours(module.weight_hh_l0.grad.numpy(), order, n_h),
                "Why": Why.grad.numpy(), "by": by.grad.numpy()}
    # The input and recurrent biases are one parameter here (PyTorch's b_ih and b_hh get equal gradients).
    b_grad = module.bias_ih_l0.grad.numpy()
    if cls is LSTM:
        expected["b"] = _to_ours(b_grad[:, None], order, n_h)
    else:
        expected["b"] = _to_ours(b_grad[:, None], order, n_h)
        expected["bhn"] = module.bias_hh_l0.grad.numpy()[2 * n_h:][None]
    assert set(expected) == set(ours)
    for name, grad in expected.items():
        assert rc.relative_error(ours[name], grad) < 1e-12, name


# ------------------------------------------------------------------ behaviour
@pytest.mark.parametrize("cls, options", KINDS, ids=KIND_IDS)
def test_integer_and_one_hot_inputs_agree_and_float32_keeps_its_dtype(cls, options, rng):
    model = make(cls, options)
    X = rng.integers(0, 5, (4, 2))
    Y = rng.integers(0, 4, (4, 2))
    hs, ys = model.forward(X)
    hs_hot, ys_hot = model.forward(rc.one_hot(X, 5))
    np.testing.assert_allclose(hs, hs_hot, rtol=0, atol=1e-14)
    g_int = model.gradients(X, Y, hs, ys)
    g_hot = model.gradients(rc.one_hot(X, 5), Y, hs_hot, ys_hot)
    for name in g_int:
        np.testing.assert_allclose(g_int[name], g_hot[name], rtol=0, atol=1e-13)
    single = cls(5, 4, 4, seed=0, dtype=np.float32, backend="numpy", **options)
    hs32, ys32 = single.forward(X)
    assert hs32.dtype == ys32.dtype == np.float32
    assert all(g.dtype == np.float32 for g in single.gradients(X, Y, hs32, ys32).values())


@pytest.mark.parametrize("cls, options", KINDS, ids=KIND_IDS)
def test_learns_hello_and_survives_save_and_load(cls, options, hello, tmp_path):
    char_to_idx, idx_to_char = hello
    model = cls(5, 8, 5, lr=0.05, seed=0, backend="numpy", optimizer="adam", **options)
    losses = model.train(rc.encode("hello", char_to_idx), rc.encode("ello ", char_to_idx), epochs=150,
                         print_interval=0)
    assert losses[-1] < 0.1 * losses[0]
    assert model.predict("h", char_to_idx, idx_to_char, 4) == "hello"
    model.set_vocabulary(char_to_idx)
    path = model.save(tmp_path / "model")
    loaded = cls.load(path, backend="numpy")
    assert isinstance(loaded, cls) and loaded.PARAM_NAMES == model.PARAM_NAMES
    for name, param in model.params.items():
        np.testing.assert_array_equal(loaded.params[name], param)
    assert loaded.predict("h", length=4) == "hello"
    other = GRU if cls is LSTM else LSTM
    with pytest.raises(rc.ModelFileError, match=f"is not an rnn_core.{other.__name__} model: "
                                                f"its format tag is 'rnn_core.{cls.__name__}'"):
        other.load(path)
    with pytest.raises(rc.ModelFileError, match="its format tag is 'rnn_core.VanillaRNN'"):
        cls.load(rc.VanillaRNN(5, 8, 5, backend="numpy").save(tmp_path / "vanilla"))


def test_forward_trace_exposes_the_gates_and_the_cell_state(rng):
    model = make(LSTM, {})
    X = rng.integers(0, 5, (6, 2))
    trace = model.forward_trace(X)
    f, i, o, g = (trace.gates[name] for name in fast.gated.LSTM_GATES)
    assert all(0 < float(v.min()) and float(v.max()) < 1 for v in (f, i, o))
    c_prev = np.concatenate([np.zeros((1, 2, 4)), trace.cs[:-1]])
    np.testing.assert_allclose(trace.cs, f * c_prev + i * g, rtol=0, atol=1e-15)     # (8.5)
    np.testing.assert_allclose(trace.hs, o * np.tanh(trace.cs), rtol=0, atol=1e-15)
    W_xf, W_hf, b_f = model.gate_weights("f")
    W_xf[...] = 0.0
    W_hf[...] = 0.0
    b_f[...] = 50.0                                    # forget gate wide open: the cell keeps its content
    model.gate_weights("i")[2][...] = -50.0            # input gate closed: nothing new is written
    c0 = rng.standard_normal((2, 4))
    trace = model.forward_trace(X, c0=c0)
    np.testing.assert_allclose(trace.cs[-1], c0, rtol=0, atol=1e-12)


def test_lstm_train_text_carries_both_states():
    text = rc.zen_of_python()[:300]
    char_to_idx, _ = rc.vocabulary_from_text(text)
    model = LSTM(len(char_to_idx), 16, len(char_to_idx), lr=0.01, seed=0, backend="numpy", optimizer="adam")
    losses = model.train_text(text, epochs=3, seq_length=10, batch_size=4, verbose=False)
    assert len(losses) == 3 and losses[-1] < losses[0]


def test_forget_bias_and_update_bias_set_the_gate_biases():
    lstm = LSTM(3, 4, 3, backend="numpy", forget_bias=3.0)
    np.testing.assert_array_equal(lstm.b, np.concatenate([np.full(4, 3.0), np.zeros(12)])[None])
    gru = GRU(3, 4, 3, backend="numpy", update_bias=2.0)
    np.testing.assert_array_equal(gru.b, np.concatenate([np.full(4, 2.0), np.zeros(8)])[None])
    orthogonal = LSTM(3, 4, 3, seed=0, backend="numpy", init="orthogonal")
    for gate in fast.gated.LSTM_GATES:
        W_h = orthogonal.gate_weights(gate)[1]
        np.testing.assert_allclose(W_h.T @ W_h, np.eye(4), atol=1e-12)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("cls", [LSTM, GRU])
@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_x": 0}, ValueError, "n_x must be a positive integer, got 0"),
    ({"n_h": True}, TypeError, "n_h must be a positive integer"),
    ({"lr": -0.1}, ValueError, "lr must be a finite number > 0"),
    ({"clip_mode": "max"}, ValueError, "clip_mode='max'; expected 'value', 'norm' or None"),
    ({"dtype": np.int32}, ValueError, "expected numpy.float32 or numpy.float64"),
    ({"optimizer": "rmsprop"}, ValueError, "optimizer='rmsprop'; expected one of sgd, adagrad, adam"),
    ({"init": "zeros"}, ValueError, "init='zeros'; expected one of 'lecture', 'orthogonal', 'identity'"),
])
def test_bad_constructor_arguments(cls, kwargs, error, message):
    with pytest.raises(error, match=message):
        cls(**{"n_x": 5, "n_h": 8, "n_y": 5, "backend": "numpy", **kwargs})


def test_bad_gate_options():
    with pytest.raises(TypeError, match="forget_bias must be a finite number, got 'one'"):
        LSTM(5, 8, 5, backend="numpy", forget_bias="one")
    with pytest.raises(TypeError, match="update_bias must be a finite number, got nan"):
        GRU(5, 8, 5, backend="numpy", update_bias=float("nan"))
    with pytest.raises(TypeError, match="reset_after must be True or False, got 1"):
        GRU(5, 8, 5, backend="numpy", reset_after=1)
    with pytest.raises(ValueError, match="gate='c'; expected one of 'z', 'r', 'n'"):
        GRU(5, 8, 5, backend="numpy").gate_weights("c")


@pytest.mark.parametrize("cls", [LSTM, GRU])
@pytest.mark.parametrize("X, error, message", [
    (np.zeros((4, 3)), ValueError, r"width 3 does not match n_x=5"),
    ("hello", TypeError, "not a string"),
    (np.zeros((0, 5)), ValueError, "empty sequence"),
    (np.array([0, 1, 5]), ValueError, r"index 5 at position \(2,\); expected 0 <= index < 5"),
    (np.full((3, 5), np.nan), ValueError, "X contains NaN or inf"),
    (None, TypeError, "X must be an array, got None"),
])
def test_bad_inputs_to_forward(cls, X, error, message):
    with pytest.raises(error, match=message):
        cls(5, 8, 5, backend="numpy").forward(X)


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_bad_states_targets_and_masks(cls):
    model = cls(5, 8, 5, backend="numpy")
    X = np.zeros((4, 2), dtype=int)
    with pytest.raises(ValueError, match=r"h0 has shape \(3, 8\); expected \(B, n_h\) = \(2, 8\) or \(1, 8\)"):
        model.forward(X, h0=np.zeros((3, 8)))
    if cls is LSTM:
        with pytest.raises(ValueError, match=r"c0 has shape \(2, 7\); expected \(B, n_h\) = \(2, 8\)"):
            model.forward(X, c0=np.zeros((2, 7)))
        with pytest.raises(ValueError, match="c0 contains NaN or inf"):
            model.forward(X, c0=np.full((2, 8), np.inf))
    hs, ys = model.forward(X)
    with pytest.raises(ValueError, match=r"class 5 at position \(0, 0\); expected 0 <= class < 5"):
        model.gradients(X, np.full((4, 2), 5), hs, ys)
    with pytest.raises(ValueError, match="mask marks no step as real"):
        model.gradients(X, np.zeros((4, 2), dtype=int), hs, ys, mask=np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"hs has shape \(3, 2, 8\); expected \(T, B, n_h\) = \(4, 2, 8\)"):
        model.gradients(X, np.zeros((4, 2), dtype=int), *model.forward(np.zeros((3, 2), dtype=int)))
    other_hs, other_ys = model.forward(np.ones((4, 2), dtype=int))     # same shape, another sequence
    with pytest.raises(ValueError, match=r"hs is not what forward\(X, h0\) gives with the current parameters"):
        model.gradients(X, np.zeros((4, 2), dtype=int), other_hs, other_ys)
    with pytest.raises(ValueError, match="seed_text has the character 'x'"):
        model.predict("hx", {c: i for i, c in enumerate("helo ")}, length=2)


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_forward_never_returns_nan_silently(cls):
    model = cls(5, 8, 5, backend="numpy")
    model.Wh[0, 0] = np.nan
    with pytest.raises(FloatingPointError, match="the parameter.s. Wh contain NaN or inf"):
        model.forward(np.arange(5))


# ------------------------------------------------------------------ the experiment of notebook 09
def test_delay_task_and_experiment_models():
    X, Y, mask = gated_experiment.delay_batch(5, 3, np.random.default_rng(0))
    assert X.shape == Y.shape == mask.shape == (6, 3)
    np.testing.assert_array_equal(Y[-1], X[0])
    assert mask.sum() == 3 and mask[-1].all()
    for name in gated_experiment.MODELS:
        model = gated_experiment.make_model(name, 0.01, seed=0)
        assert model.n_h == gated_experiment.N_H
    orthogonal = gated_experiment.make_model("vanilla, orthogonal W_hh", 0.01, seed=0)
    np.testing.assert_allclose(orthogonal.Whh.T @ orthogonal.Whh, np.eye(gated_experiment.N_H), atol=1e-12)
    with pytest.raises(ValueError, match="model 'RNN' is not one of"):
        gated_experiment.make_model("RNN", 0.01, seed=0)
    for gated in (gated_experiment.make_model("LSTM, b_f = 3, orthogonal W_h", 0.01, seed=0),
                  gated_experiment.orthogonal_recurrent_weights(GRU(8, 32, 8, seed=0, backend="numpy"), seed=0)):
        blocks = np.split(gated.params["Wh"], len(gated.cell.GATES), axis=1)
        for block in blocks:              # every gate's recurrent block orthogonal, as the vanilla W_hh
            np.testing.assert_allclose(block.T @ block, np.eye(gated_experiment.N_H), atol=1e-12)
        assert not np.allclose(blocks[0], blocks[1])
    X_val, _ = gated_experiment.held_out_set(4, "validation")
    X_test, _ = gated_experiment.held_out_set(4, "test")
    assert X_val.shape == X_test.shape == (5, gated_experiment.TEST_SIZE) and not np.array_equal(X_val, X_test)
    with pytest.raises(ValueError, match="expected 'validation' or 'test'"):
        gated_experiment.held_out_set(4, "train")
    accuracy = gated_experiment.train_delay_task("LSTM, b_f = 3", delay=2, lr=0.03, seed=0, updates=150)
    assert accuracy > 0.9        # a two-step delay is easy: far above chance (1/8)


@pytest.mark.gpu
@pytest.mark.skipif(not rc.gpu_available(), reason="needs CuPy and a usable NVIDIA GPU")
@pytest.mark.parametrize("cls, options", KINDS, ids=KIND_IDS)
def test_cupy_matches_numpy(cls, options, rng, tmp_path):
    X = rng.integers(0, 5, (6, 3))
    Y = rng.integers(0, 4, (6, 3))
    results = []
    for backend in ("numpy", "cupy"):
        model = cls(5, 4, 4, seed=0, init_scale=0.6, backend=backend, **options)
        hs, ys = model.forward(X)
        grads = model.gradients(X, Y, hs, ys)
        results.append({"hs": rc.to_numpy(hs), **{k: rc.to_numpy(v) for k, v in grads.items()}})
    for name in results[0]:
        np.testing.assert_allclose(results[1][name], results[0][name], rtol=1e-10, atol=1e-12)
    on_gpu = cls(5, 4, 4, seed=0, backend="cupy", optimizer="adam", **options)
    on_gpu.train_step(X, Y)
    loaded = cls.load(on_gpu.save(tmp_path / "gpu_model"), backend="numpy")
    for name, param in on_gpu.params.items():
        np.testing.assert_array_equal(loaded.params[name], rc.to_numpy(param))


def test_zen_decision_points_and_predictions():
    text = rc.zen_of_python()
    char_to_idx, _ = rc.vocabulary_from_text(text)
    points = gated_experiment.decision_points(text)
    assert len(points) == text.count("than ") == 8
    assert all(text[p - 5:p] == "than " for p in points)
    model = LSTM(len(char_to_idx), 6, len(char_to_idx), seed=0, backend="numpy")
    decisions = gated_experiment.zen_decisions(model, text, char_to_idx)
    assert [expected for expected, _, _ in decisions] == [text[p] for p in points]
    assert all(predicted in char_to_idx and 0.0 < p < 1.0 for _, predicted, p in decisions)
    assert gated_experiment.parameter_count(model) == sum(p.size for p in model.params.values())


def test_sweep_tool_runs_and_skips_default_biases_at_long_delays(tmp_path):
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).resolve().parents[1] / "tools" / "gated_sweep.py"
    spec = importlib.util.spec_from_file_location("gated_sweep", path)
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    runs = sweep.grid(list(gated_experiment.MODELS), [10, 40], [0.01], 2, short_delays=(10,))
    assert ("LSTM, b_f = 1", 10, 0.01, 1) in runs and ("LSTM, b_f = 1", 40, 0.01, 0) not in runs
    assert ("LSTM, b_f = 3", 40, 0.01, 1) in runs
    assert len(runs) == 5 * 2 * 2 + 2 * 2      # 5 models at both delays, the 2 SHORT_ONLY at d = 10; 2 seeds
    assert sweep._split_models("LSTM, b_f = 3,GRU, b_z = 0") == ["LSTM, b_f = 3", "GRU, b_z = 0"]
    settings, results = sweep.sweep(["LSTM, b_f = 3"], [2], [0.03], 1, 8, out="", short_delays=(2,), log=lambda _: None)
    assert settings["checkpoints"] == [2, 4, 6, 8] and len(results) == 1
    assert all(0.0 <= a <= 1.0 for a in results[0]["accuracy"].values())
    assert set(results[0]["validation"]) == set(results[0]["accuracy"])   # validation and test, each checkpoint
    out = str(tmp_path / "sweep.json")
    first = sweep.sweep(["LSTM, b_f = 3"], [2], [0.03], 1, 8, out=out, short_delays=(), log=lambda _: None)[1]
    logged = []
    again = sweep.sweep(["LSTM, b_f = 3"], [2], [0.03], 2, 8, out=out, short_delays=(), log=logged.append, resume=True)[1]
    assert logged[0].startswith("resuming: 1 of 2 runs") and len(logged) == 2     # only seed 1 trained
    assert again[0] == first[0] and [r["seed"] for r in again] == [0, 1]
    settings, results = sweep.recipes_sweep("", seeds=1, delay=2, updates=200, log=lambda _: None)
    assert settings["checkpoints"] == [200] and len(results) == len(sweep.RECIPES)
    assert {(r["batch_size"], r["lr"]) for r in results} == set(sweep.RECIPES.values())


def test_gated_benchmark_runs_tiny(capsys):
    from benchmarks import gated_bench
    assert gated_bench.main(["--tiny"]) == 0
    table = capsys.readouterr().out
    assert "| tiny (2, 5, 11, 8) | LSTM | rnn_core | float64 |" in table
    assert "| tiny (2, 5, 11, 8) | GRU (8.7, notebook 08) | rnn_core | float32 |" in table


def test_load_gives_back_the_cell_options_and_the_class(tmp_path):
    """forget_bias, update_bias and reset_after are saved; load builds the same class with them."""
    models = [LSTM(3, 4, 3, seed=0, backend="numpy", forget_bias=3.0),
              GRU(3, 4, 3, seed=0, backend="numpy", update_bias=2.0, reset_after=True),
              GRU(3, 4, 3, seed=0, backend="numpy", update_bias=-1.0)]
    for k, model in enumerate(models):
        path = model.save(tmp_path / f"model{k}")
        loaded = type(model).load(path)
        assert type(loaded) is type(model)
        assert loaded.settings() == model.settings() and repr(loaded) == repr(model)
        assert loaded.PARAM_NAMES == model.PARAM_NAMES
        for name in model.PARAM_NAMES:
            np.testing.assert_array_equal(loaded.params[name], model.params[name])


def test_a_file_whose_parameters_do_not_fit_its_settings_is_refused(tmp_path):
    from rnn_core.serialization import write_model
    gru = GRU(3, 4, 3, seed=0, backend="numpy")                           # (8.7): no bhn
    settings = {**gru.settings(), "reset_after": True}                    # ... but says (8.7′)
    path = write_model(tmp_path / "mixed", GRU.CELL.FORMAT_TAG, gru.params, settings, None)
    with pytest.raises(rc.ModelFileError, match="holds the parameters Wh, Why, Wx, b, by; a GRU with its settings has Wh, Why, Wx, b, bhn, by"):
        GRU.load(path)
