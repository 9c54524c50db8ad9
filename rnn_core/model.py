"""``VanillaRNN``: the lecture's class, exact, batched, and on numpy or CuPy.

The method names follow the lecture (§5): ``forward``, ``compute_loss``, ``backward``,
``train``, ``prepare_sequences``, ``train_words``, ``predict``. Two things differ from the
notes, on purpose:

- ``compute_loss`` is the *mean* over steps (§3), and the gradients match it (δy = (ŷ − y)/N).
- ``backward`` does what the notes' ``backward`` does (gradients, clipping, update), and
  ``gradients`` returns the gradients without touching the model, for gradient checks.
"""
import numpy as np

from . import data, functional, validation
from .backend import get_backend, to_numpy
from .errors import TrainingDivergedError
from .functional import PARAM_NAMES
from .optim import CLIP_MODES, clip_gradients, make_optimizer
from .serialization import read_model, write_model

DTYPES = (np.float32, np.float64)


class VanillaRNN:
    """A one-layer tanh RNN with a softmax output, in the lecture's row convention.

    h_t = tanh(x_t Wxh + h_{t-1} Whh + bh),   y_t = softmax(h_t Why + by)

    Args:
        n_x: input size (the vocabulary size for one-hot characters).
        n_h: number of hidden units.
        n_y: output size (number of classes).
        lr: learning rate (> 0) of the optimizer.
        seed: seeds the generator that draws the initial weights (``randn * init_scale``).
        dtype: ``numpy.float64`` (default; exact gradient checks) or ``numpy.float32``.
        backend: ``"numpy"``, ``"cupy"`` or ``"auto"``; None reads ``$RNN_CORE_BACKEND``.
        optimizer: ``"sgd"`` (the lecture's), ``"adagrad"``, ``"adam"``, or an object with
            ``step(params, grads)``.
        clip: the clipping threshold c (> 0), or None for no clipping.
        clip_mode: ``"value"`` (each entry to [-c, c], the lecture's) or ``"norm"`` (global norm).
        init_scale: standard deviation of the initial weights (the lecture's 0.01).

    Attributes ``Wxh`` (n_x, n_h), ``Whh`` (n_h, n_h), ``Why`` (n_h, n_y), ``bh`` (1, n_h) and
    ``by`` (1, n_y) are the parameters themselves: ``rnn.Whh[...] = W`` changes the model.
    """

    def __init__(self, n_x, n_h, n_y, lr=0.01, seed=None, dtype=np.float64, backend=None, *,
                 optimizer="sgd", clip=5.0, clip_mode="value", init_scale=0.01):
        self.n_x = validation.positive_int("n_x", n_x)
        self.n_h = validation.positive_int("n_h", n_h)
        self.n_y = validation.positive_int("n_y", n_y)
        self.dtype = _float_dtype(dtype)
        self.xp = get_backend(backend)
        self.backend = "cupy" if self.xp is not np else "numpy"
        self.optimizer = make_optimizer(optimizer, validation.positive_float("lr", lr))
        self.clip, self.clip_mode = _clip_setting(clip, clip_mode)
        init_scale = validation.positive_float("init_scale", init_scale)
        # §5.1: small random weights, zero biases. Drawn with numpy, so both backends start equal.
        rng = np.random.default_rng(seed)
        self.Wxh = self._array(rng.standard_normal((self.n_x, self.n_h)) * init_scale)
        self.Whh = self._array(rng.standard_normal((self.n_h, self.n_h)) * init_scale)
        self.Why = self._array(rng.standard_normal((self.n_h, self.n_y)) * init_scale)
        self.bh = self._array(np.zeros((1, self.n_h)))
        self.by = self._array(np.zeros((1, self.n_y)))
        self.char_to_idx = None
        self.idx_to_char = None

    def _array(self, values):
        return self.xp.asarray(values, dtype=self.dtype)

    def __repr__(self):
        clip = f"{self.clip_mode} {self.clip:g}" if self.clip is not None else "none"
        return (f"VanillaRNN(n_x={self.n_x}, n_h={self.n_h}, n_y={self.n_y}, "
                f"dtype={np.dtype(self.dtype).name}, backend={self.backend}, "
                f"optimizer={getattr(self.optimizer, 'name', type(self.optimizer).__name__)}"
                f"(lr={self.lr:g}), clip={clip})")

    @property
    def params(self):
        """Name → parameter array (the very arrays of the model, not copies)."""
        return {name: getattr(self, name) for name in PARAM_NAMES}

    @property
    def lr(self):
        """The optimizer's learning rate."""
        return self.optimizer.lr

    @lr.setter
    def lr(self, value):
        self.optimizer.lr = validation.positive_float("lr", value)

    # ------------------------------------------------------------------ §2: forward pass
    def _inputs(self, X, h0):
        X, is_integer = validation.inputs(X, self.n_x, self.xp, self.dtype)
        h0 = validation.initial_state(h0, X.shape[1], self.n_h, self.xp, self.dtype)
        return X, is_integer, h0

    def forward(self, X, h0=None):
        """Run the RNN over ``X``.

        X: a sequence ``(T, n_x)``, a batch ``(T, B, n_x)``, or integer indices ``(T,)`` /
           ``(T, B)`` standing for one-hot rows. A 2-D float ``X`` is a batch of one.
        h0: initial hidden state ``(B, n_h)`` or ``(1, n_h)``; zeros by default.
        Returns ``(hs, ys)``: hidden states ``(T, B, n_h)`` and softmax outputs ``(T, B, n_y)``.
        """
        X, is_integer, h0 = self._inputs(X, h0)
        hs, ys = functional.forward(self.params, X, h0, is_integer)
        if not bool(self.xp.isfinite(ys).all()):
            bad = [name for name, p in self.params.items() if not bool(self.xp.isfinite(p).all())]
            raise FloatingPointError(
                "the forward pass produced NaN or inf: "
                + (f"the parameter(s) {', '.join(bad)} contain NaN or inf" if bad else
                   "the parameters are so large that the logits overflow") + "; " + self._divergence_advice())
        return hs, ys

    # ------------------------------------------------------------------ §3: loss
    def _targets(self, Y, ys, mask):
        ys = validation.forward_output(ys, self.xp)
        if ys.shape[-1] != self.n_y:
            raise ValueError(f"ys has shape {tuple(ys.shape)}; expected (T, B, n_y) with n_y={self.n_y}")
        Y, y_is_integer = validation.targets(Y, ys.shape, self.xp, self.dtype)
        mask = validation.mask_array(mask, ys.shape[0], ys.shape[1], self.xp, self.dtype)
        return Y, y_is_integer, ys, mask

    def compute_loss(self, Y, ys, mask=None):
        """§3: the mean cross-entropy over every real step, −(1/N) Σ_{t,b} log ŷ_t[y_t].

        Y: one-hot targets shaped like ``ys`` or integer classes ``(T,)`` / ``(T, B)``.
        ys: ``(T, B, n_y)`` probabilities from ``forward``.
        mask: ``(T, B)``, 1 for real steps and 0 for padding; N counts the 1s (default T·B).
        Never inf or NaN through log(0): probabilities are floored at the dtype's tiniest normal.
        """
        Y, y_is_integer, ys, mask = self._targets(Y, ys, mask)
        return functional.cross_entropy(ys, Y, y_is_integer, mask)

    # ------------------------------------------------------------------ §4: BPTT
    def _bptt(self, X, Y, hs, ys, h0, mask, record_hidden_grads=False):
        X, is_integer, h0 = self._inputs(X, h0)
        expected = (X.shape[0], X.shape[1], self.n_h)
        hs = validation.forward_output(hs, self.xp, "hs") if hs is not None else None
        if hs is None or tuple(hs.shape) != expected:
            raise ValueError(f"hs has shape {None if hs is None else tuple(hs.shape)}; "
                             f"expected (T, B, n_h) = {expected}, from forward(X) on the same X")
        Y, y_is_integer, ys, mask = self._targets(Y, ys, mask)
        if tuple(ys.shape[:2]) != expected[:2]:
            raise ValueError(f"ys has shape {tuple(ys.shape)}; expected (T, B, n_y) = "
                             f"({expected[0]}, {expected[1]}, {self.n_y}), from forward(X) on the same X")
        delta_y = functional.output_error(ys, Y, y_is_integer, mask)
        return functional.bptt(self.params, X, is_integer, hs, h0, delta_y, record_hidden_grads)

    def gradients(self, X, Y, hs, ys, h0=None, mask=None):
        """§4: the exact gradients of ``compute_loss`` by BPTT; the model is not changed.

        Takes the same ``X``, ``h0`` as ``forward`` and the ``hs``, ``ys`` it returned.
        Returns a dict ``{"Wxh", "Whh", "Why", "bh", "by"}`` of arrays shaped like the parameters.
        """
        grads = self._bptt(X, Y, hs, ys, h0, mask)
        return {name: grads[name] for name in PARAM_NAMES}

    def hidden_state_gradients(self, X, Y, hs, ys, h0=None, mask=None):
        """∂L/∂h_t for every step, ``(T, B, n_h)``: how much each hidden state affects the loss."""
        return self._bptt(X, Y, hs, ys, h0, mask, record_hidden_grads=True)["dh"]

    def apply_gradients(self, grads):
        """Clip ``grads`` (by ``clip_mode``), take one optimizer step, return the clipped gradients."""
        total = sum(float(g.sum()) for g in grads.values())
        if not np.isfinite(total):
            raise TrainingDivergedError("the gradients contain NaN or inf, so the update was not applied; "
                                        + self._divergence_advice())
        clipped = clip_gradients(grads, self.clip, self.clip_mode)
        self.optimizer.step(self.params, clipped)
        return clipped

    def _divergence_advice(self):
        return (f"try a smaller learning rate (lr={self.lr:g}) or gradient clipping "
                "(clip=5.0, clip_mode='value' or 'norm')")

    def backward(self, X, Y, hs, ys, h0=None, mask=None):
        """The lecture's ``backward``: compute the gradients, clip them, update the parameters.

        Returns the clipped gradients that were applied.
        """
        return self.apply_gradients(self.gradients(X, Y, hs, ys, h0=h0, mask=mask))

    # ------------------------------------------------------------------ §5.4: training
    def train_step(self, X, Y, h0=None, mask=None):
        """One forward pass, loss and update. Returns ``(loss, hs)`` (loss before the update)."""
        X, is_integer, h0 = self._inputs(X, h0)
        Y, y_is_integer, mask = self._training_targets(Y, X.shape[:2], mask)
        return self._train_step(X, is_integer, Y, y_is_integer, h0, mask)

    def _training_targets(self, Y, batch_shape, mask):
        shape = (batch_shape[0], batch_shape[1], self.n_y)
        Y, y_is_integer = validation.targets(Y, shape, self.xp, self.dtype)
        return Y, y_is_integer, validation.mask_array(mask, shape[0], shape[1], self.xp, self.dtype)

    def _train_step(self, X, is_integer, Y, y_is_integer, h0, mask):
        """``train_step`` on already-validated arrays: forward, loss, BPTT, clip, update."""
        params = self.params
        hs, ys = functional.forward(params, X, h0, is_integer)
        loss = functional.cross_entropy(ys, Y, y_is_integer, mask)
        if not np.isfinite(loss):
            raise TrainingDivergedError(f"the loss became {loss}; " + self._divergence_advice())
        delta_y = functional.output_error(ys, Y, y_is_integer, mask)
        grads = functional.bptt(params, X, is_integer, hs, h0, delta_y)
        self.apply_gradients({name: grads[name] for name in PARAM_NAMES})
        return loss, hs

    def train(self, X_train, Y_train, epochs, print_interval=100, mask=None, h0=None,
              batch_size=None, shuffle_seed=0, verbose=True):
        """Train on a batch of sequences for ``epochs`` passes; return the loss of each epoch.

        X_train, Y_train: as for ``forward`` / ``compute_loss`` (``(T, B, ...)`` arrays), or lists
            of sequences of different lengths, which are padded and masked here.
        mask: ``(T, B)`` real-step mask for padded arrays.
        batch_size: sequences per update (default: all of them, one update per epoch);
            batches are reshuffled each epoch by a generator seeded with ``shuffle_seed``.
        print_interval: print the loss every this many epochs (0 or None: never).
        Returns a list of ``epochs`` floats: each epoch's mean loss over its real steps.
        """
        epochs = validation.non_negative_int("epochs", epochs)
        X_train, Y_train, mask = _as_batch(X_train, Y_train, mask)
        X, is_integer, h0 = self._inputs(X_train, h0)
        Y, y_is_integer, mask = self._training_targets(Y_train, X.shape[:2], mask)
        n_sequences = X.shape[1]
        batch_size = n_sequences if batch_size is None else validation.positive_int("batch_size", batch_size)
        rng = np.random.default_rng(shuffle_seed)
        history = []
        for epoch in range(1, epochs + 1):
            if batch_size >= n_sequences:
                batches = [slice(None)]
            else:
                order = self.xp.asarray(rng.permutation(n_sequences))
                batches = [order[start: start + batch_size] for start in range(0, n_sequences, batch_size)]
            total, count = 0.0, 0.0
            for rows in batches:
                X_batch, batch_mask = X[:, rows], (None if mask is None else mask[:, rows])
                loss, _ = self._train_step(X_batch, is_integer, Y[:, rows], y_is_integer, h0[rows], batch_mask)
                steps = float(batch_mask.sum()) if batch_mask is not None else float(X_batch.shape[0] * X_batch.shape[1])
                total, count = total + loss * steps, count + steps   # the epoch loss weighs real steps
            history.append(total / count)
            self._report(epoch, epochs, history[-1], print_interval, verbose)
        return history

    @staticmethod
    def _report(epoch, epochs, loss, print_interval, verbose):
        if verbose and print_interval and (epoch % print_interval == 0):
            print(f"epoch {epoch:>{len(str(epochs))}d}/{epochs}  loss {loss:.4f}")

    @staticmethod
    def prepare_sequences(words, char_to_idx):
        """§5.4: words → ``(X, Y, mask)``, one padded batch of integer inputs and targets.

        See ``rnn_core.data.prepare_sequences``; every word's last target is the end marker.
        """
        return data.prepare_sequences(words, char_to_idx)

    def train_words(self, words, char_to_idx=None, epochs=100, print_interval=100,
                    batch_size=None, shuffle_seed=0, verbose=True):
        """§5.4: train next-character prediction on a list of words; return the loss history.

        All words train together in padded, masked batches. ``char_to_idx`` defaults to the
        vocabulary of the words plus the end marker, and is remembered by the model (and saved).
        """
        if char_to_idx is None:
            char_to_idx, _ = data.vocabulary_from_words(words)
        self.set_vocabulary(char_to_idx)
        X, Y, mask = data.prepare_sequences(words, char_to_idx)
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
            total, count = 0.0, 0
            for X, Y in data.text_stream_batches(indices, batch_size, seq_length):
                loss, hs = self.train_step(X, Y, h0=h)
                h = hs[-1]                            # carried forward, not backpropagated through
                total, count = total + loss * X.size, count + X.size
            history.append(total / count)
            self._report(epoch, epochs, history[-1], print_interval, verbose)
        return history

    # ------------------------------------------------------------------ generation
    def set_vocabulary(self, char_to_idx):
        """Remember a vocabulary (saved with the model); it must fit n_x and n_y."""
        if not isinstance(char_to_idx, dict) or not char_to_idx:
            raise TypeError("char_to_idx must be a non-empty dict from character to index")
        indices = sorted(char_to_idx.values())
        if indices != list(range(len(indices))):
            raise ValueError("char_to_idx must map its characters to 0, 1, ..., len-1")
        if len(indices) > min(self.n_x, self.n_y):
            raise ValueError(f"the vocabulary has {len(indices)} characters but the model has "
                             f"n_x={self.n_x}, n_y={self.n_y}; expected at most {min(self.n_x, self.n_y)}")
        self.char_to_idx = dict(char_to_idx)
        self.idx_to_char = {index: char for char, index in char_to_idx.items()}

    def _vocabulary(self, char_to_idx, idx_to_char):
        if char_to_idx is None:
            if self.char_to_idx is None:
                raise ValueError("no vocabulary: pass char_to_idx and idx_to_char, or train with train_words/train_text")
            return self.char_to_idx, self.idx_to_char
        if idx_to_char is None:
            idx_to_char = {index: char for char, index in char_to_idx.items()}
        return char_to_idx, idx_to_char

    def predict(self, seed_text, char_to_idx=None, idx_to_char=None, length=20, temperature=None,
                seed=None, stop_at=None):
        """Read ``seed_text``, then generate ``length`` characters, each fed back as the next input.

        temperature: None for greedy (the most probable character); a number > 0 to sample from
            softmax(z / temperature) (below 1: sharper, closer to greedy; above 1: flatter, more random).
        seed: seeds the sampling generator, so the same call gives the same text.
        stop_at: a character (e.g. the end marker ``"."``) that ends generation early; it is
            not included in the result.
        Returns ``seed_text`` followed by the generated characters.
        """
        char_to_idx, idx_to_char = self._vocabulary(char_to_idx, idx_to_char)
        if isinstance(seed_text, str) and not seed_text:
            raise ValueError("seed_text is empty; expected at least one character to start from")
        validation.vocabulary_text("seed_text", seed_text, char_to_idx)
        length = validation.non_negative_int("length", length)
        if temperature is not None:
            temperature = validation.positive_float("temperature", temperature)
        rng = np.random.default_rng(seed)
        hs, _ = self.forward(data.encode(seed_text, char_to_idx))
        h = hs[-1]                                           # (1, n_h) after reading the seed
        generated = []
        for _ in range(length):
            logits = to_numpy(h @ self.Why + self.by)[0].astype(np.float64)
            if temperature is None:
                index = int(np.argmax(logits))
            else:
                probs = functional.softmax(logits / temperature)
                index = int(rng.choice(len(probs), p=probs))
            char = idx_to_char[index]
            if stop_at is not None and char == stop_at:
                break
            generated.append(char)
            h = self.xp.tanh(self.Wxh[index] + h @ self.Whh + self.bh)   # (2.2) with x_t = onehot(index)
        return seed_text + "".join(generated)

    # ------------------------------------------------------------------ saving
    def save(self, path):
        """Write the model (and its vocabulary, if any) to ``path`` (.npz), atomically. Returns the path."""
        vocabulary = None
        if self.idx_to_char is not None:
            vocabulary = [self.idx_to_char[i] for i in range(len(self.idx_to_char))]
        settings = {"lr": self.lr, "clip": self.clip, "clip_mode": self.clip_mode,
                    "optimizer": getattr(self.optimizer, "name", "sgd")}
        return write_model(path, self.params, settings, vocabulary)

    @classmethod
    def load(cls, path, backend=None):
        """A model read from a file written by ``save`` (never unpickles anything)."""
        params, settings, vocabulary = read_model(path)
        n_x, n_h = params["Wxh"].shape
        n_y = params["Why"].shape[1]
        optimizer = settings.get("optimizer") or "sgd"
        clip = settings.get("clip")
        model = cls(n_x, n_h, n_y, lr=float(settings.get("lr", 0.01)), dtype=params["Wxh"].dtype.type,
                    backend=backend, optimizer=optimizer if optimizer in ("sgd", "adagrad", "adam") else "sgd",
                    clip=None if clip in ("", None) else float(clip),
                    clip_mode=settings.get("clip_mode") or "value")
        for name, values in params.items():
            getattr(model, name)[...] = model.xp.asarray(values)
        if vocabulary is not None:
            model.set_vocabulary({char: index for index, char in enumerate(vocabulary)})
        return model


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
