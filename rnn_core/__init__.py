"""rnn_core: the RNN of the lecture, and the LSTM and GRU, exact, batched, on numpy or CuPy.

Layout (one file per job):

- ``cells``          the reference: each cell's step forward and back, and BPTT over them,
                     written to be read with the lecture (vanilla, LSTM, GRU); its docstring
                     lists the one name each quantity has in all three
- ``model``          ``RNN``, the one model, which takes a cell; ``VanillaRNN``, ``LSTM``, ``GRU``
- ``training``       its training loops: ``train_step``, ``train``, ``train_words``, ``train_text``
- ``generation``     its vocabulary and ``predict``
- ``serialization``  its ``save`` and ``load``: atomic ``.npz`` files without pickles
- ``initialisation`` initial weights (the lecture's, orthogonal, identity)
- ``functional``     softmax and the loss (3) with its error δy (4.1a)
- ``optim``          clipping (element-wise, global norm) and SGD / Adagrad / Adam
- ``data``           vocabularies, one-hot, padding, word lists, the Zen of Python
- ``gradcheck``      finite-difference gradient checks
- ``validation``     clear errors for bad input
- ``backend``        choosing numpy or CuPy (``RNN_CORE_BACKEND``), ``to_numpy``
- ``fast``           what the models train with: the cells as the model composes them
                     (``fast.cells``), the same equations batched, reused arrays, CuPy
                     kernels (tested equal to ``cells``)

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
from .model import GRU, LSTM, RNN, VanillaRNN
from .optim import SGD, Adagrad, Adam, clip_by_global_norm, clip_by_value, global_norm

__version__ = "0.1.0"

__all__ = [
    "RNN", "VanillaRNN", "LSTM", "GRU", "softmax",
    "get_backend", "get_array_module", "gpu_available", "to_numpy", "BackendFallbackWarning",
    "END_MARKER", "START_MARKER", "encode", "decode", "one_hot", "pad_sequences", "prepare_sequences",
    "vocabulary_from_text", "vocabulary_from_words", "load_words", "zen_of_python",
    "check_gradients", "numerical_gradient", "relative_error",
    "SGD", "Adagrad", "Adam", "clip_by_value", "clip_by_global_norm", "global_norm",
    "ModelFileError", "MissingModelFileError", "TrainingDivergedError",
]
