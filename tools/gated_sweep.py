"""Precompute notebook 09's experiment: delayed-recall accuracy against distance, every model.

Usage:  python tools/gated_sweep.py [--out notebooks/data/gated_sweep.json] [--updates 800]
                                    [--delays 40] [--short-delays 20] [--lrs 0.001,0.003,0.01]
                                    [--seeds 5] [--models "LSTM, b_f = 3,..."] [--jobs N]
                                    [--resume] [--tiny]
        python tools/gated_sweep.py --recipes [--recipes-out notebooks/data/gated_recipes.json]
        python tools/gated_sweep.py --zen [--zen-out notebooks/data/gated_zen.json] [--seeds 3]

For each model of ``rnn_course.gated_experiment.MODELS``, delay, learning rate and seed it trains
one model for the same number of updates on the same batches and records its accuracy on the
validation sequences and on the test sequences (two fixed sets drawn from their own seeds) at
four checkpoints. The models with the default gate biases (``SHORT_ONLY``) run at
``--short-delays`` instead: they already fail there. The JSON holds the settings and one record
per run; the notebook picks each model's learning rate per delay by its mean final *validation* accuracy over
the seeds (the same grid for every model) and reports the *test* accuracy. BLAS runs
single-threaded: the matrices are tiny, and threads only add overhead. The JSON records the CPU
time of each run (the default grid: about 6 minutes of one core, measured on a loaded machine);
``--resume`` keeps the runs already in ``--out``; ``--tiny`` is a seconds-long smoke run.

``--recipes`` measures why notebook 08 and notebook 09 differ on the orthogonal vanilla RNN at
d = 40: the same model and seeds trained with 08's batch size and learning rate (16, 0.005),
09's (32, 0.003), and the two mixed, recording test accuracy along 3,000 updates (about 2 minutes of CPU).

``--zen`` instead trains notebook 06's Zen of Python model, and an LSTM and a GRU of about the
same size, the same way (each at three learning rates), and records the final loss and the
predictions after each "than " (about 1 minute of CPU).
"""
import argparse
import json
import multiprocessing
import os
import platform
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import numpy as np  # noqa: E402

from rnn_course import gated_experiment as experiment  # noqa: E402

DEFAULT_OUT = os.path.join("notebooks", "data", "gated_sweep.json")


def grid(models, delays, lrs, seeds, short_delays):
    """Every run as ``(model, delay, lr, seed)``: the SHORT_ONLY models (default gate biases) at
    ``short_delays``, the others at ``delays``."""
    return [(name, delay, lr, seed) for delay in sorted(set(delays) | set(short_delays)) for name in models
            if delay in (short_delays if name in experiment.SHORT_ONLY else delays)
            for lr in lrs for seed in range(seeds)]


def _one_run(job):
    name, delay, lr, seed, updates, checkpoints = job
    before = time.process_time()
    scores = experiment.train_delay_task(name, delay, lr, seed, updates, checkpoints,
                                         score=("validation", "test"))
    return {"model": name, "delay": delay, "lr": lr, "seed": seed,
            "validation": {str(k): round(v["validation"], 4) for k, v in scores.items()},
            "accuracy": {str(k): round(v["test"], 4) for k, v in scores.items()},
            "cpu_s": round(time.process_time() - before, 2)}


def _resumable_runs(out, todo, updates, checkpoints):
    """The runs of ``todo`` already stored in ``out`` by a sweep with the same updates and checkpoints."""
    if not out or not os.path.exists(out):
        return []
    with open(out, encoding="utf-8") as stream:
        stored = json.load(stream)
    if stored["settings"].get("updates") != updates or stored["settings"].get("checkpoints") != checkpoints:
        return []
    wanted = set(todo)
    return [run for run in stored["runs"] if (run["model"], run["delay"], run["lr"], run["seed"]) in wanted]


def sweep(models, delays, lrs, seeds, updates, out, jobs=1, short_delays=(20,), log=print, resume=False):
    checkpoints = sorted({updates // 4, updates // 2, 3 * updates // 4, updates} - {0})
    settings = {
        "task": "delayed recall (notebook 08): K symbols, the first recalled at the last step",
        "K": experiment.K, "n_h": experiment.N_H, "batch_size": experiment.BATCH_SIZE,
        "test_size": experiment.TEST_SIZE, "validation_size": experiment.TEST_SIZE,
        "held_out_seeds": {"validation": [experiment.VALIDATION_SEED, "delay"],
                           "test": [experiment.TEST_SEED, "delay"]},
        "lr_chosen_by": "mean final validation accuracy over the seeds; 'accuracy' is the test set's",
        "optimizer": "adam", "clip_global_norm": experiment.CLIP,
        "updates": updates, "checkpoints": checkpoints, "delays": delays, "learning_rates": lrs,
        "seeds": list(range(seeds)), "models": models,
        "short_only_models": [m for m in models if m in experiment.SHORT_ONLY], "short_delays": list(short_delays),
        "numpy": np.__version__, "python": platform.python_version(),
    }
    # The longest runs first, so parallel workers finish together.
    todo = sorted(grid(models, delays, lrs, seeds, short_delays), key=lambda run: -run[1])
    runs = _resumable_runs(out, todo, updates, checkpoints) if resume else []
    done = {(r["model"], r["delay"], r["lr"], r["seed"]) for r in runs}
    jobs_args = [job + (updates, checkpoints) for job in todo if job not in done]
    if runs:
        log(f"resuming: {len(runs)} of {len(todo)} runs already in {out}")
    pool = multiprocessing.Pool(jobs) if jobs > 1 else None
    try:
        for run in (pool.imap_unordered(_one_run, jobs_args) if pool else map(_one_run, jobs_args)):
            runs.append(run)
            runs.sort(key=lambda r: (r["delay"], models.index(r["model"]), r["lr"], r["seed"]))
            log(f"[{len(runs)}/{len(todo)}] d={run['delay']:>3d}  {run['model']:<30s} lr={run['lr']:<6g} "
                f"seed={run['seed']}  " + " ".join(f"{v:.2f}" for v in run["accuracy"].values())
                + f"  ({run['cpu_s']:.1f} s)")
            _write(out, settings, runs, sum(r["cpu_s"] for r in runs))
    finally:
        if pool:
            pool.close()
            pool.join()
    _write(out, settings, runs, sum(r["cpu_s"] for r in runs))
    return settings, runs


RECIPES = {"notebook 08: batch 16, lr 0.005": (16, 0.005), "batch 16, lr 0.003": (16, 0.003),
           "batch 32, lr 0.005": (32, 0.005), "notebook 09: batch 32, lr 0.003": (32, 0.003)}


def _one_recipe(job):
    recipe, model, delay, seed, updates, checkpoints = job
    batch_size, lr = RECIPES[recipe]
    before = time.process_time()
    accuracy = experiment.train_delay_task(model, delay, lr, seed, updates, checkpoints, batch_size=batch_size)
    return {"recipe": recipe, "batch_size": batch_size, "lr": lr, "model": model, "delay": delay, "seed": seed,
            "accuracy": {str(k): round(v, 4) for k, v in accuracy.items()},
            "cpu_s": round(time.process_time() - before, 2)}


def recipes_sweep(out, seeds=5, delay=40, updates=3000, model="vanilla, orthogonal W_hh", jobs=1, log=print):
    """Notebook 08's and 09's training recipes (and the two mixed) on one model, delay and seeds."""
    checkpoints = [200, 400, 800, 1000, 1600, 2000, 3000]
    checkpoints = [c for c in checkpoints if c <= updates]
    settings = {"task": "delayed recall, test accuracy on notebook 09's test set", "model": model,
                "delay": delay, "seeds": list(range(seeds)), "updates": updates, "checkpoints": checkpoints,
                "recipes": {name: {"batch_size": b, "lr": lr} for name, (b, lr) in RECIPES.items()},
                "clip_global_norm": experiment.CLIP, "n_h": experiment.N_H, "numpy": np.__version__}
    todo = [(recipe, model, delay, seed, updates, checkpoints) for recipe in RECIPES for seed in range(seeds)]
    pool = multiprocessing.Pool(jobs) if jobs > 1 else None
    runs = []
    try:
        for run in (pool.imap_unordered(_one_recipe, todo) if pool else map(_one_recipe, todo)):
            runs.append(run)
            runs.sort(key=lambda r: (list(RECIPES).index(r["recipe"]), r["seed"]))
            log(f"[{len(runs)}/{len(todo)}] {run['recipe']:<32s} seed={run['seed']}  "
                + " ".join(f"{v:.2f}" for v in run["accuracy"].values()) + f"  ({run['cpu_s']:.1f} s)")
            _write(out, settings, runs, sum(r["cpu_s"] for r in runs))
    finally:
        if pool:
            pool.close()
            pool.join()
    return settings, runs


def zen_sweep(seeds, out, log=print):
    """Notebook 06's Zen training for each model of ZEN_MODELS and seed: loss and "than " decisions."""
    import rnn_core as rc
    text = rc.zen_of_python()
    char_to_idx, _ = rc.vocabulary_from_text(text)
    settings = {"text": "the Zen of Python (rc.zen_of_python())", "optimizer": "adam",
                "learning_rates": list(experiment.ZEN_LRS), **experiment.ZEN_TRAINING,
                "seeds": list(range(seeds)), "models": list(experiment.ZEN_MODELS),
                "decision_cue": experiment.DECISION_CUE, "numpy": np.__version__}
    runs = []
    for name in experiment.ZEN_MODELS:
        for lr in experiment.ZEN_LRS:
            for seed in range(seeds):
                before = time.process_time()
                model, history = experiment.train_on_zen(name, lr, seed, text, char_to_idx)
                decisions = experiment.zen_decisions(model, text, char_to_idx)
                runs.append({"model": name, "lr": lr, "seed": seed, "parameters": experiment.parameter_count(model),
                             "final_loss": round(history[-1], 4),
                             "decisions": [{"expected": e, "predicted": p, "p_expected": round(q, 4)}
                                           for e, p, q in decisions],
                             "cpu_s": round(time.process_time() - before, 2)})
                correct = sum(d["expected"] == d["predicted"] for d in runs[-1]["decisions"])
                log(f"zen  {name:<24s} lr={lr:<6g} seed={seed}  loss {history[-1]:.3f}  "
                    f"{correct}/{len(decisions)} decisions")
                _write(out, settings, runs, sum(r["cpu_s"] for r in runs))
    return runs


def _write(out, settings, runs, cpu_seconds):
    if not out:
        return
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    document = {"settings": dict(settings, total_cpu_s=round(cpu_seconds, 1)), "runs": runs}
    temporary = out + ".tmp"
    with open(temporary, "w", encoding="utf-8") as stream:
        json.dump(document, stream, indent=1, ensure_ascii=False)
        stream.write("\n")
    os.replace(temporary, out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="JSON file to write ('' for none)")
    parser.add_argument("--updates", type=int, default=800)
    parser.add_argument("--delays", default="40")
    parser.add_argument("--lrs", default="0.001,0.003,0.01")
    parser.add_argument("--seeds", type=int, default=None,
                        help="seeds 0 .. N-1 (default 5; 3 with --zen)")
    parser.add_argument("--models", default=",".join(experiment.MODELS),
                        help="comma-separated names from rnn_course.gated_experiment.MODELS")
    parser.add_argument("--short-delays", default="20",
                        help="the delays at which the SHORT_ONLY models (default gate biases) run, instead of --delays")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--resume", action="store_true",
                        help="keep the runs of this grid already in --out (same updates) and run only the rest")
    parser.add_argument("--zen", action="store_true",
                        help="instead: the Zen of Python comparison of notebook 09 (writes --zen-out)")
    parser.add_argument("--zen-out", default=os.path.join("notebooks", "data", "gated_zen.json"))
    parser.add_argument("--recipes", action="store_true",
                        help="instead: notebook 08's and 09's training recipes at d = 40 (writes --recipes-out)")
    parser.add_argument("--recipes-out", default=os.path.join("notebooks", "data", "gated_recipes.json"))
    parser.add_argument("--tiny", action="store_true", help="a seconds-long smoke run (nothing written)")
    args = parser.parse_args(argv)
    models = [m.strip() for m in _split_models(args.models)]
    unknown = [m for m in models if m not in experiment.MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; expected some of {list(experiment.MODELS)}")
    if args.zen:
        zen_sweep(args.seeds or 3, args.zen_out)
        return 0
    if args.recipes:
        recipes_sweep(args.recipes_out, seeds=args.seeds or 5, jobs=args.jobs)
        return 0
    if args.tiny:
        sweep(models, [3], [0.01], 1, 8, out="", short_delays=(3,))
        return 0
    sweep(models, [int(d) for d in args.delays.split(",")], [float(x) for x in args.lrs.split(",")],
          args.seeds or 5, args.updates, args.out, jobs=args.jobs,
          short_delays=tuple(int(d) for d in args.short_delays.split(",") if d.strip()), resume=args.resume)
    return 0


def _split_models(text):
    # Model names contain ", " ("LSTM, b_f = 3"); names are separated by a comma *without* a space.
    names, current = [], ""
    for piece in text.split(","):
        if current and piece.startswith(" "):
            current += "," + piece
        else:
            if current:
                names.append(current)
            current = piece
    return names + ([current] if current else [])


if __name__ == "__main__":
    sys.exit(main())
