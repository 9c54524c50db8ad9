"""The delayed-recall sweep behind notebook 08: initialisation × distance × training budget.

A vanilla RNN (32 tanh units, Adam, lr 0.005, clipping by global norm at 1) is trained on the
delay task of notebook 08: a symbol out of K = 8 at t = 0, then ``delay`` random distractors;
the target at the last step is the first symbol, and only the last step is in the loss. Every
``--every`` steps the accuracy on 1,000 fixed test sequences and the spectral radius of W_hh are
recorded. The three initialisations of W_hh differ; W_xh and W_hy are ``randn * 0.01`` in all:

- ``lecture``: ``randn * 0.01`` (§5.1), spectral radius about 0.05;
- ``orthogonal``: a random orthogonal matrix (spectral radius 1);
- ``identity``: the identity matrix (Le, Jaitly & Hinton, 2015).

These are ``VanillaRNN(..., init=...)``'s options.

The training loop is the notebook's own ``train_delay_task``, so the notebook can rerun one stored
point live. The full sweep takes a few minutes of one CPU core; the result is a small CSV:

    python tools/delay_sweep.py                        # writes notebooks/data/delay_sweep.csv
    python tools/delay_sweep.py --delays 40 --seeds 2 --steps 400 --out /some/where.csv
"""
import argparse
import csv
import os
import sys
import time
from pathlib import Path

# One BLAS thread: these matrices are tiny, and threads only add overhead (and noise) here.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from rnn_core import VanillaRNN  # noqa: E402
from rnn_course.gated_experiment import delay_batch  # noqa: E402  (the same task as notebook 09)

K = 8                 # alphabet size; chance accuracy is 1/K
N_H = 32              # hidden units
INITS = ("lecture", "orthogonal", "identity")
TEST_SEED = 12345     # the fixed test set
TEST_SIZE = 1000
FIELDS = ("init", "delay", "seed", "step", "accuracy", "whh_radius")


def delay_model(init, seed):
    """The notebook's model: VanillaRNN(K, 32, K), Adam (lr 0.005), global-norm clipping at 1,
    with W_hh initialised by ``init`` ("lecture", "orthogonal" or "identity")."""
    if init not in INITS:
        raise ValueError(f"init={init!r}; expected one of {', '.join(INITS)}")
    return VanillaRNN(K, N_H, K, lr=0.005, seed=seed, backend="numpy", optimizer="adam",
                      clip=1.0, clip_mode="norm", init=init)


def accuracy(rnn, X_test, Y_test):
    """Fraction of test sequences whose most probable output at the last step is the first symbol."""
    _, ys = rnn.forward(X_test)
    return float(np.mean(ys[-1].argmax(axis=-1) == Y_test[-1]))


def spectral_radius(W):
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def train_delay_task(init, delay, seed, steps, batch_size=16, every=None):
    """Train a fresh model for ``steps`` Adam steps on fresh batches; return the model and a list of
    (step, accuracy, spectral radius of W_hh) every ``every`` steps (and at step 0)."""
    rnn = delay_model(init, seed)
    rng = np.random.default_rng(seed)
    X_test, Y_test, _ = delay_batch(delay, TEST_SIZE, np.random.default_rng(TEST_SEED))
    every = every or steps
    record = [(0, accuracy(rnn, X_test, Y_test), spectral_radius(rnn.Whh))]
    for step in range(1, steps + 1):
        X, Y, mask = delay_batch(delay, batch_size, rng)
        rnn.train_step(X, Y, mask=mask)
        if step % every == 0:
            record.append((step, accuracy(rnn, X_test, Y_test), spectral_radius(rnn.Whh)))
    return rnn, record


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inits", nargs="+", default=list(INITS), choices=INITS)
    parser.add_argument("--delays", nargs="+", type=int, default=[5, 10, 20, 40])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1 (default 5)")
    parser.add_argument("--steps", type=int, default=3000, help="Adam steps per run (default 3000)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--every", type=int, default=100, help="record every N steps (default 100)")
    parser.add_argument("--out", type=Path, default=ROOT / "notebooks" / "data" / "delay_sweep.csv")
    args = parser.parse_args(argv)
    if min(args.delays) < 1 or args.seeds < 1 or args.steps < 1 or args.every < 1:
        parser.error("delays, --seeds, --steps and --every must be positive")

    rows = []
    started = time.perf_counter()
    for init in args.inits:
        for delay in args.delays:
            for seed in range(args.seeds):
                _, record = train_delay_task(init, delay, seed, args.steps, args.batch_size, args.every)
                rows += [dict(init=init, delay=delay, seed=seed, step=step, accuracy=f"{acc:.3f}",
                              whh_radius=f"{radius:.3f}") for step, acc, radius in record]
                print(f"{init:>10} d={delay:>3} seed={seed}: accuracy {record[-1][1]:.3f} after "
                      f"{args.steps} steps  ({time.perf_counter() - started:.0f} s)", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
