"""Saving and loading: exact round trips, atomic writes, and files that are refused."""
import os
import pickle
import stat
import zipfile

import numpy as np
import pytest

import rnn_core as rc
from rnn_core import VanillaRNN


def trained_model():
    rnn = VanillaRNN(4, 7, 4, lr=0.02, seed=5, init_scale=0.3, backend="numpy", optimizer="adam",
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
    with pytest.raises(rc.ModelFileError, match="is not a model file: an rnn_core model is a .npz"):
        VanillaRNN.load(garbage)
    good = trained_model().save(tmp_path / "good.npz")
    data = open(good, "rb").read()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(rc.ModelFileError, match="is corrupt"):
        VanillaRNN.load(truncated)


def test_foreign_files_are_refused(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.ones((3, 3)))
    with pytest.raises(rc.ModelFileError, match="is not an rnn_core.VanillaRNN model"):
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


def _saved_contents(tmp_path):
    path = trained_model().save(tmp_path / "model.npz")
    with np.load(path) as archive:
        return {key: archive[key] for key in archive.files}


@pytest.mark.parametrize("change, message", [
    (lambda c: c.pop("format_version"), "has format version -1; this rnn_core reads version 1"),
    (lambda c: c.update(format_version=np.array(2)), "has format version 2; this rnn_core reads version 1"),
    (lambda c: c.pop("format"), "is not an rnn_core.VanillaRNN model: its format tag is None"),
    (lambda c: c.update(format=np.array("rnn_core.LSTM")), "its format tag is 'rnn_core.LSTM'"),
    (lambda c: (c.pop("Why"), c.pop("by")), "lacks the parameter\\(s\\) Why, by"),
    (lambda c: c.update(bh=c["bh"][0]), r"parameter bh has shape \(7,\); expected a 2-D array"),
    (lambda c: c.update(Wxh=c["Wxh"].astype(np.int64)), "parameter Wxh has dtype int64; expected float32 or float64"),
    (lambda c: c["Whh"].__setitem__((0, 0), np.nan), "parameter Whh contains NaN or inf"),
    (lambda c: c.update(by=c["by"].astype(np.float32)), r"the parameters mix dtypes \['float32', 'float64'\]"),
    (lambda c: c.update(vocabulary=np.array(["a", "b"])), "holds a vocabulary that does not fit the model"),
    (lambda c: c.update(setting_clip_mode=np.array("sideways")), "holds settings this rnn_core cannot use"),
])
def test_damaged_model_files_are_refused_with_the_reason(tmp_path, change, message):
    contents = _saved_contents(tmp_path)
    change(contents)
    path = tmp_path / "damaged.npz"
    np.savez(path, **contents)
    with pytest.raises(rc.ModelFileError, match=message) as info:
        VanillaRNN.load(path)
    assert "damaged.npz" in str(info.value)                      # the message names the file


def test_the_file_keeps_every_setting_and_nothing_is_executed(tmp_path):
    rnn = VanillaRNN(4, 5, 4, lr=0.03, seed=2, backend="numpy", optimizer="adagrad", clip=None,
                     init="identity", whh_scale=0.7)
    loaded = VanillaRNN.load(rnn.save(tmp_path / "adagrad.npz"), backend="numpy")
    assert (loaded.optimizer.name, loaded.lr, loaded.optimizer.eps) == ("adagrad", 0.03, 1e-8)
    assert (loaded.clip, loaded.clip_mode, loaded.init, loaded.whh_scale) == (None, None, "identity", 0.7)
    with np.load(tmp_path / "adagrad.npz", allow_pickle=False) as archive:
        assert str(archive["format"]) == "rnn_core.VanillaRNN" and int(archive["format_version"]) == 1
        assert archive["setting_optimizer_eps"].item() == 1e-8


def test_an_older_file_without_the_new_settings_still_loads(tmp_path):
    contents = _saved_contents(tmp_path)
    old_keys = ("setting_lr", "setting_optimizer", "setting_clip", "setting_clip_mode")   # format 1 before issue 9
    for key in [k for k in contents if k.startswith("setting_") and k not in old_keys]:
        contents.pop(key)
    np.savez(tmp_path / "old.npz", **contents)
    loaded = VanillaRNN.load(tmp_path / "old.npz", backend="numpy")
    assert (loaded.optimizer.name, loaded.lr, loaded.clip, loaded.clip_mode) == ("adam", 0.02, 2.0, "norm")
    assert (loaded.init, loaded.optimizer.beta1, loaded.optimizer.eps) == ("lecture", 0.9, 1e-8)


def test_save_and_load_agree_on_the_npz_suffix(tmp_path):
    rnn = VanillaRNN(3, 4, 3, seed=1, backend="numpy")
    written = rnn.save(tmp_path / "m")
    assert written == str(tmp_path / "m.npz")
    loaded = VanillaRNN.load(tmp_path / "m", backend="numpy")
    np.testing.assert_array_equal(loaded.Whh, rnn.Whh)
    with pytest.raises(rc.MissingModelFileError, match=r"does not exist \(nor .*other.npz"):
        VanillaRNN.load(tmp_path / "other")


def test_saved_models_get_the_mode_of_a_normal_file(tmp_path):
    previous = os.umask(0o022)
    try:
        path = VanillaRNN(3, 4, 3, backend="numpy").save(tmp_path / "m.npz")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
        os.umask(0o077)
        path = VanillaRNN(3, 4, 3, backend="numpy").save(tmp_path / "private.npz")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        os.umask(previous)


@pytest.mark.parametrize("content, message", [
    (b"this is not a zip file at all", "not a model file: an rnn_core model is a .npz"),
    (b"", "not a model file"),
    (b"\x80\x04\x95 pickled", "holds pickled Python objects"),
])
def test_a_file_that_is_not_a_zip_is_named_for_what_it_is(tmp_path, content, message):
    path = tmp_path / "thing.npz"
    path.write_bytes(content)
    with pytest.raises(rc.ModelFileError, match=message):
        VanillaRNN.load(path)


def test_multi_character_tokens_survive_saving(tmp_path):
    rnn = VanillaRNN(4, 5, 4, seed=0, backend="numpy")
    vocabulary = {"<s>": 0, "a": 1, "bc": 2, "</s>": 3}
    rnn.set_vocabulary(vocabulary)
    loaded = VanillaRNN.load(rnn.save(tmp_path / "tokens"), backend="numpy")
    assert loaded.char_to_idx == vocabulary
    assert loaded.idx_to_char == {0: "<s>", 1: "a", 2: "bc", 3: "</s>"}


def test_float16_files_and_adam_settings(tmp_path):
    rnn = VanillaRNN(3, 4, 3, backend="numpy", optimizer=rc.Adam(lr=0.002, beta1=0.8, beta2=0.99, eps=1e-6),
                     init="orthogonal", whh_scale=0.9, init_scale=0.2)
    loaded = VanillaRNN.load(rnn.save(tmp_path / "adam"), backend="numpy")
    adam = loaded.optimizer
    assert (adam.name, adam.lr, adam.beta1, adam.beta2, adam.eps) == ("adam", 0.002, 0.8, 0.99, 1e-6)
    assert (loaded.init, loaded.whh_scale, loaded.init_scale) == ("orthogonal", 0.9, 0.2)
    with np.load(tmp_path / "adam.npz") as archive:
        contents = {key: archive[key] for key in archive.files}
    for name in rc.functional.PARAM_NAMES:
        contents[name] = contents[name].astype(np.float16)
    np.savez(tmp_path / "half.npz", **contents)
    with pytest.raises(rc.ModelFileError, match="dtype float16; expected float32 or float64"):
        VanillaRNN.load(tmp_path / "half.npz")


def test_a_save_is_on_disk_before_it_is_renamed_into_place(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(("fsync", fd)), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append(("replace", os.fspath(a), os.fspath(b))),
                                                      real_replace(a, b))[1])
    path = VanillaRNN(3, 4, 3, backend="numpy").save(tmp_path / "m.npz")
    kinds = [event[0] for event in events]
    assert kinds == ["fsync", "replace", "fsync"]          # the data, the rename, the folder entry
    _, temporary, target = events[1]
    assert target == path and os.path.dirname(temporary) == str(tmp_path)   # same folder: an atomic rename
    assert not os.path.exists(temporary)
