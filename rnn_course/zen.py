"""The Zen of Python model of notebooks 06, 07 and 09: one recipe, and the long-range measurement.

Every notebook that studies a model trained on the Zen uses ``train_zen_model`` (06 calls it
live; 07 loads the model that ``tools/gated_sweep.py --zen`` stored from the same call, and 09
reads that tool's sweep), so the series draws its conclusions from one model and one recipe.

The **decision points** are the characters right after each ``"than "``: the ending that pairs
with the line's first words ("Beautiful is better than ugly."). The **distance** of a decision
point is counted in characters from the first letter of its line to the decided character, so
``len("Beautiful is better than ") == 25`` for the first line: the number of steps a model reads
from the line's first letter until it must predict the ending.

A model is scored in two **layouts**: the one it was trained in (``train_text``'s parallel
streams, the state carried from chunk to chunk) and one pass over the whole text from h_0 = 0.
"""
import numpy as np

import rnn_core as rc
from rnn_core import VanillaRNN

# The one recipe: Adam at 0.005 for 120 epochs, then a learning-rate decay to 0.0005 for 150 more,
# truncated BPTT over chunks of 25 steps in 8 parallel streams (notebook 06 explains each choice).
RECIPE = {"n_h": 64, "lr": 0.005, "epochs": 120, "decayed_lr": 0.0005, "decayed_epochs": 150,
          "seq_length": 25, "streams": 8}
DECISION_CUE = "than "


def zen_text_and_vocabulary():
    """``(text, char_to_idx, idx_to_char)`` of the Zen of Python."""
    text = rc.zen_of_python()
    char_to_idx, idx_to_char = rc.vocabulary_from_text(text)
    return text, char_to_idx, idx_to_char


def rotated(text, offset):
    """The text read from ``offset`` on, its first ``offset`` characters moved to the end."""
    offset %= len(text)
    return text[offset:] + text[:offset]


def train_zen_model(seed=0, model_class=VanillaRNN, n_h=None, streams=None, offset=0, epochs=None, lr=None):
    """The Zen model trained by ``RECIPE``: returns ``(model, loss history)``.

    ``seed`` seeds the initial weights. ``model_class`` and ``n_h`` choose another cell of about
    the same size (notebook 09); ``streams`` another layout (1: the whole text as one stream, so
    every line is read whole); ``offset`` shifts where the streams start (the text is read from
    ``offset`` on, its beginning appended at the end). ``lr`` replaces the first step size (the decay
    still divides it by ten); ``epochs=(a, b)`` shortens both phases (tests).
    """
    text, char_to_idx, _ = zen_text_and_vocabulary()
    n_h = RECIPE["n_h"] if n_h is None else n_h
    streams = RECIPE["streams"] if streams is None else streams
    first, second = (RECIPE["epochs"], RECIPE["decayed_epochs"]) if epochs is None else epochs
    lr = RECIPE["lr"] if lr is None else lr
    n = len(char_to_idx)
    model = model_class(n, n_h, n, lr=lr, seed=seed, optimizer="adam", backend="numpy")
    training_text = rotated(text, offset)
    options = {"seq_length": RECIPE["seq_length"], "batch_size": streams, "verbose": False}
    history = model.train_text(training_text, char_to_idx, epochs=first, **options)
    model.optimizer.lr = lr * RECIPE["decayed_lr"] / RECIPE["lr"]     # the learning-rate decay: ÷ 10
    history += model.train_text(training_text, char_to_idx, epochs=second, **options)
    return model, history


def decision_points(text):
    """One dict per ``"than "``: ``position`` of the decided character, ``line_start`` (the
    position of its line's first letter), ``distance`` (their difference), ``line`` and ``answer``."""
    points, start = [], text.find(DECISION_CUE)
    while start >= 0:
        position = start + len(DECISION_CUE)
        line_start = text.rfind("\n", 0, position) + 1
        line_end = text.find("\n", position)
        points.append({"position": position, "line_start": line_start, "distance": position - line_start,
                       "line": text[line_start: line_end if line_end >= 0 else len(text)],
                       "answer": text[position]})
        start = text.find(DECISION_CUE, start + 1)
    return points


def layout_probabilities(model, indices, streams=None, seq_length=None, offset=0):
    """ŷ in the training layout: ``probs[t]`` predicts ``indices[t + 1]`` (rows of NaN for the few
    last characters no stream reaches), shape ``(len(indices) - 1, n_y)``.

    The text is read as ``train_text`` reads it: rotated by ``offset``, cut into ``streams``
    parallel streams, walked ``seq_length`` steps at a time with the state carried across chunks.
    """
    streams = RECIPE["streams"] if streams is None else streams
    seq_length = RECIPE["seq_length"] if seq_length is None else seq_length
    indices = np.asarray(indices)
    length = len(indices)
    shift = offset % length
    order = np.roll(np.arange(length), -shift)             # rotated position i holds position order[i]
    steps = (length - 1) // streams
    probs = np.full((length - 1, model.n_y), np.nan)
    state, done = None, 0
    for X, _ in rc.data.text_stream_batches(indices[order], streams, seq_length):
        trace = model.forward_trace(X, state)
        ys = trace.ys
        # the state after the chunk, carried over as train_text does: (h,) or, for the LSTM, (h, c)
        state = (trace.hs[-1],) + ((trace.cs[-1],) if hasattr(trace, "cs") else ())
        for b in range(streams):
            positions = order[b * steps + done + np.arange(X.shape[0])]
            inside = positions < length - 1                # the text's last character → its first: no slot
            probs[positions[inside]] = ys[inside, b]
        done += X.shape[0]
    return probs


def one_pass_probabilities(model, indices):
    """ŷ of one pass over the whole text from h_0 = 0: ``probs[t]`` predicts ``indices[t + 1]``."""
    _, ys = model.forward(np.asarray(indices)[:-1])
    return ys[:, 0]


def read_whole(point, length, streams=None, offset=0):
    """Whether, in the training layout, one stream reads the line from its first letter to the decision."""
    streams = RECIPE["streams"] if streams is None else streams
    steps = (length - 1) // streams
    first = (point["line_start"] - offset) % length             # rotated input positions
    last = (point["position"] - 1 - offset) % length
    return first <= last < streams * steps and first // steps == last // steps


def score_decisions(model, text, char_to_idx, streams=None, offset=0):
    """For each decision point: its distance, whether training read its line whole, and in both
    layouts the probability of the true next character and whether it was the top choice."""
    indices = rc.encode(text, char_to_idx)
    layouts = {"training layout": layout_probabilities(model, indices, streams, offset=offset),
               "one pass": one_pass_probabilities(model, indices)}
    rows = []
    for point in decision_points(text):
        row = {"line": point["line"], "distance": point["distance"], "answer": point["answer"],
               "read_whole": bool(read_whole(point, len(text), streams, offset))}
        answer = char_to_idx[point["answer"]]
        for name, probs in layouts.items():
            p = probs[point["position"] - 1]
            row[name] = {"p_true": float(p[answer]), "right": bool(np.argmax(p) == answer)}
        rows.append(row)
    return rows


def layout_summary(model, text, char_to_idx, streams=None, offset=0):
    """Over every character: mean loss, accuracy and mean P(true next) in both layouts."""
    indices = rc.encode(text, char_to_idx)
    summary = {}
    for name, probs in (("training layout", layout_probabilities(model, indices, streams, offset=offset)),
                        ("one pass", one_pass_probabilities(model, indices))):
        scored = ~np.isnan(probs[:, 0])
        targets = indices[1:][scored]
        p_true = probs[scored][np.arange(len(targets)), targets]
        summary[name] = {"loss": float(-np.mean(np.log(p_true))), "p_true": float(np.mean(p_true)),
                         "accuracy": float(np.mean(probs[scored].argmax(axis=1) == targets))}
    return summary


def counting_baseline(text):
    """The best a model can do at each decision point without the line's first word: the share of
    each next character after the rest of the line (from the first word's end), counted in the text.

    Returns one dict per decision point: ``p_true`` and ``right`` (the share of ties won, so a
    two-way tie that includes the answer counts one half).
    """
    rows = []
    for point in decision_points(text):
        context = text[text.index(" ", point["line_start"]): point["position"]]
        following = [text[i + len(context)] for i in range(len(text) - len(context))
                     if text.startswith(context, i)]
        shares = {c: following.count(c) / len(following) for c in set(following)}
        best = max(shares.values())
        leaders = [c for c, share in shares.items() if share == best]
        rows.append({"context": context, "p_true": shares.get(point["answer"], 0.0),
                     "right": (point["answer"] in leaders) / len(leaders)})
    return rows


def constant_baseline(text):
    """``(character, right)``: the single answer right at the most decision points, and how many."""
    answers = [point["answer"] for point in decision_points(text)]
    best = max(sorted(set(answers)), key=answers.count)
    return best, answers.count(best)
