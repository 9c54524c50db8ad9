"""Choosing the array module: numpy on a CPU, CuPy on an NVIDIA GPU.

The rest of rnn_core is written once against an array module ``xp`` that is either
``numpy`` or ``cupy``; both offer the same functions (``xp.tanh``, ``xp.matmul``, ...).

Selection order: the ``backend=`` argument, then the ``RNN_CORE_BACKEND`` environment
variable, then ``"auto"``.

- ``"numpy"``: always numpy.
- ``"cupy"``: CuPy, or a clear ``RuntimeError`` when CuPy or a usable GPU is missing.
- ``"auto"``: CuPy only when it imports *and* a real GPU operation succeeds; otherwise
  numpy, with one ``BackendFallbackWarning`` per process saying why.
"""
import ctypes
import os
import sys
import warnings

import numpy as np

BACKENDS = ("numpy", "cupy", "auto")
ENV_VAR = "RNN_CORE_BACKEND"
KEEP_MEMORY_VAR = "RNN_CORE_KEEP_MEMORY"


class BackendFallbackWarning(UserWarning):
    """Issued once when ``"auto"`` finds no usable GPU and falls back to numpy."""


_fallback_reported = False
_cupy_probe = None  # cached result of probing CuPy: (module or None, reason)


def _probe_cupy():
    """Return ``(cupy, "")`` when CuPy imports and a GPU computes, else ``(None, reason)``.

    Without a GPU ``cupy.is_available()`` is False and most calls raise
    ``cupy.cuda.runtime.CUDARuntimeError`` (a RuntimeError), so a real operation is run.
    """
    global _cupy_probe
    if _cupy_probe is None:
        try:
            import cupy
        except Exception as err:  # ImportError, or a broken CUDA install
            _cupy_probe = (None, f"CuPy is not importable ({type(err).__name__}: {err})")
        else:
            try:
                if not cupy.is_available():
                    raise RuntimeError("cupy.is_available() is False (no CUDA device)")
                if int((cupy.arange(3) * 2).sum()) != 6:
                    raise RuntimeError("a test computation on the GPU gave a wrong result")
                _cupy_probe = (cupy, "")
            except Exception as err:
                _cupy_probe = (None, f"CuPy found no usable GPU ({type(err).__name__}: {err})")
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
    cupy, reason = _probe_cupy()
    if cupy is not None:
        return cupy
    if name == "cupy":
        raise RuntimeError(
            f"backend 'cupy' was requested but {reason}. Install CuPy for your CUDA version "
            "(pip install -r requirements-gpu.txt) on a machine with an NVIDIA GPU, "
            "or use backend='numpy'."
        )
    if not _fallback_reported:
        _fallback_reported = True
        warnings.warn(f"rnn_core: using numpy on the CPU, since {reason}.",
                      BackendFallbackWarning, stacklevel=3)
    return np


def get_array_module(array):
    """``cupy`` for a CuPy array, else ``numpy``."""
    module = type(array).__module__
    if module.startswith("cupy"):
        import cupy
        return cupy
    return np


def to_numpy(array):
    """A numpy copy of ``array`` (a no-op view for numpy arrays); used by plots and saving."""
    if type(array).__module__.startswith("cupy"):
        return array.get()
    return np.asarray(array)



def matmul_accumulate(a, b, out, transpose_b=False):
    """``out += a @ b`` (or ``a @ b.T``), in place, in as few kernel launches as possible.

    On the GPU this is one cuBLAS GEMM with beta = 1 (C ← A·B + C), so a time step of the
    recurrence costs two launches instead of three; on numpy it is a product and an add.
    a: (m, k); b: (k, n), or (n, k) with ``transpose_b``; out: (m, n), C-contiguous.
    """
    if isinstance(out, np.ndarray):
        out += a @ (b.T if transpose_b else b)
        return out
    from cupy import cublas
    return cublas.gemm("N", "T" if transpose_b else "N", a, b, out=out, alpha=1.0, beta=1.0)


def keep_freed_memory(mmap_threshold=256 << 20, trim_threshold=512 << 20):
    """Ask glibc to reuse freed memory for large arrays instead of returning it to the system.

    By default glibc gives every array over 128 KiB its own fresh pages from the kernel and
    hands them back when the array is freed. Each training step allocates and frees the same
    few large arrays (hidden states, probabilities, gradients), so it pays for those fresh pages
    again every step; on a virtual machine that was half the time of a medium-sized step
    (benchmarks/README.md). With these settings blocks below ``mmap_threshold`` come from the
    reusable heap, and up to ``trim_threshold`` of free memory is kept for reuse.

    Called once when rnn_core is imported, on Linux with glibc only; set the environment
    variable ``RNN_CORE_KEEP_MEMORY=0`` to leave the allocator alone. Returns True if applied.
    """
    if os.environ.get(KEEP_MEMORY_VAR, "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):      # not glibc (e.g. musl): nothing to tune
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return mallopt(M_MMAP_THRESHOLD, int(mmap_threshold)) == 1 and mallopt(M_TRIM_THRESHOLD, int(trim_threshold)) == 1
