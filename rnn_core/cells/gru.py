"""The GRU cell (8.7), or PyTorch's variant (8.7′) when the parameters hold ``bhn``; BPTT (8.9).

Shapes: ``B`` sequences, ``n_x`` inputs, ``n_h`` hidden units. Parameters of the cell, the
three gates side by side in the order z, r, n: ``Wx`` (n_x, 3n_h), ``Wh`` (n_h, 3n_h),
``b`` (1, 3n_h), and for (8.7′) ``bhn`` (1, n_h). The state is the tuple ``(h,)``.

(8.7) applies the reset gate to h_{t-1} before the product with W_hn (Cho et al., 2014);
(8.7′), PyTorch's ``nn.GRU`` and cuDNN's, applies it after, to h_{t-1} W_hn + b_hn.
"""
import numpy as np

from .lstm import sigmoid

STATE = ("h",)
PARAM_NAMES = ("Wx", "Wh", "b")
RESET_AFTER_PARAM_NAMES = PARAM_NAMES + ("bhn",)
GATES = ("z", "r", "n")           # update, reset, candidate h̃: the order of (8.7)


def step_forward(x, state, params):
    """(8.7) One GRU step; (8.7′) when ``params`` has ``bhn``.

    x: x_t, (B, n_x); state: (h_{t-1},), (B, n_h); params: Wx, Wh, b [, bhn].
    Returns ``((h_t,), cache)``.
    """
    (h_prev,) = state
    W_hz, W_hr, W_hn = np.split(params["Wh"], 3, axis=1)
    a_xz, a_xr, a_xn = np.split(x @ params["Wx"] + params["b"], 3, axis=1)   # x_t's shares
    z = sigmoid(a_xz + h_prev @ W_hz)                 # (8.7) update gate z_t
    r = sigmoid(a_xr + h_prev @ W_hr)                 # (8.7) reset gate r_t
    if "bhn" not in params:
        h_n = (r * h_prev) @ W_hn                     # (8.7) (r_t ⊙ h_{t-1}) W_hn
        n = np.tanh(a_xn + h_n)                       # (8.7) candidate n_t = h̃_t
    else:
        h_n = h_prev @ W_hn + params["bhn"]           # (8.7′) h_{t-1} W_hn + b_hn
        n = np.tanh(a_xn + r * h_n)                   # (8.7′) candidate n_t
    h = z * h_prev + (1.0 - z) * n                    # (8.7) h_t
    return (h,), (x, h_prev, z, r, n, h_n)


def step_backward(dstate, cache, params):
    """(8.9) One step back through the gates.

    dstate: (dh,), dh = ∂L/∂h_t (B, n_h), every path into h_t; cache: from ``step_forward``.
    Returns ``((dh_prev,), grads)``: ∂L/∂h_{t-1} through this step (B, n_h), and this step's
    share of ∂L/∂W_x (n_x, 3n_h), ∂L/∂W_h (n_h, 3n_h), ∂L/∂b (1, 3n_h) [, ∂L/∂b_hn (1, n_h)].
    """
    (dh,) = dstate
    x, h_prev, z, r, n, h_n = cache
    W_hz, W_hr, W_hn = np.split(params["Wh"], 3, axis=1)
    da_z = dh * (h_prev - n) * z * (1.0 - z)          # (8.9) δa_z
    da_n = dh * (1.0 - z) * (1.0 - n * n)             # (8.9) δa_n
    grads = {}
    if "bhn" not in params:
        d_reset_h = da_n @ W_hn.T                     # (8.9) δ(r_t ⊙ h_{t-1})
        da_r = d_reset_h * h_prev * r * (1.0 - r)     # (8.9) δa_r
        dh_prev = d_reset_h * r                       # (8.9) through r_t ⊙ h_{t-1}
        dW_hn = (r * h_prev).T @ da_n                 # (8.9) (r_t ⊙ h_{t-1})ᵀ δa_n
    else:
        d_h_n = da_n * r                              # (8.9′) δ(h_{t-1} W_hn + b_hn)
        da_r = da_n * h_n * r * (1.0 - r)             # (8.9′) δa_r
        dh_prev = d_h_n @ W_hn.T                      # (8.9′) through h_{t-1} W_hn
        dW_hn = h_prev.T @ d_h_n                      # (8.9′) h_{t-1}ᵀ δ(h_{t-1} W_hn + b_hn)
        grads["bhn"] = d_h_n.sum(axis=0, keepdims=True)
    dh_prev = dh_prev + dh * z + da_z @ W_hz.T + da_r @ W_hr.T   # (8.9) the direct path and z_t, r_t
    da = np.concatenate([da_z, da_r, da_n], axis=1)   # δa_t, (B, 3n_h)
    grads["Wx"] = x.T @ da                            # (8.9) x_tᵀ δa_t
    grads["Wh"] = np.concatenate([h_prev.T @ da_z, h_prev.T @ da_r, dW_hn], axis=1)
    grads["b"] = da.sum(axis=0, keepdims=True)        # (8.9) Σ_b δa_t
    return (dh_prev,), grads
