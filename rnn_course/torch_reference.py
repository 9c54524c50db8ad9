"""PyTorch's results for one small fixed case, stored, so notebook 09 can compare without torch.

``tools/torch_reference.py`` (which needs the bench group: ``python3 tools/course.py install
--group bench``) builds a small ``torch.nn.LSTM`` and ``torch.nn.GRU`` with seeded random weights,
runs a padded batch through each with a softmax output layer and the mean cross-entropy over the
real steps, and stores the weights, the inputs, PyTorch's hidden states, loss and autograd
gradients in ``rnn_course/data/torch_gated_reference.npz``. ``compare`` loads the same weights into
``rnn_core.LSTM`` or ``rnn_core.GRU(reset_after=True)`` (PyTorch's GRU is (8.7′)) and returns the
largest relative difference of each result.

Shapes: ``T`` steps, ``B`` sequences, ``n_x`` inputs, ``n_h`` hidden units, ``n_y`` outputs.
PyTorch stacks its gates as row blocks of ``(k·n_h, ·)`` matrices, in the order (i, f, g, o) for
the LSTM and (r, z, n) for the GRU; ``rnn_core`` stores column blocks, in the order (f, i, o, g)
and (z, r, n); ``to_ours`` converts.
"""
from pathlib import Path

import numpy as np

from rnn_core.model import GRU, LSTM

PATH = Path(__file__).resolve().parent / "data" / "torch_gated_reference.npz"
KINDS = ("LSTM", "GRU")
# PyTorch's gate row blocks, listed in rnn_core's order: LSTM (i, f, g, o) → (f, i, o, g); GRU (r, z, n) → (z, r, n).
GATE_ORDER = {"LSTM": (1, 0, 3, 2), "GRU": (1, 0, 2)}


def to_ours(weight, kind, n_h):
    """PyTorch's ``(k·n_h, m)`` gate rows → rnn_core's ``(m, k·n_h)`` gate columns, in rnn_core's order."""
    return np.concatenate([weight[k * n_h:(k + 1) * n_h] for k in GATE_ORDER[kind]], axis=0).T


def load(path=PATH):
    """The stored case: a dict of arrays, keys ``"LSTM/..."`` and ``"GRU/..."``."""
    with np.load(path) as stored:
        return {name: stored[name] for name in stored.files}


def model_from_reference(kind, stored):
    """An ``rnn_core`` model holding PyTorch's weights of ``kind`` ("LSTM" or "GRU")."""
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}; expected 'LSTM' or 'GRU'")
    get = lambda name: stored[f"{kind}/{name}"]  # noqa: E731
    w_ih, w_hh, b_ih, b_hh = get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")
    n_h = w_hh.shape[1]
    n_x, n_y = w_ih.shape[1], get("Why").shape[1]
    model = LSTM(n_x, n_h, n_y, backend="numpy") if kind == "LSTM" else GRU(n_x, n_h, n_y, backend="numpy",
                                                                              reset_after=True)
    model.params["Wx"][...] = to_ours(w_ih, kind, n_h)
    model.params["Wh"][...] = to_ours(w_hh, kind, n_h)
    model.params["Why"][...] = get("Why")
    model.params["by"][...] = get("by")
    if kind == "LSTM":        # b_ih and b_hh only ever appear summed
        model.params["b"][...] = to_ours((b_ih + b_hh)[:, None], kind, n_h)
    else:                     # b_hn stays apart: it sits inside r ⊙ (h W_hn + b_hn), (8.7′)
        model.params["b"][...] = to_ours(np.concatenate([(b_ih + b_hh)[:2 * n_h], b_ih[2 * n_h:]])[:, None], kind, n_h)
        model.params["bhn"][...] = b_hh[2 * n_h:][None]
    return model


def expected_gradients(kind, stored):
    """PyTorch's autograd gradients, in rnn_core's names and layout."""
    get = lambda name: stored[f"{kind}/{name}"]  # noqa: E731
    n_h = get("weight_hh").shape[1]
    grads = {"Wx": to_ours(get("grad_weight_ih"), kind, n_h), "Wh": to_ours(get("grad_weight_hh"), kind, n_h),
             "b": to_ours(get("grad_bias_ih")[:, None], kind, n_h),   # = ∂L/∂b_hh where they are summed
             "Why": get("grad_Why"), "by": get("grad_by")}
    if kind == "GRU":
        grads["bhn"] = get("grad_bias_hh")[2 * n_h:][None]
    return grads


def compare(kind, stored=None):
    """Largest relative difference ``max |ours − torch| / max |torch|`` of rnn_core against the stored
    PyTorch results: ``{"hidden states": ..., "loss": ..., "∂L/∂Wx": ..., ...}``."""
    stored = load() if stored is None else stored
    get = lambda name: stored[f"{kind}/{name}"]  # noqa: E731
    model = model_from_reference(kind, stored)
    states = {"h0": get("h0")} | ({"c0": get("c0")} if kind == "LSTM" else {})
    X, Y, mask = get("X"), get("Y"), get("mask")
    hs, ys = model.forward(X, **states)
    ours = model.gradients(X, Y, hs, ys, mask=mask, **states)

    def relative(a, b):
        return float(np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b)))

    differences = {"hidden states": relative(hs, get("hidden")),
                   "loss": relative(model.compute_loss(Y, ys, mask), get("loss"))}
    for name, grad in expected_gradients(kind, stored).items():
        differences[f"∂L/∂{name}"] = relative(ours[name], grad)
    return differences
