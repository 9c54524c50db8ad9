"""Saving and loading a model as ``.npz``: atomic writes, no pickles.

A file holds the five parameter arrays, a format tag, the training settings, and (if the
model has one) its vocabulary as an array of one-character strings in index order.
Optimizer state (Adagrad's or Adam's running sums) is not saved: a loaded model resumes
with a fresh optimizer.
"""
import os
import tempfile
import zipfile

import numpy as np

from .backend import to_numpy
from .errors import MissingModelFileError, ModelFileError
from .functional import PARAM_NAMES

FORMAT_TAG = "rnn_core.VanillaRNN"
FORMAT_VERSION = 1


def _npz_path(path):
    path = os.fspath(path)
    return path if path.endswith(".npz") else path + ".npz"


def write_model(path, params, settings, vocabulary=None):
    """Write ``params`` (name → array) and ``settings`` (name → scalar/str) to ``path`` atomically.

    The data goes to a temporary file in the same folder, is flushed to disk, and only then
    renamed over ``path``; an interrupted save leaves any earlier file untouched.
    Returns the path written (``.npz`` is appended when missing, as numpy does).
    """
    path = _npz_path(path)
    arrays = {name: to_numpy(params[name]) for name in PARAM_NAMES}
    arrays["format"] = np.array(FORMAT_TAG)
    arrays["format_version"] = np.array(FORMAT_VERSION)
    for key, value in settings.items():
        arrays[f"setting_{key}"] = np.array("" if value is None else value)
    if vocabulary is not None:
        arrays["vocabulary"] = np.array(list(vocabulary), dtype="<U1")
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".rnn_core-", suffix=".npz.tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


def read_model(path):
    """``(params, settings, vocabulary)`` from a file written by ``write_model``.

    Raises ``ModelFileError`` (a ``ValueError``) for a missing, corrupt, foreign or
    pickle-holding file; nothing in the file is ever executed (``allow_pickle=False``).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise MissingModelFileError(f"model file {path!r} does not exist")
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as err:  # numpy refuses a pickle file without allow_pickle
        raise ModelFileError(f"{path!r} holds pickled Python objects, which rnn_core never loads "
                             f"(allow_pickle=False): {err}") from None
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        raise ModelFileError(f"{path!r} is not a readable .npz model file ({type(err).__name__}: {err})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ModelFileError(f"{path!r} is a single .npy array, not an rnn_core model (.npz from rnn.save)")
    with archive:
        try:
            contents = {key: archive[key] for key in archive.files}
        except ValueError as err:
            raise ModelFileError(f"{path!r} holds pickled Python objects, which rnn_core never loads "
                                 f"(allow_pickle=False): {err}") from None
        except (OSError, zipfile.BadZipFile, EOFError, KeyError) as err:
            raise ModelFileError(f"{path!r} is corrupt ({type(err).__name__}: {err})") from None
    if contents.get("format") is None or str(contents["format"]) != FORMAT_TAG:
        raise ModelFileError(f"{path!r} is not an rnn_core model: it has no format tag {FORMAT_TAG!r} "
                             f"(keys: {', '.join(sorted(contents)) or 'none'})")
    version = int(contents.get("format_version", -1))
    if version != FORMAT_VERSION:
        raise ModelFileError(f"{path!r} has format version {version}; this rnn_core reads version {FORMAT_VERSION}")
    missing = [name for name in PARAM_NAMES if name not in contents]
    if missing:
        raise ModelFileError(f"{path!r} lacks the parameter(s) {', '.join(missing)}")
    params = {name: contents[name] for name in PARAM_NAMES}
    _check_parameter_shapes(path, params)
    settings = {key[len("setting_"):]: contents[key].item() for key in contents if key.startswith("setting_")}
    vocabulary = [str(char) for char in contents["vocabulary"]] if "vocabulary" in contents else None
    return params, settings, vocabulary


def _check_parameter_shapes(path, params):
    for name, array in params.items():
        if array.dtype.kind != "f":
            raise ModelFileError(f"{path!r}: parameter {name} has dtype {array.dtype}; expected floats")
        if array.ndim != 2:
            raise ModelFileError(f"{path!r}: parameter {name} has shape {array.shape}; expected a 2-D array")
        if not np.isfinite(array).all():
            raise ModelFileError(f"{path!r}: parameter {name} contains NaN or inf")
    n_x, n_h = params["Wxh"].shape
    n_y = params["Why"].shape[1]
    expected = {"Wxh": (n_x, n_h), "Whh": (n_h, n_h), "Why": (n_h, n_y), "bh": (1, n_h), "by": (1, n_y)}
    for name, shape in expected.items():
        if params[name].shape != shape:
            raise ModelFileError(f"{path!r}: parameter {name} has shape {params[name].shape}; expected {shape}")
