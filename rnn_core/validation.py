"""Input checks: turn what a user passes into the canonical arrays, or say clearly what is wrong.

Every function raises ``TypeError`` (wrong kind of object) or ``ValueError`` (wrong shape
or value) with a message that names the argument, what it got, and what was expected.
Canonical forms used inside rnn_core:

- inputs  ``X``: integer indices ``(T, B)``, or dense floats ``(T, B, n_x)``;
- targets ``Y``: integer classes ``(T, B)``, or dense (one-hot) floats ``(T, B, n_y)``;
- ``mask``: floats ``(T, B)`` holding 0 or 1, or ``None`` for "every step is real";
- ``h0``: ``(B, n_h)``.
"""
import numbers

import numpy as np

from .backend import is_cupy_array, to_numpy

INPUT_SHAPES = "(T, n_x) or (T, B, n_x) floats, or integer indices (T,) or (T, B)"


def positive_int(name, value):
    """``value`` as an int > 0, else ``TypeError``/``ValueError``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r} ({type(value).__name__})")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def non_negative_int(name, value):
    """``value`` as an int >= 0, else ``TypeError``/``ValueError``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return int(value)


def positive_float(name, value):
    """``value`` as a finite float > 0, else ``TypeError``/``ValueError``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return float(value)


def _as_array(name, value, xp):
    """An array on the backend ``xp``; strings and objects are refused."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array, not a string ({value[:20]!r}); "
                        "encode text first with rnn_core.encode(text, char_to_idx)")
    if value is None:
        raise TypeError(f"{name} must be an array, got None")
    if is_cupy_array(value):
        array = value
    else:
        try:
            array = np.asarray(value)
        except ValueError as err:  # ragged nested lists
            raise ValueError(f"{name} is ragged ({err}); pad sequences to one length "
                             "with rnn_core.pad_sequences and pass a mask") from None
    if array.dtype == object or array.dtype.kind in "USVOMmc":
        raise TypeError(f"{name} has dtype {array.dtype}; expected integers or real floats")
    return xp.asarray(array)


def _require_finite(name, array, xp):
    if not bool(xp.isfinite(array).all()):
        raise ValueError(f"{name} contains NaN or inf; expected finite values")


def _integer_range(name, array, upper, what):
    low, high = int(array.min()), int(array.max())
    if low < 0 or high >= upper:
        bad = low if low < 0 else high
        position = tuple(int(i) for i in np.argwhere(to_numpy(array == bad))[0])
        raise ValueError(f"{name} holds {what} {bad} at position {position}; "
                         f"expected 0 <= {what} < {upper}")


def inputs(X, n_x, xp, dtype):
    """Canonical inputs: ``(T, B)`` integer indices or ``(T, B, n_x)`` floats (the dtype says which)."""
    X = _as_array("X", X, xp)
    if X.dtype.kind == "b":
        raise TypeError("X is boolean; expected integer indices or float one-hot vectors")
    if X.ndim == 0:
        raise ValueError(f"X is a scalar; expected {INPUT_SHAPES}")
    if X.size == 0:
        raise ValueError(f"X has shape {tuple(X.shape)}: an empty sequence; expected {INPUT_SHAPES} with T >= 1")
    if X.dtype.kind in "iu":
        if X.ndim not in (1, 2):
            raise ValueError(f"integer X has shape {tuple(X.shape)}; expected indices (T,) or (T, B) "
                             "(one-hot vectors must be floats: X.astype(float))")
        if X.ndim == 2 and X.shape[0] >= 2 and X.shape[1] == n_x >= 3 and _rows_are_one_hot(X, xp):
            raise ValueError(f"integer X of shape {tuple(X.shape)} looks like one-hot rows (T, n_x), but "
                             "integer arrays are read as indices (T, B); pass X.astype(float) for one-hot "
                             "rows, or X.argmax(axis=1) for the indices (indices of n_x sequences that "
                             "happen to look one-hot: pass rnn_core.one_hot(X, n_x))")
        _integer_range("X", X, n_x, "index")
        X = X.astype(xp.int64, copy=False)
        return X[:, None] if X.ndim == 1 else X
    if X.ndim not in (2, 3):
        raise ValueError(f"X has shape {tuple(X.shape)}; expected {INPUT_SHAPES}")
    if X.shape[-1] != n_x:
        raise ValueError(f"X has shape {tuple(X.shape)}: width {X.shape[-1]} does not match n_x={n_x}; "
                         f"expected {INPUT_SHAPES}")
    X = X.astype(dtype, copy=False)
    _require_finite("X", X, xp)
    return X[:, None, :] if X.ndim == 2 else X


def _rows_are_one_hot(X, xp):
    """True when every row of the 2-D integer ``X`` is 0 everywhere but for a single 1.

    Index arrays ``(T, B)`` with B = n_x rarely look like that for T >= 2 and n_x >= 3; for
    shorter or narrower arrays the two readings are too easily confused to refuse either.
    """
    return bool(((X == 0) | (X == 1)).all()) and bool((X.sum(axis=1) == 1).all())


def initial_state(h0, batch, n_h, xp, dtype, name="h0"):
    """Canonical ``h0`` (or ``c0``: ``name``) of shape ``(B, n_h)``: zeros when None, a ``(1, n_h)`` row is repeated."""
    if h0 is None:
        return xp.zeros((batch, n_h), dtype=dtype)
    h0 = _as_array(name, h0, xp)
    if h0.ndim != 2 or h0.shape[1] != n_h or h0.shape[0] not in (1, batch):
        raise ValueError(f"{name} has shape {tuple(h0.shape)}; expected (B, n_h) = ({batch}, {n_h}) or (1, {n_h})")
    h0 = h0.astype(dtype, copy=False)
    _require_finite(name, h0, xp)
    if h0.shape[0] != batch:
        h0 = xp.repeat(h0, batch, axis=0)
    return h0


def forward_output(ys, xp, name="ys", n=None, shape=None):
    """``ys`` (or ``hs``) from ``forward`` as ``(T, B, n)``; a lecture-style ``(T, n)`` is a batch of one.

    ``n``: the width it must have; ``shape``: the whole shape, that of ``forward(X)`` on the same X.
    """
    if ys is None:
        raise ValueError(f"{name} is None; expected the {name} that forward(X) returned")
    ys = _as_array(name, ys, xp)
    if ys.dtype.kind != "f":
        raise TypeError(f"{name} has dtype {ys.dtype}; expected the float array returned by forward()")
    if ys.ndim == 2:
        ys = ys[:, None, :]
    if ys.ndim != 3 or ys.size == 0:
        raise ValueError(f"{name} has shape {tuple(ys.shape)}; expected (T, B, n) as returned by forward()")
    if n is not None and ys.shape[-1] != n:
        raise ValueError(f"{name} has shape {tuple(ys.shape)}; expected (T, B, n_y) with n_y={n}")
    if shape is not None and tuple(ys.shape) != tuple(shape):
        raise ValueError(f"{name} has shape {tuple(ys.shape)}; expected (T, B, {'n_h' if name == 'hs' else 'n_y'}) = "
                         f"{tuple(shape)}, from forward(X) on the same X")
    return ys


def targets(Y, ys_shape, xp, dtype):
    """Canonical targets for predictions of shape ``(T, B, n_y)``: classes ``(T, B)`` or floats ``(T, B, n_y)``."""
    T, B, n_y = ys_shape
    Y = _as_array("Y", Y, xp)
    if Y.dtype.kind == "b":
        raise TypeError("Y is boolean; expected integer classes or float one-hot vectors")
    if Y.dtype.kind in "iu":
        if Y.ndim == 1 and B == 1:
            Y = Y[:, None]
        if Y.shape != (T, B):
            raise ValueError(f"integer Y has shape {tuple(Y.shape)}; expected classes of shape (T, B) = ({T}, {B})"
                             + (f" or ({T},)" if B == 1 else ""))
        _integer_range("Y", Y, n_y, "class")
        return Y.astype(xp.int64, copy=False)
    if Y.ndim == 2 and B == 1:
        Y = Y[:, None, :]
    if Y.shape != (T, B, n_y):
        raise ValueError(f"Y has shape {tuple(Y.shape)}; expected one-hot targets shaped like ys, "
                         f"(T, B, n_y) = ({T}, {B}, {n_y}), or integer classes (T, B)")
    Y = Y.astype(dtype, copy=False)
    _require_finite("Y", Y, xp)
    if bool((Y < 0).any()):
        raise ValueError("Y has negative entries; expected one-hot (or probability) targets")
    return Y


def mask_array(mask, T, B, xp, dtype):
    """Canonical mask ``(T, B)`` of 0.0/1.0, or None. At least one step must be real."""
    if mask is None:
        return None
    mask = _as_array("mask", mask, xp)
    if mask.ndim == 1 and B == 1:
        mask = mask[:, None]
    if mask.shape != (T, B):
        raise ValueError(f"mask has shape {tuple(mask.shape)}; expected (T, B) = ({T}, {B})")
    mask = mask.astype(dtype)
    if not bool(((mask == 0) | (mask == 1)).all()):
        raise ValueError("mask must hold only 0/1 (or False/True)")
    if not bool(mask.any()):
        raise ValueError("mask marks no step as real; at least one (t, b) must be 1")
    return mask


def vocabulary_text(name, text, char_to_idx):
    """Check that every character of ``text`` is in ``char_to_idx``; name the first that is not."""
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a string, got {type(text).__name__}")
    for position, char in enumerate(text):
        if char not in char_to_idx:
            known = "".join(sorted(char_to_idx))
            raise ValueError(f"{name} has the character {char!r} (at position {position}) that is not "
                             f"in the vocabulary; expected only characters from {known!r}")
    return text
