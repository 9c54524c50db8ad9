"""Notebook 10's machinery (rnn_course/capstone.py), its text and its shipped model."""
import hashlib
import json
import re
from importlib import resources

import numpy as np
import pytest

import rnn_core as rc
from rnn_course import capstone

DATA = resources.files("rnn_course").joinpath("data")


def small_problem(seed=0, T=5, B=3, V=6, n_h=4, h0_scale=0.5):
    rng = np.random.default_rng(seed)
    params = {name: value * 50 + rng.normal(0, 0.2, size=value.shape)
              for name, value in capstone.initial_parameters(V, n_h, seed).items()}
    X = rc.one_hot(rng.integers(0, V, size=(T, B)), V)
    Y = rng.integers(0, V, size=(T, B))
    h0 = rng.normal(0, h0_scale, size=(B, n_h))
    return params, X, Y, h0


def forward(params, X, h0):
    hs, ys, h = [], [], h0
    for x in X:
        h, probs = capstone.reference_step(x, h, params)
        hs.append(h)
        ys.append(probs)
    return np.stack(hs), np.stack(ys)


def test_the_text_is_the_one_the_readme_describes():
    text = capstone.load_text()
    readme = DATA.joinpath("README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode("ascii")).hexdigest()
    assert digest in readme, "the README states the text's sha256"
    assert len(text.splitlines()) == 222 and f"{len(text):,} characters" in readme
    assert f"{len(set(text))} distinct symbols" in readme
    assert text.startswith("The words of the Preacher, the son of David, king in Jerusalem.\n")
    assert not re.search(r"\d", text), "no verse numbers"
    train, held_out = capstone.split_text(text)
    assert train + held_out == text and len(held_out.splitlines()) == capstone.HELD_OUT_VERSES


def test_the_reference_step_and_loss_are_the_lectures():
    params, X, Y, h0 = small_problem()
    hs, ys = forward(params, X, h0)
    model = capstone.as_model(params, {c: i for i, c in enumerate("abcdef")})
    model_hs, model_ys = model.forward(X, h0)
    assert np.allclose(hs, model_hs, rtol=0, atol=1e-12) and np.allclose(ys, model_ys, rtol=0, atol=1e-12)
    assert capstone.reference_loss(ys, Y) == pytest.approx(-np.mean(np.log(np.take_along_axis(ys, Y[..., None], -1))),
                                                           abs=1e-12)


def test_the_reference_bptt_matches_finite_differences_with_a_carried_state():
    params, X, Y, h0 = small_problem(seed=1)
    hs, ys = forward(params, X, h0)
    grads = capstone.reference_bptt(params, X, Y, h0, hs, ys)

    def loss():
        return capstone.reference_loss(forward(params, X, h0)[1], Y)

    for name in capstone.PARAM_NAMES:
        numerical = rc.numerical_gradient(loss, params[name])
        assert rc.relative_error(grads[name], numerical) < 1e-7, name


def test_the_reference_update_is_adam_and_changes_nothing_passed_in():
    params, _, _, _ = small_problem(seed=2)
    rng = np.random.default_rng(3)
    grads = {n: rng.normal(size=p.shape) for n, p in params.items()}
    m = {n: rng.normal(0, 0.1, size=p.shape) for n, p in params.items()}
    v = {n: rng.uniform(0, 0.01, size=p.shape) for n, p in params.items()}
    before = [{n: a.copy() for n, a in d.items()} for d in (params, grads, m, v)]
    new_params, new_m, new_v = capstone.reference_update(params, grads, m, v, 4, 0.01)
    for name in params:
        m_expected = 0.9 * m[name] + 0.1 * grads[name]
        v_expected = 0.999 * v[name] + 0.001 * grads[name] ** 2
        step = 0.01 * (m_expected / (1 - 0.9 ** 4)) / (np.sqrt(v_expected / (1 - 0.999 ** 4)) + 1e-8)
        assert np.allclose(new_m[name], m_expected, rtol=1e-13, atol=0)
        assert np.allclose(new_v[name], v_expected, rtol=1e-13, atol=0)
        assert np.allclose(new_params[name], params[name] - step, rtol=1e-12, atol=1e-15)
    for original, now in zip(before, (params, grads, m, v)):
        assert all(np.array_equal(original[n], now[n]) for n in original)


def test_sampling_is_reproducible_and_sharpens_with_a_low_temperature():
    params, _, _, _ = small_problem(seed=4, V=8)
    h = np.zeros((1, 4))
    draws = [capstone.reference_sample(capstone.reference_step, params, h, 0, 200, np.random.default_rng(5), tau)
             for tau in (1.0, 1.0, 0.1)]
    assert draws[0] == draws[1] and all(0 <= i < 8 for i in draws[0])
    assert len(set(draws[2])) <= len(set(draws[0]))


def test_choose_pieces_takes_a_passing_function_and_replaces_a_failing_one():
    def passes(function):
        return "ok"

    def fails(function):
        function()

    def mine():
        raise NotImplementedError

    candidates = {piece: (passes, mine) for piece in capstone.PIECES}
    candidates["bptt"] = (fails, mine)
    pieces, report = capstone.choose_pieces(candidates)
    assert pieces["step"] is mine and pieces["bptt"] is capstone.reference_bptt
    assert report["step"] == "your mine" and report["bptt"].startswith("rnn_core's")


def test_training_lowers_the_loss_and_a_schedule_ends_at_lr_final():
    text = "vanity of vanities, all is vanity.\n" * 12
    seen = []

    def update(params, grads, m, v, t, lr):
        seen.append(lr)
        return capstone.reference_update(params, grads, m, v, t, lr)

    pieces = dict(capstone.REFERENCE, update=update)
    result = capstone.train(pieces, text, 4, n_h=16, seq_length=10, batch_size=4, lr=0.02, lr_final=0.002)
    assert result.epoch_losses[-1] < 0.7 * result.epoch_losses[0]
    assert seen[0] == pytest.approx(0.02) and seen[-1] == pytest.approx(0.002)


def test_the_shipped_model_is_the_one_its_history_describes():
    history = json.loads(DATA.joinpath("capstone_history.json").read_text(encoding="utf-8"))
    model = capstone.load_trained_model()
    text = capstone.load_text()
    _, held_out = capstone.split_text(text)
    char_to_idx = rc.vocabulary_from_text(text)[0]
    assert model.char_to_idx == char_to_idx and model.n_h == capstone.SETTINGS["n_h"]
    params = {name: value.astype(np.float64) for name, value in model.params.items()}
    # Saved in float32: its held-out loss is the recorded one (computed in float64) within rounding.
    assert capstone.evaluate(params, held_out, char_to_idx) == pytest.approx(history["held_out_loss"][-1], abs=2e-3)
    assert {k: v for k, v in history["settings"].items() if k in capstone.SETTINGS} == capstone.SETTINGS
    assert DATA.joinpath("capstone_model.npz").stat().st_size < 200_000
