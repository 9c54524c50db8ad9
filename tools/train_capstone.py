"""Train notebook 10's character model for longer and save it: rnn_course/data/capstone_model.npz.

The same loop (``rnn_course.capstone.train``), pieces (rnn_core's), settings and seed as the
notebook's live training (``capstone.SETTINGS``: the learning rate falls from 0.01 to 0.0005 over
the run), for ten times as many epochs. Every ``--report`` epochs it prints the training loss
and the loss on the held-out verses; at the end it saves the model (float32, ``VanillaRNN.save``)
and the two loss curves (rnn_course/data/capstone_history.json), which the notebook shows.
Deterministic for a given numpy and BLAS: the seed fixes the initial weights and nothing else is
random. Run: ``python tools/train_capstone.py`` (a few minutes on two cores).
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np

from rnn_course import capstone

DATA = Path(__file__).resolve().parents[1] / "rnn_course" / "data"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=300, help="passes over the training text (default 300)")
    parser.add_argument("--report", type=int, default=10, help="print and record every N epochs (default 10)")
    parser.add_argument("--out", type=Path, default=DATA, help="folder for the model and its history")
    args = parser.parse_args()

    text = capstone.load_text()
    train_text, held_out = capstone.split_text(text)
    history = {"settings": capstone.SETTINGS, "epochs": [], "train_loss": [], "held_out_loss": []}
    start = time.perf_counter()

    def report(epoch, params, loss):
        if epoch % args.report == 0 or epoch == 1:
            held = capstone.evaluate(params, held_out, capstone.rc.vocabulary_from_text(text)[0])
            history["epochs"].append(epoch)
            history["train_loss"].append(round(loss, 4))
            history["held_out_loss"].append(round(held, 4))
            print(f"epoch {epoch:4d}  train {loss:.4f}  held-out {held:.4f}  ({time.perf_counter() - start:.0f} s)",
                  flush=True)

    result = capstone.train(capstone.REFERENCE, train_text, args.epochs, vocabulary_text=text,
                            on_epoch=report,
                            **capstone.SETTINGS)
    seconds = time.perf_counter() - start
    model = capstone.as_model(result.params, result.char_to_idx, dtype=np.float32)
    path = model.save(args.out / "capstone_model.npz")
    history["seconds"] = round(seconds)
    (args.out / "capstone_history.json").write_text(json.dumps(history, indent=1) + "\n", encoding="utf-8")
    print(f"{args.epochs} epochs in {seconds:.0f} s; saved {Path(path).name} ({Path(path).stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
