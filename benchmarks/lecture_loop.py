"""The lecture's VanillaRNN (§5.2–5.3), one sequence at a time, as the baseline to beat.

It follows the notes line by line, with two changes so that it runs and compares fairly:
each x_t is a (1, n_x) row (the notes' 1-D rows crash in backward), and the gradients are
returned instead of applied, with δy = (ŷ − y) / T so that they belong to the mean loss of §3
(``scale=1`` gives the notes' summed loss, as min-char-rnn uses).
"""
import numpy as np


class LectureRNN:
    def __init__(self, Wxh, Whh, Why, bh, by):
        self.Wxh, self.Whh, self.Why, self.bh, self.by = Wxh, Whh, Why, bh, by

    @property
    def params(self):
        return {"Wxh": self.Wxh, "Whh": self.Whh, "Why": self.Why, "bh": self.bh, "by": self.by}

    @staticmethod
    def softmax(z):
        e = np.exp(z - np.max(z))
        return e / np.sum(e)

    def forward(self, X, h=None):
        """X: list of (1, n_x) rows. Returns lists of (1, n_h) states and (1, n_y) outputs."""
        h = np.zeros((1, self.Whh.shape[0])) if h is None else h
        hs, ys = [], []
        for x_t in X:
            h = np.tanh(x_t @ self.Wxh + h @ self.Whh + self.bh)
            y = self.softmax(h @ self.Why + self.by)
            hs.append(h)
            ys.append(y)
        return hs, ys

    def gradients(self, X, Y, hs, ys, h0=None, scale=None):
        """The notes' backward loop without its update; δy is scaled by ``scale`` (default 1/T)."""
        scale = 1.0 / len(X) if scale is None else scale
        dWxh, dWhh, dWhy = np.zeros_like(self.Wxh), np.zeros_like(self.Whh), np.zeros_like(self.Why)
        dbh, dby = np.zeros_like(self.bh), np.zeros_like(self.by)
        dh_next = np.zeros_like(hs[0])
        h0 = np.zeros_like(hs[0]) if h0 is None else h0
        for t in reversed(range(len(X))):
            dy = (ys[t] - Y[t]) * scale
            dWhy += hs[t].T @ dy
            dby += dy
            dh = dy @ self.Why.T + dh_next
            dh_raw = (1 - hs[t] ** 2) * dh
            dbh += dh_raw
            dWxh += X[t].T @ dh_raw
            dWhh += (hs[t - 1] if t > 0 else h0).T @ dh_raw
            dh_next = dh_raw @ self.Whh.T
        return {"Wxh": dWxh, "Whh": dWhh, "Why": dWhy, "bh": dbh, "by": dby}


def rows(indices, n):
    """Integer indices → a list of one-hot (1, n) rows, the lecture's input format."""
    eye = np.eye(n)
    return [eye[i:i + 1] for i in np.asarray(indices)]
