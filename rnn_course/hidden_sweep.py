"""Notebook 07's measurements of hidden states, over seeds: neighbour purity and the best single units.

Notebook 07 defines and explains each measurement on the stored seed-0 Zen model; this module
repeats the same definitions for ``tools/hidden_state_sweep.py``, which applies them to the models
that ``zen.train_zen_model(seed)`` trains for seeds 0 to 4 and stores the results in
``notebooks/data/hidden_state_sweep.json``. The notebook recomputes the seed-0 row live and checks it
against the stored one.
"""
import numpy as np

from rnn_course import zen

N_POINTS = 800                 # the first 800 steps of the one pass, as in notebook 07
PURITY_LABELS = ("current character", "next character", "class of current char", "class of next char",
                 "position in word (≤ 10)")
UNIT_PROPERTIES = ("after a space", "position in the word", "word ends next")


def char_class(char):
    """vowel, consonant, space, newline or punctuation."""
    if char.lower() in "aeiou":
        return "vowel"
    if char.isalpha():
        return "consonant"
    return {" ": "space", "\n": "newline"}.get(char, "punctuation")


def position_in_word(chars):
    """0 on a space or newline, then 1, 2, ... for the characters after it."""
    positions, count = [], 0
    for char in chars:
        count = 0 if char in " \n" else count + 1
        positions.append(count)
    return np.array(positions)


def neighbour_purity(points, labels, k=10):
    """(7.1): the fraction of each point's k nearest neighbours (itself excluded) that share its label."""
    from sklearn.neighbors import NearestNeighbors

    rounded = np.round(points, 9)                         # states equal to 9 decimals count as one point
    search = NearestNeighbors(n_neighbors=k, algorithm="kd_tree").fit(rounded)
    _, neighbours = search.kneighbors()                   # no query given: each point's neighbours, itself excluded
    return float(np.mean(labels[neighbours] == labels[:, None]))


def chance_purity(labels):
    """(7.2): the purity expected if labels were unrelated to the geometry."""
    _, counts = np.unique(labels, return_counts=True)
    return float(np.sum((counts / counts.sum()) ** 2))


def labels(text, n_points=N_POINTS):
    """The labellings of notebook 07's purity table and the features of its single-unit table."""
    current = np.array(list(text[:n_points]))
    following = np.array(list(text[1:n_points + 1]))
    position = position_in_word(current)
    purity_labels = {
        "current character": current, "next character": following,
        "class of current char": np.array([char_class(c) for c in current]),
        "class of next char": np.array([char_class(c) for c in following]),
        "position in word (≤ 10)": np.minimum(position, 10)}
    is_letter = np.char.isalpha(current)
    properties = {
        "after a space": (np.ones(n_points, dtype=bool), (current == " ").astype(float)),
        "position in the word": (is_letter, position.astype(float)),
        "word ends next": (is_letter, (following == " ").astype(float))}
    return purity_labels, properties


def best_correlation(states, feature):
    """(unit, r): the unit whose activation has the largest |Pearson r| with ``feature`` (no margin asked)."""
    correlations = np.array([np.corrcoef(states[:, j], feature)[0, 1] for j in range(states.shape[1])])
    best = int(np.argmax(np.abs(correlations)))
    return best, float(correlations[best])


def one_pass_states(model, text, char_to_idx, n_points=N_POINTS):
    """h_t of one pass over the text from h_0 = 0, the first ``n_points`` steps, shape (n_points, n_h)."""
    hs, _ = model.forward(np.asarray([char_to_idx[c] for c in text]))
    return hs[:n_points, 0]


def measure(states, text, n_points=N_POINTS):
    """``{"purity": {label: value}, "units": {property: r of the best unit}}`` for one model's states."""
    purity_labels, properties = labels(text, n_points)
    return {"purity": {name: neighbour_purity(states, values) for name, values in purity_labels.items()},
            "units": {name: best_correlation(states[rows], feature[rows])[1]
                      for name, (rows, feature) in properties.items()}}


def untrained_model(seed, char_to_idx):
    """The recipe's initial weights for ``seed``: the baseline of notebook 07."""
    from rnn_core import VanillaRNN

    n = len(char_to_idx)
    model = VanillaRNN(n, zen.RECIPE["n_h"], n, lr=zen.RECIPE["lr"], seed=seed, optimizer="adam", backend="numpy")
    model.set_vocabulary(char_to_idx)
    return model
