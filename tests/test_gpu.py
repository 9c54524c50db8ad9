"""The CuPy backend against numpy. Marked `gpu`: skipped on machines without an NVIDIA GPU."""
import numpy as np
import pytest

import rnn_core as rc
from rnn_core import VanillaRNN

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not rc.gpu_available(), reason="needs CuPy and a usable NVIDIA GPU")]


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 1e-4)])
def test_cupy_forward_and_gradients_match_numpy(dtype, tolerance, rng):
    X = rng.integers(0, 7, (12, 5))
    Y = rng.integers(0, 7, (12, 5))
    mask = rng.random((12, 5)) < 0.8
    results = {}
    for name in ("numpy", "cupy"):
        rnn = VanillaRNN(7, 16, 7, seed=0, init_scale=0.5, dtype=dtype, backend=name)
        hs, ys = rnn.forward(X)
        grads = rnn.gradients(X, Y, hs, ys, mask=mask)
        loss = rnn.compute_loss(Y, ys, mask)
        results[name] = (rc.to_numpy(hs), rc.to_numpy(ys), {k: rc.to_numpy(g) for k, g in grads.items()}, loss)
        assert hs.dtype == dtype and all(g.dtype == dtype for g in grads.values())
    (hs_n, ys_n, g_n, loss_n), (hs_c, ys_c, g_c, loss_c) = results["numpy"], results["cupy"]
    np.testing.assert_allclose(hs_c, hs_n, rtol=0, atol=tolerance)
    np.testing.assert_allclose(ys_c, ys_n, rtol=0, atol=tolerance)
    assert loss_c == pytest.approx(loss_n, abs=tolerance)
    for name in g_n:
        assert rc.relative_error(g_c[name], g_n[name]) < tolerance


def test_cupy_gradient_check_float64(rng):
    rnn = VanillaRNN(4, 5, 4, seed=1, init_scale=0.5, backend="cupy")
    X, Y = rng.integers(0, 4, (4, 2)), rng.integers(0, 4, (4, 2))
    errors = rc.check_gradients(rnn, X, Y, h0=rng.standard_normal((2, 5)) * 0.5)
    assert max(errors.values()) < 1e-7


def test_cupy_training_hello_save_and_load(tmp_path, hello):
    char_to_idx, idx_to_char = hello
    rnn = VanillaRNN(5, 8, 5, lr=0.1, seed=0, backend="cupy")
    rnn.train(rc.encode("hello", char_to_idx), rc.encode("ello ", char_to_idx), epochs=1000, print_interval=0)
    assert rnn.predict("h", char_to_idx, idx_to_char, 4) == "hello"
    path = rnn.save(tmp_path / "gpu_model.npz")
    loaded = VanillaRNN.load(path, backend="numpy")
    np.testing.assert_array_equal(loaded.Whh, rc.to_numpy(rnn.Whh))


def test_cupy_words_and_text_training_run(tmp_path):
    words = rc.load_words()[:40]
    n = len(rc.vocabulary_from_words(words)[0])
    rnn = VanillaRNN(n, 32, n, lr=0.01, seed=0, backend="cupy", optimizer="adam")
    history = rnn.train_words(words, epochs=30, print_interval=0, batch_size=16)
    assert history[-1] < history[0]
    assert isinstance(rnn.predict("c", length=8, temperature=0.8, seed=0), str)
