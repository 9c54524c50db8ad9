"""rnn_core: the vanilla RNN of the lecture, exact, batched, on numpy or CuPy.

Layout (one file per job):

- ``backend``       choosing numpy or CuPy (``RNN_CORE_BACKEND``), ``to_numpy``
- ``cells``         the reference: each cell's step forward and back, and BPTT over them,
                    written to be read with the lecture (vanilla, LSTM, GRU)
- ``functional``    softmax and the loss (3) with its error δy (4.1a)
- ``model``         ``VanillaRNN``, the lecture's class
- ``gated``         ``LSTM`` and ``GRU`` (§8)
- ``optim``         clipping (element-wise, global norm) and SGD / Adagrad / Adam
- ``data``          vocabularies, one-hot, padding, word lists, the Zen of Python
- ``gradcheck``     finite-difference gradient checks
- ``serialization`` atomic ``.npz`` save and load without pickles
- ``validation``    clear errors for bad input
- ``fast``          what the models train with: the same equations batched, reused arrays,
                    CuPy kernels (tested equal to ``cells``)

The notebooks' own machinery (exercise checks, demos, figures, baselines) is the package
``rnn_course``, beside this one.
"""
from .backend import BackendFallbackWarning, get_array_module, get_backend, gpu_available, to_numpy
from .data import (END_MARKER, START_MARKER, decode, encode, load_words, one_hot, pad_sequences,
                   prepare_sequences, vocabulary_from_text, vocabulary_from_words, zen_of_python)
from .errors import MissingModelFileError, ModelFileError, TrainingDivergedError
from . import cells, fast
from .functional import softmax
from .gradcheck import check_gradients, numerical_gradient, relative_error
from .model import VanillaRNN
from .gated import GRU, LSTM
from .optim import SGD, Adagrad, Adam, clip_by_global_norm, clip_by_value, global_norm

__version__ = "0.1.0"

__all__ = [
    "VanillaRNN", "LSTM", "GRU", "softmax",
    "get_backend", "get_array_module", "gpu_available", "to_numpy", "BackendFallbackWarning",
    "END_MARKER", "START_MARKER", "encode", "decode", "one_hot", "pad_sequences", "prepare_sequences",
    "vocabulary_from_text", "vocabulary_from_words", "load_words", "zen_of_python",
    "check_gradients", "numerical_gradient", "relative_error",
    "SGD", "Adagrad", "Adam", "clip_by_value", "clip_by_global_norm", "global_norm",
    "ModelFileError", "MissingModelFileError", "TrainingDivergedError",
]
