"""Backend selection: numpy always works; CuPy only with a real GPU; a clear error otherwise.

Also: ``import rnn_core`` changes no process-wide state (the allocator in particular).
"""
import subprocess
import sys
import textwrap
import types
import warnings

import numpy as np
import pytest

import rnn_core as rc
from rnn_core import VanillaRNN, backend, fast, functional


@pytest.fixture
def no_cupy(monkeypatch):
    """Pretend CuPy is not installed, whatever this machine has, and reset the once-only warning."""
    monkeypatch.setattr(backend, "_cupy_probe", (None, "CuPy is not installed", False))
    monkeypatch.setattr(backend, "_fallback_reported", False)


@pytest.fixture
def broken_cupy(monkeypatch):
    """Pretend CuPy is installed but finds no GPU."""
    monkeypatch.setattr(backend, "_cupy_probe", (None, "CuPy found no usable GPU (test)", True))
    monkeypatch.setattr(backend, "_fallback_reported", False)


def test_numpy_backend_is_numpy(no_cupy, monkeypatch):
    monkeypatch.setenv("RNN_CORE_BACKEND", "cupy")      # the argument wins over the variable
    assert backend.get_backend("numpy") is np
    assert rc.VanillaRNN(2, 3, 2, backend="numpy").backend == "numpy"


def test_auto_without_cupy_installed_is_silent(no_cupy, monkeypatch):
    monkeypatch.delenv("RNN_CORE_BACKEND", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # any warning would raise here
        assert backend.get_backend() is np
        assert rc.VanillaRNN(2, 3, 2).xp is np


def test_auto_with_an_unusable_cupy_warns_once(broken_cupy, monkeypatch):
    monkeypatch.delenv("RNN_CORE_BACKEND", raising=False)
    with pytest.warns(rc.BackendFallbackWarning, match="using numpy on the CPU, since CuPy found no usable GPU"):
        assert backend.get_backend() is np
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # a second warning would raise here
        assert backend.get_backend("auto") is np
        assert rc.VanillaRNN(2, 3, 2).xp is np


def test_the_probe_tells_not_installed_from_installed_but_broken(monkeypatch):
    monkeypatch.setattr(backend, "_cupy_probe", None)
    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    monkeypatch.setattr(backend.importlib.util, "find_spec", lambda name: None)
    assert backend._probe_cupy() == (None, "CuPy is not installed", False)


def test_explicit_cupy_without_gpu_is_a_clear_error(no_cupy):
    with pytest.raises(RuntimeError, match="backend 'cupy' was requested but CuPy is not installed"):
        rc.VanillaRNN(2, 3, 2, backend="cupy")


def test_environment_variable_selects_the_backend(no_cupy, monkeypatch):
    monkeypatch.setenv("RNN_CORE_BACKEND", "numpy")
    assert backend.get_backend() is np
    monkeypatch.setenv("RNN_CORE_BACKEND", "cupy")
    with pytest.raises(RuntimeError, match="--group gpu"):
        backend.get_backend()
    monkeypatch.setenv("RNN_CORE_BACKEND", "gpu please")
    with pytest.raises(ValueError, match=r"\$RNN_CORE_BACKEND='gpu please' is not a backend"):
        backend.get_backend()


def test_a_cupy_that_imports_but_has_no_device_counts_as_no_gpu(monkeypatch):
    """Without a GPU, cupy.is_available() is False and CUDA calls raise a RuntimeError."""

    class CUDARuntimeError(RuntimeError):
        pass

    fake = types.ModuleType("cupy")
    fake.is_available = lambda: False

    def arange(n):
        raise CUDARuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    fake.arange = arange
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(backend, "_cupy_probe", None)
    monkeypatch.setattr(backend, "_fallback_reported", False)
    with pytest.warns(rc.BackendFallbackWarning, match="no usable GPU"):
        assert backend.get_backend("auto") is np
    assert not backend.gpu_available()
    fake.is_available = lambda: True                    # claims a device, but the operation fails
    monkeypatch.setattr(backend, "_cupy_probe", None)
    assert backend.get_backend("auto") is np
    assert "CUDARuntimeError" in backend._cupy_probe[1] and backend._cupy_probe[2]


def test_one_helper_answers_which_module_and_to_host():
    a = np.arange(3.0)
    assert backend.to_numpy(a) is a
    for thing in (a, np.float32(1.0), [1.0, 2.0], 3.0, None):
        assert backend.get_array_module(thing) is np
    np.testing.assert_array_equal(backend.to_numpy([1, 2]), [1, 2])

    class FakeCupyArray:                                # what CuPy's classes look like from outside
        __module__ = "cupy._core.core"

        def get(self):
            return np.ones(2)

    assert backend.is_cupy_array(FakeCupyArray()) and not backend.is_cupy_array(a)
    np.testing.assert_array_equal(backend.to_numpy(FakeCupyArray()), np.ones(2))


def test_importing_rnn_core_leaves_the_allocator_alone():
    """Every call into libc's mallopt during `import rnn_core` is recorded: there must be none."""
    script = textwrap.dedent("""
        import ctypes
        calls = []
        original_getattr, original_getitem = ctypes.CDLL.__getattr__, ctypes.CDLL.__getitem__

        def recorder(*args):
            calls.append(args)
            return 1

        # Every way of reaching a C function through ctypes (ctypes.CDLL(...).mallopt,
        # ctypes.cdll.LoadLibrary(...)["mallopt"], ...) goes through these two methods.
        ctypes.CDLL.__getattr__ = lambda lib, name: recorder if name == "mallopt" else original_getattr(lib, name)
        ctypes.CDLL.__getitem__ = lambda lib, name: recorder if name == "mallopt" else original_getitem(lib, name)
        import rnn_core
        rnn_core.VanillaRNN(3, 4, 3, backend="numpy").train_step([0, 1, 2], [1, 2, 0])
        print("mallopt calls:", calls)
        ctypes.CDLL(None).mallopt(-3, 1 << 28)          # a direct call is recorded: the recorder works
        print("recorder works:", len(calls) == 1)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "mallopt calls: []" in result.stdout
    assert "recorder works: True" in result.stdout


def test_the_gpu_hook_gets_the_documented_arrays(monkeypatch, rng):
    """forward/bptt hand CuPy arrays to gpu_kernels; a numpy stand-in keeping the contract gives
    the numpy path's results, so the arrays handed over are the right ones."""

    def forward_recurrence(hs, h0, Whh):                  # hs holds x_t W_xh + b_h on entry
        h = h0
        for t in range(hs.shape[0]):
            hs[t] = np.tanh(hs[t] + h @ Whh)
            h = hs[t]
        return hs

    def backward_recurrence(delta_h, hs, Whh):            # delta_h holds δy_t W_hyᵀ on entry
        after = np.zeros_like(delta_h[0])
        for t in range(hs.shape[0] - 1, -1, -1):
            delta_h[t] = (delta_h[t] + after @ Whh.T) * (1 - hs[t] ** 2)
            after = delta_h[t]
        return delta_h

    fake = types.ModuleType("rnn_core.fast.gpu_kernels")
    fake.forward_recurrence, fake.backward_recurrence = forward_recurrence, backward_recurrence
    rnn = VanillaRNN(5, 6, 4, seed=0, init_scale=0.5, backend="numpy")
    X, Y = rng.integers(0, 5, (7, 3)), rng.integers(0, 4, (7, 3))
    h0 = rng.standard_normal((3, 6)) * 0.3
    hs, ys = fast.vanilla.forward(rnn.params, X, h0)
    grads = fast.vanilla.bptt(rnn.params, X, hs, h0, functional.output_error(ys, Y))
    monkeypatch.setitem(sys.modules, "rnn_core.fast.gpu_kernels", fake)
    monkeypatch.setattr(fast, "gpu_kernels", fake, raising=False)
    monkeypatch.setattr(fast.vanilla, "is_cupy_array", lambda array: True)
    hs_gpu, ys_gpu = fast.vanilla.forward(rnn.params, X, h0)
    grads_gpu = fast.vanilla.bptt(rnn.params, X, hs_gpu, h0, functional.output_error(ys_gpu, Y))
    np.testing.assert_allclose(hs_gpu, hs, rtol=0, atol=1e-15)
    for name in grads:
        np.testing.assert_allclose(grads_gpu[name], grads[name], rtol=0, atol=1e-15)
