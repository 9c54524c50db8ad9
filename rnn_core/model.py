"""``VanillaRNN``: the lecture's class, exact, batched, and on numpy or CuPy.

The method names follow the lecture (§5): ``forward``, ``compute_loss``, ``backward``,
``train``, ``prepare_sequences``, ``train_words``, ``predict``. Two things differ from the
notes, on purpose:

- ``compute_loss`` is the *mean* over steps (§3), and the gradients match it (δy = (ŷ − y)/N).
- ``backward`` does what the notes' ``backward`` does (gradients, clipping, update), and
  ``gradients`` returns the gradients without touching the model, for gradient checks.

Every public method checks its input once, then works on the checked arrays. What is specific
to the vanilla cell lives in a few methods a subclass (an LSTM, a GRU) overrides:
``PARAM_NAMES``, ``FORMAT_TAG``, ``initial_parameters``, ``sizes_from_parameters``,
``_forward``, ``_backward``, ``_hidden_state_gradients``, ``_initial_state``, ``_last_state``,
``_output_logits`` and ``_generation_step``; ``CELL_OPTIONS`` names the cell's own constructor
options, which ``save`` writes and ``load`` gives back. Training, clipping, the optimizers,
generation, saving and loading are shared.
"""
import sys

import numpy as np

from . import data, functional, validation
from .fast import vanilla as fast
from .backend import get_backend, to_numpy
from .errors import ModelFileError, TrainingDivergedError
from .optim import CLIP_MODES, OPTIMIZERS, clip_gradients, make_optimizer
from .serialization import read_model, write_model

DTYPES = (np.float32, np.float64)
DEFAULT_LR = 0.01
INITS = ("lecture", "orthogonal", "identity")


class VanillaRNN:
    """A one-layer tanh RNN with a softmax output, in the lecture's row convention.

    h_t = tanh(x_t Wxh + h_{t-1} Whh + bh),   y_t = softmax(h_t Why + by)

    Args:
        n_x: input size (the vocabulary size for one-hot characters).
        n_h: number of hidden units.
        n_y: output size (number of classes).
        lr: learning rate (> 0) of a named optimizer; default 0.01. An optimizer object
            carries its own, so giving ``lr`` with one is an error.
        seed: seeds the generator that draws the initial weights.
        dtype: ``numpy.float64`` (default; exact gradient checks) or ``numpy.float32``.
        backend: ``"numpy"``, ``"cupy"`` or ``"auto"``; None reads ``$RNN_CORE_BACKEND``.
        optimizer: ``"sgd"`` (the lecture's), ``"adagrad"``, ``"adam"``, or an object with
            ``step(params, grads)`` (e.g. ``rnn_core.Adam(lr=0.01, beta2=0.99)``).
        clip: the clipping threshold c (> 0), or None for no clipping.
        clip_mode: ``"value"`` (each entry to [-c, c], the lecture's) or ``"norm"`` (global norm).
        init: how ``Whh`` starts: ``"lecture"`` (``randn * init_scale``, §5.1), ``"orthogonal"``
            (a random orthogonal matrix times ``whh_scale``) or ``"identity"`` (the identity
            times ``whh_scale``, Le et al. 2015). ``Wxh`` and ``Why`` are ``randn * init_scale``
            in every case, and the same ``seed`` gives the same ``Wxh`` and ``Why`` for all three.
        init_scale: standard deviation of the random initial weights (the lecture's 0.01).
        whh_scale: the scale of ``Whh`` for ``"orthogonal"`` and ``"identity"`` (default 1.0).
        shuffle_seed: seeds the generator that shuffles batches in ``train`` (an int, or a
            ``numpy.random.Generator`` used as is). It lives on the model, so repeated
            ``train(epochs=1)`` calls continue one sequence of batch orders.

    Attributes ``Wxh`` (n_x, n_h), ``Whh`` (n_h, n_h), ``Why`` (n_h, n_y), ``bh`` (1, n_h) and
    ``by`` (1, n_y) are the parameters themselves: ``rnn.Whh[...] = W`` changes the model.
    """

    PARAM_NAMES = functional.PARAM_NAMES
    OPTIONAL_PARAM_NAMES = ()      # parameters only some settings have (none for this cell)
    CELL_OPTIONS = ()              # constructor options of the cell, saved by save, given back by load
    FORMAT_TAG = "rnn_core.VanillaRNN"

    def __init__(self, n_x, n_h, n_y, lr=None, seed=None, dtype=np.float64, backend=None, *,
                 optimizer="sgd", clip=5.0, clip_mode="value", init="lecture", init_scale=0.01,
                 whh_scale=None, shuffle_seed=0):
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
        self.init, self.init_scale, self.whh_scale = _init_setting(init, init_scale, whh_scale)
        # Drawn with numpy, so both backends start from the same weights.
        for name, values in self.initial_parameters(np.random.default_rng(seed)).items():
            setattr(self, name, self.xp.asarray(values, dtype=self.dtype))
        self.shuffle_rng = _generator("shuffle_seed", shuffle_seed)
        self.char_to_idx = None
        self.idx_to_char = None
        self._work_arrays = {}

    def __repr__(self):
        clip = f"{self.clip_mode} {self.clip:g}" if self.clip is not None else "none"
        lr = getattr(self.optimizer, "lr", None)
        return (f"{type(self).__name__}(n_x={self.n_x}, n_h={self.n_h}, n_y={self.n_y}, "
                f"dtype={np.dtype(self.dtype).name}, backend={self.backend}, "
                f"optimizer={getattr(self.optimizer, 'name', type(self.optimizer).__name__)}"
                f"{f'(lr={lr:g})' if lr is not None else ''}, clip={clip}"
                f"{'' if self.init == 'lecture' else f', init={self.init}'})")

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

    # ------------------------------------------------------------------ what a subclass overrides
    def initial_parameters(self, rng):
        """§5.1: name → initial value (numpy, float64): small random weights and zero biases."""
        n_x, n_h, n_y = self.n_x, self.n_h, self.n_y
        Wxh = rng.standard_normal((n_x, n_h)) * self.init_scale
        Whh = rng.standard_normal((n_h, n_h)) * self.init_scale   # drawn for every init: same Wxh, Why
        Why = rng.standard_normal((n_h, n_y)) * self.init_scale
        if self.init == "orthogonal":
            Whh = orthogonal_from(Whh) * self.whh_scale
        elif self.init == "identity":
            Whh = np.eye(n_h) * self.whh_scale
        return {"Wxh": Wxh, "Whh": Whh, "Why": Why, "bh": np.zeros((1, n_h)), "by": np.zeros((1, n_y))}

    @classmethod
    def sizes_from_parameters(cls, params):
        """``(n_x, n_h, n_y)`` of the parameters read from a file."""
        n_x, n_h = params["Wxh"].shape
        return n_x, n_h, params["Why"].shape[1]

    def _forward(self, X, h0, out=None):
        """The forward pass on checked arrays: ``(hs, ys)``."""
        return fast.forward(self.params, X, h0, out=out)

    def _backward(self, X, hs, h0, delta_y, out=None):
        """BPTT on checked arrays: the gradients by parameter name (and ``dh0``, ``delta_h``)."""
        return fast.bptt(self.params, X, hs, h0, delta_y, out=out)

    def _hidden_state_gradients(self, X, hs, h0, delta_y):
        """∂L/∂h_t for every step, from checked arrays."""
        delta_h = self._backward(X, hs, h0, delta_y)["delta_h"]
        return fast.hidden_state_gradients(self.params, delta_y, delta_h)

    def _initial_state(self, h0, batch):
        """The checked initial state for ``batch`` sequences (zeros for None)."""
        return validation.initial_state(h0, batch, self.n_h, self.xp, self.dtype)

    def _last_state(self, hs):
        """The state after the last step (a copy), to carry into the next chunk or generation step."""
        return hs[-1].copy()

    def _output_logits(self, state):
        """z = h W_hy + b_y for one state: (B, n_y)."""
        return state @ self.Why + self.by

    def _generation_step(self, index, state):
        """(2.2) with x_t = onehot(index): the next state after reading the symbol ``index``."""
        return fast.rnn_step(self.Wxh[index] + self.bh, state, self.Whh)

    # ------------------------------------------------------------------ §2: forward pass
    def forward(self, X, h0=None):
        """Run the RNN over ``X``.

        X: a sequence ``(T, n_x)``, a batch ``(T, B, n_x)``, or integer indices ``(T,)`` /
           ``(T, B)`` standing for one-hot rows. A 2-D float ``X`` is a batch of one.
        h0: initial hidden state ``(B, n_h)`` or ``(1, n_h)``; zeros by default.
        Returns ``(hs, ys)``: hidden states ``(T, B, n_h)`` and softmax outputs ``(T, B, n_y)``.
        """
        X, h0 = self._inputs(X, h0)
        hs, ys = self._forward(X, h0, out=self._output_arrays(X))
        if not bool(self.xp.isfinite(ys).all()):
            bad = [name for name, p in self.params.items() if not bool(self.xp.isfinite(p).all())]
            raise FloatingPointError(
                "the forward pass produced NaN or inf: "
                + (f"the parameter(s) {', '.join(bad)} contain NaN or inf" if bad else
                   "the parameters are so large that the logits overflow") + "; " + self._divergence_advice())
        return hs, ys

    def _inputs(self, X, h0):
        X = validation.inputs(X, self.n_x, self.xp, self.dtype)
        return X, self._initial_state(h0, X.shape[1])

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
        ys = validation.forward_output(ys, self.xp)
        if ys.shape[-1] != self.n_y:
            raise ValueError(f"ys has shape {tuple(ys.shape)}; expected (T, B, n_y) with n_y={self.n_y}")
        Y = validation.targets(Y, ys.shape, self.xp, self.dtype)
        mask = validation.mask_array(mask, ys.shape[0], ys.shape[1], self.xp, self.dtype)
        return Y, ys, mask

    # ------------------------------------------------------------------ §4: BPTT
    def _bptt_inputs(self, X, Y, hs, ys, h0, mask):
        """Check the arguments of ``gradients`` once: ``(X, h0, hs, delta_y)``."""
        X, h0 = self._inputs(X, h0)
        expected = (X.shape[0], X.shape[1], self.n_h)
        hs = validation.forward_output(hs, self.xp, "hs") if hs is not None else None
        if hs is None or tuple(hs.shape) != expected:
            raise ValueError(f"hs has shape {None if hs is None else tuple(hs.shape)}; "
                             f"expected (T, B, n_h) = {expected}, from forward(X) on the same X")
        Y, ys, mask = self._targets(Y, ys, mask)
        if tuple(ys.shape[:2]) != expected[:2]:
            raise ValueError(f"ys has shape {tuple(ys.shape)}; expected (T, B, n_y) = "
                             f"({expected[0]}, {expected[1]}, {self.n_y}), from forward(X) on the same X")
        return X, h0, hs, functional.output_error(ys, Y, mask, out=self._work_array("delta_y", ys.shape))

    def gradients(self, X, Y, hs, ys, h0=None, mask=None):
        """§4: the exact gradients of ``compute_loss`` by BPTT; the model is not changed.

        Takes the same ``X``, ``h0`` as ``forward`` and the ``hs``, ``ys`` it returned.
        Returns a dict ``{"Wxh", "Whh", "Why", "bh", "by"}`` of arrays shaped like the parameters.
        """
        X, h0, hs, delta_y = self._bptt_inputs(X, Y, hs, ys, h0, mask)
        grads = self._backward(X, hs, h0, delta_y, out=self._bptt_arrays(hs))
        return {name: grads[name] for name in self.PARAM_NAMES}

    def hidden_state_gradients(self, X, Y, hs, ys, h0=None, mask=None):
        """∂L/∂h_t for every step, ``(T, B, n_h)``: how much each hidden state affects the loss."""
        X, h0, hs, delta_y = self._bptt_inputs(X, Y, hs, ys, h0, mask)
        return self._hidden_state_gradients(X, hs, h0, delta_y)

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

    # ------------------------------------------------------------------ §5.4: training
    def train_step(self, X, Y, h0=None, mask=None):
        """One forward pass, loss and update. Returns ``(loss, hs)`` (loss before the update)."""
        X, h0 = self._inputs(X, h0)
        Y = validation.targets(Y, (X.shape[0], X.shape[1], self.n_y), self.xp, self.dtype)
        mask = validation.mask_array(mask, X.shape[0], X.shape[1], self.xp, self.dtype)
        return self._train_step(X, Y, h0, mask)

    def _train_step(self, X, Y, h0, mask):
        """``train_step`` on checked arrays: forward, loss, BPTT, clip, update."""
        hs, ys = self._forward(X, h0, out=self._output_arrays(X))
        loss = functional.cross_entropy(ys, Y, mask)
        if not np.isfinite(loss):
            raise TrainingDivergedError(f"the loss became {loss}; " + self._divergence_advice())
        delta_y = functional.output_error(ys, Y, mask, out=ys)       # ys is not needed after this
        grads = self._backward(X, hs, h0, delta_y, out=self._bptt_arrays(hs))
        self.apply_gradients({name: grads[name] for name in self.PARAM_NAMES})
        return loss, hs

    def _output_arrays(self, X):
        """Reusable arrays for ``_forward``'s hs and ys (a subclass with other arrays returns None)."""
        T, B = X.shape[0], X.shape[1]
        return self._work_array("hs", (T, B, self.n_h)), self._work_array("ys", (T, B, self.n_y))

    def _bptt_arrays(self, hs):
        """Reusable arrays for ``_backward`` (a subclass with other arrays returns None)."""
        return self._work_array("dh_from_output", hs.shape), self._work_array("delta_h", hs.shape)

    def _work_array(self, name, shape):
        """An uninitialised array kept for the next training step of the same shape.

        Fresh memory for large arrays costs page faults every step; reusing these avoids it.
        An array is handed out again only when nothing outside this cache still refers to it
        (e.g. an ``hs`` returned to the caller), so results are never overwritten.
        """
        array = self._work_arrays.get(name)
        # References: the cache, ``array`` here, getrefcount's argument. More: someone kept it.
        if array is None or array.shape != tuple(shape) or sys.getrefcount(array) > 3:
            array = self.xp.empty(shape, dtype=self.dtype)
            self._work_arrays[name] = array
        return array

    def train(self, X_train, Y_train, epochs, print_interval=100, mask=None, h0=None,
              batch_size=None, shuffle_seed=None, verbose=True):
        """Train on a batch of sequences for ``epochs`` passes; return the loss of each epoch.

        X_train, Y_train: as for ``forward`` / ``compute_loss`` (``(T, B, ...)`` arrays), or lists
            of sequences of different lengths, which are padded and masked here.
        mask: ``(T, B)`` real-step mask for padded arrays.
        batch_size: sequences per update (default: all of them, one update per epoch);
            batches are reshuffled each epoch by the model's generator ``shuffle_rng``.
        shuffle_seed: None (default) continues the model's generator; an int or Generator
            replaces it first (so a call with the same seed repeats the same batch orders).
        print_interval: print the loss every this many epochs (0 or None: never).
        Returns a list of ``epochs`` floats: each epoch's mean loss over its real steps.
        """
        epochs = validation.non_negative_int("epochs", epochs)
        X_train, Y_train, mask = _as_batch(X_train, Y_train, mask)
        X, h0 = self._inputs(X_train, h0)
        T, n_sequences = X.shape[0], X.shape[1]
        Y = validation.targets(Y_train, (T, n_sequences, self.n_y), self.xp, self.dtype)
        mask = validation.mask_array(mask, T, n_sequences, self.xp, self.dtype)
        batch_size = n_sequences if batch_size is None else validation.positive_int("batch_size", batch_size)
        if shuffle_seed is not None:
            self.shuffle_rng = _generator("shuffle_seed", shuffle_seed)
        history = []
        for epoch in range(1, epochs + 1):
            total_loss, total_steps = 0.0, 0.0
            for rows in self._batches(n_sequences, batch_size):
                X_batch, batch_mask = X[:, rows], (None if mask is None else mask[:, rows])
                loss = self._train_step(X_batch, Y[:, rows], h0[rows], batch_mask)[0]
                steps = functional.real_steps(batch_mask, X_batch.shape[0], X_batch.shape[1])   # N of the batch
                total_loss, total_steps = total_loss + loss * steps, total_steps + steps
            history.append(total_loss / total_steps)   # the mean over all real steps of the epoch
            self._report(epoch, epochs, history[-1], print_interval, verbose)
        return history

    def _batches(self, n_sequences, batch_size):
        """The batches of one epoch: all rows at once, or shuffled groups of ``batch_size``."""
        if batch_size >= n_sequences:
            return [slice(None)]
        order = self.xp.asarray(self.shuffle_rng.permutation(n_sequences))
        return [order[start: start + batch_size] for start in range(0, n_sequences, batch_size)]

    @staticmethod
    def _report(epoch, epochs, loss, print_interval, verbose):
        if verbose and print_interval and (epoch % print_interval == 0):
            print(f"epoch {epoch:>{len(str(epochs))}d}/{epochs}  loss {loss:.4f}")

    @staticmethod
    def prepare_sequences(words, char_to_idx, start=False):
        """§5.4: words → ``(X, Y, mask)``, one padded batch of integer inputs and targets.

        See ``rnn_core.data.prepare_sequences``; every word's last target is the end marker.
        """
        return data.prepare_sequences(words, char_to_idx, start=start)

    def train_words(self, words, char_to_idx=None, epochs=100, print_interval=100,
                    batch_size=None, shuffle_seed=None, verbose=True, start=False):
        """§5.4: train next-character prediction on a list of words; return the loss history.

        All words train together in padded, masked batches. ``char_to_idx`` defaults to the
        vocabulary of the words plus the end marker, and is remembered by the model (and saved).
        With ``start=True`` each word is read after the start marker ``^``, so the model learns
        the first letter too and ``predict("^")`` generates a word from nothing.
        """
        if char_to_idx is None:
            char_to_idx, _ = data.vocabulary_from_words(words, start=start)
        self.set_vocabulary(char_to_idx)
        X, Y, mask = data.prepare_sequences(words, char_to_idx, start=start)
        return self.train(X, Y, epochs, print_interval, mask=mask, batch_size=batch_size,
                          shuffle_seed=shuffle_seed, verbose=verbose)

    def train_text(self, text, char_to_idx=None, epochs=10, print_interval=1, seq_length=25,
                   batch_size=16, verbose=True):
        """Train on one long text by truncated BPTT; return each epoch's mean loss.

        The text is cut into ``batch_size`` parallel streams and walked ``seq_length`` steps at a
        time. Gradients flow back only within a chunk, but the hidden state is carried from
        each chunk to the next, so the model still reads the text as one sequence.
        """
        epochs = validation.non_negative_int("epochs", epochs)
        if char_to_idx is None:
            char_to_idx, _ = data.vocabulary_from_text(text)
        self.set_vocabulary(char_to_idx)
        indices = data.encode(text, char_to_idx)
        history = []
        for epoch in range(1, epochs + 1):
            h = None                                  # each epoch starts from h_0 = 0
            total_loss, total_steps = 0.0, 0.0
            for X, Y in data.text_stream_batches(indices, batch_size, seq_length):
                # One update on the chunk; h becomes its last hidden state, carried into the
                # next chunk but not backpropagated through.
                loss, h = self._train_chunk(X, Y, h)
                steps = functional.real_steps(None, X.shape[0], X.shape[1])   # N = T·B of the chunk
                total_loss, total_steps = total_loss + loss * steps, total_steps + steps
            history.append(total_loss / total_steps)
            self._report(epoch, epochs, history[-1], print_interval, verbose)
        return history

    def _train_chunk(self, X, Y, h0):
        """One truncated-BPTT update on a chunk of encoded text; returns ``(loss, last state)``."""
        X, Y = self.xp.asarray(X), self.xp.asarray(Y)
        loss, hs = self._train_step(X, Y, self._initial_state(h0, X.shape[1]), None)
        return loss, self._last_state(hs)

    # ------------------------------------------------------------------ generation
    def set_vocabulary(self, char_to_idx):
        """Remember a vocabulary (saved with the model): one character (or token) per output class."""
        self.char_to_idx = self._checked_vocabulary(char_to_idx)
        self.idx_to_char = data.invert_vocabulary(self.char_to_idx)

    def _checked_vocabulary(self, char_to_idx):
        if not isinstance(char_to_idx, dict) or not char_to_idx:
            raise TypeError("char_to_idx must be a non-empty dict from character to index")
        if not all(isinstance(char, str) and char for char in char_to_idx):
            raise TypeError("char_to_idx's keys must be non-empty strings (characters or tokens)")
        if sorted(char_to_idx.values()) != list(range(len(char_to_idx))):
            raise ValueError("char_to_idx must map its characters to 0, 1, ..., len-1")
        if len(char_to_idx) != self.n_y or len(char_to_idx) > self.n_x:
            raise ValueError(f"the vocabulary has {len(char_to_idx)} characters but the model has "
                             f"n_x={self.n_x}, n_y={self.n_y}; expected exactly n_y characters (one per "
                             "output class, so that every prediction names a character) and at most n_x")
        return dict(char_to_idx)

    def _vocabulary(self, char_to_idx, idx_to_char):
        if char_to_idx is None:
            if self.char_to_idx is None:
                raise ValueError("no vocabulary: pass char_to_idx and idx_to_char, or train with train_words/train_text")
            return self.char_to_idx, self.idx_to_char
        char_to_idx = self._checked_vocabulary(char_to_idx)
        if idx_to_char is not None and idx_to_char != data.invert_vocabulary(char_to_idx):
            raise ValueError("idx_to_char is not the inverse of char_to_idx; expected idx_to_char[char_to_idx[c]] == c")
        return char_to_idx, data.invert_vocabulary(char_to_idx)

    def predict(self, seed_text, char_to_idx=None, idx_to_char=None, length=20, temperature=None,
                seed=None, stop_at=None):
        """Read ``seed_text``, then generate ``length`` characters, each fed back as the next input.

        temperature: None for greedy (the most probable character); a number > 0 to sample from
            softmax(z / temperature) (below 1: sharper, closer to greedy; above 1: flatter, more random).
        seed: seeds the sampling generator, so the same call gives the same text.
        stop_at: a character (e.g. the end marker ``"."``) that ends generation early; it is
            not included in the result.
        Returns ``seed_text`` followed by the generated characters. A model trained with
        ``train_words(..., start=True)`` generates a whole word from ``predict("^")``.
        """
        char_to_idx, idx_to_char = self._vocabulary(char_to_idx, idx_to_char)
        if isinstance(seed_text, str) and not seed_text:
            raise ValueError("seed_text is empty; expected at least one character to start from")
        validation.vocabulary_text("seed_text", seed_text, char_to_idx)
        length = validation.non_negative_int("length", length)
        if temperature is not None:
            temperature = validation.positive_float("temperature", temperature)
        rng = np.random.default_rng(seed)
        h = self._initial_state(None, 1)
        for char in seed_text:                                   # read the seed, step by step
            h = self._generation_step(char_to_idx[char], h)
        generated = []
        for _ in range(length):
            logits = to_numpy(self._output_logits(h))[0].astype(np.float64)
            if temperature is None:
                index = int(np.argmax(logits))
            else:
                probs = functional.softmax_with_temperature(logits, temperature)   # softmax(z / τ)
                index = int(rng.choice(len(probs), p=probs))
            char = idx_to_char[index]
            if stop_at is not None and char == stop_at:
                break
            generated.append(char)
            h = self._generation_step(index, h)                  # feed the choice back as x_t
        return seed_text + "".join(generated)

    # ------------------------------------------------------------------ saving
    def settings(self):
        """What ``load`` needs besides the parameters to rebuild this model (saved by ``save``)."""
        optimizer = getattr(self.optimizer, "name", type(self.optimizer).__name__)
        config = self.optimizer.config() if callable(getattr(self.optimizer, "config", None)) else {}
        return {"optimizer": optimizer, **{f"optimizer_{key}": value for key, value in config.items()},
                "lr": getattr(self.optimizer, "lr", None), "clip": self.clip, "clip_mode": self.clip_mode,
                "init": self.init, "init_scale": self.init_scale, "whh_scale": self.whh_scale}

    def save(self, path):
        """Write the model (and its vocabulary, if any) to ``path`` (.npz), atomically. Returns the path."""
        vocabulary = None
        if self.idx_to_char is not None:
            vocabulary = [self.idx_to_char[i] for i in range(len(self.idx_to_char))]
        return write_model(path, self.FORMAT_TAG, self.params, self.settings(), vocabulary)

    @classmethod
    def load(cls, path, backend=None):
        """A model read from a file written by ``save`` (never unpickles anything).

        ``path`` may leave out the ``.npz`` that ``save`` appends.
        """
        params, settings, vocabulary = read_model(path, cls.FORMAT_TAG, cls.PARAM_NAMES, cls.OPTIONAL_PARAM_NAMES)
        n_x, n_h, n_y = cls.sizes_from_parameters(params)
        name = str(settings.get("optimizer") or "sgd")
        config = {key[len("optimizer_"):]: value for key, value in settings.items() if key.startswith("optimizer_")}
        if "lr" not in config and settings.get("lr") not in ("", None):
            config["lr"] = float(settings["lr"])
        try:
            optimizer = make_optimizer(name if name in OPTIMIZERS else "sgd", **config)
            whh_scale = settings.get("whh_scale")
            model = cls(n_x, n_h, n_y, dtype=params[cls.PARAM_NAMES[0]].dtype.type, backend=backend,
                        optimizer=optimizer, clip=None if settings.get("clip") in ("", None) else float(settings["clip"]),
                        clip_mode=settings.get("clip_mode") or "value", init=settings.get("init") or "lecture",
                        init_scale=float(settings.get("init_scale") or 0.01),
                        whh_scale=None if whh_scale in ("", None) else float(whh_scale),
                        **{option: settings[option] for option in cls.CELL_OPTIONS if option in settings})
        except (TypeError, ValueError) as err:
            raise ModelFileError(f"{path!r} holds settings this rnn_core cannot use: {err}") from None
        if sorted(params) != sorted(model.PARAM_NAMES):
            raise ModelFileError(f"{path!r} holds the parameters {', '.join(sorted(params))}; a {cls.__name__} "
                                 f"with its settings has {', '.join(sorted(model.PARAM_NAMES))}")
        for name, values in params.items():
            target = getattr(model, name)
            if values.shape != target.shape:
                raise ModelFileError(f"{path!r}: parameter {name} has shape {values.shape}; expected {target.shape}")
            target[...] = model.xp.asarray(values)
        if vocabulary is not None:
            try:
                model.set_vocabulary({token: index for index, token in enumerate(vocabulary)})
            except (TypeError, ValueError) as err:
                raise ModelFileError(f"{path!r} holds a vocabulary that does not fit the model: {err}") from None
        return model


def orthogonal_from(gaussian):
    """The orthogonal factor Q of a square Gaussian matrix, with the signs of R's diagonal moved
    into it (QR's signs are arbitrary; fixed so, the draw is uniform over orthogonal matrices)."""
    q, r = np.linalg.qr(gaussian)
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


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


def _init_setting(init, init_scale, whh_scale):
    if init not in INITS:
        raise ValueError(f"init={init!r}; expected one of {', '.join(map(repr, INITS))}")
    init_scale = validation.positive_float("init_scale", init_scale)
    if init == "lecture":
        if whh_scale is not None:
            raise ValueError("whh_scale applies to init='orthogonal' or 'identity'; with init='lecture' "
                             "W_hh is randn * init_scale like the other weights")
        return init, init_scale, None
    return init, init_scale, validation.positive_float("whh_scale", 1.0 if whh_scale is None else whh_scale)


def _generator(name, seed):
    """A numpy Generator: ``seed`` itself if it is one, else ``default_rng(seed)``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None:
        validation.non_negative_int(name, seed)
    return np.random.default_rng(seed)


def _as_batch(X_train, Y_train, mask):
    """Lists of variable-length sequences become padded ``(T, B, ...)`` arrays and a mask."""
    if isinstance(X_train, (list, tuple)) and X_train and not np.isscalar(X_train[0]):
        lengths = [len(x) for x in X_train]
        if isinstance(Y_train, str) or len(Y_train) != len(X_train):
            raise ValueError(f"X_train has {len(X_train)} sequences but Y_train has "
                             f"{len(Y_train) if hasattr(Y_train, '__len__') else Y_train!r}")
        for b, (x, y) in enumerate(zip(X_train, Y_train)):
            if len(y) != len(x):
                raise ValueError(f"sequence {b}: X has {len(x)} steps but Y has {len(y)}")
        if mask is not None:
            raise ValueError("a mask is built from the sequence lengths; pass arrays to give your own")
        X_train, mask = data.pad_sequences(X_train)
        Y_train, _ = data.pad_sequences(Y_train)
        if len(set(lengths)) == 1:
            mask = None
    return X_train, Y_train, mask
