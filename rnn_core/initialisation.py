"""Initial parameters (§5.1): small random weights, zero biases, and two starts for W_hh.

``init`` is ``"lecture"`` (every weight ``randn * init_scale``), ``"orthogonal"`` (the
recurrent weights a random orthogonal matrix times ``whh_scale``) or ``"identity"`` (the
identity times ``whh_scale``, Le et al. 2015). A gated cell gets one such n_h × n_h block per
gate. Drawn with numpy in float64, so every backend and dtype starts from the same weights.
"""
import numbers

import numpy as np

from . import validation

INITS = ("lecture", "orthogonal", "identity")


def orthogonal_from(gaussian):
    """The orthogonal factor Q of a square Gaussian matrix, with the signs of R's diagonal moved
    into it (QR's signs are arbitrary; fixed so, the draw is uniform over orthogonal matrices).
    ``where(d < 0, -1, 1)``, not ``sign(d)``: a zero on R's diagonal must not zero a column."""
    q, r = np.linalg.qr(gaussian)
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def init_setting(init, init_scale, whh_scale):
    """The checked ``(init, init_scale, whh_scale)``; ``whh_scale`` is None for the lecture's init."""
    if init not in INITS:
        raise ValueError(f"init={init!r}; expected one of {', '.join(map(repr, INITS))}")
    init_scale = validation.positive_float("init_scale", init_scale)
    if init == "lecture":
        if whh_scale is not None:
            raise ValueError("whh_scale applies to init='orthogonal' or 'identity'; with init='lecture' "
                             "W_hh is randn * init_scale like the other weights")
        return init, init_scale, None
    return init, init_scale, validation.positive_float("whh_scale", 1.0 if whh_scale is None else whh_scale)


def finite_number(name, value):
    """``value`` as a float, refusing booleans, non-numbers, NaN and inf (for gate biases)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def vanilla_parameters(rng, n_x, n_h, n_y, init):
    """Wxh, Whh, Why ``randn * init_scale`` (in that order, so every init gives the same Wxh and
    Why for one seed), Whh then replaced for ``"orthogonal"`` / ``"identity"``; zero biases."""
    kind, scale, whh_scale = init
    Wxh = rng.standard_normal((n_x, n_h)) * scale
    Whh = rng.standard_normal((n_h, n_h)) * scale
    Why = rng.standard_normal((n_h, n_y)) * scale
    if kind == "orthogonal":
        Whh = orthogonal_from(Whh) * whh_scale
    elif kind == "identity":
        Whh = np.eye(n_h) * whh_scale
    return {"Wxh": Wxh, "Whh": Whh, "Why": Why, "bh": np.zeros((1, n_h)), "by": np.zeros((1, n_y))}


def gated_parameters(rng, n_x, n_h, n_y, n_gates, init, gate_biases):
    """Wx (n_x, k·n_h), Wh (n_h, k·n_h), Why drawn as ``randn * init_scale``; with
    ``"orthogonal"`` or ``"identity"`` each gate's block of Wh is replaced; b zero but for
    ``gate_biases`` (gate position → initial bias, e.g. the LSTM's forget bias)."""
    kind, scale, whh_scale = init
    Wx = rng.standard_normal((n_x, n_gates * n_h)) * scale
    Wh = rng.standard_normal((n_h, n_gates * n_h)) * scale
    Why = rng.standard_normal((n_h, n_y)) * scale
    if kind == "orthogonal":
        Wh = np.concatenate([orthogonal_from(rng.standard_normal((n_h, n_h))) * whh_scale
                             for _ in range(n_gates)], axis=1)
    elif kind == "identity":
        Wh = np.concatenate([np.eye(n_h) * whh_scale] * n_gates, axis=1)
    b = np.zeros((1, n_gates * n_h))
    for k, value in gate_biases.items():
        b[:, k * n_h:(k + 1) * n_h] = value
    return {"Wx": Wx, "Wh": Wh, "b": b, "Why": Why, "by": np.zeros((1, n_y))}
