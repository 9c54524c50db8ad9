"""Choosing the array module: numpy on a CPU, CuPy on an NVIDIA GPU.

The rest of rnn_core is written once against an array module ``xp`` that is either
``numpy`` or ``cupy``; both offer the same functions (``xp.tanh``, ``xp.matmul``, ...).
Two helpers answer the only backend questions the rest of the code asks:
``get_array_module(array)`` ("numpy or cupy?") and ``to_numpy(array)`` ("bring it to the host").

Selection order: the ``backend=`` argument, then the ``RNN_CORE_BACKEND`` environment
variable, then ``"auto"``.

- ``"numpy"``: always numpy.
- ``"cupy"``: CuPy, or a clear ``RuntimeError`` when CuPy or a usable GPU is missing.
- ``"auto"``: CuPy only when it imports *and* a real GPU operation succeeds; otherwise numpy.
  Without CuPy installed (the usual case on a laptop) this is silent; when CuPy is installed
  but cannot run, one ``BackendFallbackWarning`` per process says why.

Importing rnn_core changes no process-wide state.
"""
import importlib.util
import os
import sys
import warnings

import numpy as np

BACKENDS = ("numpy", "cupy", "auto")
ENV_VAR = "RNN_CORE_BACKEND"


class BackendFallbackWarning(UserWarning):
    """Issued once when ``"auto"`` finds CuPy installed but unusable and falls back to numpy."""


_fallback_reported = False
_cupy_probe = None  # cached result of probing CuPy: (module or None, reason, installed)


def _probe_cupy():
    """``(cupy, "", True)`` when CuPy imports and a GPU computes, else ``(None, reason, installed)``.

    Without a GPU ``cupy.is_available()`` is False and most calls raise
    ``cupy.cuda.runtime.CUDARuntimeError`` (a RuntimeError), so a real operation is run.
    """
    global _cupy_probe
    if _cupy_probe is None:
        if "cupy" not in sys.modules and importlib.util.find_spec("cupy") is None:
            _cupy_probe = (None, "CuPy is not installed", False)
            return _cupy_probe
        try:
            import cupy
        except Exception as err:  # installed, but a broken CUDA install
            _cupy_probe = (None, f"CuPy is installed but not importable ({type(err).__name__}: {err})", True)
        else:
            try:
                if not cupy.is_available():
                    raise RuntimeError("cupy.is_available() is False (no CUDA device)")
                if int((cupy.arange(3) * 2).sum()) != 6:
                    raise RuntimeError("a test computation on the GPU gave a wrong result")
                _cupy_probe = (cupy, "", True)
            except Exception as err:
                _cupy_probe = (None, f"CuPy found no usable GPU ({type(err).__name__}: {err})", True)
    return _cupy_probe


def gpu_available():
    """True when CuPy imports and a real operation on the GPU succeeds."""
    return _probe_cupy()[0] is not None


def resolve_backend_name(backend=None):
    """The requested backend name: the argument, else ``$RNN_CORE_BACKEND``, else ``"auto"``."""
    name = backend if backend is not None else os.environ.get(ENV_VAR, "auto")
    if not isinstance(name, str) or name.strip().lower() not in BACKENDS:
        source = "backend=" if backend is not None else f"${ENV_VAR}="
        raise ValueError(f"{source}{name!r} is not a backend; expected one of {', '.join(BACKENDS)}")
    return name.strip().lower()


def get_backend(backend=None):
    """Return the array module (``numpy`` or ``cupy``) for ``backend``.

    Raises ``RuntimeError`` when ``"cupy"`` is asked for explicitly and cannot run.
    """
    global _fallback_reported
    name = resolve_backend_name(backend)
    if name == "numpy":
        return np
    cupy, reason, installed = _probe_cupy()
    if cupy is not None:
        return cupy
    if name == "cupy":
        raise RuntimeError(
            f"backend 'cupy' was requested but {reason}. Install CuPy for your CUDA version "
            "(`python3 tools/course.py install --group gpu`) on a machine with an NVIDIA GPU, "
            "or use backend='numpy'."
        )
    if installed and not _fallback_reported:   # no CuPy at all is the normal case: say nothing
        _fallback_reported = True
        warnings.warn(f"rnn_core: using numpy on the CPU, since {reason}.",
                      BackendFallbackWarning, stacklevel=3)
    return np


def is_cupy_array(array):
    """True for a CuPy array (tested by its class's module, so CuPy is never imported here)."""
    return type(array).__module__.split(".")[0] == "cupy"


def get_array_module(array):
    """``cupy`` for a CuPy array, else ``numpy`` (numpy arrays, scalars, lists, floats)."""
    if is_cupy_array(array):
        import cupy
        return cupy
    return np


def to_numpy(array):
    """``array`` on the host as a numpy array (no copy for numpy arrays); used by plots and saving."""
    if is_cupy_array(array):
        return array.get()
    return np.asarray(array)
