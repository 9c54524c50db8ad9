"""One entry point for the course on every system: Linux, macOS and Windows, with or without make.

    python tools/course.py install           # .venv with the exact versions of requirements.lock
    python tools/course.py lab [--port N] [--no-browser] [-- JUPYTER_ARGS...]
    python tools/course.py test [PYTEST_ARGS...]   # what `make test` runs; e.g. test -k gradients
    python tools/course.py student           # the student handout (build/student/, build/*.zip)
    python tools/course.py book              # the HTML book (build/book/html/index.html)

On Windows write `py` for `python`. Every command first makes sure of the environment, as
`make install` does: it creates .venv with this Python (3.11.5 to 3.14), installs
requirements.lock with --require-hashes, then rnn_core itself (`pip install --no-deps -e .`),
and does it again only when the lock or pyproject.toml changed. The Makefile's lab, student
and book targets call this script; `test` runs the same pytest command as `make test`
(tests/test_course.py checks that the two agree).

Pure Python, no shell: the only difference between systems is where the environment keeps
its interpreter (.venv/Scripts/python.exe on Windows, .venv/bin/python elsewhere).
"""
import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import venv
import webbrowser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
BOOK_REQUIREMENTS = ROOT / "requirements-book.txt"
STAMP = VENV / ".installed"             # the same stamp as the Makefile's
BOOK_STAMP = VENV / ".book-installed"
FIRST_NOTEBOOK = "notebooks/00_introduction.ipynb"
SUPPORTED = ((3, 11, 5), (3, 15))       # the Pythons the locked packages have wheels for
# `make test`: unit tests + every notebook re-executed and compared with its stored outputs.
PYTEST_ARGS = ["-m", "pytest", "tests", "notebooks", "--nbval", "--nbval-current-env",
               "-p", "no:cacheprovider", "-q"]


def venv_python(venv_dir=VENV, windows=None):
    """The interpreter of a virtual environment: Scripts\\python.exe on Windows, bin/python elsewhere."""
    windows = os.name == "nt" if windows is None else windows
    return venv_dir / ("Scripts/python.exe" if windows else "bin/python")


def check_python_version(version=None):
    version = tuple((version or sys.version_info)[:3])
    low, high = SUPPORTED
    if not low <= version < high:
        found = ".".join(map(str, version))
        sys.exit(f"The locked packages need Python 3.11.5 to 3.14, found {found}. Run this script "
                 "with one of those (e.g. `py -3.12 tools/course.py ...` on Windows, "
                 "`python3.12 tools/course.py ...` elsewhere); remove .venv first if it was made "
                 "with another Python.")


def run(command, **kwargs):
    print("+", " ".join(str(part) for part in command), flush=True)
    return subprocess.run([str(part) for part in command], cwd=ROOT, **kwargs)


def run_checked(command):
    result = run(command)
    if result.returncode:
        sys.exit(result.returncode)


def is_stale(stamp, *inputs):
    return not stamp.exists() or any(path.stat().st_mtime > stamp.stat().st_mtime for path in inputs)


def install():
    """`make install`: .venv from requirements.lock (hash-checked), then rnn_core, editable."""
    python = venv_python()
    if not python.exists():
        check_python_version()
        print(f"+ {sys.executable} -m venv {VENV.name}", flush=True)
        venv.create(VENV, with_pip=True)
    version = subprocess.run([str(python), "-c", "import sys; print(*sys.version_info[:3])"],
                             capture_output=True, text=True, check=True).stdout.split()
    check_python_version(tuple(int(part) for part in version))
    if is_stale(STAMP, LOCK, ROOT / "pyproject.toml"):
        run_checked([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        run_checked([python, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", LOCK.name])
        run_checked([python, "-m", "pip", "install", "--quiet", "--no-deps", "-e", "."])
        STAMP.touch()
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


def book():
    python = install()
    if is_stale(BOOK_STAMP, BOOK_REQUIREMENTS):
        # requirements-book.txt repeats the locked versions of the packages both need, so this
        # adds the book's packages and changes none of the lock's.
        run_checked([python, "-m", "pip", "install", "--quiet", "--require-hashes", "-r",
                     BOOK_REQUIREMENTS.name])
        BOOK_STAMP.touch()
    return run([python, "tools/build_book.py"]).returncode


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("install", help="create .venv from requirements.lock")
    lab_parser = commands.add_parser("lab", help="JupyterLab at notebook 00; prints its URL")
    lab_parser.add_argument("--port", type=int, default=None,
                            help="the port (default: 8888, or the next free one)")
    lab_parser.add_argument("--no-browser", action="store_true",
                            help="open no browser (remote machines, containers, WSL); "
                                 "chosen by itself where no browser is found")
    lab_parser.add_argument("jupyter_args", nargs="*",
                            help="more options for jupyter lab, after --, e.g. -- --ip=0.0.0.0")
    commands.add_parser("test", help="what `make test` runs; any further arguments go to pytest")
    commands.add_parser("student", help="the student handout in build/student")
    commands.add_parser("book", help="the HTML book in build/book/html")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")

    if args.command == "install":
        install()
        return 0
    if args.command == "lab":
        return lab(args)
    if args.command == "test":
        return run(test_command(install(), extra)).returncode
    if args.command == "student":
        return run(student_command(install())).returncode
    if args.command == "book":
        return book()
    return 2


if __name__ == "__main__":
    sys.exit(main())
