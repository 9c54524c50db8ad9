"""The capstone (notebook 10): a character model assembled from six pieces, in min-char-rnn's spirit.

The pieces, each an exercise of notebook 10 and each with rnn_core's version here::

    step(x, h_prev, params) -> (h, probs)                       (2.2)
    loss(ys, Y) -> float                                        (3)   the mean cross-entropy
    bptt(params, X, Y, h0, hs, ys) -> grads                     (4.1), (4.2)
    clip(grads, max_norm) -> (clipped, norm)                    (4.5) clipping by global norm
    update(params, grads, m, v, t, lr) -> (params, m, v)        Adam, one step, new dicts
    sample(step, params, h, index, length, rng, temperature) -> list of indices

Shapes: ``T`` steps, ``B`` streams, ``V`` characters (n_x = n_y = V), ``n_h`` hidden units;
``x`` (B, V) one-hot rows, ``X`` (T, B, V), ``Y`` (T, B) integer targets, ``h`` (B, n_h),
``hs`` (T, B, n_h), ``ys`` (T, B, V); params and grads are dicts of Wxh (V, n_h), Whh (n_h, n_h),
Why (n_h, V), bh (1, n_h), by (1, V).

``train`` is the whole model: it runs any such set of pieces over a text by truncated BPTT. The
notebook trains with the student's pieces where they pass their checks and with these where not;
``tools/train_capstone.py`` trains longer with these and saves the model the notebook loads.
"""
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

import rnn_core as rc
from rnn_core.cells import vanilla

PIECES = ("step", "loss", "bptt", "clip", "update", "sample")
PARAM_NAMES = rc.functional.PARAM_NAMES
HELD_OUT_VERSES = 22          # the last 22 of the 222 verses (about a tenth) are never trained on

# The settings of the notebook's live training; tools/train_capstone.py uses the same, with more epochs.
# The learning rate falls from lr to lr_final over the run: a large constant Adam step keeps the loss
# jumping from update to update (notebook 06), and the last bits of the arithmetic decide where it is.
SETTINGS = {"n_h": 100, "seq_length": 25, "batch_size": 16, "lr": 0.01, "lr_final": 0.0005, "clip": 5.0, "seed": 0}
LIVE_EPOCHS = 30              # the notebook's live training (a few seconds of CPU time)


def load_text():
    """The capstone's text: Ecclesiastes (King James Version), one verse a line (see data/README.md)."""
    return resources.files("rnn_course").joinpath("data", "ecclesiastes.txt").read_text(encoding="ascii")


def split_text(text):
    """``(train, held_out)``: every verse but the last ``HELD_OUT_VERSES``, and those."""
    verses = text.splitlines(keepends=True)
    return "".join(verses[:-HELD_OUT_VERSES]), "".join(verses[-HELD_OUT_VERSES:])


def load_trained_model():
    """The model ``tools/train_capstone.py`` trained and saved (a ``VanillaRNN`` with its vocabulary)."""
    with resources.as_file(resources.files("rnn_course").joinpath("data", "capstone_model.npz")) as path:
        return rc.VanillaRNN.load(path, backend="numpy")


# ---------------------------------------------------------------- rnn_core's pieces
def reference_step(x, h_prev, params):
    """(2.2) h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h), ŷ_t = softmax(h_t W_hy + b_y)."""
    (h,), _ = vanilla.step_forward(x, (h_prev,), params)
    return h, rc.cells.softmax(h @ params["Why"] + params["by"])


def reference_loss(ys, Y):
    """(3) the mean cross-entropy over the T·B steps."""
    return rc.functional.cross_entropy(ys, Y)


def reference_bptt(params, X, Y, h0, hs, ys):
    """(4.1), (4.2) the gradients of the mean loss, by rnn_core's reference BPTT."""
    h_prev = np.concatenate([h0[None], hs[:-1]])                  # h_{t-1} for every t
    caches = [(X[t], h_prev[t], hs[t]) for t in range(len(hs))]   # what step_forward keeps
    grads = rc.cells.bptt(vanilla, params, hs, rc.functional.output_error(ys, Y), caches)
    return {name: grads[name] for name in PARAM_NAMES}


def reference_clip(grads, max_norm):
    """(4.5) ``(clipped, norm)``: scaled by min(1, max_norm / ‖g‖) over all arrays together."""
    return rc.clip_by_global_norm(grads, max_norm)


def reference_update(params, grads, m, v, t, lr):
    """One Adam step (``rc.Adam``) on copies: ``(new params, new m, new v)``; nothing passed in changes."""
    adam = rc.Adam(lr=lr)
    adam.m = {name: value.copy() for name, value in m.items()}
    adam.v = {name: value.copy() for name, value in v.items()}
    adam.t = t - 1                                # rc.Adam counts the step it is about to take
    new_params = {name: value.copy() for name, value in params.items()}
    adam.step(new_params, grads)
    return new_params, adam.m, adam.v


def reference_sample(step, params, h, index, length, rng, temperature=1.0):
    """``length`` indices, each drawn from the step's probabilities sharpened by 1/temperature."""
    n_x = params["Wxh"].shape[0]
    indices = []
    for _ in range(length):
        x = np.zeros((1, n_x))
        x[0, index] = 1.0                         # the last character, one-hot
        h, probs = step(x, h, params)
        p = probs[0] ** (1.0 / temperature)       # softmax(z / τ) = p^(1/τ) / Σ p^(1/τ)
        index = int(rng.choice(len(p), p=p / p.sum()))
        indices.append(index)
    return indices


REFERENCE = {"step": reference_step, "loss": reference_loss, "bptt": reference_bptt,
             "clip": reference_clip, "update": reference_update, "sample": reference_sample}


def choose_pieces(candidates):
    """``(pieces, report)``: for each piece, the student's function if its checker passes it, else
    rnn_core's. ``candidates`` maps a piece to ``(checker, function)``; a checker raises on a wrong
    or unwritten function (as in ``exercises.check``), which is then replaced, never trusted."""
    pieces, report = {}, {}
    for piece in PIECES:
        checker, function = candidates[piece]
        try:
            checker(function)
            passed = True
        except Exception:        # not attempted, wrong, or broken: the reference takes its place
            passed = False
        pieces[piece] = function if passed else REFERENCE[piece]
        report[piece] = f"your {function.__name__}" if passed else f"rnn_core's (your {function.__name__} " \
                                                                    "is not attempted or fails its check)"
    return pieces, report


# ---------------------------------------------------------------- the model
def initial_parameters(V, n_h, seed):
    """The lecture's start (§5.1): weights randn · 0.01, biases zero, as ``rc.VanillaRNN`` draws them."""
    return {name: value.copy() for name, value in rc.VanillaRNN(V, n_h, V, seed=seed, backend="numpy").params.items()}


@dataclass
class Training:
    """What ``train`` returns: the parameters, the vocabulary, and each epoch's mean loss."""
    params: dict
    char_to_idx: dict
    epoch_losses: list = field(default_factory=list)


def train(pieces, text, epochs, n_h=100, seq_length=25, batch_size=16, lr=0.01, clip=5.0, seed=0,
          vocabulary_text=None, on_epoch=None, lr_final=None):
    """Train a character model on ``text`` with ``pieces``; return a ``Training``.

    The text is cut into ``batch_size`` streams read ``seq_length`` characters at a time
    (truncated BPTT, notebook 06); each chunk is one update, and the last hidden state of a chunk
    is the first of the next. The vocabulary is that of ``vocabulary_text`` (default ``text``).
    ``on_epoch(epoch, params, loss)``, if given, is called after each epoch (1, 2, ...). With
    ``lr_final`` the learning rate falls geometrically from ``lr`` in the first epoch to ``lr_final``
    in the last; without it, it stays ``lr``.
    """
    char_to_idx, _ = rc.vocabulary_from_text(text if vocabulary_text is None else vocabulary_text)
    V = len(char_to_idx)
    one_hot = np.eye(V)
    params = initial_parameters(V, n_h, seed)
    m = {name: np.zeros_like(value) for name, value in params.items()}    # Adam's moments
    v = {name: np.zeros_like(value) for name, value in params.items()}
    chunks = list(rc.data.text_stream_batches(rc.encode(text, char_to_idx), batch_size, seq_length))
    result, t = Training(params, char_to_idx), 0
    for epoch in range(epochs):
        epoch_lr = lr if lr_final is None or epochs == 1 else lr * (lr_final / lr) ** (epoch / (epochs - 1))
        h = np.zeros((batch_size, n_h))           # each pass over the text starts from h_0 = 0
        total, steps = 0.0, 0
        for X_indices, Y in chunks:
            X, h0 = one_hot[X_indices], h         # (T, B, V) one-hot inputs, (B, n_h)
            hs, ys = [], []
            for x in X:                           # forward, one step (2.2) at a time
                h, probs = pieces["step"](x, h, params)
                hs.append(h)
                ys.append(probs)
            hs, ys = np.stack(hs), np.stack(ys)
            loss = pieces["loss"](ys, Y)                                   # (3)
            grads = pieces["bptt"](params, X, Y, h0, hs, ys)               # (4.1), (4.2)
            grads, _ = pieces["clip"](grads, clip)                         # (4.5)
            t += 1
            params, m, v = pieces["update"](params, grads, m, v, t, epoch_lr)   # Adam
            total, steps = total + loss * Y.size, steps + Y.size
        result.epoch_losses.append(total / steps)
        if on_epoch is not None:
            on_epoch(epoch + 1, params, total / steps)
    result.params = params
    return result


def evaluate(params, text, char_to_idx):
    """The mean cross-entropy (3) of ``params`` on ``text`` read as one sequence from h_0 = 0."""
    model = as_model(params, char_to_idx)
    indices = rc.encode(text, char_to_idx)
    hs, ys = model.forward(indices[:-1, None])
    return model.compute_loss(indices[1:, None], ys)


def as_model(params, char_to_idx, dtype=np.float64):
    """A ``rc.VanillaRNN`` holding ``params`` and the vocabulary (to save it, or to use ``predict``)."""
    V, n_h = params["Wxh"].shape
    model = rc.VanillaRNN(V, n_h, V, dtype=dtype, backend="numpy", optimizer="adam", lr=SETTINGS["lr"],
                          clip=SETTINGS["clip"], clip_mode="norm")
    for name, value in params.items():
        getattr(model, name)[...] = value
    model.set_vocabulary(char_to_idx)
    return model


def sample_text(pieces, params, char_to_idx, start, length, seed, temperature=1.0):
    """``start`` and ``length`` characters sampled after it, with the pieces' step and sample."""
    idx_to_char = rc.data.invert_vocabulary(char_to_idx)
    h = np.zeros((1, params["Whh"].shape[0]))
    for char in start[:-1]:                       # read the start, all but its last character
        x = np.zeros((1, len(char_to_idx)))
        x[0, char_to_idx[char]] = 1.0
        h, _ = pieces["step"](x, h, params)
    indices = pieces["sample"](pieces["step"], params, h, char_to_idx[start[-1]], length,
                               np.random.default_rng(seed), temperature)
    return start + rc.decode(indices, idx_to_char)
