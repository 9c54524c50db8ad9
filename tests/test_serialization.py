"""Saving and loading: exact round trips, atomic writes, and files that are refused."""
import os
import pickle
import zipfile

import numpy as np
import pytest

import rnn_core as rc
from rnn_core import VanillaRNN


def trained_model():
    rnn = VanillaRNN(6, 7, 6, lr=0.02, seed=5, init_scale=0.3, backend="numpy", optimizer="adam",
                     clip=2.0, clip_mode="norm")
    rnn.train_words(["ab", "bca", "cab"], epochs=3, print_interval=0)
    return rnn


def test_save_and_load_round_trip_exactly(tmp_path):
    rnn = trained_model()
    path = rnn.save(tmp_path / "model.npz")
    loaded = VanillaRNN.load(path, backend="numpy")
    for name, param in rnn.params.items():
        np.testing.assert_array_equal(getattr(loaded, name), param)
        assert getattr(loaded, name).dtype == param.dtype
    assert loaded.char_to_idx == rnn.char_to_idx and loaded.idx_to_char == rnn.idx_to_char
    assert (loaded.lr, loaded.clip, loaded.clip_mode, loaded.optimizer.name) == (0.02, 2.0, "norm", "adam")
    assert loaded.predict("b", length=5) == rnn.predict("b", length=5)


def test_float32_models_and_models_without_vocabulary_round_trip(tmp_path):
    rnn = VanillaRNN(3, 4, 2, seed=1, dtype=np.float32, backend="numpy", clip=None)
    path = rnn.save(tmp_path / "plain")                 # .npz is appended, as numpy does
    assert path.endswith("plain.npz")
    loaded = VanillaRNN.load(path, backend="numpy")
    assert loaded.dtype is np.float32 and loaded.char_to_idx is None and loaded.clip is None
    np.testing.assert_array_equal(loaded.Whh, rnn.Whh)


def test_an_interrupted_save_keeps_the_previous_file(tmp_path, monkeypatch):
    rnn = trained_model()
    path = rnn.save(tmp_path / "model.npz")
    original = open(path, "rb").read()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("interrupted while writing")

    monkeypatch.setattr(np, "savez", crash)
    rnn.Whh[...] = 0
    with pytest.raises(KeyboardInterrupt):
        rnn.save(path)
    assert open(path, "rb").read() == original
    assert os.listdir(tmp_path) == ["model.npz"]         # no temporary file left behind


def test_missing_file_gives_a_clear_error(tmp_path):
    with pytest.raises(rc.MissingModelFileError, match="does not exist") as info:
        VanillaRNN.load(tmp_path / "nope.npz")
    assert isinstance(info.value, ValueError) and isinstance(info.value, FileNotFoundError)


def test_corrupt_and_truncated_files_give_clear_errors(tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip file at all")
    with pytest.raises(rc.ModelFileError, match="not a readable .npz model file|pickled"):
        VanillaRNN.load(garbage)
    good = trained_model().save(tmp_path / "good.npz")
    data = open(good, "rb").read()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(rc.ModelFileError):
        VanillaRNN.load(truncated)


def test_foreign_files_are_refused(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.ones((3, 3)))
    with pytest.raises(rc.ModelFileError, match="not an rnn_core model"):
        VanillaRNN.load(other)
    single = tmp_path / "single.npy"
    np.save(single, np.ones(3))
    with pytest.raises(rc.ModelFileError, match="single .npy array"):
        VanillaRNN.load(single)
    path = trained_model().save(tmp_path / "bad_shape.npz")
    with np.load(path) as archive:
        contents = dict(archive)
    contents["Whh"] = np.ones((2, 2))
    np.savez(path, **contents)
    with pytest.raises(rc.ModelFileError, match=r"Whh has shape \(2, 2\); expected \(7, 7\)"):
        VanillaRNN.load(path)


class Boom:
    def __reduce__(self):
        return (os.system, ("echo pickled code ran > ran.txt",))


def test_files_holding_pickles_are_refused_and_never_executed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pickled = tmp_path / "evil.npz"
    with open(pickled, "wb") as stream:
        pickle.dump(Boom(), stream)
    with pytest.raises(rc.ModelFileError, match="pickled"):
        VanillaRNN.load(pickled)
    object_npz = tmp_path / "object.npz"
    contents = {"format": np.array("rnn_core.VanillaRNN"), "format_version": np.array(1),
                "Wxh": np.array([Boom()], dtype=object)}
    np.savez(object_npz, **contents)
    assert zipfile.is_zipfile(object_npz)
    with pytest.raises(rc.ModelFileError, match="pickled"):
        VanillaRNN.load(object_npz)
    assert not (tmp_path / "ran.txt").exists()
