"""Precompute notebook 05's comparison over splits: the early-stopped RNN against counting.

Usage:  python tools/word_split_sweep.py [--out notebooks/data/word_splits.json] [--splits 8]
                                         [--epochs 300] [--tiny]

For each split seed s it does exactly what notebook 05 does with s = 0: shuffle the animal names
with ``np.random.default_rng(s)`` into 51 test, 41 validation and the rest training words; choose
the n-gram model (order and add-k) with the lowest validation loss; train a 64-unit VanillaRNN
(Adam, lr 0.005, batches of 32, initial weights seeded by s) for ``--epochs`` epochs, keeping the
weights of the epoch with the lowest validation loss (early stopping); and measure both chosen
models once on the test words. BLAS runs single-threaded. 20 s of CPU for the 8 splits (measured).
"""
import argparse
import json
import os
import platform
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import numpy as np  # noqa: E402

import rnn_core as rc  # noqa: E402
from rnn_core import VanillaRNN  # noqa: E402
from rnn_course.ngram import NGramModel  # noqa: E402

DEFAULT_OUT = os.path.join("notebooks", "data", "word_splits.json")
ORDERS, SMOOTHING = (1, 2, 3, 4), (0.03, 0.1, 0.3, 1.0)     # notebook 05's n-gram grid


def split_words(words, seed):
    """``(train, validation, test)`` as notebook 05 makes them, each sorted."""
    rng = np.random.default_rng(seed)
    shuffled = [words[i] for i in rng.permutation(len(words))]
    return sorted(shuffled[92:]), sorted(shuffled[51:92]), sorted(shuffled[:51])


def one_split(seed, epochs=300):
    """One split: the chosen n-gram and the early-stopped RNN, each measured once on the test words."""
    words = rc.load_words()
    char_to_idx, _ = rc.vocabulary_from_words(words, start=True)
    n = len(char_to_idx)
    train, validation, test = split_words(words, seed)
    losses = {(order, k): NGramModel(order, k=k, vocabulary=char_to_idx).fit(train).mean_loss(validation)
              for k in SMOOTHING for order in ORDERS}
    order, k = min(losses, key=losses.get)
    ngram_test = NGramModel(order, k=k, vocabulary=char_to_idx).fit(train).mean_loss(test)

    held = {name: rc.prepare_sequences(part, char_to_idx, start=True)
            for name, part in (("validation", validation), ("test", test))}

    def held_out_loss(model, name):
        X, Y, mask = held[name]
        return model.compute_loss(Y, model.forward(X)[1], mask)

    rnn = VanillaRNN(n, 64, n, lr=0.005, seed=seed, optimizer="adam", backend="numpy")
    best = {"loss": np.inf}
    for epoch in range(1, epochs + 1):
        rnn.train_words(train, char_to_idx, epochs=1, batch_size=32, verbose=False, start=True)
        loss = held_out_loss(rnn, "validation")
        if loss < best["loss"]:
            best = {"loss": loss, "epoch": epoch, "params": {k_: v.copy() for k_, v in rnn.params.items()}}
    early = VanillaRNN(n, 64, n, seed=seed, backend="numpy")
    for name, value in best["params"].items():
        early.params[name][...] = value
    early.set_vocabulary(char_to_idx)
    rnn_test = held_out_loss(early, "test")
    # The other claims of notebook 05, for the model after all epochs ("memorising") and the early one.
    X, Y, mask = rc.prepare_sequences(train, char_to_idx, start=True)
    _, ys = rnn.forward(X)
    step_loss = -np.log(np.take_along_axis(ys, Y[..., None], axis=-1)[..., 0])
    train_set = set(train)

    def novel_share(model, tau, count=100):
        samples = [model.predict(rc.START_MARKER, length=25, temperature=tau, seed=j, stop_at=rc.END_MARKER)[1:]
                   for j in range(count)]
        return round(float(np.mean([word not in train_set for word in samples])), 4)

    return {"seed": seed, "ngram_order": order, "ngram_k": k, "ngram_test": round(ngram_test, 4),
            "best_epoch": best["epoch"], "rnn_validation": round(best["loss"], 4), "rnn_test": round(rnn_test, 4),
            "margin": round(ngram_test - rnn_test, 4),
            "final_validation": round(held_out_loss(rnn, "validation"), 4),
            "final_test": round(held_out_loss(rnn, "test"), 4),
            "final_step1_loss": round(float(step_loss[0][mask[0]].mean()), 4),
            "final_later_loss": round(float(step_loss[4:][mask[4:]].mean()), 4),
            "novel": {f"{name} tau={tau}": novel_share(model, tau) for name, model in (("final", rnn), ("early", early))
                      for tau in (0.5, 1.0)}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="JSON file to write ('' for none)")
    parser.add_argument("--splits", type=int, default=8, help="split seeds 0, 1, ...")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--tiny", action="store_true", help="a seconds-long smoke run (nothing written)")
    args = parser.parse_args(argv)
    if args.tiny:
        print(one_split(0, epochs=2))
        return 0
    runs, cpu = [], 0.0
    for seed in range(args.splits):
        before = time.process_time()
        runs.append(one_split(seed, args.epochs))
        cpu += time.process_time() - before
        print(f"split {seed}: n-gram order {runs[-1]['ngram_order']} k={runs[-1]['ngram_k']:g} "
              f"test {runs[-1]['ngram_test']:.3f}; RNN best epoch {runs[-1]['best_epoch']} test "
              f"{runs[-1]['rnn_test']:.3f}; margin {runs[-1]['margin']:+.3f}", flush=True)
        if args.out:
            settings = {"splits": args.splits, "epochs": args.epochs, "test_words": 51, "validation_words": 41,
                        "n_h": 64, "lr": 0.005, "batch_size": 32, "ngram_orders": list(ORDERS),
                        "ngram_k": list(SMOOTHING), "numpy": np.__version__,
                        "python": platform.python_version(), "total_cpu_s": round(cpu, 1)}
            with open(args.out + ".tmp", "w", encoding="utf-8") as stream:
                json.dump({"settings": settings, "runs": runs}, stream, indent=1)
                stream.write("\n")
            os.replace(args.out + ".tmp", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
