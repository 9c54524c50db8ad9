"""Exceptions that rnn_core raises on purpose, each naming what went wrong."""


class ModelFileError(ValueError):
    """A model file is missing, corrupt, foreign, or holds pickled objects."""


class MissingModelFileError(ModelFileError, FileNotFoundError):
    """The model file does not exist (both a ``ValueError`` and a ``FileNotFoundError``)."""


class TrainingDivergedError(FloatingPointError):
    """The loss or the gradients stopped being finite during training."""
