"""Training (§5.4): one update, epochs over a batch, words, and a long text by truncated BPTT.

``Training`` is the part of ``rnn_core.RNN`` that trains: it needs the model's ``cell``,
``params``, ``_inputs``, ``_initial_state`` and ``apply_gradients``.
"""
import numpy as np

from . import data, functional, validation
from .errors import TrainingDivergedError


class Training:
    """``train_step``, ``train``, ``train_words`` and ``train_text`` of ``rnn_core.RNN``."""

    def train_step(self, X, Y, h0=None, mask=None, c0=None):
        """One forward pass, loss and update. Returns ``(loss, hs)`` (loss before the update)."""
        X, h0 = self._inputs(X, h0, c0)
        Y = validation.targets(Y, (X.shape[0], X.shape[1], self.n_y), self.xp, self.dtype)
        mask = validation.mask_array(mask, X.shape[0], X.shape[1], self.xp, self.dtype)
        return self._train_step(X, Y, h0, mask)[:2]

    def _train_step(self, X, Y, state0, mask):
        """``train_step`` on checked arrays: forward, loss, BPTT, clip, update; ``(loss, hs, cache)``."""
        hs, ys, cache = self.cell.forward(self.params, X, state0)
        loss = functional.cross_entropy(ys, Y, mask)
        if not np.isfinite(loss):
            raise TrainingDivergedError(f"the loss became {loss}; " + self._divergence_advice())
        dy = functional.output_error(ys, Y, mask, out=ys)            # ys is not needed after this
        grads = self.cell.backward(self.params, cache, dy)
        self.apply_gradients({name: grads[name] for name in self.PARAM_NAMES})
        return loss, hs, cache

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
            self.shuffle_rng = generator("shuffle_seed", shuffle_seed)
        history = []
        for epoch in range(1, epochs + 1):
            total_loss, total_steps = 0.0, 0.0
            for rows in self._batches(n_sequences, batch_size):
                X_batch, batch_mask = X[:, rows], (None if mask is None else mask[:, rows])
                loss = self._train_step(X_batch, Y[:, rows], tuple(s[rows] for s in h0), batch_mask)[0]
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

    def _train_chunk(self, X, Y, state0):
        """One truncated-BPTT update on a chunk of encoded text; returns ``(loss, last state)``."""
        X, Y = self.xp.asarray(X), self.xp.asarray(Y)
        loss, _, cache = self._train_step(X, Y, self._initial_state(state0, X.shape[1]), None)
        return loss, self.cell.last_state(cache)


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


def generator(name, seed):
    """A numpy Generator: ``seed`` itself if it is one, else ``default_rng(seed)``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None:
        validation.non_negative_int(name, seed)
    return np.random.default_rng(seed)
