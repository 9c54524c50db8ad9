"""Backend selection: numpy always works; CuPy only with a real GPU; a clear error otherwise."""
import warnings

import numpy as np
import pytest

import rnn_core as rc
from rnn_core import backend


@pytest.fixture
def no_gpu(monkeypatch):
    """Pretend CuPy is missing, whatever this machine has, and reset the once-only warning."""
    monkeypatch.setattr(backend, "_cupy_probe", (None, "CuPy is not importable (test)"))
    monkeypatch.setattr(backend, "_fallback_reported", False)


def test_numpy_backend_is_numpy(no_gpu, monkeypatch):
    monkeypatch.setenv("RNN_CORE_BACKEND", "cupy")      # the argument wins over the variable
    assert backend.get_backend("numpy") is np
    assert rc.VanillaRNN(2, 3, 2, backend="numpy").backend == "numpy"


def test_auto_falls_back_to_numpy_and_says_so_once(no_gpu, monkeypatch):
    monkeypatch.delenv("RNN_CORE_BACKEND", raising=False)
    with pytest.warns(rc.BackendFallbackWarning, match="using numpy on the CPU"):
        assert backend.get_backend() is np
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # a second warning would raise here
        assert backend.get_backend("auto") is np
        assert rc.VanillaRNN(2, 3, 2).xp is np


def test_explicit_cupy_without_gpu_is_a_clear_error(no_gpu):
    with pytest.raises(RuntimeError, match="backend 'cupy' was requested but CuPy is not importable"):
        rc.VanillaRNN(2, 3, 2, backend="cupy")


def test_environment_variable_selects_the_backend(no_gpu, monkeypatch):
    monkeypatch.setenv("RNN_CORE_BACKEND", "numpy")
    assert backend.get_backend() is np
    monkeypatch.setenv("RNN_CORE_BACKEND", "cupy")
    with pytest.raises(RuntimeError, match="requirements-gpu.txt"):
        backend.get_backend()
    monkeypatch.setenv("RNN_CORE_BACKEND", "gpu please")
    with pytest.raises(ValueError, match=r"\$RNN_CORE_BACKEND='gpu please' is not a backend"):
        backend.get_backend()


def test_a_cupy_that_imports_but_has_no_device_counts_as_no_gpu(monkeypatch):
    """Without a GPU, cupy.is_available() is False and CUDA calls raise a RuntimeError."""
    import sys
    import types

    class CUDARuntimeError(RuntimeError):
        pass

    fake = types.ModuleType("cupy")
    fake.is_available = lambda: False

    def arange(n):
        raise CUDARuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    fake.arange = arange
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(backend, "_cupy_probe", None)
    monkeypatch.setattr(backend, "_fallback_reported", True)
    assert backend.get_backend("auto") is np
    assert not backend.gpu_available()
    assert "no usable GPU" in backend._cupy_probe[1]
    fake.is_available = lambda: True                    # claims a device, but the operation fails
    monkeypatch.setattr(backend, "_cupy_probe", None)
    assert backend.get_backend("auto") is np
    assert "CUDARuntimeError" in backend._cupy_probe[1]


def test_to_numpy_and_get_array_module_on_numpy_arrays():
    a = np.arange(3.0)
    assert backend.to_numpy(a) is a
    assert backend.get_array_module(a) is np


def test_allocator_tuning_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("RNN_CORE_KEEP_MEMORY", "0")
    assert backend.keep_freed_memory() is False
    monkeypatch.delenv("RNN_CORE_KEEP_MEMORY")
    import platform
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert backend.keep_freed_memory() is True
