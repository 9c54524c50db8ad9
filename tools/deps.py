"""The files other installers read, generated from the one lock, uv.lock.

pyproject.toml holds the ranges (the library's own dependency, and the groups course, test,
book, dev, bench, gpu, hub) and the supported Pythons (``requires-python``); ``make lock`` resolves
them into uv.lock, exact versions with hashes for every supported Python and platform. From
uv.lock this script writes:

- ``requirements.txt``: the locked versions of what ``make install`` installs (the library's
  dependency and the groups course and test), with their hashes, for pip users
  (``pip install --require-hashes -r requirements.txt``, then ``pip install --no-deps -e .``);
- ``environment.yml``: the same top-level packages at the same versions under conda-forge's
  names, with the supported Pythons, for conda, mamba and repo2docker (Binder).

Usage::

    python tools/deps.py            # write both files
    python tools/deps.py --check    # exit 1, naming the file, if either is stale or uv.lock is
                                    # out of step with pyproject.toml

It needs uv (installed in .venv by ``make install``). The functions ``requires_python`` and
``locked_package`` parse the files with regular expressions only, so that tools/course.py can
use them on a Python too old for the course (to say so) and before anything is installed.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "uv.lock"
REQUIREMENTS = ROOT / "requirements.txt"
ENVIRONMENT = ROOT / "environment.yml"
# conda-forge's names where they differ from PyPI's: the packages without Qt and without pandoc.
CONDA_NAMES = {"matplotlib": "matplotlib-base", "nbconvert": "nbconvert-core"}
NOT_FOR_CONDA = {"uv"}     # the installer make uses; conda installs with itself
ALSO_PINNED = {"scipy"}    # not asked for by name, but t-SNE's results depend on its version


def requires_python(pyproject: Path = PYPROJECT) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(lowest, first unsupported) from ``requires-python = ">=3.11,<3.15"``."""
    text = pyproject.read_text(encoding="utf-8")
    spec = re.search(r'^requires-python\s*=\s*"([^"]+)"', text, re.M).group(1)
    low = re.search(r">=\s*([\d.]+)", spec).group(1)
    high = re.search(r"<\s*([\d.]+)", spec).group(1)
    return tuple(map(int, low.split("."))), tuple(map(int, high.split(".")))


def describe_range(supported=None) -> str:
    """``3.11 to 3.14``: the supported Pythons in words."""
    (low, high) = supported or requires_python()
    last = (high[0], high[1] - 1)
    return f"{'.'.join(map(str, low))} to {'.'.join(map(str, last))}"


def _package_blocks(lock_text: str):
    for block in lock_text.split("\n[[package]]\n")[1:]:
        name = re.search(r'^name = "([^"]+)"', block, re.M)
        version = re.search(r'^version = "([^"]+)"', block, re.M)
        if name and version:
            yield name.group(1), version.group(1), block


def locked_package(name: str, lock: Path = LOCK) -> tuple[str, list[str]]:
    """(version, sha256 hashes of its wheels) of one package in uv.lock."""
    for found, version, block in _package_blocks(lock.read_text(encoding="utf-8")):
        if found == name:
            return version, re.findall(r'hash = "sha256:([0-9a-f]{64})"', block)
    raise KeyError(f"{name} is not in {lock.name}")


def locked_versions(lock: Path = LOCK) -> dict[str, str]:
    return {name: version for name, version, _ in _package_blocks(lock.read_text(encoding="utf-8"))}


def top_level_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """The names that ``make install`` asks for: the project's dependencies and the default groups."""
    import tomllib

    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    wanted = list(data["project"]["dependencies"])
    for group in data["tool"]["uv"]["default-groups"]:
        wanted += data["dependency-groups"][group]
    return [re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower().replace("_", "-") for spec in wanted]


def uv_command() -> str:
    here = Path(sys.executable).parent
    for candidate in (here / "uv", here / "uv.exe", shutil.which("uv")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    sys.exit("tools/deps.py needs uv: run `make install` first (it puts uv in .venv)")


def uv(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return subprocess.run([uv_command(), *args], cwd=ROOT, env=env, capture_output=True, text=True)


def requirements_text() -> str:
    result = uv("export", "--frozen", "--format", "requirements-txt", "--no-emit-project", "--quiet")
    if result.returncode:
        sys.exit(f"uv export failed:\n{result.stderr}")
    body = result.stdout.split("\n", 2)[2]       # uv's own two header lines name its command
    return ("# Generated from uv.lock by tools/deps.py (make lock): do not edit.\n"
            "# The exact versions `make install` installs, with hashes, for pip:\n"
            "#   python -m pip install --require-hashes -r requirements.txt\n"
            "#   python -m pip install --no-deps -e .        # rnn_core itself\n" + body)


def environment_text() -> str:
    versions = locked_versions()
    low, high = requires_python()
    lines = ["# Generated from uv.lock by tools/deps.py (make lock): do not edit.",
             "# conda / mamba / Binder: conda env create -f environment.yml && conda activate rnn-course",
             "# The same versions as uv.lock, under conda-forge's names (matplotlib-base and",
             "# nbconvert-core are the packages without Qt and pandoc).",
             "name: rnn-course", "channels:", "  - conda-forge", "dependencies:",
             f"  - python>={'.'.join(map(str, low))},<{'.'.join(map(str, high))}"]
    for name in sorted(set(top_level_requirements()) - NOT_FOR_CONDA | ALSO_PINNED):
        lines.append(f"  - {CONDA_NAMES.get(name, name)}={versions[name]}")
    lines += ["  - pip", "  - pip:", "      - -e .   # rnn_core itself; its one dependency, numpy, is already here"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="fail if uv.lock, requirements.txt or environment.yml is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = []
        locked = uv("lock", "--check", "--offline", "--quiet")
        if locked.returncode:
            stale.append(f"uv.lock is out of step with pyproject.toml (run make lock): {locked.stderr.strip()}")
        for path, text in ((REQUIREMENTS, requirements_text()), (ENVIRONMENT, environment_text())):
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(f"{path.name} is stale: run `python tools/deps.py` (make lock does)")
        for line in stale:
            print(line, file=sys.stderr)
        return 1 if stale else 0
    REQUIREMENTS.write_text(requirements_text(), encoding="utf-8")
    ENVIRONMENT.write_text(environment_text(), encoding="utf-8")
    print(f"wrote {REQUIREMENTS.name} and {ENVIRONMENT.name} from {LOCK.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
