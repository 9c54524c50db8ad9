"""The delayed-recall experiment of notebook 09: vanilla RNN, LSTM and GRU on equal terms.

The task is notebook 08's: a symbol out of ``K = 8`` at t = 0, then ``delay`` distractor
symbols from the same alphabet; only the last step is in the loss (a mask), and its target is
the first symbol. Chance accuracy is 1/8.

Every model is trained the same way: 32 hidden units, Adam, clipping by global norm at 1,
``updates`` steps on fresh batches of 32 sequences (the same batches for every model of a
given seed and delay). Two fixed sets of ``TEST_SIZE`` sequences, drawn from their own seeds,
score it: the validation set chooses the learning rate, the test set reports the accuracy.
``tools/gated_sweep.py`` runs the whole grid; the notebook reproduces one point with
``train_delay_task``.
"""
import numpy as np

from rnn_core.initialisation import orthogonal_from
from rnn_core.model import GRU, LSTM, VanillaRNN
from rnn_course import zen

K = 8                 # alphabet size
N_H = 32              # hidden units of every model
BATCH_SIZE = 32
TEST_SIZE = 500       # sequences in the validation set and in the test set
CLIP = 1.0            # global-norm clipping threshold, as in notebook 08
VALIDATION_SEED = 54321   # the validation set of delay d: default_rng([VALIDATION_SEED, d])
TEST_SEED = 12345         # the test set of delay d: default_rng([TEST_SEED, d])

# name → (class, keyword arguments). The vanilla RNN's "good init" is an orthogonal W_hh
# (every singular value 1, (8.4) of notebook 08); the gated models' gate biases decide how long
# their memory path starts open: a share σ(b) is kept per step, so about 1 / (1 − σ(b)) steps,
# 4 for b = 1 (PyTorch-style LSTM default with the usual +1) and 21 for b = 3. The model named
# "orthogonal W_h" gets the vanilla RNN's orthogonal start too: each gate's n_h × n_h block of W_h
# is a random orthogonal matrix (set after construction by ``orthogonal_recurrent_weights``, which
# works for a GRU as well).
# SHORT_ONLY models are run at the short delays only (they already fail there; see the notebook).
MODELS = {
    "vanilla, lecture init": (VanillaRNN, {}),
    "vanilla, orthogonal W_hh": (VanillaRNN, {"init": "orthogonal"}),
    "LSTM, b_f = 1": (LSTM, {"forget_bias": 1.0}),
    "LSTM, b_f = 3": (LSTM, {"forget_bias": 3.0}),
    "LSTM, b_f = 3, orthogonal W_h": (LSTM, {"forget_bias": 3.0}),
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


def orthogonal_recurrent_weights(model, seed):
    """Replace each gate's ``(n_h, n_h)`` block of ``model.params["Wh"]`` by a random orthogonal
    matrix (in place), as ``VanillaRNN(init="orthogonal")`` starts its ``W_hh``.

    The blocks are the Q factors of seeded Gaussian matrices, with the signs of R's diagonal moved
    into Q (so the draw is uniform over orthogonal matrices).
    """
    Wh = model.params["Wh"]
    n_h = Wh.shape[0]
    if Wh.shape[1] % n_h:
        raise ValueError(f"W_h of shape {Wh.shape} is not a row of (n_h, n_h) gate blocks")
    rng = np.random.default_rng([seed, 7])
    for start in range(0, Wh.shape[1], n_h):
        Wh[:, start:start + n_h] = orthogonal_from(rng.standard_normal((n_h, n_h)))
    return model


def make_model(name, lr, seed):
    """A fresh model of the kind ``name`` (a key of ``MODELS``), on numpy, float64."""
    if name not in MODELS:
        raise ValueError(f"model {name!r} is not one of {', '.join(repr(m) for m in MODELS)}")
    cls, options = MODELS[name]
    model = cls(K, N_H, K, lr=lr, seed=seed, backend="numpy", optimizer="adam",
                clip=CLIP, clip_mode="norm", **options)
    if name.endswith("orthogonal W_h"):
        orthogonal_recurrent_weights(model, seed)
    return model


def held_out_set(delay, which):
    """The fixed ``"validation"`` or ``"test"`` sequences of ``delay``: ``(X, Y)``, ``TEST_SIZE`` each."""
    seeds = {"validation": VALIDATION_SEED, "test": TEST_SEED}
    if which not in seeds:
        raise ValueError(f"which={which!r}; expected 'validation' or 'test'")
    X, Y, _ = delay_batch(delay, TEST_SIZE, np.random.default_rng([seeds[which], delay]))
    return X, Y


def accuracy(model, delay, which="test"):
    """Accuracy of the last step's most probable symbol on the ``which`` set of ``delay``."""
    X, Y = held_out_set(delay, which)
    _, ys = model.forward(X)
    return float(np.mean(np.argmax(ys[-1], axis=-1) == Y[-1]))


def test_accuracy(model, delay):
    """Accuracy on the ``TEST_SIZE`` fixed test sequences of ``delay``."""
    return accuracy(model, delay, "test")


def train_delay_task(name, delay, lr, seed, updates, checkpoints=(), return_model=False,
                     batch_size=BATCH_SIZE, score=("test",)):
    """Train model ``name`` on delay ``delay``; return its test accuracy after ``updates`` steps.

    ``score`` names the held-out sets to score (``"validation"``, ``"test"``): with more than one,
    the result is ``{set: accuracy}``. With ``checkpoints`` (update counts), returns
    ``{count: result}`` at each of them instead; with ``return_model``, returns ``(model, result)``.
    The training batches depend only on ``seed`` and ``delay`` (and ``batch_size``), so every model
    sees the same data; the held-out sets never appear in training.
    """
    model = make_model(name, lr, seed)
    rng = np.random.default_rng([seed, delay])

    def scored():
        if len(score) == 1:
            return accuracy(model, delay, score[0])
        return {which: accuracy(model, delay, which) for which in score}

    results = {}
    for update in range(1, updates + 1):
        X, Y, mask = delay_batch(delay, batch_size, rng)
        model.train_step(X, Y, mask=mask)
        if update in checkpoints:
            results[update] = scored()
    result = results if checkpoints else scored()
    return (model, result) if return_model else result


# ---------------------------------------------------------------------------- the Zen of Python
# Notebook 09 compares the series' Zen model (``rnn_course.zen``: a 64-unit VanillaRNN) with gated
# models of about the same number of parameters (n_h = 29 and 35), trained by the same recipe
# (``zen.train_zen_model``); ``tools/gated_sweep.py --zen`` runs them.
ZEN_MODELS = {
    "vanilla RNN, n_h = 64": (VanillaRNN, 64),
    "LSTM, n_h = 29": (LSTM, 29),
    "GRU, n_h = 35": (GRU, 35),
}
DECISION_CUE = zen.DECISION_CUE


def parameter_count(model):
    """The number of trained numbers in ``model``."""
    return sum(int(p.size) for p in model.params.values())


def decision_points(text):
    """Positions of the characters that follow each ``"than "``: the word that pairs with the
    line's first words ("Beautiful is better than ugly.")."""
    return [point["position"] for point in zen.decision_points(text)]


def zen_decisions(model, text, char_to_idx):
    """Read the whole text (teacher forcing, state carried from the start); at each decision
    point return ``(expected character, predicted character, probability of the expected)``."""
    indices = np.asarray([char_to_idx[c] for c in text])
    probs = zen.one_pass_probabilities(model, indices)
    idx_to_char = {i: c for c, i in char_to_idx.items()}
    return [(text[p], idx_to_char[int(np.argmax(probs[p - 1]))], float(probs[p - 1, indices[p]]))
            for p in decision_points(text)]
