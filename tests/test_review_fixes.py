"""The twelve edge bugs of the line-by-line review (issue 9), each reproduced, and the behaviours
that hand-made mutants survived before (carried state, temperature, epoch weighting, ∂L/∂h_t,
Adam's ε, fsync before rename)."""
import os
import stat

import numpy as np
import pytest

import rnn_core as rc
from rnn_core import VanillaRNN, functional


# ----------------------------------------------------------------------------- the twelve
def test_1_a_vocabulary_smaller_than_the_outputs_is_refused():
    rnn = VanillaRNN(5, 4, 5, seed=0, backend="numpy")
    with pytest.raises(ValueError, match="vocabulary has 3 characters .* expected exactly n_y"):
        rnn.set_vocabulary({"a": 0, "b": 1, "c": 2})
    with pytest.raises(ValueError, match="expected exactly n_y"):
        rnn.predict("a", {"a": 0, "b": 1, "c": 2}, length=3)
    rnn.set_vocabulary({c: i for i, c in enumerate("abcde")})      # one character per class: fine
    assert len(rnn.predict("a", length=10, temperature=1.0, seed=0)) == 11


def test_2_integer_one_hot_rows_are_not_read_as_indices():
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


def test_3_lr_together_with_an_optimizer_object_is_refused():
    with pytest.raises(ValueError, match="lr=0.5 was given together with the optimizer object Adam"):
        VanillaRNN(3, 4, 3, lr=0.5, optimizer=rc.Adam(lr=0.001), backend="numpy")
    rnn = VanillaRNN(3, 4, 3, optimizer=rc.Adam(lr=0.001, beta2=0.99), backend="numpy")
    assert rnn.lr == 0.001 and rnn.optimizer.beta2 == 0.99
    assert VanillaRNN(3, 4, 3, backend="numpy").lr == 0.01             # the default for a named one
    assert VanillaRNN(3, 4, 3, lr=0.3, optimizer="adam", backend="numpy").lr == 0.3


def test_4_save_and_load_agree_on_the_npz_suffix(tmp_path):
    rnn = VanillaRNN(3, 4, 3, seed=1, backend="numpy")
    written = rnn.save(tmp_path / "m")
    assert written == str(tmp_path / "m.npz")
    loaded = VanillaRNN.load(tmp_path / "m", backend="numpy")
    np.testing.assert_array_equal(loaded.Whh, rnn.Whh)
    with pytest.raises(rc.MissingModelFileError, match=r"does not exist \(nor .*other.npz"):
        VanillaRNN.load(tmp_path / "other")


def test_5_saved_models_get_the_mode_of_a_normal_file(tmp_path):
    previous = os.umask(0o022)
    try:
        path = VanillaRNN(3, 4, 3, backend="numpy").save(tmp_path / "m.npz")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
        os.umask(0o077)
        path = VanillaRNN(3, 4, 3, backend="numpy").save(tmp_path / "private.npz")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        os.umask(previous)


@pytest.mark.parametrize("content, message", [
    (b"this is not a zip file at all", "not a model file: an rnn_core model is a .npz"),
    (b"", "not a model file"),
    (b"\x80\x04\x95 pickled", "holds pickled Python objects"),
])
def test_6_a_file_that_is_not_a_zip_is_named_for_what_it_is(tmp_path, content, message):
    path = tmp_path / "thing.npz"
    path.write_bytes(content)
    with pytest.raises(rc.ModelFileError, match=message):
        VanillaRNN.load(path)


def test_7_multi_character_tokens_survive_saving(tmp_path):
    rnn = VanillaRNN(4, 5, 4, seed=0, backend="numpy")
    vocabulary = {"<s>": 0, "a": 1, "bc": 2, "</s>": 3}
    rnn.set_vocabulary(vocabulary)
    loaded = VanillaRNN.load(rnn.save(tmp_path / "tokens"), backend="numpy")
    assert loaded.char_to_idx == vocabulary
    assert loaded.idx_to_char == {0: "<s>", 1: "a", 2: "bc", 3: "</s>"}


def test_8_softmax_takes_lists_and_refuses_scalars_clearly():
    np.testing.assert_allclose(rc.softmax([1.0, 1.0]), [0.5, 0.5])
    np.testing.assert_allclose(rc.softmax([0, 0, 0, 0]), [0.25] * 4)       # integers become floats
    np.testing.assert_allclose(rc.softmax(np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]])
    with pytest.raises(ValueError, match="at least one axis, got a scalar"):
        rc.softmax(np.float64(3.0))


def test_9_huge_but_finite_float32_gradients_are_clipped_not_refused():
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


def test_10_repeated_one_epoch_calls_do_not_repeat_the_batch_order():
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


def test_11_float16_files_and_adam_settings(tmp_path):
    rnn = VanillaRNN(3, 4, 3, backend="numpy", optimizer=rc.Adam(lr=0.002, beta1=0.8, beta2=0.99, eps=1e-6),
                     init="orthogonal", whh_scale=0.9, init_scale=0.2)
    loaded = VanillaRNN.load(rnn.save(tmp_path / "adam"), backend="numpy")
    adam = loaded.optimizer
    assert (adam.name, adam.lr, adam.beta1, adam.beta2, adam.eps) == ("adam", 0.002, 0.8, 0.99, 1e-6)
    assert (loaded.init, loaded.whh_scale, loaded.init_scale) == ("orthogonal", 0.9, 0.2)
    with np.load(tmp_path / "adam.npz") as archive:
        contents = {key: archive[key] for key in archive.files}
    for name in rc.functional.PARAM_NAMES:
        contents[name] = contents[name].astype(np.float16)
    np.savez(tmp_path / "half.npz", **contents)
    with pytest.raises(rc.ModelFileError, match="dtype float16; expected float32 or float64"):
        VanillaRNN.load(tmp_path / "half.npz")


def test_12_tiny_temperatures_are_greedy_not_nan(hello):
    char_to_idx, idx_to_char = hello
    rnn = VanillaRNN(5, 8, 5, seed=0, init_scale=1.0, backend="numpy")
    greedy = rnn.predict("h", char_to_idx, idx_to_char, 12)
    for temperature in (1e-3, 1e-200, 5e-324):
        assert rnn.predict("h", char_to_idx, idx_to_char, 12, temperature=temperature, seed=0) == greedy
    probs = functional.softmax_with_temperature(np.array([1.0, 3.0, 3.0, -2.0]), 1e-300)
    np.testing.assert_array_equal(probs, [0.0, 0.5, 0.5, 0.0])       # an exact tie splits evenly


# ----------------------------------------------------------------------------- behaviours
def test_train_text_carries_each_chunks_last_state_and_resets_every_epoch(monkeypatch):
    text = "abcabcabdabcabcabcabdabcab" * 3
    rnn = VanillaRNN(4, 6, 4, lr=0.05, seed=0, init_scale=0.5, backend="numpy")
    calls = []
    original = rnn._train_step

    def recording_train_step(X, Y, h0, mask):
        loss, hs = original(X, Y, h0, mask)
        calls.append((h0.copy(), hs[-1].copy()))
        return loss, hs

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


def test_a_save_is_on_disk_before_it_is_renamed_into_place(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(("fsync", fd)), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append(("replace", os.fspath(a), os.fspath(b))),
                                                      real_replace(a, b))[1])
    path = VanillaRNN(3, 4, 3, backend="numpy").save(tmp_path / "m.npz")
    kinds = [event[0] for event in events]
    assert kinds == ["fsync", "replace", "fsync"]          # the data, the rename, the folder entry
    _, temporary, target = events[1]
    assert target == path and os.path.dirname(temporary) == str(tmp_path)   # same folder: an atomic rename
    assert not os.path.exists(temporary)


def test_reused_work_arrays_never_overwrite_what_a_caller_holds(rng):
    rnn = VanillaRNN(4, 5, 4, lr=0.1, seed=0, backend="numpy")
    X, Y = rng.integers(0, 4, (6, 3)), rng.integers(0, 4, (6, 3))
    _, hs_first = rnn.train_step(X, Y)
    kept = hs_first.copy()
    rnn.train(X, Y, epochs=3, print_interval=0)
    rnn._train_step(X, Y, np.zeros((3, 5)), None)
    hs_forward, ys_forward = rnn.forward(X)
    hs_again, _ = rnn.forward(X[::-1])
    np.testing.assert_array_equal(hs_first, kept)
    assert not np.shares_memory(hs_forward, hs_again)
    held = rnn._work_array("hs", (6, 3, 5))
    assert rnn._work_array("hs", (6, 3, 5)) is not held            # someone holds it: a new one


def test_training_with_reused_arrays_equals_training_without(rng):
    X, Y = rng.integers(0, 4, (6, 3)), rng.integers(0, 4, (6, 3))
    a = VanillaRNN(4, 5, 4, lr=0.1, seed=0, backend="numpy", optimizer="adam")
    b = VanillaRNN(4, 5, 4, lr=0.1, seed=0, backend="numpy", optimizer="adam")
    losses_a = a.train(X, Y, epochs=5, print_interval=0)
    losses_b = [b.train_step(X, Y)[0] for _ in range(5)]
    np.testing.assert_array_equal(losses_a, losses_b)
    np.testing.assert_array_equal(a.Whh, b.Whh)
