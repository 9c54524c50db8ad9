"""The delayed-recall experiment of notebook 09: vanilla RNN, LSTM and GRU on equal terms.

The task is notebook 07's: a symbol out of ``K = 8`` at t = 0, then ``delay`` distractor
symbols from the same alphabet; only the last step is in the loss (a mask), and its target is
the first symbol. Chance accuracy is 1/8.

Every model is trained the same way: 32 hidden units, Adam, clipping by global norm at 1,
``updates`` steps on fresh batches of 32 sequences (the same batches for every model of a
given seed and delay), then tested on ``TEST_SIZE`` new sequences. ``tools/gated_sweep.py``
runs the whole grid; the notebook reproduces one point with ``train_delay_task``.
"""
import numpy as np

from rnn_core.model import GRU, LSTM, VanillaRNN

K = 8                 # alphabet size
N_H = 32              # hidden units of every model
BATCH_SIZE = 32
TEST_SIZE = 500
CLIP = 1.0            # global-norm clipping threshold, as in notebook 07

# name → (class, keyword arguments). The vanilla RNN's "good init" is an orthogonal W_hh
# (every singular value 1, (8.4) of notebook 07); the gated models' gate biases decide how long
# their memory path starts open: a share σ(b) is kept per step, so about 1 / (1 − σ(b)) steps,
# 4 for b = 1 (PyTorch-style LSTM default with the usual +1) and 21 for b = 3.
# SHORT_ONLY models are run at the short delays only (they already fail there; see the notebook).
MODELS = {
    "vanilla, lecture init": (VanillaRNN, {}),
    "vanilla, orthogonal W_hh": (VanillaRNN, {"init": "orthogonal"}),
    "LSTM, b_f = 1": (LSTM, {"forget_bias": 1.0}),
    "LSTM, b_f = 3": (LSTM, {"forget_bias": 3.0}),
    "GRU, b_z = 0": (GRU, {"update_bias": 0.0}),
    "GRU, b_z = 3": (GRU, {"update_bias": 3.0}),
}
SHORT_ONLY = ("LSTM, b_f = 1", "GRU, b_z = 0")


def delay_batch(delay, batch_size, rng):
    """Inputs ``(delay + 1, B)``: the symbol to recall, then ``delay`` distractors; targets and mask.

    Only the last step is real in the mask; its target is the first input.
    """
    X = rng.integers(0, K, size=(delay + 1, batch_size))
    Y = np.zeros_like(X)
    Y[-1] = X[0]
    mask = np.zeros(X.shape)
    mask[-1] = 1.0
    return X, Y, mask


def make_model(name, lr, seed):
    """A fresh model of the kind ``name`` (a key of ``MODELS``), on numpy, float64."""
    if name not in MODELS:
        raise ValueError(f"model {name!r} is not one of {', '.join(repr(m) for m in MODELS)}")
    cls, options = MODELS[name]
    return cls(K, N_H, K, lr=lr, seed=seed, backend="numpy", optimizer="adam",
               clip=CLIP, clip_mode="norm", **options)


def test_accuracy(model, delay):
    """Accuracy of the last step's most probable symbol on ``TEST_SIZE`` fixed test sequences."""
    X, Y, _ = delay_batch(delay, TEST_SIZE, np.random.default_rng([12345, delay]))
    _, ys = model.forward(X)
    return float(np.mean(np.argmax(ys[-1], axis=-1) == Y[-1]))


def train_delay_task(name, delay, lr, seed, updates, checkpoints=(), return_model=False):
    """Train model ``name`` on delay ``delay``; return its test accuracy after ``updates`` steps.

    With ``checkpoints`` (update counts), returns ``{count: accuracy}`` at each of them instead;
    with ``return_model``, returns ``(model, result)``. The training batches depend only on
    ``seed`` and ``delay``, so every model sees the same data.
    """
    model = make_model(name, lr, seed)
    rng = np.random.default_rng([seed, delay])
    accuracies = {}
    for update in range(1, updates + 1):
        X, Y, mask = delay_batch(delay, BATCH_SIZE, rng)
        model.train_step(X, Y, mask=mask)
        if update in checkpoints:
            accuracies[update] = test_accuracy(model, delay)
    result = accuracies if checkpoints else test_accuracy(model, delay)
    return (model, result) if return_model else result


# ---------------------------------------------------------------------------- the Zen of Python
# Notebook 05 trains a 64-unit VanillaRNN on the Zen by truncated BPTT; the gated models get about
# the same number of parameters (n_h = 29 and 35) and exactly the same training.
ZEN_MODELS = {
    "vanilla RNN, n_h = 64": (VanillaRNN, 64),
    "LSTM, n_h = 29": (LSTM, 29),
    "GRU, n_h = 35": (GRU, 35),
}
ZEN_TRAINING = {"epochs": 200, "seq_length": 25, "batch_size": 8}
ZEN_LRS = (0.005, 0.01, 0.02)          # notebook 05 uses 0.005; each model gets the best of these
DECISION_CUE = "than "


def parameter_count(model):
    """The number of trained numbers in ``model``."""
    return sum(int(p.size) for p in model.params.values())


def decision_points(text):
    """Positions of the characters that follow each ``"than "``: the word that pairs with the
    line's first words ("Beautiful is better than ugly.")."""
    positions, start = [], text.find(DECISION_CUE)
    while start >= 0:
        positions.append(start + len(DECISION_CUE))
        start = text.find(DECISION_CUE, start + 1)
    return positions


def zen_decisions(model, text, char_to_idx):
    """Read the whole text (teacher forcing, state carried from the start); at each decision
    point return ``(expected character, predicted character, probability of the expected)``."""
    indices = np.asarray([char_to_idx[c] for c in text])
    _, ys = model.forward(indices[:-1])
    probs = ys[:, 0, :]
    idx_to_char = {i: c for c, i in char_to_idx.items()}
    return [(text[p], idx_to_char[int(np.argmax(probs[p - 1]))], float(probs[p - 1, indices[p]]))
            for p in decision_points(text)]


def train_on_zen(name, lr, seed, text, char_to_idx):
    """A model of the kind ``name`` (a key of ``ZEN_MODELS``) trained on the Zen as in notebook 05
    (Adam with learning rate ``lr``); returns ``(model, loss history)``."""
    cls, n_h = ZEN_MODELS[name]
    n = len(char_to_idx)
    model = cls(n, n_h, n, lr=lr, seed=seed, optimizer="adam", backend="numpy")
    history = model.train_text(text, char_to_idx, print_interval=0, verbose=False, **ZEN_TRAINING)
    return model, history
