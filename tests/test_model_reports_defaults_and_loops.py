"""What the model prints and says, its defaults, and that each loop passes on what it is given.

The model's repr, the advice when training diverges, the defaults of ``train_words`` and
``train_text`` (what a student calls without arguments), that ``backward`` and ``train_step``
use ``h0``, ``c0`` and ``mask``, and the reference's softmax and BPTT on awkward inputs.
"""
import numpy as np
import pytest

import rnn_core as rc
from rnn_core import GRU, LSTM, VanillaRNN, cells, initialisation


class Frozen:
    """An optimizer that never moves: every epoch then sees the same model."""

    lr = 1.0

    def step(self, params, grads):
        pass


class NoRate:
    """An optimizer object without a learning rate or a name."""

    def step(self, params, grads):
        pass


def test_the_repr_names_the_class_sizes_and_every_setting():
    assert repr(VanillaRNN(3, 4, 5, backend="numpy")) == (
        "VanillaRNN(n_x=3, n_h=4, n_y=5, dtype=float64, backend=numpy, optimizer=sgd(lr=0.01), clip=value 5)")
    assert repr(LSTM(3, 4, 5, lr=0.5, dtype=np.float32, backend="numpy", optimizer="adam", clip=1.5,
                     clip_mode="norm", init="orthogonal")) == (
        "LSTM(n_x=3, n_h=4, n_y=5, dtype=float32, backend=numpy, optimizer=adam(lr=0.5), clip=norm 1.5, "
        "init=orthogonal)")
    assert repr(GRU(3, 4, 5, backend="numpy", clip=None, optimizer=NoRate(), reset_after=True)) == (
        "GRU(n_x=3, n_h=4, n_y=5, dtype=float64, backend=numpy, optimizer=NoRate, clip=none, reset_after=True)")


def test_the_divergence_advice_names_the_learning_rate_when_there_is_one():
    assert VanillaRNN(3, 4, 3, lr=0.25, backend="numpy")._divergence_advice() == (
        "try a smaller learning rate (lr=0.25) or gradient clipping (clip=5.0, clip_mode='value' or 'norm')")
    assert VanillaRNN(3, 4, 3, backend="numpy", optimizer=NoRate())._divergence_advice() == (
        "try a smaller learning rate or gradient clipping (clip=5.0, clip_mode='value' or 'norm')")


@pytest.mark.parametrize("cls", [VanillaRNN, LSTM, GRU])
def test_backward_and_train_step_use_the_initial_state_and_the_mask(cls, rng):
    X, Y = rng.integers(0, 4, (5, 3)), rng.integers(0, 4, (5, 3))
    mask = np.ones((5, 3))
    mask[2:, 1] = 0
    h0 = rng.standard_normal((3, 6))
    c0 = {"c0": rng.standard_normal((3, 6))} if cls is LSTM else {}
    models = [cls(4, 6, 4, lr=0.3, seed=1, init_scale=0.5, backend="numpy", clip=None) for _ in range(3)]
    expected_grads = models[0].gradients(X, Y, *models[0].forward(X, h0, **c0), h0=(h0, *c0.values()), mask=mask)
    expected_loss = models[0].compute_loss(Y, models[0].forward(X, h0, **c0)[1], mask)
    models[0].apply_gradients(expected_grads)
    models[1].backward(X, Y, *models[1].forward(X, h0, **c0), h0=(h0, *c0.values()), mask=mask)
    loss, hs = models[2].train_step(X, Y, h0, mask, **c0)
    assert loss == expected_loss
    for name in models[0].PARAM_NAMES:
        np.testing.assert_array_equal(models[1].params[name], models[0].params[name])
        np.testing.assert_array_equal(models[2].params[name], models[0].params[name])


def test_train_step_keeps_float32_one_hot_targets_and_masks_in_float32(rng):
    rnn = VanillaRNN(4, 5, 4, seed=0, dtype=np.float32, init_scale=0.5, backend="numpy", optimizer=Frozen())
    X, Y = rng.integers(0, 4, (6, 2)), rc.one_hot(rng.integers(0, 4, (6, 2)), 4)      # float64 one-hot
    assert rnn.train_step(X, Y)[0] == rnn.compute_loss(Y, rnn.forward(X)[1])         # both in float32
    mask = np.array([[1.0, 1.0]] * 4 + [[1.0, 0.0]] * 2)                              # a float64 mask
    assert rnn.train_step(X, Y, mask=mask)[0] == rnn.compute_loss(Y, rnn.forward(X)[1], mask)


@pytest.mark.parametrize("cls", [VanillaRNN, LSTM])
def test_forward_trace_holds_the_outputs_of_forward(cls, rng):
    model = cls(4, 5, 4, seed=0, init_scale=0.5, backend="numpy")
    X = rng.integers(0, 4, (6, 2))
    np.testing.assert_array_equal(model.forward_trace(X).ys, model.forward(X)[1])


@pytest.mark.parametrize("start", [False, True])
def test_prepare_sequences_is_the_data_modules(start):
    words = ["ab", "bca"]
    char_to_idx, _ = rc.vocabulary_from_words(words, start=True)
    got = VanillaRNN.prepare_sequences(words, char_to_idx, start=start)
    expected = rc.data.prepare_sequences(words, char_to_idx, start=start)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(VanillaRNN.prepare_sequences(words, char_to_idx)[0],
                                  rc.data.prepare_sequences(words, char_to_idx)[0])


def test_train_words_defaults_and_what_it_passes_to_train(monkeypatch, capsys):
    words = ["ab", "bca", "c"]
    n = len(rc.vocabulary_from_words(words)[0])
    rnn = VanillaRNN(n, 4, n, seed=0, backend="numpy", optimizer=Frozen())
    history = rnn.train_words(words)
    assert len(history) == 100                                          # epochs=100
    assert capsys.readouterr().out == f"epoch 100/100  loss {history[-1]:.4f}\n"   # print_interval=100
    X, Y, mask = rc.prepare_sequences(words, rnn.char_to_idx)
    assert history[0] == rnn.compute_loss(Y, rnn.forward(X)[1], mask)   # the mask is used
    calls = []
    monkeypatch.setattr(rnn, "train", lambda *args, **kwargs: calls.append((args, kwargs)))
    rnn.train_words(words, epochs=3, print_interval=2, batch_size=2, shuffle_seed=5, verbose=False)
    (args, kwargs), = calls
    assert args[2:] == (3, 2) and kwargs["batch_size"] == 2 and kwargs["shuffle_seed"] == 5
    assert kwargs["verbose"] is False and kwargs["mask"] is not None


def test_train_text_defaults_prints_every_epoch_and_weights_chunks_by_their_steps(monkeypatch, capsys):
    text = "abcab cab ca" * 40                                              # 480 characters
    rnn = VanillaRNN(4, 5, 4, seed=0, init_scale=0.5, backend="numpy", optimizer=Frozen())
    streams = []
    original = rc.data.text_stream_batches
    monkeypatch.setattr(rc.data, "text_stream_batches",
                        lambda indices, batch_size, seq_length: streams.append((batch_size, seq_length))
                        or original(indices, batch_size, seq_length))
    history = rnn.train_text(text)
    assert len(history) == 10 and streams[0] == (16, 25)                 # epochs, batch_size, seq_length
    assert capsys.readouterr().out.splitlines() == [f"epoch {e:>2d}/10  loss {history[e - 1]:.4f}"
                                                    for e in range(1, 11)]
    # The epoch's loss is the mean over every step: chunks of 25 and a last, shorter one.
    losses, steps, h = [], [], None
    for X, Y in original(rc.encode(text, rnn.char_to_idx), 16, 25):
        hs, ys = rnn.forward(X, h)
        losses.append(rnn.compute_loss(Y, ys))
        steps.append(X.size)
        h = hs[-1]
    assert len(set(steps)) == 2                                          # the last chunk is shorter
    np.testing.assert_allclose(history, [np.dot(losses, steps) / sum(steps)] * 10, rtol=1e-12)
    with pytest.raises(ValueError, match="^epochs must be >= 0"):
        rnn.train_text(text, epochs=-1)


def test_the_reference_softmax_works_row_by_row_without_overflow():
    z = np.array([[0.0, 1.0], [1000.0, 1001.0]])
    expected = np.exp([0.0, 1.0]) / np.exp([0.0, 1.0]).sum()
    np.testing.assert_allclose(cells.softmax(z), [expected, expected], rtol=1e-15)


def test_the_reference_bptt_gives_float_arrays(rng):
    model = VanillaRNN(3, 4, 3, seed=0, init_scale=0.5, backend="numpy")
    X = rng.integers(0, 3, (4, 2))
    hs, ys, caches = cells.forward(cells.vanilla, model.params, X, (np.zeros((2, 4)),))
    grads = cells.bptt(cells.vanilla, model.params, hs, ys, caches)
    assert {grads[name].dtype for name in model.PARAM_NAMES} == {grads["dstate0"][0].dtype} == {np.dtype(np.float64)}


def test_orthogonal_from_is_qr_with_a_positive_diagonal(rng):
    for n, scale in ((1, 1.0), (3, 1.0), (6, 1.0), (6, 0.01), (8, 0.01)):   # 0.01: as the models draw it
        gaussian = rng.standard_normal((n, n)) * scale
        q = initialisation.orthogonal_from(gaussian)
        np.testing.assert_allclose(q.T @ q, np.eye(n), atol=1e-12)
        r = q.T @ gaussian                                               # gaussian = q r
        np.testing.assert_allclose(np.tril(r, -1), 0, atol=1e-12)
        assert (np.diag(r) > 0).all()


def test_generation_reads_the_output_bias(hello):
    char_to_idx, idx_to_char = hello
    rnn = VanillaRNN(5, 4, 5, seed=0, backend="numpy")
    rnn.Why[...] = 0.0
    rnn.by[...] = [[0.0, 0.0, 0.0, 5.0, -5.0]]                  # ŷ is softmax(b_y) whatever the state
    assert rnn.predict("h", char_to_idx, idx_to_char, 3) == "h" + idx_to_char[3] * 3


def test_train_defaults_print_the_hundredth_epoch(capsys, rng):
    rnn = VanillaRNN(3, 4, 3, seed=0, backend="numpy", optimizer=Frozen())
    history = rnn.train(rng.integers(0, 3, (4, 2)), rng.integers(0, 3, (4, 2)), 100)
    assert capsys.readouterr().out == f"epoch 100/100  loss {history[-1]:.4f}\n"


def test_train_uses_h0_and_keeps_float32_targets_and_masks(rng):
    X, Y = rng.integers(0, 3, (5, 3)), rc.one_hot(rng.integers(0, 3, (5, 3)), 3)
    mask = np.ones((5, 3))
    mask[3:, 2] = 0
    h0 = rng.standard_normal((3, 4))
    for dtype in (np.float64, np.float32):
        rnn = VanillaRNN(3, 4, 3, seed=0, dtype=dtype, init_scale=0.5, backend="numpy", optimizer=Frozen())
        history = rnn.train(X, Y, 1, mask=mask, h0=h0, verbose=False)
        assert history == [rnn.compute_loss(Y, rnn.forward(X, h0)[1], mask)]


def test_the_epoch_loss_of_unmasked_batches_weights_each_by_its_size(rng):
    X, Y = rng.integers(0, 3, (5, 3)), rng.integers(0, 3, (5, 3))      # T = 5, batches of 2 and 1
    rnn = VanillaRNN(3, 4, 3, seed=0, init_scale=0.5, backend="numpy", optimizer=Frozen())
    history = rnn.train(X, Y, 2, batch_size=2, verbose=False)
    np.testing.assert_allclose(history, [rnn.compute_loss(Y, rnn.forward(X)[1])] * 2, rtol=1e-12)


def test_train_names_bad_batch_sizes_and_shuffle_seeds_and_repeats_a_seeded_order(rng):
    X, Y = rng.integers(0, 3, (4, 5)), rng.integers(0, 3, (4, 5))
    rnn = VanillaRNN(3, 4, 3, seed=0, backend="numpy")
    with pytest.raises(ValueError, match="^batch_size must be a positive integer"):
        rnn.train(X, Y, 1, batch_size=0)
    with pytest.raises(ValueError, match="^shuffle_seed must be >= 0"):
        rnn.train(X, Y, 1, shuffle_seed=-1)
    runs = []
    for _ in range(2):
        model = VanillaRNN(3, 4, 3, lr=0.5, seed=0, init_scale=0.5, backend="numpy")
        model.shuffle_rng = np.random.default_rng()                  # an unseeded order until replaced
        model.train(X, Y, 3, batch_size=2, shuffle_seed=3, verbose=False)
        runs.append(model.Whh.copy())
    np.testing.assert_array_equal(runs[0], runs[1])


def test_train_takes_a_plain_list_one_sequence_or_several_of_different_lengths():
    rnn = VanillaRNN(3, 4, 3, seed=0, init_scale=0.5, backend="numpy", optimizer=Frozen())
    history = rnn.train([0, 1, 2, 1], [1, 2, 1, 0], 1, verbose=False)             # one sequence, a list
    assert history == [rnn.compute_loss(np.array([1, 2, 1, 0]), rnn.forward(np.array([0, 1, 2, 1]))[1])]
    one = rnn.train([[0, 1, 2]], [[1, 2, 0]], 1, verbose=False)                     # a list of one sequence
    assert one == [rnn.compute_loss(np.array([1, 2, 0]), rnn.forward(np.array([0, 1, 2]))[1])]
    same = rnn.train([[0, 1], [2, 1]], [[1, 2], [1, 0]], 1, verbose=False)         # equal lengths: no mask
    assert same == [rnn.compute_loss(np.array([[1, 1], [2, 0]]), rnn.forward(np.array([[0, 2], [1, 1]]))[1])]
    uneven = rnn.train([[0, 1, 2], [2]], [[1, 2, 0], [1]], 1, verbose=False)
    X, mask = rc.pad_sequences([[0, 1, 2], [2]])
    Y, _ = rc.pad_sequences([[1, 2, 0], [1]])
    assert uneven == [rnn.compute_loss(Y, rnn.forward(X)[1], mask)]
    with pytest.raises(ValueError, match="X_train has 2 sequences but Y_train has 1"):
        rnn.train([[0, 1], [2]], [[1, 2]], 1)


def test_predict_writes_twenty_characters_by_default_and_checks_its_vocabulary(hello):
    char_to_idx, idx_to_char = hello
    rnn = VanillaRNN(5, 4, 5, seed=0, backend="numpy")
    assert len(rnn.predict("h", char_to_idx, idx_to_char)) == 1 + 20
    wrong = dict(idx_to_char)
    wrong[0], wrong[1] = idx_to_char[1], idx_to_char[0]
    with pytest.raises(ValueError, match="not the inverse"):
        rnn.predict("h", char_to_idx, wrong)
    for bad in (list(char_to_idx), {}):
        with pytest.raises(TypeError, match="non-empty dict"):
            rnn.set_vocabulary(bad)
    with pytest.raises(TypeError, match="non-empty strings"):
        rnn.set_vocabulary({"": 0, "a": 1, "b": 2, "c": 3, "d": 4})
