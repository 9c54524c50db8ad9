"""One entry point for the course on every system: Linux, macOS and Windows, with or without make.

    python3 tools/course.py install [--group G]   # .venv with the exact versions of uv.lock
    python3 tools/course.py lab [--port N] [--no-browser] [-- JUPYTER_ARGS...]
    python3 tools/course.py test [PYTEST_ARGS...]  # unit tests + strict nbval; e.g. test -k gradients
    python3 tools/course.py ci                    # what CI runs: test, the BLAS passes, the handout
    python3 tools/course.py student               # the student handout (build/student/, build/*.zip)
    python3 tools/course.py book                  # the HTML book (build/book/html/index.html)
    python3 tools/course.py assignments           # nbgrader's assignments (build/assignments/)

On Windows write `py` for `python3`. The Makefile's targets call this script: it is the one
install path. Every command first makes sure of the environment:

1. a Python the course supports (pyproject.toml's ``requires-python``): the one running this
   script, or, where that one is too old or too new, one that uv finds on the machine or
   installs (said in one line; where neither works, one line says what to install);
2. ``.venv`` made with it, and uv, at the version and hashes uv.lock pins, installed there by pip;
3. ``uv sync --locked``: the library (editable) and the groups course and test, plus any asked
   for (book, dev, bench, gpu, hub), at the exact versions and hashes of uv.lock. It runs again only
   when uv.lock or pyproject.toml changed or a new group is asked for, so once installed
   nothing here needs the network.

Pure Python, no shell: the only difference between systems is where the environment keeps
its programs (.venv/Scripts on Windows, .venv/bin elsewhere).
"""
import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import venv
import webbrowser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import deps  # noqa: E402  (tools/deps.py: the supported Pythons and uv's pin, read from the files)

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BOOTSTRAP = ROOT / "build" / "bootstrap"   # uv for finding a Python, where this one is unsupported
STAMP = VENV / ".installed"                 # the groups installed, one line; older than the lock: stale
FIRST_NOTEBOOK = "notebooks/00_introduction.ipynb"
SUPPORTED = deps.requires_python()          # (lowest, first unsupported): from pyproject.toml
DEFAULT_GROUPS = ("course", "test")
# `make test`: unit tests + every notebook re-executed and compared with its stored outputs
# (strict nbval), and in the same kernels every exercise check tested with planted answers.
PYTEST_ARGS = ["-m", "pytest", "tests", "notebooks", "--nbval", "--nbval-current-env", "--exercise-audit",
               "-p", "no:cacheprovider", "-q"]
# `make ci`: that pass, the same notebooks under three other BLAS settings, and the tests marked ci.
CI_PASSES = ["default", "sandybridge", "ci-tests", "haswell", "one-thread"]   # longest first
CI_GROUPS = ("book", "dev", "hub")   # the book and slides checked in a browser; grading with nbgrader


def venv_bin(name, venv_dir=VENV, windows=None):
    """A program of a virtual environment: Scripts\\NAME.exe on Windows, bin/NAME elsewhere."""
    windows = os.name == "nt" if windows is None else windows
    return venv_dir / (f"Scripts/{name}.exe" if windows else f"bin/{name}")


def venv_python(venv_dir=VENV, windows=None):
    return venv_bin("python", venv_dir, windows)


def version_text(version):
    return ".".join(str(part) for part in version)


def is_supported(version):
    low, high = SUPPORTED
    return low <= tuple(version[:3]) < high


def unsupported_message(version, tried_uv=False):
    return (f"This course needs Python {deps.describe_range(SUPPORTED)}, found {version_text(version[:3])}"
            + (", and uv could neither find one on this machine nor download one" if tried_uv else "") + ". "
            "Install one (Debian/Ubuntu: sudo apt install python3.12 python3.12-venv; "
            "Windows/macOS: python.org) and run again with it: make lab PYTHON=python3.12 "
            "(Windows: py -3.12 tools/course.py lab).")


def check_python_version(version=None):
    version = tuple((version or sys.version_info)[:3])
    if not is_supported(version):
        sys.exit(unsupported_message(version))


def shown(part):
    """A command's part as printed: paths inside the project relative to it."""
    text = str(part)
    return os.path.relpath(text, ROOT) if os.path.isabs(text) and Path(text).is_relative_to(ROOT) else text


def run(command, **kwargs):
    print("+", " ".join(shown(part) for part in command), flush=True)
    return subprocess.run([str(part) for part in command], cwd=ROOT, **kwargs)


def run_checked(command, **kwargs):
    result = run(command, **kwargs)
    if result.returncode:
        sys.exit(result.returncode)
    return result


def uv_env():
    """The environment for uv: this project's .venv, never another activated one."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
    env["UV_PROJECT_ENVIRONMENT"] = str(VENV)
    return env


def install_uv(python, venv_dir):
    """uv into the environment of ``python``, at the version and hashes pinned in uv.lock (pip checks them)."""
    uv = venv_bin("uv", venv_dir)
    version, hashes = deps.locked_package("uv")
    if uv.exists():
        said = subprocess.run([str(uv), "--version"], capture_output=True, text=True).stdout.split()
        if said[1:2] == [version]:
            return uv
    with tempfile.TemporaryDirectory(dir=venv_dir) as folder:
        requirement = Path(folder) / "uv.txt"
        requirement.write_text(f"uv=={version} " + " ".join(f"--hash=sha256:{h}" for h in hashes) + "\n")
        run_checked([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                     "--require-hashes", "-r", requirement])
    return uv


def python_from_uv():
    """(path, version) of a supported Python that uv finds on this machine or installs; None if neither."""
    if not venv_python(BOOTSTRAP).exists():
        try:
            venv.create(BOOTSTRAP, with_pip=True)
        except Exception as error:      # no venv/ensurepip module (Debian: python3-venv)
            print(f"could not make a virtual environment with this Python ({error})", file=sys.stderr)
            return None
    uv = install_uv(venv_python(BOOTSTRAP), BOOTSTRAP)
    low, high = SUPPORTED
    request = f">={version_text(low)},<{version_text(high)}"
    for attempt in ("find", "install"):
        if attempt == "install":
            installed = subprocess.run([str(uv), "python", "install", f"{high[0]}.{high[1] - 2}"],
                                       capture_output=True, text=True, timeout=600)
            if installed.returncode:
                return None
        found = subprocess.run([str(uv), "python", "find", request], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip():
            path = found.stdout.strip().splitlines()[-1]
            version = subprocess.run([path, "-c", "import sys; print(*sys.version_info[:3])"],
                                     capture_output=True, text=True).stdout.split()
            return path, ".".join(version), attempt
    return None


def create_venv():
    """.venv with a supported Python: this one, else one that uv finds or installs."""
    if is_supported(sys.version_info):
        print(f"+ {sys.executable} -m venv {VENV.name}", flush=True)
        try:
            venv.create(VENV, with_pip=True)
        except Exception as error:      # Debian and Ubuntu ship venv's ensurepip separately
            shutil.rmtree(VENV, ignore_errors=True)
            sys.exit(f"Could not make {VENV.name} with Python {version_text(sys.version_info[:3])} ({error}). "
                     "On Debian or Ubuntu: sudo apt install python3-venv, then run again.")
        return
    found = python_from_uv()
    if found is None:
        sys.exit(unsupported_message(sys.version_info, tried_uv=True))
    path, version, how = found
    print(f"Python {version_text(sys.version_info[:3])} is outside the course's {deps.describe_range(SUPPORTED)}: "
          f"using Python {version} {'found' if how == 'find' else 'installed'} by uv ({path}).", flush=True)
    run_checked([venv_bin("uv", BOOTSTRAP), "venv", "--seed", "--quiet", "--python", path, VENV],
                env=uv_env())


def installed_groups():
    return set(STAMP.read_text(encoding="utf-8").split()) if STAMP.exists() else set()


def is_stale(groups):
    if not STAMP.exists() or not set(groups) <= installed_groups():
        return True
    return any(path.stat().st_mtime > STAMP.stat().st_mtime for path in (deps.LOCK, deps.PYPROJECT))


def install(groups=()):
    """`make install`: .venv with the locked versions of the library, course and test (and ``groups``)."""
    python = venv_python()
    if not python.exists():
        create_venv()
    version = subprocess.run([str(python), "-c", "import sys; print(*sys.version_info[:3])"],
                             capture_output=True, text=True, check=True).stdout.split()
    version = tuple(int(part) for part in version)
    if not is_supported(version):
        sys.exit(f"{VENV.name} was made with Python {version_text(version)}, outside the course's "
                 f"{deps.describe_range(SUPPORTED)}: remove {VENV.name} and run again.")
    wanted = sorted(installed_groups() | set(DEFAULT_GROUPS) | set(groups))
    if is_stale(wanted):
        uv = install_uv(python, VENV)
        group_args = [arg for group in wanted if group not in DEFAULT_GROUPS for arg in ("--group", group)]
        # --inexact: keep what a user added (pip itself, a kernel extension); --locked: uv.lock must
        # match pyproject.toml, else stop rather than re-resolve.
        run_checked([uv, "sync", "--locked", "--inexact", "--quiet", "--python", python, *group_args],
                    env=uv_env())
        STAMP.write_text(" ".join(wanted) + "\n", encoding="utf-8")
    return python


def test_command(python, extra=()):
    """The command of `make test`, with any extra pytest arguments (e.g. -k NAME, -x) after it."""
    return [python, *PYTEST_ARGS, *extra]


def student_command(python):
    """The command of `make student`."""
    return [python, "tools/make_student.py", "--out", "build/student"]


def free_port(start, tries=50):
    """The first port from ``start`` on which nothing listens on 127.0.0.1."""
    for port in range(start, start + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    sys.exit(f"No free port in {start}-{start + tries - 1}; choose one with --port.")


def has_browser():
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_url(port, token):
    return f"http://127.0.0.1:{port}/lab/tree/{FIRST_NOTEBOOK}?token={token}"


def lab_command(python, port, token, open_browser, extra=()):
    command = [python, "-m", "jupyterlab", f"--ServerApp.root_dir={ROOT}",
               f"--IdentityProvider.token={token}", f"--port={port}", "--ServerApp.port_retries=0"]
    if not open_browser:
        command.append("--no-browser")
    if is_root():
        command.append("--allow-root")   # containers and CI machines often run as root
    return command + list(extra) + [FIRST_NOTEBOOK]


def wait_for_port(port, process, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def lab(args):
    python = install()
    port = args.port if args.port is not None else free_port(8888)
    token = secrets.token_hex(24)
    open_browser = not args.no_browser and has_browser()
    process = subprocess.Popen([str(part) for part in lab_command(python, port, token, open_browser,
                                                                    args.jupyter_args)], cwd=ROOT)
    if hasattr(signal, "SIGTERM"):    # stopped from outside (a killed make): stop JupyterLab too
        signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        if wait_for_port(port, process):
            print("\n" + "=" * 78)
            print("JupyterLab is running. Open notebook 00 at this address (it holds the token):")
            print(f"\n    {lab_url(port, token)}\n")
            if not open_browser:
                print("No browser was opened. On a remote machine or in a container, first forward")
                print(f"the port from your own computer:  ssh -L {port}:localhost:{port} user@host")
            print("Stop the server with Ctrl+C (twice).")
            print("=" * 78 + "\n", flush=True)
    except KeyboardInterrupt:
        pass
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:   # JupyterLab gets Ctrl+C too, and asks or stops itself
            continue


def assignments(extra=()):
    """`make assignments`: nbgrader's source and release assignments in build/assignments (docs/hub.md)."""
    python = install(["hub"])
    return run([python, "tools/make_assignments.py", *extra]).returncode


def book():
    python = install(["book"])
    return run([python, "tools/build_book.py"]).returncode


def ci(jobs):
    """`make ci`: every pass of CI_PASSES, ``jobs`` at a time, with one total line."""
    python = install(CI_GROUPS)
    return run([python, "tools/nbval_passes.py", *CI_PASSES, "--jobs", str(jobs)]).returncode


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    install_parser = commands.add_parser("install", help="create .venv from uv.lock")
    install_parser.add_argument("--group", action="append", default=[],
                                choices=["book", "dev", "bench", "gpu", "hub"],
                                help="also install this group of pyproject.toml (repeatable)")
    lab_parser = commands.add_parser("lab", help="JupyterLab at notebook 00; prints its URL")
    lab_parser.add_argument("--port", type=int, default=None,
                            help="the port (default: 8888, or the next free one)")
    lab_parser.add_argument("--no-browser", action="store_true",
                            help="open no browser (remote machines, containers, WSL); "
                                 "chosen by itself where no browser is found")
    lab_parser.add_argument("jupyter_args", nargs="*",
                            help="more options for jupyter lab, after --, e.g. -- --ip=0.0.0.0")
    commands.add_parser("test", help="what `make test` runs; any further arguments go to pytest")
    ci_parser = commands.add_parser("ci", help="what CI runs (slow; needs the package index)")
    ci_parser.add_argument("--jobs", type=int, default=2, help="passes at a time (default 2)")
    commands.add_parser("student", help="the student handout in build/student")
    commands.add_parser("book", help="the HTML book in build/book/html")
    commands.add_parser("assignments", help="nbgrader's assignments in build/assignments (installs the hub group); "
                                            "further arguments go to tools/make_assignments.py")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command not in ("test", "assignments"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")

    if args.command == "install":
        install(args.group)
        return 0
    if args.command == "lab":
        return lab(args)
    if args.command == "test":
        return run(test_command(install(), extra)).returncode
    if args.command == "ci":
        return ci(args.jobs)
    if args.command == "student":
        return run(student_command(install())).returncode
    if args.command == "book":
        return book()
    if args.command == "assignments":
        return assignments(extra)
    return 2


if __name__ == "__main__":
    sys.exit(main())
