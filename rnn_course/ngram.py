"""A counting baseline: the character n-gram model with add-k smoothing.

An order-n model predicts each character from the n − 1 characters before it, by counting:

    P(c | context) = (count(context, c) + k) / (count(context) + k · V)

where V is the number of characters that can follow (the alphabet plus the end marker).
Every word is read as ``^…^ word .``: n − 1 start markers give the first letters a context,
and the end marker is predicted like any character, exactly as an RNN trained with
``train_words(..., start=True)`` predicts it. Order 1 ignores the context (letter
frequencies); order 2 is the bigram table of notebook 00.
"""
import math
from collections import Counter

from rnn_core.data import END_MARKER, START_MARKER, _check_words
from rnn_core.validation import positive_float, positive_int


class NGramModel:
    """Character n-gram counts of a word list, with add-k smoothing.

    Args:
        order: n, the number of characters in a counted n-gram (1 = no context, 2 = bigrams).
        k: the pseudo-count added to every (context, character) pair (> 0; 1 = Laplace).
        vocabulary: the characters that can be predicted, e.g. a model's ``char_to_idx``
            (the start marker is dropped, the end marker added). Default: those of the words
            given to ``fit``. Give it when held-out words may hold letters the training words lack.
    """

    def __init__(self, order=2, k=1.0, vocabulary=None, end_marker=END_MARKER):
        self.order = positive_int("order", order)
        self.k = positive_float("k", k)
        self.end_marker = end_marker
        self.alphabet = None if vocabulary is None else self._alphabet(vocabulary)
        self.counts = {}            # context → Counter of next characters
        self.context_totals = Counter()

    def _alphabet(self, characters):
        return sorted((set(characters) - {START_MARKER}) | {self.end_marker})

    def _events(self, word):
        """``(context, next character)`` for every prediction in ``^…^ word .``."""
        padded = START_MARKER * (self.order - 1) + word + self.end_marker
        for position in range(self.order - 1, len(padded)):
            yield padded[position - self.order + 1: position], padded[position]

    def fit(self, words):
        """Count the n-grams of ``words`` (a list of strings); returns the model."""
        words = _check_words(words, start=True)
        if self.alphabet is None:
            self.alphabet = self._alphabet("".join(words))
        self._check_known(words)
        self.counts, self.context_totals = {}, Counter()
        for word in words:
            for context, char in self._events(word):
                self.counts.setdefault(context, Counter())[char] += 1
                self.context_totals[context] += 1
        return self

    def _check_known(self, words):
        known = set(self.alphabet)
        for word in words:
            for char in word:
                if char not in known:
                    raise ValueError(f"the word {word!r} has the character {char!r}, which is not in the "
                                     f"model's vocabulary {''.join(self.alphabet)!r}; pass vocabulary= "
                                     "with every character when building the NGramModel")

    def probability(self, context, char):
        """P(char | the last n − 1 characters of ``context``), smoothed."""
        if self.alphabet is None:
            raise ValueError("the model has no counts yet; call fit(words) first")
        context = (START_MARKER * (self.order - 1) + context)[len(context):] if self.order > 1 else ""
        return self._smoothed(context, char)

    def _smoothed(self, context, char):
        count = self.counts.get(context, {}).get(char, 0)
        return (count + self.k) / (self.context_totals[context] + self.k * len(self.alphabet))

    def mean_loss(self, words):
        """Mean cross-entropy in nats per predicted character, end marker included.

        The same quantity as an RNN's loss on ``prepare_sequences(words, ..., start=True)``.
        """
        words = _check_words(words, start=True)
        if self.alphabet is None:
            raise ValueError("the model has no counts yet; call fit(words) first")
        self._check_known(words)
        total, steps = 0.0, 0
        for word in words:
            for context, char in self._events(word):
                total -= math.log(self._smoothed(context, char))
                steps += 1
        return total / steps

    def __repr__(self):
        return f"NGramModel(order={self.order}, k={self.k:g}, contexts={len(self.counts)})"
