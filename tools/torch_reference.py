"""Store PyTorch's results for the small fixed case that notebook 09 compares rnn_core with.

Usage:  python tools/torch_reference.py [--out rnn_course/data/torch_gated_reference.npz]

Needs PyTorch (the bench group: ``python3 tools/course.py install --group bench``); the notebook
does not. For ``torch.nn.LSTM`` and ``torch.nn.GRU`` (5 inputs, 4 hidden units, float64, weights
drawn from N(0, 0.5²) with a fixed seed) and a softmax output layer (5 outputs), it runs one padded
batch (6 steps, 3 sequences, one of them 4 steps long and one a single step) from random initial
states, computes the mean cross-entropy over the real steps and its autograd gradients, and writes
the weights, the batch, the hidden states, the loss and the gradients (PyTorch's layout) to a
small ``.npz``. ``rnn_course.torch_reference.compare`` reads it.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from rnn_course import torch_reference  # noqa: E402

T, B, N_X, N_H, N_Y = 6, 3, 5, 4, 5


def reference(torch, kind, seed):
    """PyTorch's weights, batch, hidden states, loss and gradients for ``kind``: name → array."""
    torch.manual_seed(seed)
    module = (torch.nn.LSTM if kind == "LSTM" else torch.nn.GRU)(N_X, N_H).double()
    with torch.no_grad():
        for param in module.parameters():
            param.normal_(0.0, 0.5)
    rng = np.random.default_rng(seed)
    X = rng.integers(0, N_X, (T, B))
    Y = rng.integers(0, N_Y, (T, B))
    mask = np.ones((T, B))
    mask[T // 2 + 1:, 0] = 0.0              # a sequence of 4 steps, padded
    mask[1:, 2] = 0.0                        # a one-step sequence
    h0 = rng.standard_normal((B, N_H)) * 0.5
    c0 = rng.standard_normal((B, N_H)) * 0.5
    Why = torch.tensor(rng.standard_normal((N_H, N_Y)) * 0.5, requires_grad=True)
    by = torch.tensor(rng.standard_normal((1, N_Y)) * 0.5, requires_grad=True)

    inputs = torch.nn.functional.one_hot(torch.from_numpy(X), N_X).double()
    torch_h0 = torch.from_numpy(h0)[None]
    hidden, _ = module(inputs, (torch_h0, torch.from_numpy(c0)[None]) if kind == "LSTM" else torch_h0)
    log_probs = torch.log_softmax(hidden @ Why + by, dim=-1)
    picked = log_probs.gather(-1, torch.from_numpy(Y)[..., None])[..., 0]
    weights = torch.from_numpy(mask)
    loss = -(picked * weights).sum() / weights.sum()
    loss.backward()

    arrays = {"X": X, "Y": Y, "mask": mask, "h0": h0, "Why": Why.detach().numpy(), "by": by.detach().numpy(),
              "hidden": hidden.detach().numpy(), "loss": np.array(loss.item()),
              "grad_Why": Why.grad.numpy(), "grad_by": by.grad.numpy()}
    if kind == "LSTM":
        arrays["c0"] = c0
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        param = getattr(module, f"{name}_l0")
        arrays[name] = param.detach().numpy().copy()
        arrays[f"grad_{name}"] = param.grad.numpy().copy()
    return arrays


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=torch_reference.PATH)
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        parser.error("needs PyTorch: python3 tools/course.py install --group bench")
    stored = {}
    for seed, kind in enumerate(torch_reference.KINDS):
        stored.update({f"{kind}/{name}": value for name, value in reference(torch, kind, seed).items()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **stored)
    print(f"wrote {len(stored)} arrays to {args.out} (PyTorch {torch.__version__})")
    for kind in torch_reference.KINDS:
        worst = max(torch_reference.compare(kind, torch_reference.load(args.out)).values())
        print(f"{kind}: rnn_core against PyTorch, largest relative difference {worst:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
