"""The vanilla RNN as plain functions: forward pass, sequence loss, and BPTT.

Row convention (one row per sequence of the batch), as in the lecture's code::

    (2.2)  a_t = x_t W_xh + h_{t-1} W_hh + b_h        h_t = tanh(a_t)
    (2.2)  z_t = h_t W_hy + b_y                       ŷ_t = softmax(z_t)
    (3)    L   = -(1/N) Σ_{t,b} log ŷ_t[y_t]          N = number of real (unmasked) steps

Shapes: ``T`` time steps, ``B`` sequences, ``n_x`` inputs, ``n_h`` hidden units, ``n_y``
outputs. Inputs are integer indices ``(T, B)`` (a one-hot row times ``W_xh`` is just a row
of ``W_xh``) or dense floats ``(T, B, n_x)``. The functions take already-validated arrays
(see ``rnn_core.validation``); ``VanillaRNN`` does the checking.

Speed: only the recurrence itself loops over time. The input projection, the output layer
with its softmax, and the weight gradients ``dW_xh``, ``dW_hh``, ``dW_hy`` do not depend on
the previous step, so each is one batched matrix product over all ``T·B`` rows.
"""
import numpy as np

from .backend import matmul_accumulate

PARAM_NAMES = ("Wxh", "Whh", "Why", "bh", "by")


def softmax(logits, axis=-1, out=None):
    """Numerically stable softmax along ``axis`` (into ``out`` if given; ``out=logits`` is allowed).

    Subtracting the row maximum changes nothing mathematically (softmax(z) = softmax(z - c))
    but keeps ``exp`` from overflowing: the largest exponent becomes exp(0) = 1.
    """
    xp = _xp(logits)
    shifted = xp.subtract(logits, logits.max(axis=axis, keepdims=True), out=out)
    exps = xp.exp(shifted, out=shifted)
    exps /= exps.sum(axis=axis, keepdims=True)
    return exps


def _xp(array):
    """The array module of ``array`` (numpy or cupy)."""
    if isinstance(array, np.ndarray):
        return np
    import cupy
    return cupy


def input_projection(params, X, is_integer):
    """``x_t W_xh + b_h`` for every step at once: ``(T, B, n_h)``.

    For integer inputs the product with a one-hot row is a row lookup, ``W_xh[index]``.
    """
    Wxh, bh = params["Wxh"], params["bh"]
    if is_integer:
        return Wxh[X] + bh
    T, B, n_x = X.shape
    return (X.reshape(T * B, n_x) @ Wxh).reshape(T, B, -1) + bh


def forward(params, X, h0, is_integer):
    """Run the RNN over a batch of sequences.

    params: dict with Wxh (n_x, n_h), Whh (n_h, n_h), Why (n_h, n_y), bh (1, n_h), by (1, n_y).
    X: integer indices (T, B) or floats (T, B, n_x).  h0: (B, n_h).
    Returns hs (T, B, n_h), the hidden states h_1..h_T, and ys (T, B, n_y), the softmax outputs.
    """
    xp = _xp(h0)
    Whh, Why, by = params["Whh"], params["Why"], params["by"]
    hs = input_projection(params, X, is_integer)   # holds x_t W_xh + b_h, then h_t, in place
    T, B, n_h = hs.shape
    h_prev = h0
    for t in range(T):
        matmul_accumulate(h_prev, Whh, out=hs[t])      # a_t = x_t W_xh + b_h + h_{t-1} W_hh
        h_prev = xp.tanh(hs[t], out=hs[t])             # h_t = tanh(a_t)
    logits = (hs.reshape(T * B, n_h) @ Why + by).reshape(T, B, -1)   # z_t = h_t W_hy + b_y, all t
    return hs, softmax(logits, out=logits)                           # ŷ_t, in place of z_t


def _normaliser(mask, T, B):
    """N, the number of real steps the mean runs over."""
    return float(mask.sum()) if mask is not None else float(T * B)


def cross_entropy(ys, Y, is_integer, mask=None):
    """(3) The mean cross-entropy over every real step ``(t, b)``, as a Python float.

    ys: (T, B, n_y) probabilities; Y: integer classes (T, B) or one-hot (T, B, n_y);
    mask: (T, B) of 0/1 or None. Probabilities are floored at the dtype's smallest normal
    number before the log, so a zero probability gives a large finite loss, never inf.
    """
    xp = _xp(ys)
    T, B, _ = ys.shape
    tiny = float(np.finfo(ys.dtype).tiny)
    if is_integer:
        picked = xp.take_along_axis(ys, Y[..., None], axis=-1)[..., 0]   # ŷ_t[y_t], (T, B)
        step_losses = -xp.log(xp.maximum(picked, tiny))
    else:
        step_losses = -(Y * xp.log(xp.maximum(ys, tiny))).sum(axis=-1)
    if mask is not None:
        step_losses = step_losses * mask
    return float(step_losses.sum()) / _normaliser(mask, T, B)


def output_error(ys, Y, is_integer, mask=None):
    """(4.1) δy_t = ∂L/∂z_t = (ŷ_t − y_t) / N for every step, zero on masked steps: (T, B, n_y).

    The 1/N is there because L is a *mean* (§3); the notes' ŷ − y is the gradient of the sum.
    For one-hot targets Σ_j y_tj = 1; the general form ŷ_t Σ_j y_tj − y_t covers soft targets.
    """
    T, B, _ = ys.shape
    if is_integer:
        xp = _xp(ys)
        delta = ys.copy()
        delta[xp.arange(T)[:, None], xp.arange(B)[None, :], Y] -= 1.0   # ŷ_t − onehot(y_t)
    else:
        delta = ys * Y.sum(axis=-1, keepdims=True) - Y
    scale = 1.0 / _normaliser(mask, T, B)
    if mask is not None:
        delta *= (mask * scale)[..., None]
    else:
        delta *= scale
    return delta


def bptt(params, X, is_integer, hs, h0, delta_y, record_hidden_grads=False):
    """(4) Backpropagation through time: the exact gradients of the loss.

    X: inputs as given to ``forward``; hs: (T, B, n_h) from ``forward``; h0: (B, n_h);
    delta_y: (T, B, n_y) from ``output_error``.
    Returns a dict of gradients with the parameters' shapes, plus ``dh0`` (B, n_h), the
    gradient with respect to the initial state. With ``record_hidden_grads`` it also holds
    ``dh`` (T, B, n_h), the total gradient ∂L/∂h_t reaching each hidden state.
    """
    xp = _xp(hs)
    Whh, Why = params["Whh"], params["Why"]
    T, B, n_h = hs.shape
    n_y = delta_y.shape[-1]
    rows_h = hs.reshape(T * B, n_h)
    rows_dy = delta_y.reshape(T * B, n_y)

    # (4.2) ∂L/∂W_hy = Σ_t h_tᵀ δy_t and ∂L/∂b_y = Σ_t δy_t: no time dependence, one product.
    grads = {"Why": rows_h.T @ rows_dy, "by": rows_dy.sum(axis=0, keepdims=True)}

    # The output layer's share of ∂L/∂h_t, δy_t W_hyᵀ, for all t at once. It becomes δh_t in place.
    delta_h = (rows_dy @ Why.T).reshape(T, B, n_h)
    tanh_grad = 1.0 - hs * hs                       # f'(a_t) = 1 − h_t² (tanh, written via its output)
    hidden_grads = xp.empty_like(hs) if record_hidden_grads else None
    for t in range(T - 1, -1, -1):
        # delta_h[t] now holds ∂L/∂h_t = δy_t W_hyᵀ + δh_{t+1} W_hhᵀ (the second term added below).
        if record_hidden_grads:
            hidden_grads[t] = delta_h[t]
        delta_h[t] *= tanh_grad[t]                  # (4.1) δh_t = ∂L/∂h_t ⊙ (1 − h_t²)
        if t > 0:
            matmul_accumulate(delta_h[t], Whh, out=delta_h[t - 1], transpose_b=True)   # += δh_t W_hhᵀ
    dh0 = delta_h[0] @ Whh.T                        # ∂L/∂h_0 = δh_1 W_hhᵀ

    rows_dh = delta_h.reshape(T * B, n_h)
    # (4.2) ∂L/∂W_xh = Σ_t x_tᵀ δh_t. For integer inputs x_t is one-hot: a one-hot matrix times
    # δh adds each δh row into the row of its input symbol (faster than a scatter-add in BLAS).
    if is_integer:
        n_x = params["Wxh"].shape[0]
        one_hot_rows = xp.eye(n_x, dtype=hs.dtype)[X.reshape(-1)]
        grads["Wxh"] = one_hot_rows.T @ rows_dh
    else:
        grads["Wxh"] = X.reshape(T * B, -1).T @ rows_dh
    # (4.2) ∂L/∂W_hh = Σ_t h_{t-1}ᵀ δh_t, with h_0 for the first step.
    grads["Whh"] = h0.T @ delta_h[0]
    if T > 1:
        grads["Whh"] += hs[:-1].reshape((T - 1) * B, n_h).T @ delta_h[1:].reshape((T - 1) * B, n_h)
    grads["bh"] = rows_dh.sum(axis=0, keepdims=True)   # ∂L/∂b_h = Σ_t δh_t
    grads["dh0"] = dh0
    if record_hidden_grads:
        grads["dh"] = hidden_grads
    return grads
