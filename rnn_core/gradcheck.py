"""Gradient checking: compare BPTT's gradients with central finite differences.

    ∂L/∂θ_i ≈ (L(θ + ε e_i) − L(θ − ε e_i)) / (2ε)        (error O(ε²))

The comparison is the relative error  max|a − b| / max(1e-8, max(|a| + |b|)), taken over a
whole parameter array. Scaling by the array's largest entries (rather than entry by entry)
keeps entries whose true gradient is nearly zero from reporting round-off as a huge error.
In float64 with ε = 1e-5, a correct gradient gives about 1e-9 or less; above 1e-7, suspect a bug.
"""
import numpy as np

from .backend import to_numpy
from .functional import PARAM_NAMES


def relative_error(a, b):
    """max|a − b| / max(1e-8, max(|a| + |b|)) for two arrays of the same shape."""
    a, b = np.asarray(to_numpy(a), dtype=np.float64), np.asarray(to_numpy(b), dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare arrays of shapes {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b)) / max(1e-8, float(np.max(np.abs(a) + np.abs(b)))))


def numerical_gradient(loss_fn, array, eps=1e-5):
    """Central-difference gradient of ``loss_fn()`` with respect to every entry of ``array``.

    ``array`` is changed in place one entry at a time and restored, so ``loss_fn`` must read it
    (e.g. a model parameter). Costs two evaluations of ``loss_fn`` per entry.
    """
    grad = np.zeros(array.shape, dtype=np.float64)
    for index in np.ndindex(*array.shape):
        original = float(array[index])
        array[index] = original + eps
        loss_plus = loss_fn()
        array[index] = original - eps
        loss_minus = loss_fn()
        array[index] = original
        grad[index] = (loss_plus - loss_minus) / (2 * eps)
    return grad


def check_gradients(model, X, Y, h0=None, mask=None, eps=1e-5, names=PARAM_NAMES):
    """Relative error between ``model.gradients`` and finite differences, per parameter.

    X, Y, h0, mask: as for ``model.forward`` and ``model.compute_loss``.
    Returns a dict name → relative error. Use float64: float32 round-off alone is about 1e-3.
    """
    hs, ys = model.forward(X, h0)
    analytic = model.gradients(X, Y, hs, ys, h0=h0, mask=mask)

    def loss():
        return model.compute_loss(Y, model.forward(X, h0)[1], mask)

    return {name: relative_error(analytic[name], numerical_gradient(loss, model.params[name], eps))
            for name in names}
