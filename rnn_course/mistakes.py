"""The usual mistakes of each exercise, as data: what a check recognises and names.

``CATALOGUE`` maps an exercise (the student's function name, e.g. ``"my_bptt"``) to its
``Mistake`` entries. Each holds

* ``name``: the mistake in a few words, as the check prints it ("the 1 − h² factor is missing");
* ``hint``: where to look (the equation and the lecture section), without the right code;
* ``wrong``: a planted wrong implementation with the student's signature.

``rnn_course.exercises.check`` replays each call of the student's function through every
``wrong`` of its exercise, on copies of the same inputs; when the check fails and a mistake gave
the same answer on every call, the failure names it. The exercise audit (tools/exercise_audit.py)
plants every ``wrong`` in its notebook in place of the stub and requires the check to name it, so
a new entry needs no new test code: add it here, and the next ``make test`` proves it is recognised.

The planted functions use numpy and ``rnn_core`` only (never the notebooks' worked solutions,
which the student handout does not have).
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["Mistake", "CATALOGUE"]


@dataclass(frozen=True)
class Mistake:
    name: str
    hint: str
    wrong: Callable


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# --- 01 Exercise 1: step_forward(x, h_prev, params) -> (h, y) ---------------------------------

def _step(x, h_prev, p, *, carry=True, transpose=False, softmax_axis=-1, y_from_prev=False, squash=True):
    Whh = p["Whh"].T if transpose else p["Whh"]
    a = x @ p["Wxh"] + (h_prev @ Whh if carry else 0.0) + p["bh"]
    h = np.tanh(a) if squash else a
    y = _softmax((h_prev if y_from_prev else h) @ p["Why"] + p["by"], axis=softmax_axis)
    return h, y


STEP_FORWARD = [
    Mistake("the previous hidden state is left out (the state is not carried)",
            "In (2.2a) h_t depends on h_{t-1} through W_hh; see section 1 of notebook 01.",
            lambda x, h_prev, params: _step(x, h_prev, params, carry=False)),
    Mistake("W_hh is used transposed",
            "With the lecture's row convention (2.2a) multiplies the row h_{t-1} on the right by W_hh; "
            "see 'The forward equations', section 1 of notebook 01.",
            lambda x, h_prev, params: _step(x, h_prev, params, transpose=True)),
    Mistake("the softmax runs over the wrong axis (the batch instead of the classes)",
            "(2.2b) normalises each row ŷ_t over the n_y outputs; see section 4 of notebook 01.",
            lambda x, h_prev, params: _step(x, h_prev, params, softmax_axis=0)),
    Mistake("the output is computed from h_{t-1} instead of h_t (off by one step in time)",
            "(2.2b) reads the new state h_t; see section 1 of notebook 01.",
            lambda x, h_prev, params: _step(x, h_prev, params, y_from_prev=True)),
    Mistake("the tanh is missing",
            "(2.2a) squashes the sum with tanh; see section 3 of notebook 01.",
            lambda x, h_prev, params: _step(x, h_prev, params, squash=False)),
]


# --- 01 Exercise 2: stable_softmax(z, axis=-1) --------------------------------------------------

def _softmax_no_shift(z, axis=-1):
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_global_shift(z, axis=-1):
    e = np.exp(z - z.max())
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_ignores_axis(z, axis=-1):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


STABLE_SOFTMAX = [
    Mistake("a softmax without the max shift (exp overflows for large logits)",
            "Section 4 of notebook 01, 'A numerically stable softmax': why subtracting a number from every logit "
            "changes nothing, and which number keeps exp finite.",
            _softmax_no_shift),
    Mistake("the shift is the largest logit of the whole array, not of each row",
            "Section 4 of notebook 01: the shift must be taken along the same axis as the sum, or a row far below "
            "the array's maximum underflows to 0/0.",
            _softmax_global_shift),
    Mistake("the axis argument is ignored (always the last axis)",
            "The exercise asks for any axis: the max and the sum must both use `axis`.",
            _softmax_ignores_axis),
]


# --- 02 Exercise 1: sequence_loss(Y, ys) -----------------------------------------------------------

def _picked(Y, ys):
    T, B = Y.shape
    return ys[np.arange(T)[:, None], np.arange(B)[None, :], Y]


SEQUENCE_LOSS = [
    Mistake("a sum where (3) takes the mean: T·B times too large",
            "Equation (3), section 4 of notebook 02: the loss is averaged over all T·B steps.",
            lambda Y, ys: float(-np.log(_picked(Y, ys)).sum())),
    Mistake("divided by T only (the mean over time, summed over the batch): B times too large",
            "Equation (3), section 4 of notebook 02: the mean runs over time and the batch.",
            lambda Y, ys: float(-np.log(_picked(Y, ys)).sum() / Y.shape[0])),
    Mistake("the minus sign is missing (a negative loss)",
            "Equation (3), section 4 of notebook 02: a cross-entropy is −ln of a probability, so it is ≥ 0.",
            lambda Y, ys: float(np.log(_picked(Y, ys)).mean())),
    Mistake("the mean of −ln over every output, not only the target's probability",
            "Equation (3), section 4 of notebook 02: each step costs −ln of the probability of its target only.",
            lambda Y, ys: float(-np.log(ys).mean())),
]


# --- 02 Exercise 2: init_loss_gap(rnn, X, Y) -----------------------------------------------------

def _model_loss(rnn, X, Y):
    return rnn.compute_loss(Y, rnn.forward(X)[1])


INIT_LOSS_GAP = [
    Mistake("ln n_x instead of ln n_y: the uniform prediction is over the outputs",
            "Section 5 of notebook 02: a uniform ŷ puts 1/n_y on each of the n_y outputs.",
            lambda rnn, X, Y: _model_loss(rnn, X, Y) - float(np.log(rnn.n_x))),
    Mistake("ln n_h instead of ln n_y",
            "Section 5 of notebook 02: the loss of a uniform prediction depends on the number of outputs, not of hidden units.",
            lambda rnn, X, Y: _model_loss(rnn, X, Y) - float(np.log(rnn.n_h))),
    Mistake("the gap the other way round (ln n_y − loss)",
            "The exercise asks for loss − ln(n_y): above 0 when the model is more confidently wrong than uniform.",
            lambda rnn, X, Y: float(np.log(rnn.n_y)) - _model_loss(rnn, X, Y)),
    Mistake("log base 2 or 10 instead of the natural logarithm",
            "Equation (3) uses ln, as rnn.compute_loss does; ln(n_y) is np.log.",
            lambda rnn, X, Y: _model_loss(rnn, X, Y) - float(np.log2(rnn.n_y))),
]


# --- 03 Exercise 1: my_bptt(params, X_onehot, Y_onehot, hs, ys) ----------------------------------

def _bptt(params, X, Y, hs, ys, *, mean=True, tanh_grad=True, carry=True, transpose_back=True, prev=True):
    T, n_h = hs.shape
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    from_next = np.zeros((1, n_h))
    for t in reversed(range(T)):
        x_t, h_t = X[t:t + 1], hs[t:t + 1]
        h_prev = (hs[t - 1:t] if t > 0 else np.zeros((1, n_h))) if prev else h_t
        delta_y = (ys[t:t + 1] - Y[t:t + 1]) / (T if mean else 1)
        grads["Why"] += h_t.T @ delta_y
        grads["by"] += delta_y
        dh = delta_y @ params["Why"].T + (from_next if carry else 0.0)
        delta_h = dh * (1 - h_t ** 2) if tanh_grad else dh
        grads["Wxh"] += x_t.T @ delta_h
        grads["Whh"] += h_prev.T @ delta_h
        grads["bh"] += delta_h
        from_next = delta_h @ (params["Whh"].T if transpose_back else params["Whh"])
    return grads


MY_BPTT = [
    Mistake("the 1 − h² factor (the derivative of tanh) is missing",
            "(4.1c) in section 2 of notebook 03: the error passes through the tanh before it reaches W_xh, W_hh and b_h.",
            lambda p, X, Y, hs, ys: _bptt(p, X, Y, hs, ys, tanh_grad=False)),
    Mistake("a sum over the steps where the loss is a mean: every gradient T times too large",
            "(4.1a) in section 2 of notebook 03: the loss is the mean over T steps, so δy_t carries a 1/T.",
            lambda p, X, Y, hs, ys: _bptt(p, X, Y, hs, ys, mean=False)),
    Mistake("the gradient from the next step is not carried back (no δh_{t+1} W_hhᵀ term)",
            "(4.1b) in section 2 of notebook 03: h_t reaches the loss through y_t and through h_{t+1}.",
            lambda p, X, Y, hs, ys: _bptt(p, X, Y, hs, ys, carry=False)),
    Mistake("W_hh is not transposed on the way back",
            "(4.1b) in section 2 of notebook 03: going back through h_{t+1} = tanh(... + h_t W_hh) multiplies by W_hhᵀ.",
            lambda p, X, Y, hs, ys: _bptt(p, X, Y, hs, ys, transpose_back=False)),
    Mistake("h_t where (4.2) has h_{t-1} in the gradient of W_hh (off by one step in time)",
            "(4.2) in section 2 of notebook 03: W_hh multiplies the previous state, h_0 = 0 at the first step.",
            lambda p, X, Y, hs, ys: _bptt(p, X, Y, hs, ys, prev=False)),
]


# --- 03 Exercise 2: my_clip_by_global_norm(grads, max_norm) --------------------------------------

def _norm(grads):
    return float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))


def _clip_per_element(grads, max_norm):
    return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}, _norm(grads)


def _clip_per_array(grads, max_norm):
    clipped = {}
    for k, g in grads.items():
        n = float(np.linalg.norm(g))
        clipped[k] = g * (min(1.0, max_norm / n) if n > 0 else 1.0)
    return clipped, _norm(grads)


def _clip_norm_after(grads, max_norm):
    n = _norm(grads)
    clipped = {k: g * (min(1.0, max_norm / n) if n > 0 else 1.0) for k, g in grads.items()}
    return clipped, _norm(clipped)


def _clip_always(grads, max_norm):
    n = _norm(grads)
    return {k: g * (max_norm / n if n > 0 else 1.0) for k, g in grads.items()}, n


MY_CLIP = [
    Mistake("each element clipped to [−c, c] where the norm was asked (clipping by value)",
            "(4.5) in section 7 of notebook 03: clipping by norm scales the whole gradient, keeping its direction.",
            _clip_per_element),
    Mistake("each array clipped by its own norm, not by one norm over all of them",
            "(4.5) in section 7 of notebook 03: ‖g‖ is the global norm over every parameter's gradient together.",
            _clip_per_array),
    Mistake("the norm returned is the one after clipping",
            "The exercise asks for the norm before clipping (what a training log shows to spot an explosion).",
            _clip_norm_after),
    Mistake("small gradients are scaled up too (the min(1, ·) is missing)",
            "(4.5) in section 7 of notebook 03: a gradient whose norm is below c is left unchanged.",
            _clip_always),
]


# --- 04 Exercise 1: memoryless_floor(word) --------------------------------------------------------

def _floor(word, *, targets=None, unigram=False, mean=True, log=np.log):
    targets = word[1:] + " " if targets is None else targets
    pairs = list(zip(word, targets))
    total = 0.0
    for x_char, y_char in pairs:
        if unigram:
            chosen = [y for _, y in pairs]
        else:
            chosen = [y for x, y in pairs if x == x_char]
        total -= log(chosen.count(y_char) / len(chosen))
    return total / len(pairs) if mean else total


MEMORYLESS_FLOOR = [
    Mistake("the frequencies of all targets, ignoring the current input (a unigram model)",
            "Section 5 of notebook 04: a memoryless model still sees the current input; count the followers of each character.",
            lambda word: _floor(word, unigram=True)),
    Mistake("a sum over the steps where a mean was asked",
            "The exercise asks for the mean over len(word) steps, like the loss (3).",
            lambda word: _floor(word, mean=False)),
    Mistake("the last step (the final space as target) is left out: off by one",
            "The targets are word[1:] + ' ': one per input character, the last one the space (section 2 of notebook 04).",
            lambda word: _floor(word, targets=word[1:])),
    Mistake("log base 2 instead of the natural logarithm (bits, not nats)",
            "The loss (3) is in nats: use the natural logarithm.",
            lambda word: _floor(word, log=np.log2)),
]


# --- 05 Exercise 1: pad_words(words, char_to_idx) --------------------------------------------------

def _pad(words, char_to_idx, *, start=True, shift=True, full_mask=False):
    import rnn_core as rc
    end = char_to_idx[rc.END_MARKER]
    extra = 1 if start else 0
    T_max, B = max(len(w) for w in words) + extra, len(words)
    X = np.full((T_max, B), end, dtype=np.int64)
    Y = np.full((T_max, B), end, dtype=np.int64)
    mask = np.ones((T_max, B), dtype=bool) if full_mask else np.zeros((T_max, B), dtype=bool)
    for b, w in enumerate(words):
        inputs = (rc.START_MARKER + w) if start else w
        targets = (w + rc.END_MARKER) if shift else inputs
        T = len(inputs)
        X[:T, b] = [char_to_idx[c] for c in inputs]
        Y[:T, b] = [char_to_idx[c] for c in targets[:T]]
        mask[:T, b] = True
    return X, Y, mask


PAD_WORDS = [
    Mistake("no start marker: the first input is the word's first letter",
            "(5.4a) in section 2 of notebook 05: x_1 is '^', so the model also learns the first letter.",
            lambda words, char_to_idx: _pad(words, char_to_idx, start=False)),
    Mistake("the targets are not shifted (Y equals X)",
            "(5.4a) in section 2 of notebook 05: the target at step t is the next character, the input of step t + 1.",
            lambda words, char_to_idx: _pad(words, char_to_idx, shift=False)),
    Mistake("the mask holds 0 and 1 as integers, not booleans",
            "Section 3 of notebook 05: the mask is a boolean array (True on the real steps), as prepare_sequences returns it.",
            lambda words, char_to_idx: tuple(part.astype(np.int64) if k == 2 else part
                                             for k, part in enumerate(_pad(words, char_to_idx)))),
    Mistake("the mask is True on the padded steps too",
            "Section 3 of notebook 05: the mask marks the real steps only, so the padding costs nothing.",
            lambda words, char_to_idx: _pad(words, char_to_idx, full_mask=True)),
]


# --- 05 Exercise 2: sample_with_temperature(logits, tau, rng) ---------------------------------------

def _draw(logits, scale, rng):
    probs = _softmax(np.asarray(logits, dtype=np.float64) * scale)
    return int(rng.choice(len(probs), p=probs))


SAMPLE_WITH_TEMPERATURE = [      # greedy first: a function that never draws leaves rng as it was,
                                # so every replay of the others draws the same index too
    Mistake("the largest logit every time (greedy), not a draw",
            "Section 8 of notebook 05: sampling draws an index with the softmax's probabilities, using rng.",
            lambda logits, tau, rng: int(np.argmax(logits))),
    Mistake("the logits multiplied by τ instead of divided",
            "(5.4e) in section 8 of notebook 05: a low τ must sharpen the distribution, so the logits are divided by τ.",
            lambda logits, tau, rng: _draw(logits, tau, rng)),
    Mistake("the temperature is ignored",
            "(5.4e) in section 8 of notebook 05: τ rescales the logits before the softmax.",
            lambda logits, tau, rng: _draw(logits, 1.0, rng)),
]


# --- 05 Exercise 3: generate_greedy(model, seed_text, length) ----------------------------------------

def _greedy(model, seed_text, length, *, with_seed=True, carry=True, extra=0):
    h = np.zeros((1, model.n_h))
    for char in seed_text:
        h = np.tanh(model.Wxh[model.char_to_idx[char]] + h @ model.Whh + model.bh)
    out = []
    for _ in range(length + extra):
        index = int(np.argmax(h @ model.Why + model.by))
        out.append(model.idx_to_char[index])
        h = np.tanh(model.Wxh[index] + (h @ model.Whh if carry else 0.0) + model.bh)
    return (seed_text if with_seed else "") + "".join(out)


GENERATE_GREEDY = [
    Mistake("the seed text is missing from the result",
            "The exercise returns seed_text followed by the generated characters, as predict does (section 7 of notebook 05).",
            lambda model, seed_text, length: _greedy(model, seed_text, length, with_seed=False)),
    Mistake("the hidden state is not carried from one generated character to the next",
            "(2.2a): each generated step adds h_{t-1} W_hh, as the seed's steps do (section 7 of notebook 05).",
            lambda model, seed_text, length: _greedy(model, seed_text, length, carry=False)),
    Mistake("one character too many (off by one in the loop)",
            "The exercise asks for exactly `length` generated characters.",
            lambda model, seed_text, length: _greedy(model, seed_text, length, extra=1)),
]


# --- 07 Exercise 1: purity_numpy(points, labels, k=10) -----------------------------------------------

def _purity(points, labels, k=10, *, self_out=True, nearest=True, extra=0):
    sq = (points ** 2).sum(axis=1)
    d = sq[:, None] + sq[None, :] - 2 * points @ points.T
    if self_out:
        np.fill_diagonal(d, np.inf if nearest else -np.inf)
    kk = k + extra
    order = np.argsort(d if nearest else -d, axis=1, kind="stable")[:, :kk]
    return float(np.mean(labels[order] == labels[:, None]))


PURITY_NUMPY = [
    Mistake("each point counts itself as one of its neighbours",
            "(7.1) in section 3 of notebook 07: a point's own distance is 0; set it to infinity first.",
            lambda points, labels, k=10: _purity(points, labels, k, self_out=False)),
    Mistake("the k farthest points instead of the k nearest",
            "(7.1) in section 3 of notebook 07: the neighbours are the k smallest distances in each row.",
            lambda points, labels, k=10: _purity(points, labels, k, nearest=False)),
    Mistake("k + 1 neighbours (off by one)",
            "(7.1) in section 3 of notebook 07: exactly k neighbours per point.",
            lambda points, labels, k=10: _purity(points, labels, k, extra=1)),
]


# --- 07 Exercise 2: vowel_unit(states, chars) --------------------------------------------------------

def _vowel(states, chars, *, letters_only=True, absolute=True, signed_r=True):
    chars = np.asarray(chars)
    if letters_only:
        keep = np.char.isalpha(chars)
        states, chars = states[keep], chars[keep]
    is_vowel = np.isin(np.char.lower(chars), list("aeiou")).astype(float)
    zs = (states - states.mean(axis=0)) / states.std(axis=0)
    zv = (is_vowel - is_vowel.mean()) / is_vowel.std()
    r = zs.T @ zv / len(zv)
    unit = int(np.argmax(np.abs(r) if absolute else r))
    return unit, float(r[unit] if signed_r else abs(r[unit]))


VOWEL_UNIT = [
    Mistake("the spaces and punctuation are kept in the correlation",
            "The exercise correlates over the steps whose current character is a letter (section 8 of notebook 07).",
            lambda states, chars: _vowel(states, chars, letters_only=False)),
    Mistake("the largest r instead of the largest |r|",
            "A unit that is low on vowels separates them as well as one that is high: compare |r| (section 8 of notebook 07).",
            lambda states, chars: _vowel(states, chars, absolute=False)),
    Mistake("|r| returned instead of r with its sign",
            "The exercise returns r itself: its sign says whether the unit is high or low on vowels.",
            lambda states, chars: _vowel(states, chars, signed_r=False)),
]


# --- 07 Exercise 3: hidden_states(model, chars) ------------------------------------------------------

def _states(model, chars, *, carry=True, transpose=False, shift=False):
    h = np.zeros((1, model.n_h))
    Whh = model.Whh.T if transpose else model.Whh
    out = []
    for char in chars:
        previous = h
        h = np.tanh(model.Wxh[model.char_to_idx[char]] + (h @ Whh if carry else 0.0) + model.bh)
        out.append((previous if shift else h)[0])
    return np.array(out)


HIDDEN_STATES = [
    Mistake("the hidden state is not carried from one step to the next",
            "(2.2a): h_t adds h_{t-1} W_hh; start from h_0 = 0 once, not at every step.",
            lambda model, chars: _states(model, chars, carry=False)),
    Mistake("W_hh is used transposed",
            "(2.2a) with the lecture's row convention: the row h_{t-1} times W_hh.",
            lambda model, chars: _states(model, chars, transpose=True)),
    Mistake("h_0 … h_{T−1} instead of h_1 … h_T (off by one step in time)",
            "Row t of the result is the state after reading chars[t], as forward returns it.",
            lambda model, chars: _states(model, chars, shift=True)),
]


# --- 08 Exercise 1: spectral_radius(W) and rescale_to_spectral_radius(W, rho) -----------------------

def _sv_max(W):
    return float(np.linalg.norm(W, 2))


SPECTRAL_RADIUS = [
    Mistake("the largest real part of the eigenvalues, not the largest modulus",
            "Section 1 of notebook 08: the eigenvalues of a real matrix may be complex; the radius is max |λ|.",
            lambda W: float(np.max(np.linalg.eigvals(W).real))),
    Mistake("the largest singular value (the 2-norm) instead of the largest |eigenvalue|",
            "Section 1 of notebook 08: ρ(W) ≤ ‖W‖₂, equal only for special matrices such as orthogonal ones.",
            _sv_max),
    Mistake("the Frobenius norm instead of the spectral radius",
            "Section 1 of notebook 08: the spectral radius is max |λ_i| over the eigenvalues.",
            lambda W: float(np.linalg.norm(W))),
]

RESCALE = [
    Mistake("W multiplied by rho alone, without dividing by its radius",
            "The eigenvalues of cW are c times those of W: choose c from rho and ρ(W).",
            lambda W, rho: W * rho),
    Mistake("the ratio the wrong way round (ρ(W) / rho)",
            "The eigenvalues of cW are c times those of W: c·ρ(W) must equal rho.",
            lambda W, rho: W * (float(np.max(np.abs(np.linalg.eigvals(W)))) / rho)),
    Mistake("rescaled by the largest singular value instead of the spectral radius",
            "Section 1 of notebook 08: the radius is max |λ_i|, not the 2-norm.",
            lambda W, rho: W * (rho / _sv_max(W))),
]


# --- 08 Exercise 2: linear_gradient_norms(W, g_T, K) -------------------------------------------------

def _linear_norms(W, g_T, K, *, transpose=True, start=0, power=1):
    g = np.asarray(g_T, dtype=float).reshape(1, -1)
    M = W.T if transpose else W
    norms = [np.linalg.norm(g)]
    for _ in range(K):
        g = g @ M
        norms.append(np.linalg.norm(g))
    return np.array(norms[start:]) ** power


LINEAR_GRADIENT_NORMS = [
    Mistake("W where (8.1) has Wᵀ",
            "(8.1) in section 1 of notebook 08: one step back multiplies the row g by W_hhᵀ.",
            lambda W, g_T, K: _linear_norms(W, g_T, K, transpose=False)),
    Mistake("the norm at k = 0 is missing (off by one)",
            "The exercise asks for k = 0, 1, …, K: K + 1 norms, the first ‖g_T‖ itself.",
            lambda W, g_T, K: _linear_norms(W, g_T, K, start=1)),
    Mistake("squared norms",
            "(8.4) in section 1 of notebook 08 is about ‖g‖, the Euclidean norm.",
            lambda W, g_T, K: _linear_norms(W, g_T, K, power=2)),
]


# --- 09 Exercise 1: gru_step_by_hand(x_index, h_prev, model) -----------------------------------------

def _gru(x_index, h_prev, model, *, reset_before=True, swap=False, reset=True):
    W_xz, W_hz, b_z = model.gate_weights("z")
    W_xr, W_hr, b_r = model.gate_weights("r")
    W_xn, W_hn, b_n = model.gate_weights("n")
    z = _sigmoid(W_xz[x_index] + h_prev @ W_hz + b_z)
    r = _sigmoid(W_xr[x_index] + h_prev @ W_hr + b_r)
    if not reset:
        recurrent = h_prev @ W_hn
    elif reset_before:
        recurrent = (r * h_prev) @ W_hn
    else:
        recurrent = r * (h_prev @ W_hn)
    n = np.tanh(W_xn[x_index] + recurrent + b_n)
    return (1.0 - z) * h_prev + z * n if swap else z * h_prev + (1.0 - z) * n


GRU_STEP = [
    Mistake("the reset gate applied after the product with W_hn (8.7′), not before (8.7)",
            "(8.7) in section 3 of notebook 08: the reset gate multiplies h_{t-1} before W_hn.",
            lambda x_index, h_prev, model: _gru(x_index, h_prev, model, reset_before=False)),
    Mistake("z and 1 − z swapped in the mix of h_{t-1} and the candidate",
            "(8.7) in section 3 of notebook 08: which of the two does z keep?",
            lambda x_index, h_prev, model: _gru(x_index, h_prev, model, swap=True)),
    Mistake("the reset gate is left out of the candidate",
            "(8.7) in section 3 of notebook 08: the candidate n_t sees r_t ⊙ h_{t-1}.",
            lambda x_index, h_prev, model: _gru(x_index, h_prev, model, reset=False)),
]


# --- 09 Exercise 2: forget_bias_for_memory(steps) ----------------------------------------------------

FORGET_BIAS = [
    Mistake("the share kept per step, σ(b_f), instead of the bias b_f",
            "The exercise asks for b_f, the argument of σ: invert the sigmoid (section 1 of notebook 09).",
            lambda steps: float(1.0 - 1.0 / steps)),
    Mistake("ln(steps) instead of the logit of 1 − 1/steps",
            "Solve σ(b) = 1 − 1/steps for b: the inverse of σ is the logit, ln(p / (1 − p)).",
            lambda steps: float(np.log(steps))),
    Mistake("the sign is flipped: a bias that forgets",
            "σ(b) must be close to 1 for a long memory, so b_f is positive for steps > 2.",
            lambda steps: float(-np.log(steps - 1.0))),
]


# --- 11 Exercise 1: array_module(array) ----------------------------------------------------------------

def _always_cupy_import(array):
    import cupy  # noqa: F401  (the mistake: importing CuPy whatever the array)
    return cupy if type(array).__module__.split(".")[0] == "cupy" else np


def _only_ndarray_is_numpy(array):
    if isinstance(array, np.ndarray):
        return np
    import cupy
    return cupy


ARRAY_MODULE = [
    Mistake("numpy whatever the array",
            "A CuPy array's class is defined in a submodule of cupy: type(array).__module__ tells (section 1 of notebook 11).",
            lambda array: np),
    Mistake("CuPy is imported even for host arrays",
            "On a machine without a GPU `import cupy` fails: import it only for a CuPy array.",
            _always_cupy_import),
    Mistake("everything that is not a numpy ndarray is taken for a CuPy array",
            "Lists, floats and numpy scalars are host objects too: ask the object's class for its module.",
            _only_ndarray_is_numpy),
]


# --- 09 Exercise 3: lstm_step_backward(dh, dc, cache, params) ---------------------------------------

def _lstm_back(dh, dc, cache, params, *, through_h=True, times_f=True, sigma_prime=True, tanh_prime=True,
               order="fiog"):
    x, h_prev, c_prev, f, i, o, g, c = cache
    tanh_c = np.tanh(c)
    if through_h:
        dc = dc + dh * o * (1.0 - tanh_c ** 2)
    s = (lambda a: a * (1.0 - a)) if sigma_prime else (lambda a: 1.0)
    parts = {"f": dc * c_prev * s(f), "i": dc * g * s(i), "o": dh * tanh_c * s(o),
             "g": dc * i * ((1.0 - g ** 2) if tanh_prime else 1.0)}
    da = np.concatenate([parts[k] for k in order], axis=1)
    return {"h_prev": da @ params["Wh"].T, "c_prev": dc * f if times_f else dc,
            "Wx": x.T @ da, "Wh": h_prev.T @ da, "b": da.sum(axis=0, keepdims=True)}


LSTM_STEP_BACKWARD = [
    Mistake("the path from c_t through h_t = o_t ⊙ tanh(c_t) is missing from ∂L/∂c_t",
            "(8.8) in section 2 of notebook 09: c_t reaches the loss through c_{t+1} and through h_t.",
            lambda dh, dc, cache, params: _lstm_back(dh, dc, cache, params, through_h=False)),
    Mistake("∂L/∂c_{t-1} is not multiplied by the forget gate",
            "(8.6) in section 2 of notebook 09: along the cell state one step back multiplies by f_t only.",
            lambda dh, dc, cache, params: _lstm_back(dh, dc, cache, params, times_f=False)),
    Mistake("the sigmoid's derivative σ(1 − σ) is missing from the gates",
            "(8.8) in section 2 of notebook 09: each gate is σ of its pre-activation, so its error carries σ'.",
            lambda dh, dc, cache, params: _lstm_back(dh, dc, cache, params, sigma_prime=False)),
    Mistake("the candidate's tanh derivative 1 − g² is missing",
            "(8.8) in section 2 of notebook 09: g_t = tanh(a_g), so δa_g carries 1 − g_t².",
            lambda dh, dc, cache, params: _lstm_back(dh, dc, cache, params, tanh_prime=False)),
    Mistake("the gates' errors concatenated in the wrong order (i, f instead of f, i)",
            "Notebook 09, section 1: the four gates sit side by side in W_x, W_h, b in the order f, i, o, g.",
            lambda dh, dc, cache, params: _lstm_back(dh, dc, cache, params, order="ifog")),
]


# --- 06 Exercise 1: epoch_shape(n_chars, batch_size, seq_length) -------------------------------------

def _epoch(n_chars, batch_size, seq_length, *, minus_one=True, ceil=True, per_stream=True):
    steps = ((n_chars - 1) if minus_one else n_chars) // batch_size
    if not per_stream:
        total = n_chars - 1
        return -(-total // (seq_length * batch_size)), total
    updates = -(-steps // seq_length) if ceil else steps // seq_length
    return updates, steps * batch_size


EPOCH_SHAPE = [
    Mistake("n_chars where only n_chars − 1 characters have a target",
            "Section 1 of notebook 06: the targets are the inputs shifted by one, so the last character is never an input.",
            lambda n_chars, batch_size, seq_length: _epoch(n_chars, batch_size, seq_length, minus_one=False)),
    Mistake("the shorter last chunk is not counted (floor where the chunks need a ceiling)",
            "Section 1 of notebook 06: the chunks start every seq_length steps, and the last one may be shorter.",
            lambda n_chars, batch_size, seq_length: _epoch(n_chars, batch_size, seq_length, ceil=False)),
    Mistake("the text divided as a whole, not into batch_size streams of equal length",
            "Section 1 of notebook 06: each stream is a contiguous piece of (n − 1) // batch_size steps; the rest is dropped.",
            lambda n_chars, batch_size, seq_length: _epoch(n_chars, batch_size, seq_length, per_stream=False)),
]


# --- 06 Exercise 2: carry_gain(model, indices, batch_size, seq_length) -------------------------------

def _carry(model, indices, batch_size, seq_length, *, carry=True, first=False, weighted=True):
    import rnn_core as rc
    losses = []
    for carried in (True, False):
        total, count, h = 0.0, 0, None
        for X, Y in rc.data.text_stream_batches(indices, batch_size, seq_length):
            hs, ys = model.forward(X, h)
            loss = model.compute_loss(Y, ys)
            total += loss * (Y.size if weighted else 1)
            count += Y.size if weighted else 1
            h = (hs[0] if first else hs[-1]) if carried and carry else None
        losses.append(total / count)
    return tuple(losses)


CARRY_GAIN = [
    Mistake("the state is not carried in the carried run (both runs reset)",
            "Section 1 of notebook 06: the last hidden state of a chunk is the h_0 of the next chunk's forward.",
            lambda model, indices, batch_size, seq_length: _carry(model, indices, batch_size, seq_length, carry=False)),
    Mistake("the state carried is the chunk's first hidden state, not its last (off by one chunk in time)",
            "Section 1 of notebook 06: row b of the next chunk continues where row b of this one ended, after its last step.",
            lambda model, indices, batch_size, seq_length: _carry(model, indices, batch_size, seq_length, first=True)),
    Mistake("the mean of the chunks' losses, where the chunks differ in length",
            "The exercise averages over characters: weigh each chunk's mean loss by its number of characters.",
            lambda model, indices, batch_size, seq_length: _carry(model, indices, batch_size, seq_length, weighted=False)),
]


# --- 04 Exercise 2: ambiguous_steps(word) ---------------------------------------------------------

def _ambiguous(word, *, shift=0, repeats=False, with_space=True):
    targets = word[1:] + " " if with_space else word[1:]
    followers = {}
    for x_char, y_char in zip(word, targets):
        followers.setdefault(x_char, []).append(y_char)
    if repeats:
        unsure = [t for t, x in enumerate(word) if word.count(x) > 1]
    else:
        unsure = [t for t, x in enumerate(word) if len(set(followers.get(x, []))) > 1]
    return [t + shift for t in unsure]


AMBIGUOUS_STEPS = [
    Mistake("the step after each ambiguous one (off by one in time)",
            "Step t reads word[t] and predicts word[t + 1]; the uncertainty belongs to the step whose input repeats "
            "with different followers (section 5 of notebook 04).",
            lambda word: _ambiguous(word, shift=1)),
    Mistake("every repeated character, whether or not its followers differ",
            "A character that is always followed by the same one is predictable without memory (section 5 of notebook 04).",
            lambda word: _ambiguous(word, repeats=True)),
    Mistake("the last step (the final space as target) is left out",
            "The targets are word[1:] + ' ': the last character is followed by the space (section 2 of notebook 04).",
            lambda word: _ambiguous(word, with_space=False)),
]


# --- 02 Exercise 3: loss_gradient_logits(Y, ys) --------------------------------------------------------

def _dz(Y, ys, *, divide="TB", sign=1.0, subtract=True):
    T, B = Y.shape
    grad = ys.copy()
    if subtract:
        grad[np.arange(T)[:, None], np.arange(B)[None, :], Y] -= 1.0
    scale = {"TB": T * B, "T": T, "1": 1}[divide]
    return sign * grad / scale


LOSS_GRADIENT_LOGITS = [
    Mistake("the gradient of the summed loss: T·B times too large",
            "Equation (3), section 4 of notebook 02: the loss is a mean over T·B steps, and so is its gradient.",
            lambda Y, ys: _dz(Y, ys, divide="1")),
    Mistake("divided by T only: B times too large",
            "Equation (3), section 4 of notebook 02: the mean runs over time and the batch.",
            lambda Y, ys: _dz(Y, ys, divide="T")),
    Mistake("the sign is flipped (one-hot minus ŷ)",
            "Raising the target's logit lowers the loss, so ∂L/∂z is negative at the target.",
            lambda Y, ys: _dz(Y, ys, sign=-1.0)),
    Mistake("the target's one-hot is not subtracted (only the softmax's part)",
            "Differentiate −ln ŷ_t[y_t] through the softmax (2.2b): the target's own logit appears twice.",
            lambda Y, ys: _dz(Y, ys, subtract=False)),
]


CATALOGUE = {
    "step_forward": STEP_FORWARD,
    "stable_softmax": STABLE_SOFTMAX,
    "sequence_loss": SEQUENCE_LOSS,
    "init_loss_gap": INIT_LOSS_GAP,
    "loss_gradient_logits": LOSS_GRADIENT_LOGITS,
    "my_bptt": MY_BPTT,
    "my_clip_by_global_norm": MY_CLIP,
    "memoryless_floor": MEMORYLESS_FLOOR,
    "ambiguous_steps": AMBIGUOUS_STEPS,
    "epoch_shape": EPOCH_SHAPE,
    "carry_gain": CARRY_GAIN,
    "pad_words": PAD_WORDS,
    "sample_with_temperature": SAMPLE_WITH_TEMPERATURE,
    "generate_greedy": GENERATE_GREEDY,
    "purity_numpy": PURITY_NUMPY,
    "vowel_unit": VOWEL_UNIT,
    "hidden_states": HIDDEN_STATES,
    "spectral_radius": SPECTRAL_RADIUS,
    "rescale_to_spectral_radius": RESCALE,
    "linear_gradient_norms": LINEAR_GRADIENT_NORMS,
    "gru_step_by_hand": GRU_STEP,
    "forget_bias_for_memory": FORGET_BIAS,
    "lstm_step_backward": LSTM_STEP_BACKWARD,
    "array_module": ARRAY_MODULE,
}
