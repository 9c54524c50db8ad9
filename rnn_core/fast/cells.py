"""The three cells as ``rnn_core.RNN`` composes them: one interface over each cell's fast path.

A cell object knows its parameters and state and runs its equations; the model does the rest
(checking input, the loss, clipping, optimizers, training, generation, saving). Every cell has::

    FORMAT_TAG           the tag of its model's saved files
    STATE                names of the state tuple: ("h",), or ("h", "c") for the LSTM
    GATES                the gate blocks of Wx, Wh, b in order (none for the vanilla cell)
    param_names          every parameter, the output layer's Why, by included
    options()            its constructor options, saved by ``save`` and given back by ``load``
    initial_parameters(rng, n_x, n_h, n_y, init) -> name → numpy float64 array
    sizes(params)        (n_x, n_h, n_y) of parameters read from a file
    forward(params, X, state0) -> (hs, ys, cache)      X and state0 checked by the model
    cache(params, X, hs, state0) -> cache              for ``gradients`` given a forward's hs
                         (gated cells: the gates recovered from hs by batched products, checked)
    backward(params, cache, dy) -> grads               by name, and "dstate0", ∂L/∂(state0)
    state_gradients(params, cache, dy) -> {"h": ∂L/∂h_t[, "c": ∂L/∂c_t]}, each (T, B, n_h)
    last_state(cache)    the state after the last step (copies), to carry on
    step(params, index, state) -> state               one step on a one-hot input (generation)
    trace(cache, ys)     ``.hs``, ``.ys``, ``.gates`` (name → (T, B, n_h)) [, ``.cs``]

The equations are the reference's (``rnn_core.cells``), and ``cache`` is what BPTT needs:
for the vanilla cell the inputs, hs and h0; for the gated cells also the gate values (and cs).
"""
import sys
import types

import numpy as np

from .. import initialisation
from ..backend import get_array_module
from . import gated, vanilla


class WorkArrays:
    """Uninitialised arrays kept from one training step to the next of the same shape.

    Fresh memory for large arrays costs page faults every step; reusing these avoids it. An
    array is handed out again only when nothing outside this cache still refers to it (e.g. an
    ``hs`` returned to the caller), so results are never overwritten.
    """

    def __init__(self):
        self.arrays = {}

    def get(self, name, like, shape):
        """An array ``shape`` of ``like``'s dtype and backend, reused when nobody else holds it."""
        array = self.arrays.get(name)
        # References: the dict, ``array`` here, getrefcount's argument. More: someone kept it.
        if array is None or array.shape != tuple(shape) or array.dtype != like.dtype or sys.getrefcount(array) > 3:
            array = get_array_module(like).empty(shape, dtype=like.dtype)
            self.arrays[name] = array
        return array


class VanillaCell:
    """The tanh cell (2.2): h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h); arrays reused between steps."""

    FORMAT_TAG = "rnn_core.VanillaRNN"
    STATE = ("h",)
    GATES = ()
    param_names = ("Wxh", "Whh", "Why", "bh", "by")

    def __init__(self):
        self.work = WorkArrays()

    def options(self):
        return {}

    def initial_parameters(self, rng, n_x, n_h, n_y, init):
        return initialisation.vanilla_parameters(rng, n_x, n_h, n_y, init)

    @staticmethod
    def sizes(params):
        return params["Wxh"].shape[0], params["Wxh"].shape[1], params["Why"].shape[1]

    def forward(self, params, X, state0):
        (h0,) = state0
        T, B = X.shape[0], X.shape[1]
        out = (self.work.get("hs", h0, (T, B, h0.shape[1])), self.work.get("ys", h0, (T, B, params["by"].shape[1])))
        hs, ys = vanilla.forward(params, X, h0, out=out)
        return hs, ys, (X, hs, h0)

    def cache(self, params, X, hs, state0):
        return X, hs, state0[0]                    # BPTT of the tanh cell needs only the hidden states

    def backward(self, params, cache, dy):
        X, hs, h0 = cache
        out = (self.work.get("dh_output", hs, hs.shape), self.work.get("delta_h", hs, hs.shape))
        grads = vanilla.bptt(params, X, hs, h0, dy, out=out)
        del grads["delta_h"]
        grads["dstate0"] = (grads.pop("dh0"),)
        return grads

    def state_gradients(self, params, cache, dy):
        X, hs, h0 = cache
        return {"h": vanilla.hidden_state_gradients(params, dy, vanilla.bptt(params, X, hs, h0, dy)["delta_h"])}

    def last_state(self, cache):
        return (cache[1][-1].copy(),)

    def step(self, params, index, state):
        return (vanilla.rnn_step(params["Wxh"][index] + params["bh"], state[0], params["Whh"]),)

    def trace(self, cache, ys):
        return types.SimpleNamespace(hs=cache[1], ys=ys, gates={})


class _GatedCell:
    """What the LSTM and GRU cells share: parameters Wx, Wh, b with the gates side by side."""

    def sizes(self, params):
        return params["Wx"].shape[0], params["Why"].shape[0], params["Why"].shape[1]

    def cache(self, params, X, hs, state0):
        """The gates (and cell states) behind ``hs``, from X, state0 and ``hs`` itself by batched
        products (no recurrence of products), after checking that each h_t follows from h_{t-1}."""
        hs = hs.astype(state0[0].dtype, copy=False)
        recovered, hs_again = self.gates_from_states(params, X, hs, state0)
        xp = get_array_module(hs)
        # The batched products may round unlike forward's one-step ones (another BLAS blocking, the
        # GPU), and the LSTM's c_t carries that over the steps (float32 against float64: 9e-6 at T = 5000).
        rtol, atol = (1e-4, 1e-4) if hs.dtype == xp.float32 else (1e-5, 1e-6)
        if not bool(xp.allclose(hs, hs_again, rtol=rtol, atol=atol)):
            raise ValueError("hs is not what forward(X, h0) gives with the current parameters; "
                             "pass the hs that forward returned for the same X and initial state")
        return (X, state0, hs) + recovered

    def gate_values(self, gates):
        n_h = gates.shape[-1] // len(self.GATES)
        return {name: gated.gate_block(gates, name, self.GATES, n_h) for name in self.GATES}


class LSTMCell(_GatedCell):
    """The LSTM cell (8.5); the state is (h, c). ``forget_bias``: the initial b_f."""

    FORMAT_TAG = "rnn_core.LSTM"
    STATE = ("h", "c")
    GATES = gated.LSTM_GATES
    param_names = ("Wx", "Wh", "b", "Why", "by")

    def __init__(self, forget_bias=1.0):
        self.forget_bias = initialisation.finite_number("forget_bias", forget_bias)

    def options(self):
        return {"forget_bias": self.forget_bias}

    def initial_parameters(self, rng, n_x, n_h, n_y, init):
        return initialisation.gated_parameters(rng, n_x, n_h, n_y, 4, init, {0: self.forget_bias})

    def forward(self, params, X, state0):
        hs, cs, gates, ys = gated.lstm_forward(params, X, *state0)
        return hs, ys, (X, state0, hs, cs, gates)

    def gates_from_states(self, params, X, hs, state0):
        gates, cs, hs_again = gated.lstm_gates_from_states(params, X, hs, *state0)
        return (cs, gates), hs_again

    def backward(self, params, cache, dy, record=False):
        X, (h0, c0), hs, cs, gates = cache
        grads = gated.lstm_bptt(params, X, hs, cs, gates, h0, c0, dy, record=record)
        grads["dstate0"] = (grads.pop("dh0"), grads.pop("dc0"))
        return grads

    def state_gradients(self, params, cache, dy):
        grads = self.backward(params, cache, dy, record=True)
        return {"h": grads["dhs"], "c": grads["dcs"]}

    def last_state(self, cache):
        return cache[2][-1].copy(), cache[3][-1].copy()

    def step(self, params, index, state):
        return gated.lstm_step(params["Wx"][index][None] + params["b"], state[0], state[1], params["Wh"])

    def trace(self, cache, ys):
        return types.SimpleNamespace(hs=cache[2], cs=cache[3], ys=ys, gates=self.gate_values(cache[4]))


class GRUCell(_GatedCell):
    """The GRU cell (8.7), or PyTorch's (8.7′) with ``reset_after=True`` (one more parameter,
    ``bhn``); the state is (h,). ``update_bias``: the initial b_z."""

    FORMAT_TAG = "rnn_core.GRU"
    STATE = ("h",)
    GATES = gated.GRU_GATES

    def __init__(self, update_bias=0.0, reset_after=False):
        self.update_bias = initialisation.finite_number("update_bias", update_bias)
        if not isinstance(reset_after, (bool, np.bool_)):
            raise TypeError(f"reset_after must be True or False, got {reset_after!r}")
        self.reset_after = bool(reset_after)
        self.param_names = ("Wx", "Wh", "b", "Why", "by") + (("bhn",) if self.reset_after else ())

    def options(self):
        return {"update_bias": self.update_bias, "reset_after": self.reset_after}

    def initial_parameters(self, rng, n_x, n_h, n_y, init):
        params = initialisation.gated_parameters(rng, n_x, n_h, n_y, 3, init, {0: self.update_bias})
        if self.reset_after:
            params["bhn"] = np.zeros((1, n_h))
        return params

    def forward(self, params, X, state0):
        hs, gates, ys = gated.gru_forward(params, X, state0[0])
        return hs, ys, (X, state0, hs, gates)

    def gates_from_states(self, params, X, hs, state0):
        gates, hs_again = gated.gru_gates_from_states(params, X, hs, state0[0])
        return (gates,), hs_again

    def backward(self, params, cache, dy, record=False):
        X, (h0,), hs, gates = cache
        grads = gated.gru_bptt(params, X, hs, gates, h0, dy, record=record)
        grads["dstate0"] = (grads.pop("dh0"),)
        return grads

    def state_gradients(self, params, cache, dy):
        return {"h": self.backward(params, cache, dy, record=True)["dhs"]}

    def last_state(self, cache):
        return (cache[2][-1].copy(),)

    def step(self, params, index, state):
        return (gated.gru_step(params["Wx"][index][None] + params["b"], state[0], params["Wh"], params.get("bhn")),)

    def trace(self, cache, ys):
        return types.SimpleNamespace(hs=cache[2], ys=ys, gates=self.gate_values(cache[3]))
