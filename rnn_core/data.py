"""Vocabularies, encodings and the small data sets shipped with rnn_core.

Nothing is downloaded: the word list lives in ``rnn_core/data/`` and the longer text is the
Zen of Python, which the standard library carries in the ``this`` module.
"""
import codecs
from importlib import resources

import numpy as np

from . import validation

END_MARKER = "."
"""Appended to every word as its last target, so that sampling knows where a word stops."""

START_MARKER = "^"
"""Put before every word as its first input (with ``start=True``), so that a model learns how
words begin and ``predict(START_MARKER)`` can generate a whole word from nothing."""


def invert_vocabulary(char_to_idx):
    """``idx_to_char`` for a ``char_to_idx``: index → character."""
    return {index: char for char, index in char_to_idx.items()}


def vocabulary(chars):
    """``(char_to_idx, idx_to_char)`` for the sorted set of ``chars`` (any iterable of characters)."""
    alphabet = sorted(set(chars))
    if not alphabet:
        raise ValueError("cannot build a vocabulary from no characters")
    char_to_idx = {char: index for index, char in enumerate(alphabet)}
    return char_to_idx, invert_vocabulary(char_to_idx)


def vocabulary_from_text(text):
    """The vocabulary of every distinct character in ``text``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    return vocabulary(text)


def vocabulary_from_words(words, end_marker=END_MARKER, start=False):
    """The vocabulary of the characters of ``words`` plus ``end_marker`` (and ``START_MARKER`` if ``start``)."""
    words = _check_words(words, start)
    return vocabulary("".join(words) + end_marker + (START_MARKER if start else ""))


def encode(text, char_to_idx):
    """Integer indices ``(len(text),)`` of the characters of ``text``."""
    validation.vocabulary_text("text", text, char_to_idx)
    return np.array([char_to_idx[char] for char in text], dtype=np.int64)


def decode(indices, idx_to_char):
    """The string whose characters have the given indices."""
    return "".join(idx_to_char[int(index)] for index in np.ravel(indices))


def one_hot(indices, n, dtype=np.float64):
    """One-hot rows: shape ``indices.shape + (n,)``, with a 1 at each index."""
    n = validation.positive_int("n", n)
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"indices must be integers, got dtype {indices.dtype}")
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ValueError(f"indices range over [{indices.min()}, {indices.max()}]; expected 0 <= index < {n}")
    return np.eye(n, dtype=dtype)[indices]


def _check_words(words, start=False):
    if isinstance(words, str):
        raise TypeError("words must be a list of strings, not one string; did you mean [words]?")
    words = list(words)
    if not words:
        raise ValueError("the word list is empty; expected at least one word")
    for word in words:
        if not isinstance(word, str) or not word:
            raise ValueError(f"every word must be a non-empty string, got {word!r}")
        if start and START_MARKER in word:
            raise ValueError(f"the word {word!r} contains the start marker {START_MARKER!r}")
    return words


def pad_sequences(sequences, pad_value=0):
    """Stack integer sequences of different lengths into ``(T_max, B)`` plus a ``(T_max, B)`` mask.

    Sequences are right-padded, so the padding comes after each sequence's real steps. A
    padded step has mask 0: it adds nothing to the loss and, as it comes after the real
    steps, nothing flows back from it through time either.
    """
    sequences = [np.asarray(seq) for seq in sequences]
    if not sequences:
        raise ValueError("no sequences to pad")
    lengths = [len(seq) for seq in sequences]
    if min(lengths) == 0:
        raise ValueError(f"sequence {lengths.index(0)} is empty; every sequence needs at least one step")
    T, B = max(lengths), len(sequences)
    padded = np.full((T, B) + sequences[0].shape[1:], pad_value, dtype=sequences[0].dtype)
    mask = np.zeros((T, B), dtype=bool)
    for b, seq in enumerate(sequences):
        padded[: len(seq), b] = seq
        mask[: len(seq), b] = True
    return padded, mask


def prepare_sequences(words, char_to_idx, end_marker=END_MARKER, start=False):
    """Turn words into one padded, masked batch for next-character training.

    For the word ``hello``: inputs ``h e l l o``, targets ``e l l o .``: each step's target is the
    next character, and the last is the end marker. With ``start=True`` the inputs begin with
    the start marker: ``^ h e l l o`` → ``h e l l o .``, so the first letter is predicted too.
    Returns ``(X, Y, mask)``, each ``(T_max, B)``: integer inputs, integer targets, and a
    boolean mask of the real steps (T_max is the longest word's length, plus 1 with ``start``).
    """
    words = _check_words(words, start)
    for marker in (end_marker, START_MARKER) if start else (end_marker,):
        if marker not in char_to_idx:
            raise ValueError(f"the marker {marker!r} is not in the vocabulary; "
                             f"build it with vocabulary_from_words(words, start={start})")
    inputs, targets = [], []
    for word in words:
        validation.vocabulary_text(f"word {word!r}", word, char_to_idx)
        source = START_MARKER + word if start else word              # what the model reads
        inputs.append(encode(source, char_to_idx))
        targets.append(encode(source[1:] + end_marker, char_to_idx))  # the next character at each step
    X, mask = pad_sequences(inputs, pad_value=char_to_idx[end_marker])
    Y, _ = pad_sequences(targets, pad_value=char_to_idx[end_marker])
    return X, Y, mask


def text_stream_batches(indices, batch_size, seq_length):
    """Cut one long encoded text into ``batch_size`` parallel streams for truncated BPTT.

    The text is split into ``batch_size`` contiguous pieces (one per batch row); chunk k holds
    steps ``k·L .. (k+1)·L − 1`` of every piece, so row b of chunk k+1 continues row b of
    chunk k and the hidden state can be carried from one chunk to the next.
    Yields ``(X, Y)`` pairs of shape ``(L', batch_size)``, with Y the next characters.
    """
    batch_size = validation.positive_int("batch_size", batch_size)
    seq_length = validation.positive_int("seq_length", seq_length)
    indices = np.asarray(indices)
    steps = (len(indices) - 1) // batch_size
    if steps < 1:
        raise ValueError(f"the text has {len(indices)} characters, too few for {batch_size} streams; "
                         "use a smaller batch_size")
    inputs = indices[: steps * batch_size].reshape(batch_size, steps).T
    targets = indices[1: steps * batch_size + 1].reshape(batch_size, steps).T
    for start in range(0, steps, seq_length):
        yield inputs[start: start + seq_length], targets[start: start + seq_length]


def load_words(name="animals"):
    """A bundled word list (``rnn_core/data/<name>.txt``, one lowercase word a line)."""
    try:
        text = resources.files("rnn_core").joinpath("data", f"{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"no bundled word list named {name!r}; available: {', '.join(available_word_lists())}") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def available_word_lists():
    """Names accepted by ``load_words``."""
    folder = resources.files("rnn_core").joinpath("data")
    return sorted(entry.name[:-4] for entry in folder.iterdir() if entry.name.endswith(".txt"))


def zen_of_python():
    """The Zen of Python (PEP 20), from the standard library's ``this`` module, without printing it.

    ``import this`` prints the text, which is stored ROT13-encoded as ``this.s``.
    """
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        import this
    return codecs.decode(this.s, "rot13")
