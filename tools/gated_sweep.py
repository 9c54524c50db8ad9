"""Precompute notebook 09's experiment: delayed-recall accuracy against distance, every model.

Usage:  python tools/gated_sweep.py [--out notebooks/data/gated_sweep.json] [--updates 800]
                                    [--delays 40] [--short-delays 20] [--lrs 0.001,0.003,0.01]
                                    [--seeds 5] [--models "LSTM, b_f = 3,..."] [--jobs N]
                                    [--resume] [--tiny]
        python tools/gated_sweep.py --recipes [--recipes-out notebooks/data/gated_recipes.json]
        python tools/gated_sweep.py --zen --seeds 5 [--zen-out notebooks/data/zen_sweep.json]
                                    [--zen-model-out notebooks/data/zen_model.npz]

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

``--zen`` instead trains the series' Zen of Python model (``rnn_course.zen.train_zen_model``, the
recipe notebook 06 runs live) over seeds and three training layouts, and an LSTM and a GRU of about
the same size by the same recipe, and records the final loss and every "than " decision scored in
the training layout and in one pass from h_0 = 0; it also stores the seed-0 model for notebook 07
(55 trainings, ``ZEN_RUNS``; 95 s of CPU measured). Notebook 09 offers each cell the
first step sizes ``ZEN_LRS`` and keeps the one with the lowest mean final loss.
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


ZEN_LRS = (0.005, 0.01, 0.02)       # first step sizes offered to every cell in notebook 09 (0.005: the recipe's)
# The Zen sweep: (model name, layout name, streams, offset, first step size). The first is the series' Zen model
# (stored for notebook 07); "1 stream" reads every line whole in training; "8 streams, shifted"
# starts the streams half a stream later, so other lines are cut by a stream's start.
ZEN_RUNS = [
    ("vanilla RNN, n_h = 64", "8 streams", 8, 0, 0.005),
    ("vanilla RNN, n_h = 64", "8 streams, shifted", 8, 53, 0.005),
    ("vanilla RNN, n_h = 64", "1 stream", 1, 0, 0.005),
] + [(name, "8 streams", 8, 0, lr) for name in ("vanilla RNN, n_h = 64", "LSTM, n_h = 29", "GRU, n_h = 35")
     for lr in ZEN_LRS if (name, lr) != ("vanilla RNN, n_h = 64", 0.005)]


def zen_sweep(seeds, out, model_out=None, log=print, runs_wanted=None, epochs=None):
    """The Zen model of ``rnn_course.zen`` over seeds and layouts, and an LSTM and a GRU of about its
    size trained by the same recipe: loss, and every "than " decision scored in both layouts.

    ``model_out`` stores the series' model (vanilla, 8 streams, seed 0) for notebook 07.
    """
    from rnn_course import zen
    text, char_to_idx, _ = zen.zen_text_and_vocabulary()
    settings = {"text": "the Zen of Python (rc.zen_of_python())", "optimizer": "adam", "recipe": zen.RECIPE,
                "seeds": list(range(seeds)), "runs": [list(run) for run in (runs_wanted or ZEN_RUNS)],
                "distance": "characters from the first letter of the line to the decided character",
                "numpy": np.__version__, "python": platform.python_version()}
    runs = []
    for name, layout, streams, offset, lr in runs_wanted or ZEN_RUNS:
        model_class, n_h = experiment.ZEN_MODELS[name]
        for seed in range(seeds):
            before = time.process_time()
            model, history = zen.train_zen_model(seed, model_class, n_h, streams=streams, offset=offset,
                                                 epochs=epochs, lr=lr)
            decisions = zen.score_decisions(model, text, char_to_idx, streams=streams, offset=offset)
            for row in decisions:
                for key in ("training layout", "one pass"):
                    row[key]["p_true"] = round(row[key]["p_true"], 4)
            summary = {key: {k: round(v, 4) for k, v in values.items()}
                       for key, values in zen.layout_summary(model, text, char_to_idx, streams, offset).items()}
            runs.append({"model": name, "layout": layout, "streams": streams, "offset": offset, "lr": lr, "seed": seed,
                         "parameters": experiment.parameter_count(model), "final_loss": round(history[-1], 4),
                         "whole_text": summary, "decisions": decisions})
            if (name, layout, lr) == ("vanilla RNN, n_h = 64", "8 streams", zen.RECIPE["lr"]):
                runs[-1]["constant_step_size"] = constant_step_size_check(seed, history, epochs)
            runs[-1]["cpu_s"] = round(time.process_time() - before, 2)
            right = [sum(row[key]["right"] for row in decisions) for key in ("training layout", "one pass")]
            log(f"zen  {name:<22s} {layout:<19s} lr={lr:<6g} seed={seed}  loss {history[-1]:.3f}  right after 'than ': "
                f"{right[0]}/8 in the training layout, {right[1]}/8 in one pass  ({runs[-1]['cpu_s']:.1f} s)")
            if model_out and (name, layout, lr, seed) == ("vanilla RNN, n_h = 64", "8 streams", zen.RECIPE["lr"], 0):
                model.save(model_out)
            _write(out, settings, runs, sum(r["cpu_s"] for r in runs))
    return runs


def constant_step_size_check(seed, history, epochs=None):
    """Notebook 06's comparison for one seed: the recipe's loss history against the same model
    trained with the step size kept at its first value, after the decay would have cut it."""
    from rnn_course import zen
    text, char_to_idx, _ = zen.zen_text_and_vocabulary()
    first, second = (zen.RECIPE["epochs"], zen.RECIPE["decayed_epochs"]) if epochs is None else epochs
    n = len(char_to_idx)
    model = experiment.VanillaRNN(n, zen.RECIPE["n_h"], n, lr=zen.RECIPE["lr"], seed=seed, optimizer="adam",
                                  backend="numpy")
    constant = model.train_text(text, char_to_idx, epochs=first + second, seq_length=zen.RECIPE["seq_length"],
                                batch_size=zen.RECIPE["streams"], verbose=False)
    tail = min(30, second) or 1
    return {"largest_rise_constant": round(float(np.diff(constant[first - 1:]).max(initial=0.0)), 4),
            "largest_rise_decayed": round(float(np.diff(history[first - 1:]).max(initial=0.0)), 4),
            "lowest_last_30_constant": round(min(constant[-tail:]), 4),
            "lowest_last_30_decayed": round(min(history[-tail:]), 4)}


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
    parser.add_argument("--seeds", type=int, default=None, help="seeds 0 .. N-1 (default 5)")
    parser.add_argument("--models", default=",".join(experiment.MODELS),
                        help="comma-separated names from rnn_course.gated_experiment.MODELS")
    parser.add_argument("--short-delays", default="20",
                        help="the delays at which the SHORT_ONLY models (default gate biases) run, instead of --delays")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--resume", action="store_true",
                        help="keep the runs of this grid already in --out (same updates) and run only the rest")
    parser.add_argument("--zen", action="store_true",
                        help="instead: the Zen of Python comparison of notebook 09 (writes --zen-out)")
    parser.add_argument("--zen-out", default=os.path.join("notebooks", "data", "zen_sweep.json"))
    parser.add_argument("--zen-model-out", default=os.path.join("notebooks", "data", "zen_model.npz"),
                        help="where --zen stores the series' Zen model (vanilla, 8 streams, seed 0)")
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
        zen_sweep(args.seeds or 5, args.zen_out, args.zen_model_out)
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
