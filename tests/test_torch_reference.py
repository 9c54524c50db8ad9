"""The stored PyTorch results that notebook 09 compares rnn_core with (rnn_course.torch_reference)."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from rnn_course import torch_reference

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("kind", torch_reference.KINDS)
def test_rnn_core_matches_the_stored_pytorch_results(kind):
    differences = torch_reference.compare(kind)
    assert {"hidden states", "loss", "∂L/∂Wx", "∂L/∂Wh", "∂L/∂b", "∂L/∂Why", "∂L/∂by"} <= set(differences)
    assert ("∂L/∂bhn" in differences) == (kind == "GRU")
    assert max(differences.values()) < 1e-12


def test_a_wrong_gate_order_is_caught():
    stored = torch_reference.load()
    swapped = dict(stored)
    n_h = stored["LSTM/weight_hh"].shape[1]
    w = stored["LSTM/weight_hh"].copy()
    w[:n_h], w[n_h:2 * n_h] = stored["LSTM/weight_hh"][n_h:2 * n_h], stored["LSTM/weight_hh"][:n_h]
    swapped["LSTM/weight_hh"] = w           # input and forget gates exchanged
    assert max(torch_reference.compare("LSTM", swapped).values()) > 1e-3
    with pytest.raises(ValueError, match="expected 'LSTM' or 'GRU'"):
        torch_reference.model_from_reference("RNN", stored)


def test_the_tool_reproduces_the_stored_file(tmp_path):
    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location("torch_reference_tool", ROOT / "tools" / "torch_reference.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(["--out", str(tmp_path / "ref.npz")]) == 0
    fresh, stored = torch_reference.load(tmp_path / "ref.npz"), torch_reference.load()
    assert set(fresh) == set(stored)
    for name in stored:
        np.testing.assert_allclose(fresh[name], stored[name], rtol=1e-12, atol=1e-14, err_msg=name)
