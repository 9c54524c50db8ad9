"""The LSTM cell (8.5), one step forward and one step back (8.8).

Shapes: ``B`` sequences, ``n_x`` inputs, ``n_h`` hidden units. Parameters of the cell, the four
gates side by side in the order f, i, o, g: ``Wx`` (n_x, 4n_h), ``Wh`` (n_h, 4n_h),
``b`` (1, 4n_h). The state is the tuple ``(h, c)``, hidden state and cell state.
"""
import numpy as np

STATE = ("h", "c")
PARAM_NAMES = ("Wx", "Wh", "b")
GATES = ("f", "i", "o", "g")      # forget, input, output, candidate c̃: the order of (8.5)


def sigmoid(a):
    """σ(a) = 1 / (1 + e^(−a)), written (1 + tanh(a/2)) / 2: equal, and never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def step_forward(x, state, params):
    """(8.5) One LSTM step.

    x: x_t, (B, n_x); state: (h_{t-1}, c_{t-1}), each (B, n_h); params: Wx, Wh, b.
    Returns ``((h_t, c_t), cache)``.
    """
    h_prev, c_prev = state
    a = x @ params["Wx"] + h_prev @ params["Wh"] + params["b"]   # (8.5) [a_f | a_i | a_o | a_g], (B, 4n_h)
    a_f, a_i, a_o, a_g = np.split(a, 4, axis=1)
    f = sigmoid(a_f)                                  # (8.5) forget gate f_t
    i = sigmoid(a_i)                                  # (8.5) input gate i_t
    o = sigmoid(a_o)                                  # (8.5) output gate o_t
    g = np.tanh(a_g)                                  # (8.5) candidate g_t = c̃_t
    c = f * c_prev + i * g                            # (8.5) c_t, the additive cell update
    h = o * np.tanh(c)                                # (8.5) h_t
    return (h, c), (x, h_prev, c_prev, f, i, o, g, c)


def step_backward(dstate, cache, params):
    """(8.8) One step back through the gates and the cell state.

    dstate: (dh, dc): dh = ∂L/∂h_t (B, n_h), every path into h_t; dc = ∂L/∂c_t (B, n_h) through
    c_{t+1} only (zeros at the last step). cache: from ``step_forward``.
    Returns ``((dh_prev, dc_prev), grads)``: ∂L/∂h_{t-1} and ∂L/∂c_{t-1} through this step, and
    this step's share of ∂L/∂W_x (n_x, 4n_h), ∂L/∂W_h (n_h, 4n_h), ∂L/∂b (1, 4n_h).
    """
    dh, dc = dstate
    x, h_prev, c_prev, f, i, o, g, c = cache
    tanh_c = np.tanh(c)
    dc = dc + dh * o * (1.0 - tanh_c * tanh_c)        # (8.8) ∂L/∂c_t: through c_{t+1} and h_t
    da = np.concatenate([dc * c_prev * f * (1.0 - f),   # (8.8) δa_f
                         dc * g * i * (1.0 - i),        # (8.8) δa_i
                         dh * tanh_c * o * (1.0 - o),   # (8.8) δa_o
                         dc * i * (1.0 - g * g)],       # (8.8) δa_g
                        axis=1)                         # δa_t, (B, 4n_h)
    grads = {"Wx": x.T @ da,                          # (8.8) x_tᵀ δa_t
             "Wh": h_prev.T @ da,                     # (8.8) h_{t-1}ᵀ δa_t
             "b": da.sum(axis=0, keepdims=True)}      # (8.8) Σ_b δa_t
    dh_prev = da @ params["Wh"].T                     # (8.8) through every gate to h_{t-1}
    dc_prev = dc * f                                  # (8.6) along the cell: times f_t only
    return (dh_prev, dc_prev), grads
