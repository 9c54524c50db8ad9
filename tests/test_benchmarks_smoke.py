"""The benchmark runs at a tiny size (so it cannot rot) and its baseline is the lecture's maths."""
from pathlib import Path

import numpy as np

import rnn_core as rc
from benchmarks import run
from benchmarks.lecture_loop import LectureRNN, rows


def test_lecture_loop_gradients_equal_rnn_core_gradients():
    model = rc.VanillaRNN(6, 5, 6, seed=0, init_scale=0.5, backend="numpy")
    lecture = LectureRNN(**{k: v.copy() for k, v in model.params.items()})
    X, Y = run.make_data(1, 7, 6)
    hs, ys = lecture.forward(rows(X[:, 0], 6))
    expected = lecture.gradients(rows(X[:, 0], 6), rows(Y[:, 0], 6), hs, ys)
    core_hs, core_ys = model.forward(X)
    got = model.gradients(X, Y, core_hs, core_ys)
    np.testing.assert_allclose(np.concatenate(hs), core_hs[:, 0], rtol=0, atol=1e-15)
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-10, atol=1e-15)


def test_flop_count_formula():
    assert run.flops_per_step(1, 1, 1, 1) == 16
    assert run.flops_per_step(2, 3, 65, 100) == 6 * (10 * 65 * 100 + 6 * 100 * 100)


def test_tiny_benchmark_writes_a_complete_table(tmp_path, capsys):
    out = tmp_path / "cpu.md"
    assert run.main(["--tiny", "--out", str(out)]) == 0
    table = out.read_text(encoding="utf-8")
    assert table == capsys.readouterr().out.rstrip("\n") + "\n"
    assert "Machine:" in table and "Time to quality" in table
    body = [line for line in table.splitlines() if line.startswith("| tiny")]
    names = [line.split("|")[2].strip() for line in body]
    for expected in ("(a) lecture loop, float64", "(b) rnn_core, one-hot, float64", "(b) rnn_core, integer, float64",
                     "(b) rnn_core, one-hot, float32", "(b) rnn_core, integer, float32"):
        assert expected in names
    for line in body:
        cells = [c.strip() for c in line.split("|")[1:-1]]
        milliseconds, tokens = float(cells[2]), float(cells[3].replace(",", ""))
        assert milliseconds > 0 and np.isfinite(milliseconds) and tokens > 0


def test_tiny_run_without_out_writes_no_file(tmp_path, monkeypatch, capsys):
    committed = Path(run.__file__).resolve().parent / "results" / "cpu.md"
    before = committed.stat().st_mtime_ns if committed.exists() else None
    monkeypatch.chdir(tmp_path)                  # the default path is relative: it would land here
    assert run.main(["--tiny", "--skip-quality"]) == 0
    assert "| tiny" in capsys.readouterr().out   # the table is printed ...
    assert list(tmp_path.iterdir()) == []        # ... and written nowhere
    assert (committed.stat().st_mtime_ns if committed.exists() else None) == before
