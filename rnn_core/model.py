"""The model: one class, ``RNN``, that takes a cell, and ``VanillaRNN``, ``LSTM``, ``GRU``, which
only choose the cell.

The cell (``rnn_core.fast.cells``) supplies the parameters, the state and the equations: the
forward pass and BPTT. ``RNN`` does everything else, the same for every cell: it checks input,
computes the loss, clips, takes optimizer steps, trains, generates, saves and loads. The state
is always a tuple: ``(h,)`` for the vanilla cell and the GRU, ``(h, c)`` for the LSTM; methods
take its parts as ``h0`` and ``c0`` (``c0`` for the LSTM only), and ``h0`` may be a whole state.

The method names follow the lecture (§5): ``forward``, ``compute_loss``, ``backward``, ``train``,
``prepare_sequences``, ``train_words``, ``predict``. Two things differ from the notes, on purpose:

- ``compute_loss`` is the *mean* over steps (§3), and the gradients match it (δy = (ŷ − y)/N).
- ``backward`` does what the notes' ``backward`` does (gradients, clipping, update), and
  ``gradients`` returns the gradients without touching the model, for gradient checks.

Three parts of ``RNN`` have their own modules: training (``rnn_core.training``), generation
(``rnn_core.generation``) and saving (``rnn_core.serialization``). Every public method checks its
input once, then works on checked arrays.
"""
import numpy as np

from . import functional, initialisation, validation
from .backend import get_backend
from .errors import TrainingDivergedError
from .fast.cells import GRUCell, LSTMCell, VanillaCell
from .generation import Generation
from .optim import CLIP_MODES, clip_gradients, make_optimizer
from .serialization import Saving
from .training import Training, generator

DTYPES = (np.float32, np.float64)
DEFAULT_LR = 0.01


class RNN(Training, Generation, Saving):
    """A one-layer recurrent network around ``cell`` (a ``VanillaCell``, ``LSTMCell`` or ``GRUCell``)
    with a softmax output, ŷ_t = softmax(h_t W_hy + b_y), in the lecture's row convention.

    Args:
        n_x, n_h, n_y: input size (the vocabulary for one-hot characters), hidden units, classes.
        lr: learning rate (> 0) of a named optimizer; default 0.01 (an optimizer object has its own).
        seed: seeds the generator that draws the initial weights.
        dtype: ``numpy.float64`` (default; exact gradient checks) or ``numpy.float32``.
        backend: ``"numpy"``, ``"cupy"`` or ``"auto"``; None reads ``$RNN_CORE_BACKEND``.
        optimizer: ``"sgd"`` (the lecture's), ``"adagrad"``, ``"adam"``, or an object with
            ``step(params, grads)`` (e.g. ``rnn_core.Adam(lr=0.01, beta2=0.99)``).
        clip, clip_mode: the threshold c (> 0, or None: no clipping); ``"value"`` (each entry to
            [-c, c], the lecture's) or ``"norm"`` (the global norm).
        init, init_scale, whh_scale: how the weights start (``rnn_core.initialisation``):
            ``randn * init_scale`` (the lecture's 0.01), the recurrent ones ``"lecture"`` alike,
            ``"orthogonal"`` or ``"identity"`` times ``whh_scale`` (1.0).
        shuffle_seed: seeds the generator that shuffles batches in ``train`` (an int, or a
            ``numpy.random.Generator``); kept, so ``train(epochs=1)`` calls continue one order.

    Every parameter is an attribute (``rnn.Whh``, ``lstm.Wx``) and ``params`` maps the names to
    the very arrays: ``rnn.Whh[...] = W`` changes the model.
    """

    CELL = None       # the cell class of VanillaRNN, LSTM, GRU: what ``load`` rebuilds

    def __init__(self, cell, n_x, n_h, n_y, lr=None, seed=None, dtype=np.float64, backend=None, *,
                 optimizer="sgd", clip=5.0, clip_mode="value", init="lecture", init_scale=0.01,
                 whh_scale=None, shuffle_seed=0):
        self.cell = cell
        self.n_x = validation.positive_int("n_x", n_x)
        self.n_h = validation.positive_int("n_h", n_h)
        self.n_y = validation.positive_int("n_y", n_y)
        self.dtype = _float_dtype(dtype)
        self.xp = get_backend(backend)
        self.backend = "cupy" if self.xp is not np else "numpy"
        if lr is not None:
            lr = validation.positive_float("lr", lr)
        self.optimizer = make_optimizer(optimizer, DEFAULT_LR if lr is None and isinstance(optimizer, str) else lr)
        self.clip, self.clip_mode = _clip_setting(clip, clip_mode)
        self.init, self.init_scale, self.whh_scale = initialisation.init_setting(init, init_scale, whh_scale)
        init = (self.init, self.init_scale, self.whh_scale)
        # Drawn with numpy, so both backends start from the same weights.
        for name, values in cell.initial_parameters(np.random.default_rng(seed), self.n_x, self.n_h, self.n_y, init).items():
            setattr(self, name, self.xp.asarray(values, dtype=self.dtype))
        self.shuffle_rng = generator("shuffle_seed", shuffle_seed)
        self.char_to_idx = None
        self.idx_to_char = None

    def __repr__(self):
        clip = f"{self.clip_mode} {self.clip:g}" if self.clip is not None else "none"
        lr = getattr(self.optimizer, "lr", None)
        return (f"{type(self).__name__}(n_x={self.n_x}, n_h={self.n_h}, n_y={self.n_y}, "
                f"dtype={np.dtype(self.dtype).name}, backend={self.backend}, "
                f"optimizer={getattr(self.optimizer, 'name', type(self.optimizer).__name__)}"
                f"{f'(lr={lr:g})' if lr is not None else ''}, clip={clip}"
                f"{'' if self.init == 'lecture' else f', init={self.init}'}"
                f"{', reset_after=True' if getattr(self.cell, 'reset_after', False) else ''})")

    @property
    def PARAM_NAMES(self):
        """The names of the parameters, the cell's and the output layer's."""
        return self.cell.param_names

    @property
    def params(self):
        """Name → parameter array (the very arrays of the model, not copies)."""
        return {name: getattr(self, name) for name in self.PARAM_NAMES}

    @property
    def lr(self):
        """The optimizer's learning rate."""
        return self.optimizer.lr

    @lr.setter
    def lr(self, value):
        self.optimizer.lr = validation.positive_float("lr", value)

    def gate_weights(self, gate):
        """``(W_x·, W_h·, b_·)`` of one gate (a name from the cell's ``GATES``): views, writable in place."""
        if gate not in self.cell.GATES:
            raise ValueError(f"gate={gate!r}; expected one of {', '.join(repr(g) for g in self.cell.GATES)}"
                             if self.cell.GATES else f"gate={gate!r}: a {type(self).__name__} has no gates")
        k = self.cell.GATES.index(gate)
        return tuple(getattr(self, name)[:, k * self.n_h:(k + 1) * self.n_h] for name in ("Wx", "Wh", "b"))

    # ------------------------------------------------------------------ §2: forward pass
    def forward(self, X, h0=None, c0=None):
        """Run the RNN over ``X``.

        X: a sequence ``(T, n_x)``, a batch ``(T, B, n_x)``, or integer indices ``(T,)`` /
           ``(T, B)`` standing for one-hot rows. A 2-D float ``X`` is a batch of one.
        h0: initial hidden state ``(B, n_h)`` or ``(1, n_h)``; zeros by default. c0: the LSTM's
           initial cell state, likewise.
        Returns ``(hs, ys)``: hidden states ``(T, B, n_h)`` and softmax outputs ``(T, B, n_y)``.
        """
        return self._forward(X, h0, c0)[:2]

    def forward_trace(self, X, h0=None, c0=None):
        """The forward pass with everything it computed: ``.hs``, ``.ys``, ``.gates`` (name →
        ``(T, B, n_h)`` gate values, none for the vanilla cell) and, for the LSTM, ``.cs``."""
        hs, ys, cache = self._forward(X, h0, c0)
        return self.cell.trace(cache, ys)

    def _forward(self, X, h0, c0):
        X, state0 = self._inputs(X, h0, c0)
        hs, ys, cache = self.cell.forward(self.params, X, state0)
        if not bool(self.xp.isfinite(ys).all()):
            bad = [name for name, p in self.params.items() if not bool(self.xp.isfinite(p).all())]
            raise FloatingPointError(
                "the forward pass produced NaN or inf: "
                + (f"the parameter(s) {', '.join(bad)} contain NaN or inf" if bad else
                   "the parameters are so large that the logits overflow") + "; " + self._divergence_advice())
        return hs, ys, cache

    def _inputs(self, X, h0, c0=None):
        X = validation.inputs(X, self.n_x, self.xp, self.dtype)
        return X, self._initial_state(h0, X.shape[1], c0)

    def _initial_state(self, h0, batch, c0=None):
        """The checked state tuple for ``batch`` sequences (zeros for None parts); ``h0`` may be
        an array, None, or a whole state tuple (then without ``c0``)."""
        names = [f"{name}0" for name in self.cell.STATE]
        parts = h0 if isinstance(h0, tuple) else (h0, c0)[:len(names)]
        if len(parts) != len(names) or (c0 is not None and (isinstance(h0, tuple) or len(names) == 1)):
            got = ([f"a state of {len(h0)} arrays"] if isinstance(h0, tuple) else []) + (["c0"] if c0 is not None else [])
            raise ValueError(f"a {type(self).__name__}'s state is ({', '.join(names)}); got {' and '.join(got)}")
        return tuple(validation.initial_state(part, batch, self.n_h, self.xp, self.dtype, name)
                     for name, part in zip(names, parts))

    # ------------------------------------------------------------------ §3: loss
    def compute_loss(self, Y, ys, mask=None):
        """§3: the mean cross-entropy over every real step, −(1/N) Σ_{t,b} log ŷ_t[y_t].

        Y: one-hot targets shaped like ``ys`` or integer classes ``(T,)`` / ``(T, B)``.
        ys: ``(T, B, n_y)`` probabilities from ``forward``.
        mask: ``(T, B)``, 1 for real steps and 0 for padding; N counts the 1s (default T·B).
        Never inf or NaN through log(0): probabilities are floored at the dtype's tiniest normal.
        """
        Y, ys, mask = self._targets(Y, ys, mask)
        return functional.cross_entropy(ys, Y, mask)

    def _targets(self, Y, ys, mask):
        ys = validation.forward_output(ys, self.xp, n=self.n_y)
        Y = validation.targets(Y, ys.shape, self.xp, self.dtype)
        mask = validation.mask_array(mask, ys.shape[0], ys.shape[1], self.xp, self.dtype)
        return Y, ys, mask

    # ------------------------------------------------------------------ §4: BPTT
    def _bptt_inputs(self, X, Y, hs, ys, h0, mask, c0):
        """Check the arguments of ``gradients`` once: ``(cache, dy)`` for the cell's BPTT."""
        X, state0 = self._inputs(X, h0, c0)
        hs = validation.forward_output(hs, self.xp, "hs", shape=(X.shape[0], X.shape[1], self.n_h))
        Y, ys, mask = self._targets(Y, ys, mask)
        validation.forward_output(ys, self.xp, shape=(X.shape[0], X.shape[1], self.n_y))
        return self.cell.cache(self.params, X, hs, state0), functional.output_error(ys, Y, mask)

    def gradients(self, X, Y, hs, ys, h0=None, mask=None, c0=None):
        """§4: the exact gradients of ``compute_loss`` by BPTT; the model is not changed.

        Takes the same ``X``, ``h0`` (``c0``) as ``forward`` and the ``hs``, ``ys`` it returned.
        Returns a dict name → array shaped like the parameter, for every name of ``PARAM_NAMES``.
        """
        grads = self.cell.backward(self.params, *self._bptt_inputs(X, Y, hs, ys, h0, mask, c0))
        return {name: grads[name] for name in self.PARAM_NAMES}

    def hidden_state_gradients(self, X, Y, hs, ys, h0=None, mask=None, c0=None):
        """∂L/∂h_t for every step, ``(T, B, n_h)``: how much each hidden state affects the loss."""
        return self.cell.state_gradients(self.params, *self._bptt_inputs(X, Y, hs, ys, h0, mask, c0))["h"]

    def state_gradients(self, X, Y, h0=None, mask=None, c0=None):
        """``{"h": ∂L/∂h_t}`` (and for the LSTM ``"c": ∂L/∂c_t``), each ``(T, B, n_h)``, for every
        step t, from one forward pass and one BPTT. Both are total derivatives: ∂L/∂c_t runs
        through c_{t+1} (times f_{t+1}, (8.6)) and through h_t = o_t ⊙ tanh(c_t)."""
        hs, ys, cache = self._forward(X, h0, c0)
        Y, ys, mask = self._targets(Y, ys, mask)
        return self.cell.state_gradients(self.params, cache, functional.output_error(ys, Y, mask))

    def apply_gradients(self, grads):
        """Clip ``grads`` (by ``clip_mode``), take one optimizer step, return the clipped gradients."""
        if not all(bool(self.xp.isfinite(g).all()) for g in grads.values()):
            raise TrainingDivergedError("the gradients contain NaN or inf, so the update was not applied; "
                                        + self._divergence_advice())
        clipped = clip_gradients(grads, self.clip, self.clip_mode)
        self.optimizer.step(self.params, clipped)
        return clipped

    def _divergence_advice(self):
        lr = getattr(self.optimizer, "lr", None)
        return (f"try a smaller learning rate{f' (lr={lr:g})' if lr is not None else ''} or gradient "
                "clipping (clip=5.0, clip_mode='value' or 'norm')")

    def backward(self, X, Y, hs, ys, h0=None, mask=None):
        """The lecture's ``backward``: compute the gradients, clip them, update the parameters.

        Returns the clipped gradients that were applied.
        """
        return self.apply_gradients(self.gradients(X, Y, hs, ys, h0=h0, mask=mask))



class VanillaRNN(RNN):
    """The lecture's RNN: ``RNN`` with the tanh cell (2.2),
    h_t = tanh(x_t Wxh + h_{t-1} Whh + bh), y_t = softmax(h_t Why + by).

    Arguments as for ``RNN`` without ``cell``. Parameters: ``Wxh`` (n_x, n_h), ``Whh`` (n_h, n_h),
    ``Why`` (n_h, n_y), ``bh`` (1, n_h), ``by`` (1, n_y). The state is ``(h,)``.
    """

    CELL = VanillaCell

    def __init__(self, n_x, n_h, n_y, lr=None, seed=None, dtype=np.float64, backend=None, **options):
        super().__init__(VanillaCell(), n_x, n_h, n_y, lr, seed, dtype, backend, **options)


class LSTM(RNN):
    """A one-layer LSTM (장단기 메모리): ``RNN`` with the LSTM cell (8.5).

    Arguments as for ``RNN`` without ``cell``, plus ``forget_bias``, the initial forget-gate
    bias b_f (default 1.0: f_t starts near σ(1) ≈ 0.73, so the cell keeps a share f per step
    and an initial content for about 1 / (1 − f) ≈ 4 steps). ``init`` acts on every gate's block.
    The state is ``(h, c)``: every method that takes ``h0`` takes the cell state ``c0`` too
    (zeros by default); ``forward_trace`` gives the cell states ``.cs`` and the gates
    ``.gates["f" | "i" | "o" | "g"]``; ``train_text`` carries h and c from chunk to chunk.

    Parameters: ``Wx`` (n_x, 4n_h), ``Wh`` (n_h, 4n_h), ``b`` (1, 4n_h), gate blocks in the
    order f, i, o, g (``gate_weights("f")`` gives one gate's views); ``Why``, ``by``.
    """

    CELL = LSTMCell

    def __init__(self, n_x, n_h, n_y, lr=None, seed=None, dtype=np.float64, backend=None, *,
                 forget_bias=1.0, **options):
        super().__init__(LSTMCell(forget_bias), n_x, n_h, n_y, lr, seed, dtype, backend, **options)


class GRU(RNN):
    """A one-layer GRU (게이트 순환 유닛): ``RNN`` with the GRU cell.

    Arguments as for ``RNN`` without ``cell``, plus:

    - ``update_bias``: the initial update-gate bias b_z (default 0.0: z_t starts near 0.5);
      a positive value starts the GRU copying h_{t-1} forward, like the LSTM's forget bias.
    - ``reset_after``: False (default) is (8.7) of notebook 07, the reset gate applied to
      h_{t-1} before the product with W_hn; True is PyTorch's ``nn.GRU`` and cuDNN's (8.7′),
      with one more parameter, ``bhn`` (1, n_h).

    Parameters: ``Wx`` (n_x, 3n_h), ``Wh`` (n_h, 3n_h), ``b`` (1, 3n_h), gate blocks in the
    order z, r, n (``gate_weights("z")``); ``Why``, ``by`` [, ``bhn``]. The state is ``(h,)``;
    ``forward_trace(X, h0)`` returns ``.hs``, ``.ys`` and ``.gates["z" | "r" | "n"]``.
    """

    CELL = GRUCell

    def __init__(self, n_x, n_h, n_y, lr=None, seed=None, dtype=np.float64, backend=None, *,
                 update_bias=0.0, reset_after=False, **options):
        super().__init__(GRUCell(update_bias, reset_after), n_x, n_h, n_y, lr, seed, dtype, backend, **options)


def _float_dtype(dtype):
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype={dtype!r} is not a numpy dtype; expected numpy.float32 or numpy.float64") from None
    if dtype.type not in DTYPES:
        raise ValueError(f"dtype={dtype.name}; expected numpy.float32 or numpy.float64")
    return dtype.type


def _clip_setting(clip, clip_mode):
    if clip_mode not in CLIP_MODES:
        raise ValueError(f"clip_mode={clip_mode!r}; expected 'value', 'norm' or None")
    if clip is None or clip_mode is None:
        return None, None
    return validation.positive_float("clip", clip), clip_mode
