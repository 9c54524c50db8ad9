"""Saving and loading a model as ``.npz``: atomic writes, no pickles.

A file holds the parameter arrays, a format tag naming the model class (its cell), the settings needed to
rebuild the model (optimizer with its hyperparameters, clipping, initialisation, the cell's
options such as the GRU's ``reset_after``), and (if the
model has one) its vocabulary as an array of strings in index order (tokens may be longer than
one character). Optimizer state (Adagrad's or Adam's running sums) is not saved: a loaded model
resumes with a fresh optimizer.
"""
import os
import secrets

import numpy as np

from .backend import to_numpy
from .errors import MissingModelFileError, ModelFileError
from .optim import OPTIMIZERS, make_optimizer

FORMAT_VERSION = 1
PARAMETER_DTYPES = (np.float32, np.float64)
_ZIP_MAGIC = b"PK\x03\x04"
_NPY_MAGIC = b"\x93NUMPY"
_PICKLE_MAGIC = b"\x80"          # protocol 2 and later start with PROTO


def npz_path(path):
    """``path`` with ``.npz`` appended when missing, as ``numpy.savez`` does."""
    path = os.fspath(path)
    return path if path.endswith(".npz") else path + ".npz"


def write_model(path, format_tag, params, settings, vocabulary=None):
    """Write ``params`` (name → array) and ``settings`` (name → scalar/str) to ``path`` atomically.

    The data goes to a new file in the same folder, is flushed to disk (``fsync``), and only
    then renamed over ``path``; an interrupted save leaves any earlier file untouched. The file
    gets the mode of any newly created file (0666 less the umask). Returns the path written
    (``.npz`` is appended when missing, as numpy does).
    """
    path = npz_path(path)
    arrays = {name: to_numpy(value) for name, value in params.items()}
    arrays["format"] = np.array(format_tag)
    arrays["format_version"] = np.array(FORMAT_VERSION)
    for key, value in settings.items():
        arrays[f"setting_{key}"] = np.array("" if value is None else value)
    if vocabulary is not None:
        arrays["vocabulary"] = np.array(list(vocabulary), dtype=str)   # as wide as the longest token
    folder = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: a fresh file of our own; mode 0o666 is reduced by the umask, like open(path, "w").
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
            stream.flush()
            os.fsync(stream.fileno())        # the data is on disk before the rename makes it visible
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    _sync_folder(folder)
    return path


def _sync_folder(folder):
    """Flush the folder entry of the rename to disk too (POSIX; a no-op where folders cannot be opened)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def read_model(path, format_tag, param_names, optional_names=()):
    """``(params, settings, vocabulary)`` from a file written by ``write_model``.

    ``params`` holds every name of ``param_names`` (a file without one is refused) and those of
    ``optional_names`` the file has (a model variant's extra parameters, e.g. the GRU's ``bhn``).

    ``path`` may omit the ``.npz`` that ``write_model`` appends. Raises ``ModelFileError`` (a
    ``ValueError``) for a missing, corrupt, foreign or pickle-holding file, and for parameters
    that are not 2-D finite float32/float64 arrays; nothing in the file is ever executed.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        if os.path.exists(npz_path(path)):
            path = npz_path(path)
        else:
            raise MissingModelFileError(f"model file {path!r} does not exist"
                                        + ("" if path.endswith(".npz") else f" (nor {npz_path(path)!r})"))
    with open(path, "rb") as stream:
        head = stream.read(len(_NPY_MAGIC))
    if head.startswith(_NPY_MAGIC):
        raise ModelFileError(f"{path!r} is a single .npy array, not an rnn_core model (.npz from rnn.save)")
    if head.startswith(_PICKLE_MAGIC):
        raise ModelFileError(f"{path!r} holds pickled Python objects, which rnn_core never loads")
    if not head.startswith(_ZIP_MAGIC):
        raise ModelFileError(f"{path!r} is not a model file: an rnn_core model is a .npz (zip) archive "
                             f"written by rnn.save, and this file starts with {head[:4]!r}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            contents = {key: archive[key] for key in archive.files}
    except ValueError as err:  # numpy refuses an object array without allow_pickle
        raise ModelFileError(f"{path!r} holds pickled Python objects, which rnn_core never loads "
                             f"(allow_pickle=False): {err}") from None
    except Exception as err:   # a truncated or damaged archive: zipfile, zlib, OSError, EOFError ...
        raise ModelFileError(f"{path!r} is corrupt ({type(err).__name__}: {err})") from None
    found_tag = str(contents["format"]) if "format" in contents else None
    if found_tag != format_tag:
        raise ModelFileError(f"{path!r} is not an {format_tag} model: its format tag is {found_tag!r} "
                             f"(keys: {', '.join(sorted(contents)) or 'none'})")
    version = int(contents.get("format_version", -1))
    if version != FORMAT_VERSION:
        raise ModelFileError(f"{path!r} has format version {version}; this rnn_core reads version {FORMAT_VERSION}")
    missing = [name for name in param_names if name not in contents]
    if missing:
        raise ModelFileError(f"{path!r} lacks the parameter(s) {', '.join(missing)}")
    params = {name: contents[name] for name in (*param_names, *optional_names) if name in contents}
    _check_parameters(path, params)
    settings = {key[len("setting_"):]: contents[key].item() for key in contents if key.startswith("setting_")}
    vocabulary = [str(token) for token in contents["vocabulary"]] if "vocabulary" in contents else None
    return params, settings, vocabulary


def _check_parameters(path, params):
    dtypes = set()
    for name, array in params.items():
        if array.dtype.type not in PARAMETER_DTYPES:
            raise ModelFileError(f"{path!r}: parameter {name} has dtype {array.dtype}; "
                                 "expected float32 or float64")
        if array.ndim != 2:
            raise ModelFileError(f"{path!r}: parameter {name} has shape {array.shape}; expected a 2-D array")
        if not np.isfinite(array).all():
            raise ModelFileError(f"{path!r}: parameter {name} contains NaN or inf")
        dtypes.add(array.dtype)
    if len(dtypes) > 1:
        raise ModelFileError(f"{path!r}: the parameters mix dtypes {sorted(map(str, dtypes))}; expected one")


class Saving:
    """``settings``, ``save`` and ``load`` of ``rnn_core.RNN``: the model in one ``.npz`` file."""

    def settings(self):
        """What ``load`` needs besides the parameters to rebuild this model (saved by ``save``):
        the optimizer, clipping, initialisation and the cell's own options."""
        optimizer = getattr(self.optimizer, "name", type(self.optimizer).__name__)
        config = self.optimizer.config() if callable(getattr(self.optimizer, "config", None)) else {}
        return {"optimizer": optimizer, **{f"optimizer_{key}": value for key, value in config.items()},
                "lr": getattr(self.optimizer, "lr", None), "clip": self.clip, "clip_mode": self.clip_mode,
                "init": self.init, "init_scale": self.init_scale, "whh_scale": self.whh_scale,
                **self.cell.options()}

    def save(self, path):
        """Write the model (and its vocabulary, if any) to ``path`` (.npz), atomically. Returns the path."""
        vocabulary = None
        if self.idx_to_char is not None:
            vocabulary = [self.idx_to_char[i] for i in range(len(self.idx_to_char))]
        return write_model(path, self.cell.FORMAT_TAG, self.params, self.settings(), vocabulary)

    @classmethod
    def load(cls, path, backend=None):
        """A model read from a file written by ``save`` (never unpickles anything), with the
        cell options it was saved with. ``path`` may leave out the ``.npz`` that ``save`` appends.
        ``VanillaRNN.load``, ``LSTM.load`` and ``GRU.load`` read their own kind of file."""
        if cls.CELL is None:
            raise TypeError("RNN.load needs to know the cell: call VanillaRNN.load, LSTM.load or GRU.load")
        cell = cls.CELL()
        params, settings, vocabulary = read_model(path, cell.FORMAT_TAG, cell.param_names, ("bhn",))
        try:
            model = cls(*cell.sizes(params), dtype=params[cell.param_names[0]].dtype.type, backend=backend,
                        **_model_settings(settings, cell.options()))
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


def _model_settings(settings, cell_options):
    """The constructor's keyword arguments from the settings read from a file."""
    name = str(settings.get("optimizer") or "sgd")
    config = {key[len("optimizer_"):]: value for key, value in settings.items() if key.startswith("optimizer_")}
    if "lr" not in config and settings.get("lr") not in ("", None):
        config["lr"] = float(settings["lr"])
    whh_scale = settings.get("whh_scale")
    return {"optimizer": make_optimizer(name if name in OPTIMIZERS else "sgd", **config),
            "clip": None if settings.get("clip") in ("", None) else float(settings["clip"]),
            "clip_mode": settings.get("clip_mode") or "value", "init": settings.get("init") or "lecture",
            "init_scale": float(settings.get("init_scale") or 0.01),
            "whh_scale": None if whh_scale in ("", None) else float(whh_scale),
            **{option: settings[option] for option in cell_options if option in settings}}
