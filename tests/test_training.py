"""Training: the corrected hello example learns, words and texts train, clipping and optimizers."""
import numpy as np
import pytest

import rnn_core as rc
from rnn_core import VanillaRNN


def test_hello_example_learns_to_spell_hello(hello):
    char_to_idx, idx_to_char = hello
    X = rc.encode("hello", char_to_idx)          # h e l l o
    Y = rc.encode("ello ", char_to_idx)          # e l l o ' '
    rnn = VanillaRNN(5, 8, 5, lr=0.1, seed=0, backend="numpy")   # SGD, clip ±5: the lecture's
    history = rnn.train(X, Y, epochs=1000, print_interval=0)
    assert len(history) == 1000 and history[-1] < 0.05 < history[0]
    assert rnn.predict("h", char_to_idx, idx_to_char, 4) == "hello"


def test_a_memoryless_model_cannot_go_below_the_hello_loss_floor(hello):
    """With W_hh = 0 the two l's look alike: the best mean loss is 2 ln 2 / 5."""
    char_to_idx, _ = hello
    X, Y = rc.encode("hello", char_to_idx), rc.encode("ello ", char_to_idx)
    rnn = VanillaRNN(5, 8, 5, lr=0.5, seed=0, backend="numpy")
    for _ in range(600):
        rnn.Whh[...] = 0
        rnn.train_step(X, Y)
    rnn.Whh[...] = 0
    loss = rnn.compute_loss(Y, rnn.forward(X)[1])
    floor = 2 * np.log(2) / 5
    assert floor - 1e-9 <= loss < floor + 0.02


def test_backward_applies_the_clipped_update_and_returns_it(rng):
    rnn = VanillaRNN(4, 5, 4, lr=0.1, seed=0, init_scale=0.5, backend="numpy", clip=1e-3)
    X, Y = rng.integers(0, 4, (5, 2)), rng.integers(0, 4, (5, 2))
    before = {n: p.copy() for n, p in rnn.params.items()}
    hs, ys = rnn.forward(X)
    raw = rnn.gradients(X, Y, hs, ys)
    applied = rnn.backward(X, Y, hs, ys)
    for name, param in rnn.params.items():
        np.testing.assert_allclose(applied[name], np.clip(raw[name], -1e-3, 1e-3), rtol=0, atol=0)
        np.testing.assert_allclose(param, before[name] - 0.1 * applied[name], rtol=0, atol=1e-15)


def test_writing_into_parameters_changes_the_model(rng):
    rnn = VanillaRNN(3, 4, 3, seed=0, backend="numpy")
    X = rng.integers(0, 3, 4)
    rnn.Whh[...] = 0.0
    rnn.Wxh[...] = 0.0
    hs, _ = rnn.forward(X)
    assert np.all(hs == 0)
    assert rnn.params["Whh"] is rnn.Whh


def test_clip_by_value_limits_entries_and_clip_by_norm_keeps_direction():
    grads = {"a": np.array([[3.0, -12.0]]), "b": np.array([[4.0]])}
    by_value = rc.clip_by_value(grads, 5.0)
    np.testing.assert_array_equal(by_value["a"], [[3.0, -5.0]])
    by_norm, norm = rc.clip_by_global_norm(grads, 6.5)
    assert norm == pytest.approx(13.0)
    assert rc.global_norm(by_norm) == pytest.approx(6.5)
    np.testing.assert_allclose(by_norm["a"], grads["a"] * 0.5)
    unchanged, _ = rc.clip_by_global_norm(grads, 100.0)
    np.testing.assert_array_equal(unchanged["a"], grads["a"])


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad", "adam"])
def test_each_optimizer_lowers_the_loss(optimizer, rng):
    lr = {"sgd": 0.5, "adagrad": 0.1, "adam": 0.01}[optimizer]
    rnn = VanillaRNN(4, 16, 4, lr=lr, seed=0, backend="numpy", optimizer=optimizer, clip_mode="norm")
    X = (rng.integers(0, 4, 8)[None, :] + np.arange(10)[:, None]) % 4   # counting mod 4
    Y = (X + 1) % 4
    history = rnn.train(X, Y, epochs=150, print_interval=0)
    assert history[-1] < 0.7 * history[0]


def test_adagrad_and_adam_follow_their_update_rules():
    params = {"w": np.array([[1.0, -2.0]])}
    grads = {"w": np.array([[0.5, -1.0]])}
    adagrad = rc.Adagrad(lr=0.1, eps=1e-8)
    adagrad.step(params, grads)
    np.testing.assert_allclose(params["w"], [[1.0 - 0.1 * 0.5 / np.sqrt(0.25 + 1e-8),
                                              -2.0 + 0.1 * 1.0 / np.sqrt(1.0 + 1e-8)]])
    params = {"w": np.array([[1.0]])}
    adam = rc.Adam(lr=0.01)
    adam.step(params, {"w": np.array([[2.0]])})   # first step: m̂ = g, v̂ = g², update ≈ lr·sign(g)
    np.testing.assert_allclose(params["w"], [[1.0 - 0.01 * 2.0 / (2.0 + 1e-8)]])


def test_train_words_uses_padded_batches_and_prints_every_interval(capsys):
    words = ["cat", "dog", "bird", "cow", "catfish"]
    n = len(rc.vocabulary_from_words(words)[0])     # 13 letters + the end marker
    rnn = VanillaRNN(n, 16, n, lr=0.05, seed=0, backend="numpy", optimizer="adam")
    history = rnn.train_words(words, epochs=200, print_interval=100, batch_size=2)
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"epoch 100/200  loss {history[99]:.4f}", f"epoch 200/200  loss {history[199]:.4f}"]
    assert history[-1] < 0.5 * history[0]
    assert rnn.char_to_idx["."] == 0       # the end marker sorts first
    assert rnn.predict("ca", length=10, stop_at=rc.END_MARKER) in ("cat", "catfish")


def test_train_accepts_a_list_of_sequences_of_different_lengths(rng):
    rnn = VanillaRNN(3, 5, 3, lr=0.1, seed=0, backend="numpy")
    X = [np.array([0, 1, 2]), np.array([2, 1])]
    Y = [np.array([1, 2, 0]), np.array([1, 0])]
    history = rnn.train(X, Y, epochs=3, print_interval=0)
    assert len(history) == 3 and all(np.isfinite(history))


def test_train_text_carries_the_hidden_state_between_chunks():
    text = rc.zen_of_python()
    assert text.startswith("The Zen of Python, by Tim Peters")
    rnn = VanillaRNN(len(set(text)), 32, len(set(text)), lr=0.01, seed=0, backend="numpy", optimizer="adam")
    history = rnn.train_text(text, epochs=8, print_interval=0, seq_length=20, batch_size=4)
    assert history[-1] < history[0] - 0.5
    chunks = list(rc.data.text_stream_batches(np.arange(21), batch_size=2, seq_length=4))
    np.testing.assert_array_equal(chunks[0][0], [[0, 10], [1, 11], [2, 12], [3, 13]])
    np.testing.assert_array_equal(chunks[1][0][:, 0], [4, 5, 6, 7])   # row 0 continues row 0
    np.testing.assert_array_equal(chunks[0][1][:, 1], [11, 12, 13, 14])


def test_predict_is_greedy_by_default_and_reproducible_when_sampling(hello):
    char_to_idx, idx_to_char = hello
    rnn = VanillaRNN(5, 8, 5, seed=0, init_scale=1.0, backend="numpy")
    assert rnn.predict("he", char_to_idx, idx_to_char, 0) == "he"
    first = rnn.predict("h", char_to_idx, idx_to_char, 30, temperature=1.0, seed=7)
    assert len(first) == 31 and first.startswith("h")
    assert rnn.predict("h", char_to_idx, idx_to_char, 30, temperature=1.0, seed=7) == first
    assert rnn.predict("h", char_to_idx, idx_to_char, 30, temperature=1.0, seed=8) != first


def test_divergent_training_stops_with_advice(rng):
    """Overflowing weights make the logits inf - inf = NaN: training stops, nothing is updated."""
    rnn = VanillaRNN(3, 8, 3, lr=0.1, seed=0, init_scale=1.0, backend="numpy", clip=None)
    rnn.Why[...] = 1e308
    before = {n: p.copy() for n, p in rnn.params.items()}
    X, Y = rng.integers(0, 3, (6, 2)), rng.integers(0, 3, (6, 2))
    with pytest.raises(rc.TrainingDivergedError, match="smaller learning rate"):
        with np.errstate(all="ignore"):
            rnn.train(X, Y, epochs=5, print_interval=0)
    for name, param in rnn.params.items():
        np.testing.assert_array_equal(param, before[name])


def test_non_finite_gradients_are_never_applied(rng):
    rnn = VanillaRNN(3, 4, 3, seed=0, backend="numpy")
    grads = {name: np.zeros_like(p) for name, p in rnn.params.items()}
    grads["Whh"][0, 0] = np.nan
    with pytest.raises(rc.TrainingDivergedError, match="NaN or inf"):
        rnn.apply_gradients(grads)
    assert np.isfinite(rnn.Whh).all()


def test_optimizer_defaults_and_refusals():
    assert (rc.SGD().lr, rc.Adagrad().lr, rc.Adagrad().eps) == (0.01, 0.1, 1e-8)
    adam = rc.Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps, adam.t) == (0.001, 0.9, 0.999, 1e-8, 0)
    assert rc.Adam(beta1=0.0, beta2=0.0).beta1 == 0.0                 # β = 0 is allowed: no averaging
    for label, kwargs in (("beta1", {"beta1": 1.0}), ("beta2", {"beta2": 1.0}), ("beta1", {"beta1": -0.1})):
        with pytest.raises(ValueError, match=f"^{label} must be in \\[0, 1\\), got"):
            rc.Adam(**kwargs)
    for make in (rc.SGD, rc.Adagrad, rc.Adam):
        with pytest.raises(ValueError, match="^lr must be a finite number > 0"):
            make(lr=0.0)
    for make in (rc.Adagrad, rc.Adam):
        with pytest.raises(ValueError, match="^eps must be a finite number > 0"):
            make(eps=-1.0)
    with pytest.raises(ValueError, match="optimizer='rmsprop'; expected one of sgd, adagrad, adam"):
        rc.optim.make_optimizer("rmsprop")
    with pytest.raises(TypeError, match="optimizer must be a name or have a step"):
        rc.optim.make_optimizer(object())
    assert rc.optim.make_optimizer("ADAM", lr=0.2, beta1=0.5).config() == {"lr": 0.2, "beta1": 0.5, "beta2": 0.999, "eps": 1e-8}


def test_reset_forgets_the_optimizer_state():
    for optimizer in (rc.Adagrad(lr=0.1), rc.Adam(lr=0.1)):
        params = {"w": np.array([[1.0]])}
        optimizer.step(params, {"w": np.array([[1.0]])})
        first = 1.0 - params["w"][0, 0]
        optimizer.reset()
        params = {"w": np.array([[1.0]])}
        optimizer.step(params, {"w": np.array([[1.0]])})
        assert 1.0 - params["w"][0, 0] == pytest.approx(first)        # the same first step again
    sgd = rc.SGD(lr=0.5)
    sgd.reset()
    params = {"w": np.array([[1.0]])}
    sgd.step(params, {"w": np.array([[2.0]])})
    assert params["w"][0, 0] == 0.0 and sgd.config() == {"lr": 0.5}


def test_adagrad_accumulates_squares_over_steps():
    adagrad = rc.Adagrad(lr=0.1, eps=1e-8)
    params = {"w": np.array([[0.0]])}
    for g in (3.0, 4.0):
        adagrad.step(params, {"w": np.array([[g]])})
    expected = -0.1 * 3.0 / np.sqrt(9.0 + 1e-8) - 0.1 * 4.0 / np.sqrt(25.0 + 1e-8)
    assert params["w"][0, 0] == pytest.approx(expected, rel=1e-12)
    np.testing.assert_array_equal(adagrad.memory["w"], [[25.0]])


def test_clipping_modes_and_their_refusals():
    grads = {"a": np.array([[3.0, -4.0]])}
    assert rc.optim.clip_gradients(grads, None, "value")["a"] is grads["a"]
    assert rc.optim.clip_gradients(grads, 1.0, None)["a"] is grads["a"]
    np.testing.assert_array_equal(rc.optim.clip_gradients(grads, 1.0, "value")["a"], [[1.0, -1.0]])
    np.testing.assert_allclose(rc.optim.clip_gradients(grads, 1.0, "norm")["a"], [[0.6, -0.8]])
    with pytest.raises(ValueError, match="clip_mode='diagonal'; expected 'value', 'norm' or None"):
        rc.optim.clip_gradients(grads, 1.0, "diagonal")
    zero = {"a": np.zeros((1, 2))}
    clipped, norm = rc.clip_by_global_norm(zero, 1.0)
    assert norm == 0.0 and (clipped["a"] == 0).all()
    with pytest.raises(ValueError, match="max_norm must be a finite number > 0"):
        rc.clip_by_global_norm(grads, 0.0)
    with pytest.raises(ValueError, match="clip must be a finite number > 0"):
        rc.clip_by_value(grads, -1.0)
    assert rc.global_norm({"a": np.array([[3.0]], dtype=np.float32), "b": np.array([4.0])}) == 5.0


def test_norm_clipping_scales_small_gradients_too():
    grads = {"a": np.array([[0.3, -0.4]])}                  # norm 0.5
    clipped, norm = rc.clip_by_global_norm(grads, 0.25)
    assert norm == pytest.approx(0.5)
    np.testing.assert_allclose(clipped["a"], [[0.15, -0.2]])


def test_huge_but_finite_float32_gradients_are_clipped_not_refused():
    for clip_mode in ("value", "norm"):
        rnn = VanillaRNN(3, 4, 3, lr=0.1, seed=0, dtype=np.float32, backend="numpy", clip=1.0, clip_mode=clip_mode)
        grads = {name: np.full_like(p, 3e38) for name, p in rnn.params.items()}
        before = {name: p.copy() for name, p in rnn.params.items()}
        applied = rnn.apply_gradients(grads)
        assert all(np.isfinite(g).all() for g in applied.values())
        if clip_mode == "value":
            assert all((g == 1.0).all() for g in applied.values())
        else:
            assert rc.global_norm(applied) == pytest.approx(1.0, rel=1e-5)
        for name, param in rnn.params.items():
            np.testing.assert_allclose(param, before[name] - 0.1 * applied[name], rtol=1e-6)


def test_repeated_one_epoch_calls_do_not_repeat_the_batch_order():
    rnn = VanillaRNN(3, 4, 3, seed=0, backend="numpy")
    orders = [[list(batch) for batch in rnn._batches(8, 3)] for _ in range(3)]
    assert orders[0] != orders[1] and orders[1] != orders[2]
    # train() draws from the same generator: one call of 2 epochs = two calls of 1 epoch.
    X = np.random.default_rng(0).integers(0, 3, (4, 8))
    Y = (X + 1) % 3
    one_call = VanillaRNN(3, 4, 3, lr=0.1, seed=0, backend="numpy")
    one_call.train(X, Y, epochs=2, batch_size=3, print_interval=0)
    two_calls = VanillaRNN(3, 4, 3, lr=0.1, seed=0, backend="numpy")
    for _ in range(2):
        two_calls.train(X, Y, epochs=1, batch_size=3, print_interval=0)
    np.testing.assert_array_equal(one_call.Whh, two_calls.Whh)
    repeated = VanillaRNN(3, 4, 3, lr=0.1, seed=0, backend="numpy")   # an explicit seed re-seeds
    for _ in range(2):
        repeated.train(X, Y, epochs=1, batch_size=3, print_interval=0, shuffle_seed=0)
    assert not np.array_equal(repeated.Whh, one_call.Whh)
    generator = np.random.default_rng(5)                             # a Generator can be passed
    assert VanillaRNN(3, 4, 3, backend="numpy", shuffle_seed=generator).shuffle_rng is generator


def test_train_text_carries_each_chunks_last_state_and_resets_every_epoch(monkeypatch):
    text = "abcabcabdabcabcabcabdabcab" * 3
    rnn = VanillaRNN(4, 6, 4, lr=0.05, seed=0, init_scale=0.5, backend="numpy")
    calls = []
    original = rnn._train_step

    def recording_train_step(X, Y, state0, mask):
        loss, hs, cache = original(X, Y, state0, mask)
        calls.append((state0[0].copy(), hs[-1].copy()))
        return loss, hs, cache

    monkeypatch.setattr(rnn, "_train_step", recording_train_step)
    rnn.train_text(text, epochs=2, print_interval=0, seq_length=5, batch_size=3)
    chunks = len(list(rc.data.text_stream_batches(np.arange(len(text)), 3, 5)))
    assert len(calls) == 2 * chunks and chunks >= 3
    for epoch in range(2):
        first = epoch * chunks
        np.testing.assert_array_equal(calls[first][0], np.zeros((3, 6)))        # h_0 = 0 each epoch
        for k in range(first + 1, first + chunks):
            np.testing.assert_array_equal(calls[k][0], calls[k - 1][1])        # = last state before
            assert np.abs(calls[k][0]).max() > 0


def test_the_epoch_loss_weights_each_batch_by_its_real_steps():
    """With a no-op optimizer, the epoch's loss is the loss over all real steps at once."""

    class Frozen:
        lr = 1.0

        def step(self, params, grads):
            pass

    words = ["a", "ab", "abcabc", "b", "cab", "ca", "abcabcab"]
    char_to_idx, _ = rc.vocabulary_from_words(words)
    X, Y, mask = rc.prepare_sequences(words, char_to_idx)
    rnn = VanillaRNN(len(char_to_idx), 5, len(char_to_idx), seed=0, init_scale=0.5, backend="numpy", optimizer=Frozen())
    history = rnn.train(X, Y, epochs=3, batch_size=2, mask=mask, print_interval=0)
    whole = rnn.compute_loss(Y, rnn.forward(X)[1], mask=mask)
    np.testing.assert_allclose(history, [whole] * 3, rtol=1e-12)
    # An unweighted mean of the batch losses differs here, so the check has teeth.
    batch_losses = [rnn.compute_loss(Y[:, r], rnn.forward(X[:, r])[1], mask=mask[:, r])
                    for r in (slice(0, 2), slice(2, 4), slice(4, 6), slice(6, 7))]
    assert abs(np.mean(batch_losses) - whole) > 1e-3


def test_adam_follows_its_formula_where_eps_matters():
    """g ≈ 1e-6: sqrt(v̂) ≈ 1e-6 is comparable to ε = 1e-7, so ε's place changes the step."""
    lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-7
    adam = rc.Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    params = {"w": np.array([[0.5, -0.5, 0.0]])}
    gradients = [np.array([[1e-6, -3e-6, 2e-7]]), np.array([[2e-6, 1e-6, -5e-7]]), np.array([[-1e-6, 2e-6, 1e-6]])]
    w, m, v = params["w"].copy(), np.zeros(3), np.zeros(3)
    for t, g in enumerate(gradients, start=1):
        adam.step(params, {"w": g})
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(params["w"], w, rtol=1e-12, atol=0)
    eps_inside = 0.5 - lr * 1e-6 / np.sqrt(1e-12 + eps)                # ε under the root: a tiny step
    assert abs(params["w"][0, 0] - eps_inside) > 1e-3 * lr


def test_reused_work_arrays_never_overwrite_what_a_caller_holds(rng):
    rnn = VanillaRNN(4, 5, 4, lr=0.1, seed=0, backend="numpy")
    X, Y = rng.integers(0, 4, (6, 3)), rng.integers(0, 4, (6, 3))
    _, hs_first = rnn.train_step(X, Y)
    kept = hs_first.copy()
    rnn.train(X, Y, epochs=3, print_interval=0)
    rnn._train_step(X, Y, (np.zeros((3, 5)),), None)
    hs_forward, ys_forward = rnn.forward(X)
    hs_again, _ = rnn.forward(X[::-1])
    np.testing.assert_array_equal(hs_first, kept)
    assert not np.shares_memory(hs_forward, hs_again)
    work = rnn.cell.work                                             # the vanilla cell's reused arrays
    held = work.get("hs", hs_forward, (6, 3, 5))
    assert work.get("hs", hs_forward, (6, 3, 5)) is not held        # someone holds it: a new one
    free = work.get("spare", hs_forward, (2, 5))
    free_id = id(free)
    del free
    assert id(work.get("spare", hs_forward, (2, 5))) == free_id     # nobody holds it: the same one


def test_training_with_reused_arrays_equals_training_without(rng):
    X, Y = rng.integers(0, 4, (6, 3)), rng.integers(0, 4, (6, 3))
    a = VanillaRNN(4, 5, 4, lr=0.1, seed=0, backend="numpy", optimizer="adam")
    b = VanillaRNN(4, 5, 4, lr=0.1, seed=0, backend="numpy", optimizer="adam")
    losses_a = a.train(X, Y, epochs=5, print_interval=0)
    losses_b = [b.train_step(X, Y)[0] for _ in range(5)]
    np.testing.assert_array_equal(losses_a, losses_b)
    np.testing.assert_array_equal(a.Whh, b.Whh)
