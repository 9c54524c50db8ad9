"""``LSTM`` and ``GRU``: the models with a gated cell (§8).

The equations are in ``rnn_core.cells.lstm`` and ``rnn_core.cells.gru`` (the reference, step by
step) and ``rnn_core.fast.gated`` (batched, what these classes train with).
"""
import numbers
import types

import numpy as np

from . import validation
from .fast.gated import (GRU_GATES, LSTM_GATES, gate_block, gru_bptt, gru_forward, gru_step, lstm_bptt,
                         lstm_forward, lstm_step)
from .functional import output_error
from .model import VanillaRNN, orthogonal_from

LSTM_PARAM_NAMES = ("Wx", "Wh", "b", "Why", "by")
GRU_PARAM_NAMES = ("Wx", "Wh", "b", "Why", "by")
GRU_RESET_AFTER_PARAM_NAMES = GRU_PARAM_NAMES + ("bhn",)


# ============================================================================ the model classes
class _GatedRNN(VanillaRNN):
    """What LSTM and GRU share: ``VanillaRNN``'s surface and machinery with a gated cell.

    Everything but the cell comes from ``VanillaRNN`` unchanged: the settings (lr, optimizer,
    clipping, dtype, backend), ``compute_loss``, ``gradients``, ``backward``, ``train_step``,
    ``train``, ``train_words``, ``train_text``, ``predict``, ``save`` and ``load``. This class
    fills in the hooks ``VanillaRNN`` documents (parameters, forward pass, BPTT, state, one
    generation step) with the functions above.
    """

    GATES = ()

    def __init__(self, n_x, n_h, n_y, lr=None, seed=None, dtype=np.float64, backend=None, **options):
        self._trace = None           # the last forward pass: BPTT needs its gates (and cell states)
        super().__init__(n_x, n_h, n_y, lr=lr, seed=seed, dtype=dtype, backend=backend, **options)

    def initial_parameters(self, rng):
        """Name → initial value: ``Wx``, ``Wh``, ``Why`` drawn as ``randn * init_scale``; with
        ``init="orthogonal"`` or ``"identity"`` each gate's n_h × n_h block of ``Wh`` is replaced
        (as ``VanillaRNN`` does with ``Whh``); biases zero, then the gate bias of the subclass."""
        n_x, n_h, n_y, k = self.n_x, self.n_h, self.n_y, len(self.GATES)
        Wx = rng.standard_normal((n_x, k * n_h)) * self.init_scale
        Wh = rng.standard_normal((n_h, k * n_h)) * self.init_scale
        Why = rng.standard_normal((n_h, n_y)) * self.init_scale
        if self.init == "orthogonal":
            Wh = np.concatenate([orthogonal_from(rng.standard_normal((n_h, n_h))) * self.whh_scale
                                 for _ in range(k)], axis=1)
        elif self.init == "identity":
            Wh = np.concatenate([np.eye(n_h) * self.whh_scale] * k, axis=1)
        b = np.zeros((1, k * n_h))
        for gate, value in self._gate_biases().items():
            gate_block(b, gate, self.GATES, n_h)[...] = value
        return {"Wx": Wx, "Wh": Wh, "b": b, "Why": Why, "by": np.zeros((1, n_y))}

    @classmethod
    def sizes_from_parameters(cls, params):
        return params["Wx"].shape[0], params["Why"].shape[0], params["Why"].shape[1]

    def gate_weights(self, gate):
        """``(W_x·, W_h·, b_·)`` of one gate (a name from ``GATES``): views, writable in place."""
        if gate not in self.GATES:
            raise ValueError(f"gate={gate!r}; expected one of {', '.join(repr(g) for g in self.GATES)}")
        return tuple(gate_block(getattr(self, name), gate, self.GATES, self.n_h) for name in ("Wx", "Wh", "b"))

    def forward_trace(self, X, h0=None):
        """The forward pass with everything it computed: ``.hs``, ``.ys``, ``.gates`` (name →
        ``(T, B, n_h)`` gate values) and, for the LSTM, ``.cs``."""
        self.forward(X, h0)                  # checks the input and the output; _forward keeps the trace
        return self._trace

    # ------------------------------------------------------------------ VanillaRNN's hooks
    def _forward(self, X, h0, out=None):
        self._trace = self._run(X, h0)
        self._trace.inputs = (X, h0)
        return self._trace.hs, self._trace.ys

    def _trace_of(self, X, hs, h0):
        """The forward pass that produced ``hs``: the last one (if it read the same X and h0),
        or recomputed and compared with ``hs``."""
        trace = self._trace
        if trace is None or hs is not trace.hs or not _same_arrays(trace.inputs, (X, h0), self.xp):
            trace = self._run(X, h0)
            if tuple(hs.shape) != tuple(trace.hs.shape) or not bool(
                    self.xp.allclose(hs, trace.hs, rtol=1e-5, atol=1e-6)):
                raise ValueError("hs is not what forward(X, h0) gives with the current parameters; "
                                 "pass the hs that forward returned for the same X and initial state")
        return trace

    def _backward(self, X, hs, h0, delta_y, out=None):
        return self._bptt(X, self._trace_of(X, hs, h0), delta_y)

    def _hidden_state_gradients(self, X, hs, h0, delta_y):
        return self._state_gradients(X, self._trace_of(X, hs, h0), delta_y)["h"]

    def _state_gradients(self, X, trace, delta_y):
        """∂L/∂h_t (and for the LSTM the total ∂L/∂c_t) for every step, exactly: the gradient
        with respect to the initial state of BPTT started after step t, plus δy_t W_hyᵀ."""
        dh = delta_y @ self.Why.T
        later = {}
        for t in range(X.shape[0] - 1):
            after_t = self._run(X[t + 1:], trace.state_at(t))
            later[t] = self._bptt(X[t + 1:], after_t, delta_y[t + 1:])
            dh[t] += later[t]["dh0"]
        return self._state_gradients_from(trace, dh, later)

    def _state_gradients_from(self, trace, dh, later):
        return {"h": dh}

    def settings(self):
        return {**super().settings(), **self._gate_biases(named=True)}


class LSTM(_GatedRNN):
    """A one-layer LSTM (장단기 메모리) with a softmax output, in the lecture's row convention (8.5).

    The constructor and methods are ``VanillaRNN``'s, plus ``forget_bias``, the initial
    forget-gate bias b_f (default 1.0: f_t starts near σ(1) ≈ 0.73, so the cell keeps a share
    f per step and an initial content for about 1 / (1 − f) ≈ 4 steps). ``init`` acts on every
    gate's recurrent block of ``Wh``.

    The cell state (셀 상태): ``forward(X, h0=None, c0=None)`` starts from ``c0`` (zeros by
    default) and returns ``(hs, ys)`` like every model; ``forward_trace(X, h0, c0)`` also
    returns the cell states ``.cs`` (c_1..c_T; the last is ``.cs[-1]``) and the gate values
    ``.gates["f" | "i" | "o" | "g"]``. ``gradients`` and ``state_gradients`` take ``c0`` too;
    ``train_text`` carries both h and c from chunk to chunk.

    Parameters: ``Wx`` (n_x, 4n_h), ``Wh`` (n_h, 4n_h), ``b`` (1, 4n_h), gate blocks in the
    order f, i, o, g (``gate_weights("f")`` gives one gate's views); ``Why``, ``by``.
    """

    PARAM_NAMES = LSTM_PARAM_NAMES
    CELL_OPTIONS = ("forget_bias",)
    FORMAT_TAG = "rnn_core.LSTM"
    GATES = LSTM_GATES

    def __init__(self, n_x, n_h, n_y, lr=None, seed=None, dtype=np.float64, backend=None, *,
                 forget_bias=1.0, **options):
        self.forget_bias = _finite_number("forget_bias", forget_bias)
        super().__init__(n_x, n_h, n_y, lr=lr, seed=seed, dtype=dtype, backend=backend, **options)

    def _gate_biases(self, named=False):
        return {"forget_bias" if named else "f": self.forget_bias}

    def forward(self, X, h0=None, c0=None):
        """Run the LSTM over ``X`` from ``(h0, c0)`` (zeros by default). Returns ``(hs, ys)``.

        X, h0: as for ``VanillaRNN.forward``; c0: ``(B, n_h)`` or ``(1, n_h)``. The cell states
        are in ``forward_trace``.
        """
        return super().forward(X, _state(h0, c0))

    def forward_trace(self, X, h0=None, c0=None):
        """The forward pass with everything it computed: ``.hs``, ``.cs``, ``.ys``, ``.gates``."""
        return super().forward_trace(X, _state(h0, c0))

    def gradients(self, X, Y, hs, ys, h0=None, mask=None, c0=None):
        """The exact gradients of ``compute_loss`` by BPTT (8.8); the model is not changed."""
        return super().gradients(X, Y, hs, ys, h0=_state(h0, c0), mask=mask)

    def hidden_state_gradients(self, X, Y, hs, ys, h0=None, mask=None, c0=None):
        """∂L/∂h_t for every step, ``(T, B, n_h)``."""
        return super().hidden_state_gradients(X, Y, hs, ys, h0=_state(h0, c0), mask=mask)

    def state_gradients(self, X, Y, h0=None, mask=None, c0=None):
        """``{"h": ∂L/∂h_t, "c": ∂L/∂c_t}``, each ``(T, B, n_h)``, for every step t.

        ∂L/∂c_t is the total derivative: through c_{t+1} (times f_{t+1}, (8.6)) and through
        h_t = o_t ⊙ tanh(c_t).
        """
        hs, ys = self.forward(X, h0, c0)
        X, state = self._inputs(X, _state(h0, c0))
        Y, ys, mask = self._targets(Y, ys, mask)
        return self._state_gradients(X, self._trace_of(X, hs, state), output_error(ys, Y, mask))

    def _state_gradients_from(self, trace, dh, later):
        tanh_c = self.xp.tanh(trace.cs)
        dc = dh * trace.gates["o"] * (1.0 - tanh_c * tanh_c)      # through h_t = o_t ⊙ tanh(c_t)
        for t, grads in later.items():
            dc[t] += grads["dc0"]                                  # through c_{t+1}
        return {"h": dh, "c": dc}

    def _initial_state(self, h0, batch):
        """The state is the pair (h, c); ``h0`` may be None, an ``h0`` array, or a pair ``(h0, c0)``."""
        h0, c0 = h0 if isinstance(h0, tuple) else (h0, None)
        return (validation.initial_state(h0, batch, self.n_h, self.xp, self.dtype),
                _named_state("c0", c0, batch, self.n_h, self.xp, self.dtype))

    def _run(self, X, state):
        h0, c0 = state
        hs, cs, gates, ys = lstm_forward(self.params, X, h0, c0)
        return _Trace(hs=hs, cs=cs, ys=ys, gate_values=gates, h0=h0, c0=c0,
                      gates={name: gate_block(gates, name, LSTM_GATES, self.n_h) for name in LSTM_GATES})

    def _bptt(self, X, trace, delta_y):
        return lstm_bptt(self.params, X, trace.hs, trace.cs, trace.gate_values, trace.h0, trace.c0, delta_y)

    def _last_state(self, hs):
        trace = self._trace
        if trace is None or hs is not trace.hs:
            raise ValueError("the LSTM's last state needs the cell states of the forward pass that gave hs")
        return trace.hs[-1].copy(), trace.cs[-1].copy()

    def _output_logits(self, state):
        return state[0] @ self.Why + self.by

    def _generation_step(self, index, state):
        return lstm_step(self.Wx[index][None] + self.b, state[0], state[1], self.Wh)   # x_t one-hot


class GRU(_GatedRNN):
    """A one-layer GRU (게이트 순환 유닛) with a softmax output, in the lecture's row convention.

    The constructor and methods are ``VanillaRNN``'s, plus:

    - ``update_bias``: the initial update-gate bias b_z (default 0.0: z_t starts near 0.5);
      a positive value starts the GRU copying h_{t-1} forward, like the LSTM's forget bias.
    - ``reset_after``: False (default) is (8.7) of notebook 08, the reset gate applied to
      h_{t-1} before the product with W_hn; True is PyTorch's ``nn.GRU`` and cuDNN's (8.7′),
      with one more parameter, ``bhn`` (1, n_h).

    Parameters: ``Wx`` (n_x, 3n_h), ``Wh`` (n_h, 3n_h), ``b`` (1, 3n_h), gate blocks in the
    order z, r, n (``gate_weights("z")``); ``Why``, ``by`` [, ``bhn``].
    ``forward_trace(X, h0)`` returns ``.hs``, ``.ys`` and ``.gates["z" | "r" | "n"]``.
    """

    PARAM_NAMES = GRU_PARAM_NAMES
    OPTIONAL_PARAM_NAMES = ("bhn",)                  # (8.7′) only
    CELL_OPTIONS = ("update_bias", "reset_after")
    FORMAT_TAG = "rnn_core.GRU"
    GATES = GRU_GATES

    def __init__(self, n_x, n_h, n_y, lr=None, seed=None, dtype=np.float64, backend=None, *,
                 update_bias=0.0, reset_after=False, **options):
        self.update_bias = _finite_number("update_bias", update_bias)
        if not isinstance(reset_after, (bool, np.bool_)):
            raise TypeError(f"reset_after must be True or False, got {reset_after!r}")
        self.reset_after = bool(reset_after)
        if self.reset_after:
            self.PARAM_NAMES = GRU_RESET_AFTER_PARAM_NAMES
        super().__init__(n_x, n_h, n_y, lr=lr, seed=seed, dtype=dtype, backend=backend, **options)

    def __repr__(self):
        text = super().__repr__()
        return text[:-1] + ", reset_after=True)" if self.reset_after else text

    def initial_parameters(self, rng):
        params = super().initial_parameters(rng)
        if self.reset_after:
            params["bhn"] = np.zeros((1, self.n_h))
        return params

    def _gate_biases(self, named=False):
        if named:
            return {"update_bias": self.update_bias, "reset_after": self.reset_after}
        return {"z": self.update_bias}

    def state_gradients(self, X, Y, h0=None, mask=None):
        """``{"h": ∂L/∂h_t}``, ``(T, B, n_h)``, for every step t."""
        hs, ys = self.forward(X, h0)
        X, state = self._inputs(X, h0)
        Y, ys, mask = self._targets(Y, ys, mask)
        return self._state_gradients(X, self._trace_of(X, hs, state), output_error(ys, Y, mask))

    def _run(self, X, h0):
        hs, gates, ys = gru_forward(self.params, X, h0)
        return _Trace(hs=hs, ys=ys, gate_values=gates, h0=h0,
                      gates={name: gate_block(gates, name, GRU_GATES, self.n_h) for name in GRU_GATES})

    def _bptt(self, X, trace, delta_y):
        return gru_bptt(self.params, X, trace.hs, trace.gate_values, trace.h0, delta_y)

    def _generation_step(self, index, state):
        return gru_step(self.Wx[index][None] + self.b, state, self.Wh, getattr(self, "bhn", None))


class _Trace(types.SimpleNamespace):
    """Everything one forward pass computed (``hs``, ``ys``, ``gates``; the LSTM's ``cs``)."""

    def state_at(self, t):
        """The state after step t (0-based): h_{t+1} in the equations' numbering (and c)."""
        return (self.hs[t], self.cs[t]) if hasattr(self, "cs") else self.hs[t]


def _same_arrays(first, second, xp):
    """True when two (nested tuples of) arrays have the same shapes and values."""
    if isinstance(first, tuple) or isinstance(second, tuple):
        return (isinstance(first, tuple) and isinstance(second, tuple) and len(first) == len(second)
                and all(_same_arrays(a, b, xp) for a, b in zip(first, second)))
    return first.shape == second.shape and bool(xp.array_equal(first, second))


def _state(h0, c0):
    return h0 if c0 is None else (h0, c0)


def _finite_number(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _named_state(name, state, batch, n_h, xp, dtype):
    """``validation.initial_state`` for a state called ``name`` (its errors say ``name``)."""
    try:
        return validation.initial_state(state, batch, n_h, xp, dtype)
    except (TypeError, ValueError) as err:
        raise type(err)(str(err).replace("h0", name)) from None
