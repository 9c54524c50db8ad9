"""Generation: a vocabulary remembered by the model, and ``predict``, which reads a seed text
and writes on, one character at a time, each fed back as the next input (§5.5).

``Generation`` is the part of ``rnn_core.RNN`` that writes; it needs the model's ``cell``,
``params``, ``n_x``, ``n_y`` and ``_initial_state``.
"""
import numpy as np

from . import data, functional, validation
from .backend import to_numpy


class Generation:
    """``set_vocabulary`` and ``predict`` of ``rnn_core.RNN``."""

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

    def _generation_step(self, index, state):
        """(2.2) with x_t = onehot(index): the next state after reading the symbol ``index``."""
        return self.cell.step(self.params, index, state)

    def _output_logits(self, state):
        """z = h W_hy + b_y for one state: (B, n_y)."""
        return state[0] @ self.Why + self.by
