"""The reference: each cell's equations, one step at a time, as the lecture writes them.

A cell is a module with ``PARAM_NAMES``, ``STATE`` (the names in its state tuple),
``step_forward(x, state, params) -> (state, cache)`` and
``step_backward(dstate, cache, params) -> (dstate_prev, grads)``: ``vanilla`` (2.2),
``lstm`` (8.5) and ``gru`` (8.7). ``forward`` and ``bptt`` below run any of them over a
sequence, with the output layer ŷ_t = softmax(h_t W_hy + b_y) (2.2) they share. This code
is written to be read; ``rnn_core.fast`` computes the same numbers quickly (and is tested
equal to it), and the models train with that.

One name per quantity, in every cell (row convention: one row per sequence of the batch)::

    x        x_t, the input at step t                               (B, n_x)
    state    the state after a step: (h,) for vanilla and GRU, (h, c) for the LSTM
    h, c     h_t, c_t; h_prev, c_prev are h_{t-1}, c_{t-1}          (B, n_h)
    a        pre-activation(s): a_t (vanilla), [a_f|a_i|a_o|a_g], [a_z|a_r|a_n]
    f i o g  the LSTM's gates; z r n the GRU's                      (B, n_h) each
    ys       ŷ_t for every step, the softmax outputs                (T, B, n_y)
    dy       δy_t = ∂L/∂z_t, the output layer's error (4.1)         (T, B, n_y)
    dh, dc   ∂L/∂h_t, ∂L/∂c_t (every path into them)               (B, n_h)
    da       ∂L/∂a_t; the lecture's δh_t for the vanilla cell (4.1)
    dstate   (dh,) or (dh, dc); dh_prev, dc_prev are ∂L/∂h_{t-1}, ∂L/∂c_{t-1}
    grads    name → ∂L/∂(parameter), shaped like the parameter

Shapes: ``T`` steps, ``B`` sequences, ``n_x`` inputs, ``n_h`` hidden units, ``n_y`` outputs.
"""
import numpy as np

from . import gru, lstm, vanilla


def softmax(z):
    """ŷ = softmax(z) along the last axis; subtracting the row maximum keeps exp from overflowing."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def as_rows(X, n_x):
    """Integer inputs (T, B) as their one-hot rows (T, B, n_x); float inputs (T, B, n_x) as they are."""
    return np.eye(n_x)[X] if X.dtype.kind in "iu" else X


def forward(cell, params, X, state0):
    """(2.2) Run ``cell`` over a batch of sequences, step by step (the lecture's §5.2 loop).

    params: the cell's parameters and Why (n_h, n_y), by (1, n_y). X: (T, B, n_x) floats, or
    integer indices (T, B) standing for one-hot rows. state0: the initial state, a tuple.
    Returns ``(hs, ys, caches)``: h_1..h_T (T, B, n_h), ŷ_1..ŷ_T (T, B, n_y), and the T caches.
    """
    X = as_rows(X, params[cell.PARAM_NAMES[0]].shape[0])
    state, hs, caches = state0, [], []
    for x in X:
        state, cache = cell.step_forward(x, state, params)   # the cell's own equations
        hs.append(state[0])
        caches.append(cache)
    hs = np.stack(hs)
    ys = softmax(hs @ params["Why"] + params["by"])          # (2.2b) ŷ_t = softmax(h_t W_hy + b_y)
    return hs, ys, caches


def bptt(cell, params, hs, dy, caches):
    """(4) Backpropagation through time over the steps ``forward`` ran.

    hs: (T, B, n_h) and caches from ``forward``; dy: (T, B, n_y), δy_t = ∂L/∂z_t
    (``rnn_core.functional.output_error``). Returns ``grads``: name → gradient for every
    parameter, plus ``"dstate0"``, the gradient with respect to the initial state (a tuple).
    """
    T = hs.shape[0]
    grads = {"Why": sum(hs[t].T @ dy[t] for t in range(T)),             # (4.2) Σ_t h_tᵀ δy_t
             "by": dy.sum(axis=(0, 1))[None]}                            # (4.2) Σ_t δy_t
    dstate = tuple(np.zeros_like(hs[0]) for _ in cell.STATE)   # nothing flows back from after step T
    for t in reversed(range(T)):
        dh = dy[t] @ params["Why"].T + dstate[0]          # (4.1b) ∂L/∂h_t: output and step t + 1
        dstate, step_grads = cell.step_backward((dh,) + dstate[1:], caches[t], params)
        for name, grad in step_grads.items():             # (4.2) every weight gradient is a sum over t
            grads[name] = grads[name] + grad if name in grads else grad
    grads["dstate0"] = dstate
    return grads

