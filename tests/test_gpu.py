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


# ---------------------------------------------------------------- the one-launch recurrence kernels
def _reference_recurrences(a, h0, Whh, g):
    """numpy loops: h_t = tanh(a_t + h_{t-1} W_hh), δh_t = (g_t + δh_{t+1} W_hhᵀ) ⊙ (1 − h_t²)."""
    hs, h = np.empty_like(a), h0
    for t in range(a.shape[0]):
        h = hs[t] = np.tanh(a[t] + h @ Whh)
    delta, carry = np.empty_like(g), np.zeros_like(g[0])
    for t in range(g.shape[0] - 1, -1, -1):
        carry = delta[t] = (g[t] + carry @ Whh.T) * (1 - hs[t] ** 2)
    return hs, delta


@pytest.mark.parametrize("kind", ["cluster", "rows", "loop"])
@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 1e-4)])
@pytest.mark.parametrize("T, B, n", [(1, 1, 1), (5, 3, 7), (9, 130, 33), (4, 9, 513), (3, 2, 1030)])
def test_recurrence_kernels_match_numpy(kind, dtype, tolerance, T, B, n, monkeypatch):
    import cupy
    from rnn_core.fast import gpu_kernels
    if kind == "cluster" and int(cupy.cuda.Device().compute_capability) < 90:
        pytest.skip("thread-block clusters need compute capability 9.0")
    monkeypatch.setattr(gpu_kernels, "KERNEL", kind)
    rng = np.random.default_rng(T * 1000 + n)
    a, g = rng.standard_normal((T, B, n)), rng.standard_normal((T, B, n))
    h0 = rng.standard_normal((B, n)) * 0.5
    Whh = rng.standard_normal((n, n)) * 0.9 / np.sqrt(n)
    hs_ref, delta_ref = _reference_recurrences(a, h0, Whh, g)
    hs = gpu_kernels.forward_recurrence(cupy.asarray(a, dtype), cupy.asarray(h0, dtype), cupy.asarray(Whh, dtype))
    delta = gpu_kernels.backward_recurrence(cupy.asarray(g, dtype), hs, cupy.asarray(Whh, dtype))
    assert hs.dtype == dtype and delta.dtype == dtype
    np.testing.assert_allclose(cupy.asnumpy(hs), hs_ref, rtol=0, atol=tolerance)
    np.testing.assert_allclose(cupy.asnumpy(delta), delta_ref, rtol=0, atol=tolerance * max(1.0, np.abs(delta_ref).max()))


@pytest.mark.parametrize("n_h", [40, 600])   # W_hh below and above the one-launch limit (float64)
def test_model_on_cupy_matches_numpy_with_mask_and_h0(n_h, rng):
    # Weights of standard deviation 0.5/√n_h give W_hh a spectral radius near 0.5: a contracting
    # recurrence, so the two backends' different summation orders stay at rounding level.
    X, Y = rng.integers(0, 11, (15, 6)), rng.integers(0, 11, (15, 6))
    mask = (rng.random((15, 6)) < 0.8).astype(float)
    h0 = rng.standard_normal((6, n_h)) * 0.3
    results = {}
    for name in ("numpy", "cupy"):
        rnn = VanillaRNN(11, n_h, 11, seed=3, init_scale=0.5 / np.sqrt(n_h), backend=name)
        hs, ys = rnn.forward(X, h0=h0)
        grads = rnn.gradients(X, Y, hs, ys, h0=h0, mask=mask)
        results[name] = rc.to_numpy(hs), {k: rc.to_numpy(v) for k, v in grads.items()}
    np.testing.assert_allclose(results["cupy"][0], results["numpy"][0], rtol=0, atol=1e-12)
    for name, grad in results["numpy"][1].items():
        assert rc.relative_error(results["cupy"][1][name], grad) < 1e-10, name
