"""The vanilla tanh cell (2.2a), one step forward and one step back (4.1c), (4.2).

Shapes: ``B`` sequences, ``n_x`` inputs, ``n_h`` hidden units. Parameters of the cell:
``Wxh`` (n_x, n_h), ``Whh`` (n_h, n_h), ``bh`` (1, n_h); the state is the tuple ``(h,)``.
"""
import numpy as np

STATE = ("h",)
PARAM_NAMES = ("Wxh", "Whh", "bh")


def step_forward(x, state, params):
    """(2.2a) One step: h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h).

    x: x_t, (B, n_x); state: (h_{t-1},), (B, n_h); params: Wxh, Whh, bh.
    Returns ``((h_t,), cache)``: the new state and what ``step_backward`` needs.
    """
    (h_prev,) = state
    a = x @ params["Wxh"] + h_prev @ params["Whh"] + params["bh"]   # (2.2a) a_t, (B, n_h)
    h = np.tanh(a)                                                   # (2.2a) h_t, (B, n_h)
    return (h,), (x, h_prev, h)


def step_backward(dstate, cache, params):
    """(4.1c), (4.2) One step back: from ∂L/∂h_t to ∂L/∂h_{t-1} and this step's weight gradients.

    dstate: (dh,), dh = ∂L/∂h_t (B, n_h), every path into h_t; cache: from ``step_forward``.
    Returns ``((dh_prev,), grads)``: ∂L/∂h_{t-1} through this step (B, n_h), and this step's
    share of ∂L/∂W_xh (n_x, n_h), ∂L/∂W_hh (n_h, n_h), ∂L/∂b_h (1, n_h).
    """
    (dh,) = dstate
    x, h_prev, h = cache
    da = dh * (1.0 - h * h)                           # (4.1c) δh_t = ∂L/∂a_t, tanh' = 1 − h_t²
    grads = {"Wxh": x.T @ da,                         # (4.2) x_tᵀ δh_t
             "Whh": h_prev.T @ da,                    # (4.2) h_{t-1}ᵀ δh_t
             "bh": da.sum(axis=0, keepdims=True)}     # (4.2) Σ_b δh_t
    dh_prev = da @ params["Whh"].T                    # (4.1b) δh_t W_hhᵀ, on to step t − 1
    return (dh_prev,), grads
