"""LSTM and GRU, fast path: forward pass and exact BPTT through the gates, batched.

The same equations as the reference ``rnn_core.cells.lstm`` and ``rnn_core.cells.gru`` (tested
equal to them), arranged for speed.

The equations of notebook 08, in the lecture's row convention (one row per sequence), with σ the
logistic sigmoid and ⊙ the element-wise product:

LSTM (8.5)::

    f_t = σ(x_t W_xf + h_{t-1} W_hf + b_f)        forget gate   (망각 게이트)
    i_t = σ(x_t W_xi + h_{t-1} W_hi + b_i)        input gate    (입력 게이트)
    o_t = σ(x_t W_xo + h_{t-1} W_ho + b_o)        output gate   (출력 게이트)
    g_t = tanh(x_t W_xc + h_{t-1} W_hc + b_c)     candidate c̃_t
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t               cell state    (셀 상태)
    h_t = o_t ⊙ tanh(c_t)

GRU (8.7), the reset gate applied to h_{t-1} *before* the product, as in Cho et al. (2014)::

    z_t = σ(x_t W_xz + h_{t-1} W_hz + b_z)        update gate
    r_t = σ(x_t W_xr + h_{t-1} W_hr + b_r)        reset gate
    n_t = tanh(x_t W_xn + (r_t ⊙ h_{t-1}) W_hn + b_n)          candidate h̃_t
    h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ n_t

GRU (8.7′), ``reset_after=True``: PyTorch's ``nn.GRU`` and cuDNN apply r_t *after* the product
and give that product its own bias, n_t = tanh(x_t W_xn + b_n + r_t ⊙ (h_{t-1} W_hn + b_hn)).
The two are different functions (neither can be mapped onto the other); (8.7′) needs one
product with h_{t-1} per step instead of two.

Both models end with the vanilla RNN's output layer (2.2), ŷ_t = softmax(h_t W_hy + b_y).

Parameters: the weights of all gates are stored side by side, one matrix per input, with the
gate blocks of ``n_h`` columns in the order of the equations above::

    LSTM  Wx (n_x, 4n_h) = [W_xf | W_xi | W_xo | W_xc]   Wh (n_h, 4n_h) = [W_hf | ... | W_hc]
          b  (1, 4n_h)   = [b_f | b_i | b_o | b_c]
    GRU   Wx (n_x, 3n_h) = [W_xz | W_xr | W_xn]          Wh (n_h, 3n_h) = [W_hz | W_hr | W_hn]
          b  (1, 3n_h)   = [b_z | b_r | b_n]            (8.7′ only) bhn (1, n_h)
    both  Why (n_h, n_y), by (1, n_y)

so one product ``x_t Wx`` (and one ``h_{t-1} Wh``) computes every gate's pre-activation at once.

Speed, as in ``rnn_core.fast.vanilla``: only the recurrence loops over time. The input
projections of all steps, the output layer, the local derivatives of the gates and every
weight gradient are batched products over all ``T·B`` rows. Given the hidden states, nothing
needs a recurrence of products: ``lstm_gates_from_states`` and ``gru_gates_from_states`` recover
the gate values (and the LSTM's cell states, by an element-wise loop) for ``RNN.gradients``.
The functions take validated arrays (integer inputs ``(T, B)`` or floats ``(T, B, n_x)``); the
model classes check input.
"""

from ..backend import get_array_module
from ..functional import softmax

LSTM_GATES = ("f", "i", "o", "g")      # forget, input, output, candidate c̃: the order of (8.5)
GRU_GATES = ("z", "r", "n")            # update, reset, candidate h̃: the order of (8.7)


def sigmoid(a, out=None):
    """The logistic function σ(a) = 1 / (1 + e^(−a)), written as (1 + tanh(a/2)) / 2.

    The two are equal; the tanh form never overflows (e^(−a) does for a < −709 in float64).
    """
    xp = get_array_module(a)
    out = xp.multiply(a, 0.5, out=out)
    xp.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def gate_block(array, gate, gates, n_h):
    """The ``n_h`` columns of ``array`` that belong to ``gate`` (a name from ``gates``); a view."""
    k = gates.index(gate)
    return array[..., k * n_h:(k + 1) * n_h]


def input_projections(X, Wx, b):
    """``x_t Wx + b`` for every step at once: ``(T, B, k·n_h)``, every gate's input share.

    For integer inputs the product with a one-hot row is a row lookup, ``Wx[index]``.
    """
    if X.dtype.kind in "iu":
        projections = Wx[X]
    else:
        T, B, n_x = X.shape
        projections = (X.reshape(T * B, n_x) @ Wx).reshape(T, B, -1)
    projections += b
    return projections


def output_probabilities(hs, Why, by):
    """(2.2) ŷ_t = softmax(h_t W_hy + b_y) for every step at once: ``(T, B, n_y)``."""
    T, B, n_h = hs.shape
    logits = (hs.reshape(T * B, n_h) @ Why + by).reshape(T, B, -1)
    return softmax(logits, out=logits)


def _input_weight_gradient(X, rows_delta, n_x):
    """Σ_t x_tᵀ δ_t over all rows; a one-hot x_t adds δ_t into the row of its symbol."""
    xp = get_array_module(rows_delta)
    if X.dtype.kind in "iu":
        one_hot_rows = xp.eye(n_x, dtype=rows_delta.dtype)[X.reshape(-1)]
        return one_hot_rows.T @ rows_delta
    return X.reshape(-1, n_x).T @ rows_delta


def _previous_states(states, initial):
    """``(T, B, n)`` with the state before each step: ``initial`` at t = 1, then ``states[:-1]``."""
    xp = get_array_module(states)
    return xp.concatenate([initial[None], states[:-1]], axis=0)


def lstm_step(gates, h_prev, c_prev, Wh):
    """(8.5) One LSTM step for a batch. Returns ``(h_t, c_t)``, each ``(B, n_h)``.

    gates: ``(B, 4n_h)`` holding ``x_t Wx + b`` on entry; it is overwritten with the gate
    values ``[f_t | i_t | o_t | g_t]`` (BPTT needs them).
    """
    xp = get_array_module(gates)
    n_h = h_prev.shape[-1]
    gates += h_prev @ Wh                                   # + h_{t-1} W_h: every pre-activation
    sigmoid(gates[:, :3 * n_h], out=gates[:, :3 * n_h])    # f_t, i_t, o_t = σ(·)
    xp.tanh(gates[:, 3 * n_h:], out=gates[:, 3 * n_h:])    # g_t = c̃_t = tanh(·)
    f, i, o, g = (gates[:, k * n_h:(k + 1) * n_h] for k in range(4))
    c = f * c_prev + i * g                                 # the additive cell update
    h = o * xp.tanh(c)
    return h, c


def lstm_forward(params, X, h0, c0):
    """Run the LSTM (8.5) over a batch of sequences.

    params: Wx (n_x, 4n_h), Wh (n_h, 4n_h), b (1, 4n_h), Why (n_h, n_y), by (1, n_y).
    X: integer indices (T, B) or floats (T, B, n_x).  h0, c0: (B, n_h).
    Returns ``(hs, cs, gates, ys)``: hidden states h_1..h_T and cell states c_1..c_T
    ``(T, B, n_h)``, the gate values ``(T, B, 4n_h)`` (blocks f, i, o, g) and the softmax
    outputs ``(T, B, n_y)``.
    """
    xp = get_array_module(h0)
    gates = input_projections(X, params["Wx"], params["b"])    # x_t W_x + b, all t
    T, B, _ = gates.shape
    hs = xp.empty((T, B, h0.shape[1]), dtype=gates.dtype)
    cs = xp.empty_like(hs)
    h, c = h0, c0
    for t in range(T):
        h, c = lstm_step(gates[t], h, c, params["Wh"])
        hs[t], cs[t] = h, c
    return hs, cs, gates, output_probabilities(hs, params["Why"], params["by"])


def lstm_gates_from_states(params, X, hs, h0, c0):
    """The gate values and cell states behind given hidden states, with no recurrent product.

    Every pre-activation x_t W_x + h_{t-1} W_h + b of (8.5) needs only h_{t-1}, which ``hs``
    (with ``h0``) already holds: one batched product over all T·B rows gives them all. Only the
    cell state c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t still runs over time, element-wise.
    Returns ``(gates, cs, hs_again)``: gate values ``(T, B, 4n_h)`` as ``lstm_forward`` gives
    them, cell states and o_t ⊙ tanh(c_t) ``(T, B, n_h)``; ``hs_again`` equals ``hs`` (up to
    rounding) exactly when ``hs`` is what ``lstm_forward`` gives for X, h0, c0 and params.
    """
    xp = get_array_module(hs)
    T, B, n_h = hs.shape
    gates = input_projections(X, params["Wx"], params["b"])            # x_t W_x + b, all t
    gates += (_previous_states(hs, h0).reshape(T * B, n_h) @ params["Wh"]).reshape(T, B, 4 * n_h)
    sigmoid(gates[..., :3 * n_h], out=gates[..., :3 * n_h])             # f_t, i_t, o_t
    xp.tanh(gates[..., 3 * n_h:], out=gates[..., 3 * n_h:])             # g_t
    f, i, o, g = (gates[..., k * n_h:(k + 1) * n_h] for k in range(4))
    cs = i * g                                                          # i_t ⊙ g_t, all t
    c = c0
    for t in range(T):                                                  # + f_t ⊙ c_{t-1}
        cs[t] += f[t] * c
        c = cs[t]
    return gates, cs, o * xp.tanh(cs)


def lstm_bptt(params, X, hs, cs, gates, h0, c0, delta_y, record=False):
    """(8.8) Exact BPTT through the LSTM's gates and cell state.

    Arguments as returned by / given to ``lstm_forward``; delta_y: (T, B, n_y) from
    ``functional.output_error``. Returns the gradients of every parameter (same shapes) and
    ``dh0``, ``dc0`` (B, n_h), the gradients with respect to the initial states; with
    ``record=True`` also ``dhs`` and ``dcs`` (T, B, n_h), ∂L/∂h_t and ∂L/∂c_t of every step.

    Going back one step, with ∂L/∂h_t the gradient reaching h_t and ∂L/∂c_t the one reaching c_t::

        ∂L/∂h_t     = δy_t W_hyᵀ + δa_{t+1} W_hᵀ                 (both paths into h_t)
        ∂L/∂c_t     = ∂L/∂c_{t+1} ⊙ f_{t+1} + ∂L/∂h_t ⊙ o_t ⊙ (1 − tanh² c_t)
        δa_t        = [∂L/∂c_t ⊙ c_{t-1} ⊙ f_t(1 − f_t) | ∂L/∂c_t ⊙ g_t ⊙ i_t(1 − i_t) |
                       ∂L/∂h_t ⊙ tanh c_t ⊙ o_t(1 − o_t) | ∂L/∂c_t ⊙ i_t ⊙ (1 − g_t²)]

    δa_t is the gradient of the four pre-activations; the weights' gradients are then
    ∂L/∂W_x = Σ_t x_tᵀ δa_t, ∂L/∂W_h = Σ_t h_{t-1}ᵀ δa_t, ∂L/∂b = Σ_t δa_t. The path
    c_t → c_{t-1} is scaled by f_t alone (8.6): no W_h and no tanh' on it.
    """
    xp = get_array_module(hs)
    Wh, Why = params["Wh"], params["Why"]
    T, B, n_h = hs.shape
    n_y = delta_y.shape[-1]
    rows_dy = delta_y.reshape(T * B, n_y)
    grads = {"Why": hs.reshape(T * B, n_h).T @ rows_dy, "by": rows_dy.sum(axis=0, keepdims=True)}
    dh_output = (rows_dy @ Why.T).reshape(T, B, n_h)      # δy_t W_hyᵀ, the output's share of ∂L/∂h_t

    # Local derivatives that do not depend on the gradient flowing back: all steps at once.
    f, i, o, g = (gates[..., k * n_h:(k + 1) * n_h] for k in range(4))
    tanh_c = xp.tanh(cs)
    c_prev = _previous_states(cs, c0)
    h_to_c = o * (1.0 - tanh_c * tanh_c)                 # ∂h_t/∂c_t = o_t ⊙ (1 − tanh² c_t)
    slope_f = c_prev * f * (1.0 - f)                      # ∂c_t/∂(pre-activation of f_t)
    slope_i = g * i * (1.0 - i)                           # ∂c_t/∂(pre-activation of i_t)
    slope_o = tanh_c * o * (1.0 - o)                      # ∂h_t/∂(pre-activation of o_t)
    slope_g = i * (1.0 - g * g)                           # ∂c_t/∂(pre-activation of g_t)

    delta_a = xp.empty_like(gates)                        # δa_t for every step, filled below
    dh_next = xp.zeros_like(h0)                           # δa_{t+1} W_hᵀ (zero after the last step)
    dc_next = xp.zeros_like(c0)                           # ∂L/∂c_{t+1} ⊙ f_{t+1}
    if record:
        grads["dhs"], grads["dcs"] = xp.empty_like(hs), xp.empty_like(cs)
    for t in range(T - 1, -1, -1):
        dh = dh_output[t] + dh_next                       # ∂L/∂h_t
        dc = dc_next + dh * h_to_c[t]                     # ∂L/∂c_t
        if record:
            grads["dhs"][t], grads["dcs"][t] = dh, dc
        xp.multiply(dc, slope_f[t], out=delta_a[t, :, :n_h])
        xp.multiply(dc, slope_i[t], out=delta_a[t, :, n_h:2 * n_h])
        xp.multiply(dh, slope_o[t], out=delta_a[t, :, 2 * n_h:3 * n_h])
        xp.multiply(dc, slope_g[t], out=delta_a[t, :, 3 * n_h:])
        dc_next = dc * f[t]                               # (8.6): along the cell, times f_t only
        dh_next = delta_a[t] @ Wh.T                       # through every gate back to h_{t-1}
    grads["dh0"], grads["dc0"] = dh_next, dc_next

    rows_da = delta_a.reshape(T * B, 4 * n_h)
    grads["Wx"] = _input_weight_gradient(X, rows_da, params["Wx"].shape[0])
    grads["Wh"] = _previous_states(hs, h0).reshape(T * B, n_h).T @ rows_da
    grads["b"] = rows_da.sum(axis=0, keepdims=True)
    return grads


def gru_step(gates, h_prev, Wh, bhn=None):
    """(8.7) One GRU step for a batch; with ``bhn`` given, the PyTorch variant (8.7′).

    gates: ``(B, 3n_h)`` holding ``x_t Wx + b`` on entry; overwritten with ``[z_t | r_t | n_t]``.
    Returns h_t ``(B, n_h)``.
    """
    xp = get_array_module(gates)
    n_h = h_prev.shape[-1]
    update_reset = gates[:, :2 * n_h]
    r = gates[:, n_h:2 * n_h]
    n = gates[:, 2 * n_h:]
    if bhn is None:                                        # (8.7): r_t ⊙ h_{t-1} enters the product
        update_reset += h_prev @ Wh[:, :2 * n_h]
        sigmoid(update_reset, out=update_reset)            # z_t, r_t
        n += (r * h_prev) @ Wh[:, 2 * n_h:]
    else:                                                  # (8.7′): r_t scales h_{t-1} W_hn + b_hn
        recurrent = h_prev @ Wh
        update_reset += recurrent[:, :2 * n_h]
        sigmoid(update_reset, out=update_reset)
        n += r * (recurrent[:, 2 * n_h:] + bhn)
    xp.tanh(n, out=n)                                      # n_t = h̃_t
    z = gates[:, :n_h]
    return n + z * (h_prev - n)                            # z ⊙ h_{t-1} + (1 − z) ⊙ n


def gru_forward(params, X, h0):
    """Run the GRU (8.7), or (8.7′) when ``params`` has ``bhn``, over a batch of sequences.

    params: Wx (n_x, 3n_h), Wh (n_h, 3n_h), b (1, 3n_h), Why, by [, bhn (1, n_h)].
    Returns ``(hs, gates, ys)``: hidden states ``(T, B, n_h)``, the gate values
    ``(T, B, 3n_h)`` (blocks z, r, n) and the softmax outputs ``(T, B, n_y)``.
    """
    xp = get_array_module(h0)
    gates = input_projections(X, params["Wx"], params["b"])
    T, B, _ = gates.shape
    hs = xp.empty((T, B, h0.shape[1]), dtype=gates.dtype)
    h, bhn = h0, params.get("bhn")
    for t in range(T):
        h = gru_step(gates[t], h, params["Wh"], bhn)
        hs[t] = h
    return hs, gates, output_probabilities(hs, params["Why"], params["by"])


def gru_gates_from_states(params, X, hs, h0):
    """The GRU's gate values behind given hidden states, with no recurrent product, for (8.7)
    or, with ``bhn``, (8.7′).

    With h_{t-1} read from ``hs`` (and ``h0``), every step's products are batched over all T·B
    rows: first [a_z | a_r], then the candidate's, (r_t ⊙ h_{t-1}) W_hn for (8.7) or
    r_t ⊙ (h_{t-1} W_hn + b_hn) for (8.7′). Returns ``(gates, hs_again)``: the gate values
    ``(T, B, 3n_h)`` as ``gru_forward`` gives them and z_t ⊙ h_{t-1} + (1 − z_t) ⊙ n_t
    ``(T, B, n_h)``, equal to ``hs`` (up to rounding) exactly when ``hs`` is what
    ``gru_forward`` gives for X, h0 and params.
    """
    xp = get_array_module(hs)
    Wh, bhn = params["Wh"], params.get("bhn")
    T, B, n_h = hs.shape
    gates = input_projections(X, params["Wx"], params["b"])
    h_prev = _previous_states(hs, h0)
    rows_h_prev = h_prev.reshape(T * B, n_h)
    update_reset, r, n = gates[..., :2 * n_h], gates[..., n_h:2 * n_h], gates[..., 2 * n_h:]
    if bhn is None:                                        # (8.7): r_t is needed before W_hn
        update_reset += (rows_h_prev @ Wh[:, :2 * n_h]).reshape(T, B, 2 * n_h)
        sigmoid(update_reset, out=update_reset)            # z_t, r_t
        n += ((r * h_prev).reshape(T * B, n_h) @ Wh[:, 2 * n_h:]).reshape(T, B, n_h)
    else:                                                  # (8.7′): one product for all three
        recurrent = (rows_h_prev @ Wh).reshape(T, B, 3 * n_h)
        update_reset += recurrent[..., :2 * n_h]
        sigmoid(update_reset, out=update_reset)
        n += r * (recurrent[..., 2 * n_h:] + bhn)
    xp.tanh(n, out=n)                                      # n_t = h̃_t
    z = gates[..., :n_h]
    return gates, n + z * (h_prev - n)


def gru_bptt(params, X, hs, gates, h0, delta_y, record=False):
    """(8.9) Exact BPTT through the GRU's gates, for (8.7) or, with ``bhn``, (8.7′).

    Returns the gradients of every parameter and ``dh0``; with ``record=True`` also ``dhs``
    (T, B, n_h), ∂L/∂h_t of every step. With a_z, a_r, a_n the
    pre-activations and ∂L/∂h_t = δy_t W_hyᵀ + (what flows back from step t+1)::

        δa_z = ∂L/∂h_t ⊙ (h_{t-1} − n_t) ⊙ z_t(1 − z_t)
        δa_n = ∂L/∂h_t ⊙ (1 − z_t) ⊙ (1 − n_t²)
        (8.7)   δ(r⊙h) = δa_n W_hnᵀ,   δa_r = δ(r⊙h) ⊙ h_{t-1} ⊙ r_t(1 − r_t)
                back to h_{t-1}: ∂L/∂h_t ⊙ z_t + δ(r⊙h) ⊙ r_t + [δa_z | δa_r] W_{h,zr}ᵀ
        (8.7′)  δa_r = δa_n ⊙ (h_{t-1} W_hn + b_hn) ⊙ r_t(1 − r_t)
                back to h_{t-1}: ∂L/∂h_t ⊙ z_t + [δa_z | δa_r | δa_n ⊙ r_t] W_hᵀ

    The direct path h_t → h_{t-1} is scaled by z_t alone.
    """
    xp = get_array_module(hs)
    Wh, Why, bhn = params["Wh"], params["Why"], params.get("bhn")
    T, B, n_h = hs.shape
    n_y = delta_y.shape[-1]
    rows_dy = delta_y.reshape(T * B, n_y)
    grads = {"Why": hs.reshape(T * B, n_h).T @ rows_dy, "by": rows_dy.sum(axis=0, keepdims=True)}
    dh_output = (rows_dy @ Why.T).reshape(T, B, n_h)

    z, r, n = (gates[..., k * n_h:(k + 1) * n_h] for k in range(3))
    h_prev = _previous_states(hs, h0)
    rows_h_prev = h_prev.reshape(T * B, n_h)
    slope_z = (h_prev - n) * z * (1.0 - z)               # ∂h_t/∂a_z
    slope_n = (1.0 - z) * (1.0 - n * n)                  # ∂h_t/∂a_n
    if bhn is None:
        reset_input = h_prev                             # r_t multiplies h_{t-1}
    else:
        reset_input = (rows_h_prev @ Wh[:, 2 * n_h:]).reshape(T, B, n_h) + bhn   # h_{t-1} W_hn + b_hn
    slope_r = reset_input * r * (1.0 - r)

    delta_a = xp.empty_like(gates)                       # [δa_z | δa_r | δa_n] for every step
    dh_next = xp.zeros_like(h0)
    W_zr_T, W_n_T = Wh[:, :2 * n_h].T, Wh[:, 2 * n_h:].T
    if record:
        grads["dhs"] = xp.empty_like(hs)
    for t in range(T - 1, -1, -1):
        dh = dh_output[t] + dh_next                      # ∂L/∂h_t
        if record:
            grads["dhs"][t] = dh
        da_z, da_r, da_n = (delta_a[t, :, k * n_h:(k + 1) * n_h] for k in range(3))
        xp.multiply(dh, slope_z[t], out=da_z)
        xp.multiply(dh, slope_n[t], out=da_n)
        if bhn is None:
            d_reset_h = da_n @ W_n_T                     # δ(r_t ⊙ h_{t-1})
            xp.multiply(d_reset_h, slope_r[t], out=da_r)
            dh_next = dh * z[t] + d_reset_h * r[t] + delta_a[t, :, :2 * n_h] @ W_zr_T
        else:
            xp.multiply(da_n, slope_r[t], out=da_r)
            recurrent_delta = xp.concatenate([delta_a[t, :, :2 * n_h], da_n * r[t]], axis=1)
            dh_next = dh * z[t] + recurrent_delta @ Wh.T
    grads["dh0"] = dh_next
    grads.update(_gru_weight_gradients(X, delta_a, h_prev, r, params["Wx"].shape[0], bhn is not None))
    return grads


def _gru_weight_gradients(X, delta_a, h_prev, r, n_x, reset_after):
    """(8.9) ∂L/∂W_x, ∂L/∂W_h, ∂L/∂b (and for (8.7′) ∂L/∂b_hn): sums over all T·B rows at once."""
    xp = get_array_module(delta_a)
    T, B, n_h = h_prev.shape
    rows_da = delta_a.reshape(T * B, 3 * n_h)
    rows_h_prev = h_prev.reshape(T * B, n_h)
    grads = {"Wx": _input_weight_gradient(X, rows_da, n_x), "b": rows_da.sum(axis=0, keepdims=True)}
    rows_dn = rows_da[:, 2 * n_h:]
    if not reset_after:
        rows_reset_h = (r * h_prev).reshape(T * B, n_h)
        grads["Wh"] = xp.concatenate([rows_h_prev.T @ rows_da[:, :2 * n_h], rows_reset_h.T @ rows_dn], axis=1)
    else:
        rows_dn_recurrent = rows_dn * r.reshape(T * B, n_h)          # δ(h_{t-1} W_hn + b_hn)
        grads["Wh"] = xp.concatenate([rows_h_prev.T @ rows_da[:, :2 * n_h],
                                      rows_h_prev.T @ rows_dn_recurrent], axis=1)
        grads["bhn"] = rows_dn_recurrent.sum(axis=0, keepdims=True)
    return grads
