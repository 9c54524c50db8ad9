"""Precompute notebook 07's purity table and single-unit correlations over seeds of the Zen model.

Usage:  python tools/hidden_state_sweep.py [--seeds 5] [--out notebooks/data/hidden_state_sweep.json]

For each seed it trains the series' Zen model (``rnn_course.zen.train_zen_model(seed)``, the recipe of
notebook 06), builds the untrained model with the same initial weights, and records, for the first
800 steps of one pass over the text from h_0 = 0, the neighbour purity of each labelling of notebook 07
(section 3) and the correlation of the best single unit with each property (section 8), for both
models (``rnn_course.hidden_sweep``). Values are rounded to 3 decimals. BLAS runs single-threaded.
About 20 s of CPU for five seeds (measured on a loaded 2-core machine).
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from rnn_course import hidden_sweep, zen  # noqa: E402

DEFAULT_OUT = os.path.join("notebooks", "data", "hidden_state_sweep.json")


def rounded(measurement):
    return {kind: {name: round(value, 3) for name, value in values.items()} for kind, values in measurement.items()}


def sweep(seeds, log=print):
    """One record per seed: ``{"seed", "trained": measurement, "untrained": measurement, "cpu_s"}``."""
    text, char_to_idx, _ = zen.zen_text_and_vocabulary()
    records = []
    for seed in range(seeds):
        start = time.process_time()
        trained, _ = zen.train_zen_model(seed=seed)
        record = {"seed": seed}
        for name, model in (("trained", trained), ("untrained", hidden_sweep.untrained_model(seed, char_to_idx))):
            record[name] = rounded(hidden_sweep.measure(hidden_sweep.one_pass_states(model, text, char_to_idx), text))
        record["cpu_s"] = round(time.process_time() - start, 1)
        log(f"seed {seed}: {record['cpu_s']} s of CPU")
        records.append(record)
    return {"recipe": zen.RECIPE, "n_points": hidden_sweep.N_POINTS, "seeds": list(range(seeds)), "records": records}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    result = sweep(args.seeds)
    with open(args.out, "w", encoding="utf-8") as file:
        json.dump(result, file, indent=1, ensure_ascii=False)
        file.write("\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
