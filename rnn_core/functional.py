"""The output layer's softmax and the loss (3) with its error δy (4.1a), as plain functions.

    (2.2)  ŷ_t = softmax(z_t)
    (3)    L   = -(1/N) Σ_{t,b} log ŷ_t[y_t]          N = number of real (unmasked) steps
    (4.1a) δy_t = ∂L/∂z_t = (ŷ_t − y_t) / N

Shapes: ``T`` time steps, ``B`` sequences, ``n_y`` outputs. Targets are integer classes
``(T, B)`` or one-hot floats ``(T, B, n_y)``; the dtype tells which. The cells' forward
passes and BPTT are in ``rnn_core.cells`` (the reference) and ``rnn_core.fast`` (what the
models train with).
"""
import numpy as np

from .backend import get_array_module

PARAM_NAMES = ("Wxh", "Whh", "Why", "bh", "by")


def softmax(logits, axis=-1, out=None):
    """Numerically stable softmax along ``axis`` (into ``out`` if given; ``out=logits`` is allowed).

    Subtracting the row maximum changes nothing mathematically (softmax(z) = softmax(z - c))
    but keeps ``exp`` from overflowing: the largest exponent becomes exp(0) = 1.
    """
    xp = get_array_module(logits)
    logits = xp.asarray(logits)
    if logits.ndim == 0:
        raise ValueError("softmax needs an array of logits with at least one axis, got a scalar")
    if logits.dtype.kind != "f":
        logits = logits.astype(np.float64)
    shifted = xp.subtract(logits, logits.max(axis=axis, keepdims=True), out=out)
    exps = xp.exp(shifted, out=shifted)
    exps /= exps.sum(axis=axis, keepdims=True)
    return exps


def softmax_with_temperature(logits, temperature):
    """softmax(z / τ) for sampling: τ < 1 sharpens, τ > 1 flattens the distribution.

    Computed as softmax((z − max z) / τ): every entry is ≤ 0 before the division, so even a
    tiny τ gives −inf for the losers (probability 0) and never inf − inf = NaN.
    """
    logits = np.asarray(logits, dtype=np.float64)
    with np.errstate(over="ignore"):
        scaled = (logits - logits.max()) / temperature
    return softmax(scaled)


def real_steps(mask, T, B):
    """N, the number of real (unmasked) steps a mean runs over: the 1s of ``mask``, or T·B."""
    return float(mask.sum()) if mask is not None else float(T * B)


def cross_entropy(ys, Y, mask=None):
    """(3) The mean cross-entropy over every real step ``(t, b)``, as a Python float.

    ys: (T, B, n_y) probabilities; Y: integer classes (T, B) or one-hot (T, B, n_y);
    mask: (T, B) of 0/1 or None. Probabilities are floored at the dtype's smallest normal
    number before the log, so a zero probability gives a large finite loss, never inf.
    """
    xp = get_array_module(ys)
    T, B, _ = ys.shape
    tiny = float(np.finfo(ys.dtype).tiny)
    if Y.dtype.kind in "iu":
        picked = xp.take_along_axis(ys, Y[..., None], axis=-1)[..., 0]   # ŷ_t[y_t], (T, B)
        step_losses = -xp.log(xp.maximum(picked, tiny))
    else:
        step_losses = -(Y * xp.log(xp.maximum(ys, tiny))).sum(axis=-1)
    if mask is not None:
        step_losses = step_losses * mask
    return float(step_losses.sum()) / real_steps(mask, T, B)


def output_error(ys, Y, mask=None, out=None):
    """(4.1) δy_t = ∂L/∂z_t = (ŷ_t − y_t) / N for every step, zero on masked steps: (T, B, n_y).

    The 1/N is there because L is a *mean* (§3); the notes' ŷ − y is the gradient of the sum.
    For one-hot targets Σ_j y_tj = 1; the general form ŷ_t Σ_j y_tj − y_t covers soft targets.
    """
    xp = get_array_module(ys)
    T, B, _ = ys.shape
    if Y.dtype.kind in "iu":
        delta_y = ys.copy() if out is None else out
        if out is not None:
            delta_y[...] = ys
        delta_y[xp.arange(T)[:, None], xp.arange(B)[None, :], Y] -= 1.0   # ŷ_t − onehot(y_t)
    else:
        delta_y = xp.subtract(ys * Y.sum(axis=-1, keepdims=True), Y, out=out)
    scale = 1.0 / real_steps(mask, T, B)
    if mask is not None:
        delta_y *= (mask * scale)[..., None]
    else:
        delta_y *= scale
    return delta_y


