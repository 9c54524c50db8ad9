"""tools/course.py, the entry point without make: it runs what the Makefile runs."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make_dry_run(target):
    """The commands `make TARGET` would run."""
    result = subprocess.run(["make", "-s", "-n", target, "PYTHON=python3"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


@needs_make
@pytest.mark.parametrize("target", ["install", "lab", "test", "ci", "student", "book"])
def test_make_runs_course_py_the_one_install_path(target):
    assert make_dry_run(target) == f"python3 tools/course.py {target}"


def test_course_test_is_the_strict_nbval_pass_with_the_exercise_audit():
    python = Path(".venv/bin/python")
    command = " ".join(str(part) for part in course.test_command(python, ["-k", "gradients"]))
    assert command.startswith(".venv/bin/python -m pytest tests notebooks --nbval --nbval-current-env --exercise-audit")
    assert command.endswith(" -q -k gradients")


def test_the_interpreter_of_the_environment_on_windows_and_elsewhere():
    assert course.venv_python(Path(".venv"), windows=True) == Path(".venv/Scripts/python.exe")
    assert course.venv_python(Path(".venv"), windows=False) == Path(".venv/bin/python")


@pytest.mark.parametrize("version", [(3, 10, 12), (3, 15, 0)])
def test_an_unsupported_python_is_refused_with_the_versions_needed(version):
    with pytest.raises(SystemExit, match=r"needs Python 3\.11 to 3\.14, found " + ".".join(map(str, version))):
        course.check_python_version(version)
    course.check_python_version((3, 11, 2))      # Debian 12's own
    course.check_python_version((3, 14, 2))


def test_lab_opens_notebook_00_with_its_token_on_the_chosen_port():
    command = course.lab_command(Path("py"), 8890, "abc123", open_browser=False, extra=["--ip=0.0.0.0"])
    assert "--IdentityProvider.token=abc123" in command and "--port=8890" in command
    assert "--ServerApp.port_retries=0" in command and "--no-browser" in command
    assert command[-2:] == ["--ip=0.0.0.0", "notebooks/00_introduction.ipynb"]
    assert course.lab_url(8890, "abc123") == \
        "http://127.0.0.1:8890/lab/tree/notebooks/00_introduction.ipynb?token=abc123"
    assert "--no-browser" not in course.lab_command(Path("py"), 8888, "t", open_browser=True)


def test_free_port_skips_a_busy_port():
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert course.free_port(port) != port


def test_course_py_uses_no_shell():
    source = (ROOT / "tools" / "course.py").read_text(encoding="utf-8")
    assert "shell=True" not in source and "os.system" not in source
