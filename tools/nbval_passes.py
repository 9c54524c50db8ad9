"""Run the strict nbval pass under several BLAS settings and add up the results.

A stored output is only worth comparing if it is the same on every machine a student or CI
may have.  numpy's OpenBLAS picks a kernel for the CPU at start-up (SSE, AVX, AVX2,
AVX-512) and splits work over threads; both can change the last bits of a result.  This
script re-runs the notebooks (strict nbval, as ``make test`` does) once per setting:

=============  ==========================================  ==================================
pass           environment                                 what it runs
=============  ==========================================  ==================================
default        as it is (= ``make test``)                  tests/ and notebooks/ (the Korean
                                                           edition too), with the exercise
                                                           audit in nbval's kernels
haswell        ``OPENBLAS_CORETYPE=Haswell`` (AVX2)        notebooks/ but notebooks/ko/
sandybridge    ``OPENBLAS_CORETYPE=Sandybridge`` (AVX)     notebooks/ but notebooks/ko/
nehalem        ``OPENBLAS_CORETYPE=Nehalem`` (SSE)         notebooks/ but notebooks/ko/
one-thread     ``OPENBLAS_NUM_THREADS=1``                  notebooks/ but notebooks/ko/
ci-tests       as it is                                    the tests marked ``ci`` (slow, need
                                                           the package index: the handout)
=============  ==========================================  ==================================

Each notebook is executed once per pass: the exercise audit reuses the default pass's kernels.

Before each pass it prints one line saying which BLAS, kernel and thread count that pass
really gets: threadpoolctl's report and OpenBLAS's own (``OPENBLAS_VERBOSE=2``), read in a
fresh interpreter with the pass's environment, which the Jupyter kernels inherit.
A pass that forces a kernel the CPU cannot run, or a numpy that is not built on OpenBLAS,
is skipped with the reason (its setting would change nothing, or crash).

Passes run ``--jobs`` at a time (each in its own processes); their output is printed
whole, one pass after another.  The last line is the total over all passes in the form
``total: N passed, N failed, N skipped``.  The exit status is 0 only when every pass that
ran passed; a pass in which pytest collected nothing (its exit status 5) counts as failed.

Usage::

    python tools/nbval_passes.py                         # haswell sandybridge one-thread
    python tools/nbval_passes.py default sandybridge ci-tests haswell one-thread --jobs 2   # make ci
    python tools/nbval_passes.py nehalem --paths notebooks/03_bptt.ipynb
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The strict nbval command of `make test` (without the paths, which each pass gives).
PYTEST_ARGS = ["-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "-q"]
PYTEST_NO_TESTS_COLLECTED = 5


@dataclass(frozen=True)
class Pass:
    name: str
    env: dict[str, str]
    paths: tuple[str, ...]
    cpu_flag: str | None  # the /proc/cpuinfo flag the forced kernel needs
    description: str
    args: tuple[str, ...] = ()  # pytest options of this pass


# The Korean notebooks (notebooks/ko/, tools/translate.py) run the English notebooks' code, cell for
# cell: the default pass validates them; the BLAS passes, which test the code's outputs, run it once.
ENGLISH_ONLY = ("--ignore=notebooks/ko",)

PASSES = {
    p.name: p
    for p in (
        Pass("default", {}, ("tests", "notebooks"), None, "environment as it is (= make test)",
             ("--exercise-audit",)),
        Pass("haswell", {"OPENBLAS_CORETYPE": "Haswell"}, ("notebooks",), "avx2", "AVX2 kernel", ENGLISH_ONLY),
        Pass("sandybridge", {"OPENBLAS_CORETYPE": "Sandybridge"}, ("notebooks",), "avx", "AVX kernel", ENGLISH_ONLY),
        Pass("nehalem", {"OPENBLAS_CORETYPE": "Nehalem"}, ("notebooks",), "sse4_2", "SSE kernel", ENGLISH_ONLY),
        Pass("one-thread", {"OPENBLAS_NUM_THREADS": "1"}, ("notebooks",), None, "one BLAS thread", ENGLISH_ONLY),
        Pass("ci-tests", {}, ("tests",), None, "the tests marked ci", ("-m", "ci")),
    )
}
DEFAULT_PASSES = ("haswell", "sandybridge", "one-thread")

# One line per BLAS library that numpy (and scipy, which scikit-learn uses) load.
BLAS_PROBE = r"""
import os, numpy, threadpoolctl
try:
    import scipy.linalg  # noqa: F401  (scikit-learn's BLAS)
except ImportError:
    pass
libs = []
for info in threadpoolctl.threadpool_info():
    if info.get("user_api") != "blas":
        continue
    path = info.get("filepath", "")
    owner = next((pkg for pkg in ("numpy", "scipy") if f"{os.sep}{pkg}.libs{os.sep}" in path
                  or f"{os.sep}{pkg}{os.sep}" in path), os.path.basename(path))
    threads = info.get("num_threads")
    libs.append(f"{owner}: {info.get('internal_api', '?')} {info.get('version') or '?'}, "
                f"kernel {info.get('architecture') or '?'}, {threads} thread{'s' if threads != 1 else ''}")
print("; ".join(sorted(libs)) or "no BLAS found by threadpoolctl")
"""


@dataclass
class Result:
    name: str
    header: str
    output: str = ""
    returncode: int | None = None  # None: skipped
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""


def cpu_flags() -> set[str] | None:
    """The CPU's feature flags (Linux), or None where /proc/cpuinfo does not exist."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return None


# OpenBLAS's idle worker threads spin for 2^28 cycles before they sleep; beside another pass on a
# 2-core machine that spinning takes the core the other pass needs (notebook 05's pass took 44 s
# instead of 17 s here). 2^4 makes them sleep at once. It changes no result: how the work is split
# depends on the thread count alone, not on how the idle threads wait.
QUIET_THREADS = {"OPENBLAS_THREAD_TIMEOUT": "4"}


def pass_env(p: Pass) -> dict[str, str]:
    env = {**QUIET_THREADS, **os.environ}
    env.update(p.env)
    return env


def blas_line(python: str, env: dict[str, str]) -> str:
    """What BLAS kernel and thread count a fresh interpreter gets with ``env``."""
    try:
        probe = subprocess.run([python, "-c", BLAS_PROBE], env={**env, "OPENBLAS_VERBOSE": "2"},
                               capture_output=True, text=True, timeout=300, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return "BLAS probe timed out after 300 s"
    if probe.returncode != 0:
        return f"BLAS probe failed (exit {probe.returncode}): {probe.stderr.strip()[-300:]}"
    # OpenBLAS itself names the kernel it loaded on stderr ("Core: Haswell") when verbose
    cores = sorted(set(re.findall(r"^Core: (\S+)", probe.stderr, re.MULTILINE)))
    said = f"; OPENBLAS_VERBOSE=2 says Core: {', '.join(cores)}" if cores else ""
    return probe.stdout.strip() + said


SUMMARY_WORDS = ("passed", "failed", "error", "errors", "skipped", "xfailed", "xpassed")


def summary_counts(output: str) -> dict[str, int]:
    """Counts from pytest's closing summary line (``3 failed, 40 passed, 1 skipped in 70.1s``)."""
    counts: dict[str, int] = {}
    for line in reversed(output.splitlines()):
        found = re.findall(r"(\d+) (" + "|".join(SUMMARY_WORDS) + r")\b", line)
        if found and re.search(r"\bin [\d.]+s", line):
            for number, word in found:
                word = "errors" if word == "error" else word
                counts[word] = counts.get(word, 0) + int(number)
            break
    return counts


def skip_reason(p: Pass, flags: set[str] | None, header: str) -> str:
    if p.env and not header.startswith("numpy: openblas"):
        return "numpy's BLAS is not OpenBLAS here, so this setting changes nothing"
    if p.cpu_flag and flags is not None and p.cpu_flag not in flags:
        return f"this CPU has no {p.cpu_flag.upper()}, so the {p.env.get('OPENBLAS_CORETYPE')} kernel cannot run"
    return ""


def run_pass(p: Pass, python: str, paths: tuple[str, ...] | None, flags: set[str] | None,
             extra_args: list[str]) -> Result:
    env = pass_env(p)
    header = blas_line(python, env)
    result = Result(p.name, header)
    reason = skip_reason(p, flags, header)
    if reason:
        result.note = f"skipped: {reason}"
        return result
    cmd = [python, *PYTEST_ARGS, *p.args, *extra_args, *(paths or p.paths)]
    start = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        # wait4 also gives the CPU time of pytest and the kernels it started and reaped
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        result.output = log.read()
    result.seconds = time.perf_counter() - start
    result.cpu_seconds = usage.ru_utime + usage.ru_stime
    result.returncode = proc.returncode
    result.counts = summary_counts(result.output)
    if proc.returncode == PYTEST_NO_TESTS_COLLECTED:
        result.note = "pytest collected no tests (exit 5): nothing was checked, counted as failed"
    return result


def describe(p: Pass) -> str:
    setting = " ".join(f"{k}={v}" for k, v in p.env.items()) or "(no BLAS variables set)"
    return f"{setting}: {p.description}"


def print_result(p: Pass, r: Result) -> None:
    print(f"===== nbval pass {p.name}: {describe(p)}", flush=True)
    print(f"BLAS for pass {p.name}: {r.header}", flush=True)
    if r.returncode is None:
        print(f"pass {p.name} {r.note}\n", flush=True)
        return
    sys.stdout.write(r.output if r.output.endswith("\n") else r.output + "\n")
    status = "ok" if r.returncode == 0 else f"FAILED (pytest exit {r.returncode})"
    print(f"pass {p.name}: {status} in {r.seconds:.0f} s (CPU {r.cpu_seconds:.0f} s)" + (f"; {r.note}" if r.note else "") + "\n",
          flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nbval_passes.py",
        description="Run strict nbval under several OpenBLAS kernels / thread counts.",
        epilog="passes: " + "; ".join(f"{p.name} = {describe(p)}" for p in PASSES.values()),
    )
    parser.add_argument("passes", nargs="*", metavar="PASS",
                        help=f"passes to run, in this order (default: {' '.join(DEFAULT_PASSES)}); "
                        f"one of: {', '.join(PASSES)}")
    parser.add_argument("--jobs", "-j", type=int, default=1,
                        help="passes run at the same time (default 1)")
    parser.add_argument("--paths", nargs="+", default=None,
                        help="test paths for every pass instead of each pass's own "
                        "(e.g. one notebook)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter that runs pytest (default: this one)")
    parser.add_argument("--pytest-arg", action="append", default=[], dest="pytest_args",
                        help="extra argument for pytest (repeatable), e.g. --pytest-arg=-x")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    names = args.passes or list(DEFAULT_PASSES)
    unknown = [n for n in names if n not in PASSES]
    if unknown:
        print(f"error: unknown pass {', '.join(unknown)}; expected one of {', '.join(PASSES)}",
              file=sys.stderr)
        return 2
    if args.jobs < 1:
        print(f"error: --jobs must be at least 1, got {args.jobs}", file=sys.stderr)
        return 2
    passes = [PASSES[n] for n in names]
    flags = cpu_flags()
    paths = tuple(args.paths) if args.paths else None

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_pass, p, args.python, paths, flags, args.pytest_args)
                   for p in passes]
        results = []
        for p, future in zip(passes, futures):
            result = future.result()
            print_result(p, result)
            results.append(result)
    wall = time.perf_counter() - start

    print(f"===== nbval passes summary ({len(passes)} passes, --jobs {args.jobs}, "
          f"wall time {wall:.0f} s)")
    total = {"passed": 0, "failed": 0, "skipped": 0}
    ok = True
    for r in results:
        if r.returncode is None:
            print(f"  {r.name:<12} {r.note}  [{r.header}]")
            continue
        failed = r.counts.get("failed", 0) + r.counts.get("errors", 0)
        total["passed"] += r.counts.get("passed", 0)
        total["failed"] += failed
        total["skipped"] += r.counts.get("skipped", 0)
        if r.returncode != 0:
            ok = False
            if failed == 0:  # pytest failed without a failing test: exit 5, usage error, crash
                total["failed"] += 1
        print(f"  {r.name:<12} {r.counts.get('passed', 0)} passed, {failed} failed, "
              f"{r.counts.get('skipped', 0)} skipped in {r.seconds:.0f} s (CPU {r.cpu_seconds:.0f} s)"
              f"{'' if r.returncode == 0 else f' (pytest exit {r.returncode})'}  [{r.header}]")
    print(f"total: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
