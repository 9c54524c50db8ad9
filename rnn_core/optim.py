"""Gradient clipping and optimizers.

Clipping (기울기 클리핑) guards against exploding gradients. Two kinds:

- ``clip_by_value``: each entry to ``[-c, c]`` (the lecture's ``np.clip(dparam, -5, 5)``, as in
  min-char-rnn). Cheap, but it can change the *direction* of the gradient.
- ``clip_by_global_norm``: ``g ← g · min(1, c / ‖g‖)`` over all parameters together
  (Pascanu, Mikolov & Bengio, 2013). It only shortens the gradient, never turns it.

Optimizers update the parameter arrays in place, so ``rnn.Whh`` stays the same array object.
Their state (Adagrad's sum of squares, Adam's moments) lives on the same backend and dtype
as the parameters.
"""
import numpy as np

from .validation import positive_float

CLIP_MODES = ("value", "norm", None)


def clip_by_value(grads, clip):
    """A new dict with every entry of every gradient limited to ``[-clip, clip]``."""
    clip = positive_float("clip", clip)
    return {name: g.clip(-clip, clip) for name, g in grads.items()}


def global_norm(grads):
    """‖g‖ = sqrt(Σ over all parameters and entries of g²), as a Python float.

    The squares are summed in float64, so float32 gradients near their largest value (3e38)
    give a finite norm that clipping can scale down, not an overflow to inf.
    """
    return sum(float((g.astype(np.float64) ** 2).sum()) for g in grads.values()) ** 0.5


def clip_by_global_norm(grads, max_norm):
    """``(clipped, norm)``: the gradients scaled by ``min(1, max_norm / ‖g‖)``, and ‖g‖ before."""
    max_norm = positive_float("max_norm", max_norm)
    norm = global_norm(grads)
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {name: g * scale for name, g in grads.items()}, norm


def clip_gradients(grads, clip, mode):
    """Clip by ``mode``: ``"value"`` (element-wise), ``"norm"`` (global norm) or None (no clipping)."""
    if mode is None or clip is None:
        return dict(grads)
    if mode == "value":
        return clip_by_value(grads, clip)
    if mode == "norm":
        return clip_by_global_norm(grads, clip)[0]
    raise ValueError(f"clip_mode={mode!r}; expected 'value', 'norm' or None")


class SGD:
    """Plain gradient descent, the lecture's update: θ ← θ − lr · g."""

    name = "sgd"

    def __init__(self, lr=0.01):
        self.lr = positive_float("lr", lr)

    def step(self, params, grads):
        for name, param in params.items():
            param -= self.lr * grads[name]

    def config(self):
        """The constructor's arguments, to save with a model."""
        return {"lr": self.lr}

    def reset(self):
        """Forget any accumulated state (SGD has none)."""


class Adagrad:
    """Adagrad, as in min-char-rnn: m ← m + g²;  θ ← θ − lr · g / sqrt(m + eps)."""

    name = "adagrad"

    def __init__(self, lr=0.1, eps=1e-8):
        self.lr = positive_float("lr", lr)
        self.eps = positive_float("eps", eps)
        self.memory = {}

    def step(self, params, grads):
        for name, param in params.items():
            g = grads[name]
            if name not in self.memory:
                self.memory[name] = g * 0
            memory = self.memory[name]
            memory += g * g
            param -= self.lr * g / (memory + self.eps) ** 0.5

    def config(self):
        return {"lr": self.lr, "eps": self.eps}

    def reset(self):
        self.memory = {}


class Adam:
    """Adam (Kingma & Ba, 2015) with bias correction.

    m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  θ ← θ − lr · m̂ / (sqrt(v̂) + eps),
    where m̂ = m / (1 − β1ᵗ) and v̂ = v / (1 − β2ᵗ).
    """

    name = "adam"

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = positive_float("lr", lr)
        for label, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{label} must be in [0, 1), got {beta}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.eps = positive_float("eps", eps)
        self.reset()

    def step(self, params, grads):
        self.t += 1
        correction1 = 1 - self.beta1 ** self.t
        correction2 = 1 - self.beta2 ** self.t
        for name, param in params.items():
            g = grads[name]
            if name not in self.m:
                self.m[name], self.v[name] = g * 0, g * 0
            m, v = self.m[name], self.v[name]
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * (g * g)
            param -= (self.lr / correction1) * m / ((v / correction2) ** 0.5 + self.eps)

    def config(self):
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def reset(self):
        self.m, self.v, self.t = {}, {}, 0


OPTIMIZERS = {cls.name: cls for cls in (SGD, Adagrad, Adam)}


def make_optimizer(optimizer, lr=None, **hyperparameters):
    """An optimizer object from a name (``"sgd"``, ``"adagrad"``, ``"adam"``) or an instance.

    ``lr`` (and any ``hyperparameters``, e.g. ``beta1``) go to the named optimizer's
    constructor; None means its default. An instance carries its own settings, so passing
    ``lr`` as well is refused rather than silently ignored.
    """
    if isinstance(optimizer, str):
        key = optimizer.lower()
        if key not in OPTIMIZERS:
            raise ValueError(f"optimizer={optimizer!r}; expected one of {', '.join(OPTIMIZERS)} "
                             "or an object with step(params, grads)")
        if lr is not None:
            hyperparameters["lr"] = lr
        return OPTIMIZERS[key](**hyperparameters)
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must be a name or have a step(params, grads) method, got {optimizer!r}")
    if lr is not None:
        raise ValueError(f"lr={lr} was given together with the optimizer object {type(optimizer).__name__}, "
                         f"which has its own learning rate (lr={getattr(optimizer, 'lr', '?')}); "
                         "pass lr to the optimizer, e.g. optimizer=rnn_core.Adam(lr=...), and not to the model")
    return optimizer
