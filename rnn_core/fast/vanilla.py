"""The vanilla RNN's fast path: forward pass and BPTT batched over all steps, into reused arrays.

The same equations as the reference ``rnn_core.cells.vanilla`` (tested equal to it: float64
within 1e-12, float32 within 1e-5), arranged for speed, in the lecture's row convention::

    (2.2)  a_t = x_t W_xh + h_{t-1} W_hh + b_h        h_t = tanh(a_t)
    (2.2)  z_t = h_t W_hy + b_y                       ŷ_t = softmax(z_t)

Shapes: ``T`` time steps, ``B`` sequences, ``n_x`` inputs, ``n_h`` hidden units, ``n_y``
outputs. Inputs are integer indices ``(T, B)`` (a one-hot row times ``W_xh`` is just a row
of ``W_xh``) or dense floats ``(T, B, n_x)``. The functions take already-validated arrays.

Speed: only the recurrence itself loops over time. The input projection, the output layer
with its softmax, and the weight gradients ``dW_xh``, ``dW_hh``, ``dW_hy`` do not depend on
the previous step, so each is one batched matrix product over all ``T·B`` rows. On CuPy
arrays the two time loops run in ``rnn_core.fast.gpu_kernels`` (fused GPU kernels).

The optional ``out`` arguments let a caller (``VanillaRNN``) hand in arrays to reuse from one
training step to the next, instead of fresh memory each step; the results are the same.
"""

from ..backend import get_array_module, is_cupy_array
from ..functional import softmax


def rnn_step(x_proj, h_prev, Whh, out=None):
    """(2.2) One step of the recurrence: h_t = tanh(x_t W_xh + b_h + h_{t-1} W_hh).

    x_proj: x_t W_xh + b_h, (B, n_h); h_prev: h_{t-1}, (B, n_h); Whh: (n_h, n_h).
    Used by ``forward`` for every step and by ``VanillaRNN.predict`` to generate text.
    """
    xp = get_array_module(h_prev)
    return xp.tanh(x_proj + h_prev @ Whh, out=out)


def over_all_rows(A, W, out=None):
    """``A @ W`` for ``A`` of shape (T, B, k): one product of all T·B rows with W (k, m), into ``out``."""
    T, B, k = A.shape
    xp = get_array_module(A)
    rows_out = None if out is None else out.reshape(T * B, -1)
    return xp.matmul(A.reshape(T * B, k), W, out=rows_out).reshape(T, B, -1)


def input_projection(params, X, out=None):
    """``x_t W_xh + b_h`` for every step at once: ``(T, B, n_h)``.

    For integer inputs the product with a one-hot row is a row lookup, ``W_xh[x_t]``.
    """
    Wxh, bh = params["Wxh"], params["bh"]
    xp = get_array_module(Wxh)
    if X.dtype.kind in "iu":
        x_proj = xp.take(Wxh, X, axis=0, out=out)         # rows of W_xh: (T, B, n_h)
    else:
        x_proj = over_all_rows(X, Wxh, out=out)            # x_t W_xh for all t at once
    x_proj += bh
    return x_proj


def forward(params, X, h0, out=None):
    """Run the RNN over a batch of sequences.

    params: dict with Wxh (n_x, n_h), Whh (n_h, n_h), Why (n_h, n_y), bh (1, n_h), by (1, n_y).
    X: integer indices (T, B) or floats (T, B, n_x).  h0: (B, n_h).
    out: optional pair of arrays (T, B, n_h), (T, B, n_y) to write hs and ys into.
    Returns hs (T, B, n_h), the hidden states h_1..h_T, and ys (T, B, n_y), the softmax outputs.
    """
    Whh, Why, by = params["Whh"], params["Why"], params["by"]
    hs_out, ys_out = (None, None) if out is None else out
    hs = input_projection(params, X, out=hs_out)   # holds x_t W_xh + b_h, then h_t, in place
    T = hs.shape[0]
    if is_cupy_array(hs):
        from . import gpu_kernels
        gpu_kernels.forward_recurrence(hs, h0, Whh)   # the loop below, as fused GPU kernels
    else:
        h_prev = h0
        for t in range(T):
            h_prev = rnn_step(hs[t], h_prev, Whh, out=hs[t])   # (2.2) h_t from x_t and h_{t-1}
    logits = over_all_rows(hs, Why, out=ys_out)   # z_t = h_t W_hy + b_y for all t at once
    logits += by
    return hs, softmax(logits, out=logits)         # ŷ_t, in place of z_t


def bptt(params, X, hs, h0, delta_y, out=None):
    """(4) Backpropagation through time: the exact gradients of the loss.

    X: inputs as given to ``forward``; hs: (T, B, n_h) from ``forward``; h0: (B, n_h);
    delta_y: (T, B, n_y) from ``output_error``; out: optional pair of (T, B, n_h) arrays to
    write the two arrays below into.
    Returns a dict of gradients with the parameters' shapes, plus ``dh0`` (B, n_h), the
    gradient with respect to the initial state, and ``delta_h`` (T, B, n_h), the δh_t of (4.1).
    """
    Whh, Why = params["Whh"], params["Why"]
    T, B, n_h = hs.shape
    n_y = delta_y.shape[-1]
    xp = get_array_module(hs)
    from_output_out, delta_h_out = (None, None) if out is None else out
    rows_h = hs.reshape(T * B, n_h)
    rows_dy = delta_y.reshape(T * B, n_y)

    # (4.2) ∂L/∂W_hy = Σ_t h_tᵀ δy_t and ∂L/∂b_y = Σ_t δy_t: no time dependence, one product.
    grads = {"Why": rows_h.T @ rows_dy, "by": rows_dy.sum(axis=0, keepdims=True)}

    # The output layer's share of ∂L/∂h_t, δy_t W_hyᵀ, for all t at once.
    dh_from_output = over_all_rows(delta_y, Why.T, out=from_output_out)
    # (4.1) δh_t = (δy_t W_hyᵀ + δh_{t+1} W_hhᵀ) ⊙ (1 − h_t²), from t = T down to 1, δh_{T+1} = 0.
    if is_cupy_array(hs):
        from . import gpu_kernels
        delta_h = gpu_kernels.backward_recurrence(dh_from_output, hs, Whh)   # the loop below, fused
    else:
        delta_h = xp.empty_like(hs) if delta_h_out is None else delta_h_out
        dh_from_next = xp.zeros_like(h0)                  # δh_{t+1} W_hhᵀ: nothing after the last step
        for t in range(T - 1, -1, -1):
            dh_total = dh_from_output[t] + dh_from_next   # ∂L/∂h_t, the bracket of (4.1)
            delta_h[t] = dh_total * (1.0 - hs[t] * hs[t])   # δh_t = ∂L/∂h_t ⊙ (1 − h_t²)
            dh_from_next = delta_h[t] @ Whh.T             # δh_t W_hhᵀ, used at step t − 1
    grads["dh0"] = delta_h[0] @ Whh.T                     # ∂L/∂h_0 = δh_1 W_hhᵀ

    rows_dh = delta_h.reshape(T * B, n_h)
    # (4.2) ∂L/∂W_xh = Σ_t x_tᵀ δh_t. For integer inputs x_t is one-hot: a one-hot matrix times
    # δh adds each δh row into the row of its input symbol (faster than a scatter-add in BLAS).
    if X.dtype.kind in "iu":
        n_x = params["Wxh"].shape[0]
        grads["Wxh"] = one_hot_rows(X.reshape(-1), n_x, hs.dtype).T @ rows_dh
    else:
        grads["Wxh"] = X.reshape(T * B, -1).T @ rows_dh
    # (4.2) ∂L/∂W_hh = Σ_t h_{t-1}ᵀ δh_t, with h_0 for the first step.
    grads["Whh"] = h0.T @ delta_h[0]
    if T > 1:
        grads["Whh"] += hs[:-1].reshape((T - 1) * B, n_h).T @ delta_h[1:].reshape((T - 1) * B, n_h)
    grads["bh"] = rows_dh.sum(axis=0, keepdims=True)   # ∂L/∂b_h = Σ_t δh_t
    grads["delta_h"] = delta_h
    return grads


def one_hot_rows(indices, n, dtype):
    """``(len(indices), n)``: row i is the one-hot vector of ``indices[i]``."""
    xp = get_array_module(indices)
    rows = xp.zeros((indices.shape[0], n), dtype=dtype)
    rows[xp.arange(indices.shape[0]), indices] = 1
    return rows


def hidden_state_gradients(params, delta_y, delta_h):
    """∂L/∂h_t for every step, (T, B, n_h): the bracket of (4.1), δy_t W_hyᵀ + δh_{t+1} W_hhᵀ.

    A diagnostic (how much each hidden state affects the loss), computed from what ``bptt``
    returns; the last step has no δh_{T+1}.
    """
    dh_total = delta_y @ params["Why"].T
    dh_total[:-1] += delta_h[1:] @ params["Whh"].T
    return dh_total
