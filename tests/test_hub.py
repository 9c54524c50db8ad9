"""A course hub, locally: JupyterHub on 127.0.0.1 for three students and an instructor (`make hub-test`).

The hub runs the course settings a real hub deploys (tools/hub/course_hub.py) with the test
authenticator (DummyAuthenticator) and a local spawner. Each user's server runs as a numeric user
of its own (the spawner sets uid and gid; no system account is made), in a home only that user may
enter, so that the refusals below are the operating system's, as on a real hub. The test

1. starts the hub (its proxy from build/hub-proxy, `make hub-test` installs it), users from the
   configuration, a token for each from the hub's REST API, and each user's server;
2. follows the nbgitpuller link for each student: the student handout (`make student`), from a
   git repository on this machine, lands in their home; a later update is merged into alice's
   copy without overwriting her change;
3. runs the first notebook top to bottom in alice's server through the Jupyter server REST API
   (a session, then its kernel's channels);
4. in the instructor's server releases the first notebook's assignment (nbgrader); alice and bob
   fetch it in theirs, alice submits it solved and bob untouched; the instructor collects,
   autogrades, returns feedback; alice fetches hers: the score must be full, bob's zero;
5. as alice, tries to read bob's work (through the hub and from her kernel), the exchange's
   submissions, the instructor's copy with the solutions and hidden tests, and the gradebook:
   each must be refused.

Everything listens on 127.0.0.1; the test stops the hub (and so every server) by itself, within
DEADLINE seconds. It needs root (to run servers as other users), git and Node.js.
"""
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tools" / "hub"))
pytest.importorskip("jupyterhub", reason="the hub group: python tools/course.py install --group hub")
pytest.importorskip("nbgrader")
import _nbio  # noqa: E402
import course_hub  # noqa: E402
import make_assignments  # noqa: E402
import make_student  # noqa: E402

PROXY = ROOT / "build" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
DEADLINE = 600                     # seconds for the whole test; the hub is stopped in any case
STUDENTS = ("alice", "bob", "carol")
INSTRUCTOR = "instructor"
UIDS = {INSTRUCTOR: 61000, "alice": 61001, "bob": 61002, "carol": 61003}   # no system account needed
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


HUB_CONFIG = '''\
# The local test hub (tests/test_hub.py): the course's settings with the test authenticator.
import os, sys
sys.path.insert(0, {hub_tools!r})
import course_hub
from jupyterhub.spawner import SimpleLocalProcessSpawner

c = get_config()
UIDS = {uids!r}


class OwnUserSpawner(SimpleLocalProcessSpawner):
    """Each user's server as that user's own uid and gid, in its home (made by the test)."""

    def make_preexec_fn(self, name):
        home, uid = self.home_dir, UIDS[name]

        def preexec():
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.chdir(home)
        return preexec


course_hub.apply(c, instructors={{{instructor!r}}}, students={students!r}, start_timeout=90)
c.JupyterHub.authenticator_class = "dummy"          # the test authenticator: tests only
c.JupyterHub.spawner_class = OwnUserSpawner
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.Spawner.ip = "127.0.0.1"
c.Spawner.cmd = [{singleuser!r}]
# Orphaned servers stop by themselves too: idle kernels culled, an idle server shut down.
c.Spawner.args = ["--ServerApp.shutdown_no_activity_timeout={deadline}",
                  "--MappingKernelManager.cull_idle_timeout={deadline}"]
c.Spawner.environment = {environment!r}
c.JupyterHub.db_url = "sqlite:///" + {state!r} + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {state!r} + "/cookie_secret"
c.JupyterHub.pid_file = {state!r} + "/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.services = [{{"name": "course-test", "api_token": {service_token!r}}}]
c.JupyterHub.load_roles = [{{"name": "course-test", "services": ["course-test"],
                            "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users"]}}]
'''


class Hub:
    """The hub's and the users' REST APIs, with a token."""

    def __init__(self, url, service_token):
        self.url, self.service_token, self.tokens = url, service_token, {}

    def request(self, method, path, token, body=None, raw=False):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Authorization": f"token {token}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                text = response.read().decode()
                return response.status, (text if raw else json.loads(text) if text.strip() else None)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def api(self, method, path, body=None):
        status, answer = self.request(method, "/hub/api" + path, self.service_token, body)
        assert status < 300, f"{method} {path}: {status} {answer}"
        return answer

    def as_user(self, user, method, path, body=None, raw=False):
        return self.request(method, f"/user/{user}{path}", self.tokens[user], body, raw)


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


async def _execute(hub, user, kernel_id, sources, seconds):
    """Run each source in the kernel through the server's websocket; [(text printed, error or None)]."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = hub.url.replace("http", "ws", 1) + f"/user/{user}/api/kernels/{kernel_id}/channels"
    connection = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {hub.tokens[user]}"}))
    session, results = uuid.uuid4().hex, []
    try:
        for source in sources:
            msg_id = uuid.uuid4().hex
            connection.write_message(json.dumps({
                "header": {"msg_id": msg_id, "username": user, "session": session,
                           "msg_type": "execute_request", "version": "5.3"},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": source, "silent": False, "store_history": True,
                            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
            text, error = [], None
            while True:
                raw = await asyncio.wait_for(connection.read_message(), seconds)
                assert raw is not None, "the kernel's websocket closed"
                message = json.loads(raw)
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind == "stream":
                    text.append(content["text"])
                elif kind == "error":
                    error = f"{content['ename']}: {content['evalue']}"
                elif kind == "execute_result":
                    text.append(content["data"].get("text/plain", "") + "\n")
                elif kind == "status" and content["execution_state"] == "idle" and message["channel"] == "iopub":
                    break
            results.append(("".join(text), error))
    finally:
        connection.close()
    return results


def open_session(hub, user, notebook_path):
    """A session (a kernel whose working folder is the notebook's) in ``user``'s server: its kernel id."""
    status, session = hub.as_user(user, "POST", "/api/sessions",
                                  {"path": notebook_path, "type": "notebook", "name": "",
                                   "kernel": {"name": "python3"}})
    assert status == 201, f"{user}: no session: {status} {session}"
    return session["kernel"]["id"]


def run_in_kernel(hub, user, kernel_id, sources, seconds=300):
    """Run ``sources`` one by one in the kernel, through the server's websocket (the kernel's channels)."""
    return asyncio.run(_execute(hub, user, kernel_id, sources, seconds))


def checked(results):
    """The text of runs that must not fail."""
    for text, error in results:
        assert error is None, f"{error}\n{text[-2000:]}"
    return "".join(text for text, _ in results)


NBGRADER = '''\
import os, subprocess, sys
def nbgrader(*args, cwd="."):
    result = subprocess.run([os.path.join(sys.prefix, "bin", "nbgrader"), *args], cwd=cwd,
                            capture_output=True, text=True)
    print(*args, "->", result.returncode)
    if result.returncode:
        raise RuntimeError(result.stdout[-3000:] + result.stderr[-3000:])
'''


def pull(hub, user, repo):
    """Follow the student's nbgitpuller link: the hub redirects to their server's git-pull page, whose
    script then calls git-pull/api; the test follows the redirect and calls that API the same way."""
    link = course_hub.nbgitpuller_link(hub.url, repo, open_path="notebooks")
    query = urllib.parse.urlsplit(link).query
    status, page = hub.as_user(user, "GET", f"/git-pull?{query}", raw=True)
    assert status == 200, (status, page[:300])
    status, events = hub.as_user(user, "GET", f"/git-pull/api?{query}", raw=True)
    assert status == 200, (status, events)
    phases = [json.loads(line[5:]).get("phase") for line in events.splitlines() if line.startswith("data:")]
    assert phases and phases[-1] == "finished", events[-2000:]


@pytest.mark.hub
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="runs each user's server as its own uid: needs root (CI and the dev machines are)")
def test_course_hub_nbgitpuller_notebook_grading_and_refusals():
    started = time.monotonic()
    assert PROXY.exists(), f"JupyterHub's proxy is missing: run python tools/hub/install_proxy.py (make hub-test)"
    assert shutil.which("git"), "the hub test needs git"
    base = Path(tempfile.mkdtemp(prefix="rnn-course-hub-"))
    base.chmod(0o755)
    try:
        _run(base, started)
    finally:
        _stop_leftovers()
        shutil.rmtree(base, ignore_errors=True)
    print(f"\nhub test: {time.monotonic() - started:.0f} s")


def _stop_hub(process):
    """SIGTERM: the hub stops every user's server and its proxy, then itself; killed after 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _stop_leftovers():
    """End any process still running as one of the test's own uids (only this test starts them)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                uid = next(int(line.split()[1]) for line in (entry / "status").read_text().splitlines()
                           if line.startswith("Uid:"))
            except (OSError, StopIteration):
                continue
            if uid in UIDS.values():
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                except OSError:
                    pass


def _make_material_repo(base):
    """The student handout (make student) as a git repository on this machine: what the link pulls."""
    work = base / "material-work"
    assert make_student.main(["--out", str(work), "--zip", str(base / "handout.zip")]) == 0
    git = ["git", "-c", "user.name=Course", "-c", "user.email=course@example.invalid", "-C", str(work)]
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "The course material"], check=True)
    bare = base / "material.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    return work, bare, git


def _make_course(base, notebook):
    """The instructor's home with the course directory (make assignments) and the exchange."""
    homes = base / "homes"
    homes.mkdir(mode=0o755)
    for user, uid in UIDS.items():
        (homes / user).mkdir(mode=0o700)
    course = homes / INSTRUCTOR / "course"
    make_assignments.build(ROOT, course, only=[notebook], log=lambda *_: None)
    exchange = base / "exchange"
    exchange.mkdir()
    etc = base / "etc-jupyter"
    etc.mkdir()
    (etc / "nbgrader_config.py").write_text(course_hub.nbgrader_config(exchange=str(exchange)))
    for user, uid in UIDS.items():
        for path in [homes / user, *(homes / user).rglob("*")]:
            os.chown(path, uid, uid, follow_symlinks=False)
    os.chown(exchange, UIDS[INSTRUCTOR], UIDS[INSTRUCTOR])
    exchange.chmod(0o755)
    return homes, course, exchange, etc


def _run(base, started):
    notebook = _nbio.numbered_notebooks(ROOT)[0]
    assignment = notebook.stem
    work, bare, git = _make_material_repo(base)
    homes, course, exchange, etc = _make_course(base, notebook)
    state = base / "hub-state"
    state.mkdir()
    port, service_token = free_port(), uuid.uuid4().hex
    gitconfig = base / "gitconfig"
    gitconfig.write_text(f"[safe]\n\tdirectory = {bare}\n")
    environment = {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "JUPYTER_CONFIG_PATH": str(etc),                 # the course-wide nbgrader_config.py
        # git refuses a repository owned by another user unless a global or system config names it
        # safe (here the material on this machine; a course's comes from a git host instead).
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg",
    }
    config = base / "jupyterhub_config.py"
    config.write_text(HUB_CONFIG.format(
        hub_tools=str(ROOT / "tools" / "hub"), uids=UIDS, instructor=INSTRUCTOR, students=set(STUDENTS),
        homes=str(homes), port=port, hub_port=free_port(), proxy_port=free_port(), proxy=str(PROXY),
        singleuser=str(BIN / "jupyterhub-singleuser"), environment=environment, state=str(state),
        service_token=service_token, deadline=DEADLINE))
    log = open(base / "hub.log", "w")
    # Bounded even if this test dies: `timeout` stops the hub (and the hub its servers) after the deadline.
    process = subprocess.Popen(["timeout", "--kill-after=30", str(DEADLINE + 60),
                                str(BIN / "jupyterhub"), "-f", str(config)], cwd=state, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", service_token)
    try:
        _scenario(hub, process, base, started, work, bare, git, homes, course, exchange, assignment, notebook)
    except BaseException:
        log.flush()
        print((base / "hub.log").read_text()[-6000:])
        raise
    finally:
        _stop_hub(process)
        log.close()


def _remaining(started):
    left = DEADLINE - (time.monotonic() - started)
    assert left > 0, f"the hub test ran past its {DEADLINE} s"
    return left


def _scenario(hub, process, base, started, work, bare, git, homes, course, exchange, assignment, notebook):
    def up():
        assert process.poll() is None, "the hub stopped"
        try:
            return hub.request("GET", "/hub/api/", hub.service_token)[0] == 200
        except OSError:
            return False
    wait_for(up, min(60, _remaining(started)), "the hub")

    # 1. Users from the configuration; a token and a server each.
    users = {user["name"]: user for user in hub.api("GET", "/users")}
    assert set(users) == {*STUDENTS, INSTRUCTOR}
    assert users[INSTRUCTOR]["admin"] and not any(users[s]["admin"] for s in STUDENTS)
    for user in users:
        hub.tokens[user] = hub.api("POST", f"/users/{user}/tokens", {"note": "hub test", "expires_in": DEADLINE})["token"]
        hub.request("POST", f"/hub/api/users/{user}/server", hub.service_token, {})
    for user in users:
        wait_for(lambda: (hub.api("GET", f"/users/{user}")["servers"].get("", {}) or {}).get("ready"),
                 min(120, _remaining(started)), f"{user}'s server")
    print(f"\n{len(users)} users, servers ready at {time.monotonic() - started:.0f} s")

    # 2. The nbgitpuller link, for each student.
    repo = bare.as_uri()
    for student in STUDENTS:
        pull(hub, student, repo)
        status, listing = hub.as_user(student, "GET", "/api/contents/rnn-course/notebooks")
        assert status == 200 and f"rnn-course/notebooks/{notebook.name}" in {i["path"] for i in listing["content"]}
    # An update later: merged into alice's copy, her own change kept.
    status, mine = hub.as_user("alice", "GET", f"/api/contents/rnn-course/notebooks/{notebook.name}")
    mine["content"]["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "alice's own note",
                                     "id": "alice-note"})
    assert hub.as_user("alice", "PUT", f"/api/contents/rnn-course/notebooks/{notebook.name}",
                       {"type": "notebook", "format": "json", "content": mine["content"]})[0] == 200
    (work / "UPDATE.md").write_text("Material added mid-term.\n")
    subprocess.run([*git, "add", "UPDATE.md"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "Mid-term update"], check=True)
    subprocess.run(["git", "-C", str(work), "push", "-q", str(bare), "main"], check=True)
    pull(hub, "alice", repo)
    assert hub.as_user("alice", "GET", "/api/contents/rnn-course/UPDATE.md")[0] == 200
    status, mine = hub.as_user("alice", "GET", f"/api/contents/rnn-course/notebooks/{notebook.name}")
    assert mine["content"]["cells"][-1]["source"] == "alice's own note"
    print(f"material pulled by nbgitpuller for {len(STUDENTS)} students, update merged, at "
          f"{time.monotonic() - started:.0f} s")

    # 3. The first notebook, top to bottom, in alice's server (its pulled, student copy).
    cells = [cell["source"] for cell in mine["content"]["cells"] if cell["cell_type"] == "code"]
    kernel = open_session(hub, "alice", f"rnn-course/notebooks/{notebook.name}")
    text = checked(run_in_kernel(hub, "alice", kernel, cells, min(300, _remaining(started))))
    assert "not attempted yet" in text and "The worked solution passes" not in text   # no solutions there
    print(f"{notebook.name}: {len(cells)} code cells run in alice's server at {time.monotonic() - started:.0f} s")

    # 4. One assignment released, fetched, submitted, collected, autograded, feedback returned.
    course_rel = course.relative_to(homes / INSTRUCTOR)
    kernels = {INSTRUCTOR: open_session(hub, INSTRUCTOR, f"{course_rel}/grading.ipynb"),
               **{user: open_session(hub, user, "nbgrader.ipynb") for user in ("alice", "bob")}}
    for user, kernel in kernels.items():
        checked(run_in_kernel(hub, user, kernel, [NBGRADER]))

    def instructor(*lines):
        return checked(run_in_kernel(hub, INSTRUCTOR, kernels[INSTRUCTOR], lines, min(300, _remaining(started))))

    def student(user, *lines):
        return checked(run_in_kernel(hub, user, kernels[user], lines, min(300, _remaining(started))))

    instructor(f"nbgrader('release_assignment', {assignment!r})")
    for user in ("alice", "bob"):
        student(user, f"nbgrader('fetch_assignment', {assignment!r})")
    path = f"/api/contents/{assignment}/{notebook.name}"
    status, fetched = hub.as_user("alice", "GET", path)
    released = json.dumps(fetched["content"])
    assert "BEGIN SOLUTION" not in released and "HIDDEN TESTS" not in released
    source_nb = _nbio.read_notebook(course / "source" / assignment / notebook.name)
    solved = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            solved[meta["grade_id"]] = "\n".join(line for line in cell.source.splitlines()
                                                 if line.strip() not in (make_assignments.BEGIN, make_assignments.END))
    for cell in fetched["content"]["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in solved:
            cell["source"] = solved[grade_id]
    assert hub.as_user("alice", "PUT", path, {"type": "notebook", "format": "json", "content": fetched["content"]})[0] == 200
    # nbgrader names a student by their system account; these uids have none, so the student's
    # name is given (on TLJH each user is a system account; on Z2JH nbgrader reads JUPYTERHUB_USER).
    for user in ("alice", "bob"):
        student(user, f"nbgrader('submit', {assignment!r}, '--student={user}')")
    scores = instructor(
        f"nbgrader('collect', {assignment!r})",
        f"nbgrader('autograde', {assignment!r})",
        f"nbgrader('generate_feedback', {assignment!r})",
        f"nbgrader('release_feedback', {assignment!r})",
        "from nbgrader.api import Gradebook\n"
        "with Gradebook('sqlite:///gradebook.db') as gradebook:\n"
        f"    for name in ('alice', 'bob'):\n"
        f"        s = gradebook.find_submission({assignment!r}, name)\n"
        "        print('SCORE', name, s.score, s.max_score)")
    table = {line.split()[1]: (float(line.split()[2]), float(line.split()[3]))
             for line in scores.splitlines() if line.startswith("SCORE ")}
    total = table["alice"][1]
    assert total > 0 and table == {"alice": (total, total), "bob": (0.0, total)}, table
    student("alice", f"nbgrader('fetch_feedback', {assignment!r}, '--student=alice')")
    status, feedback = hub.as_user("alice", "GET", f"/api/contents/{assignment}/feedback")
    assert status == 200 and len(feedback["content"]) == 1, feedback
    print(f"{assignment}: released, submitted, autograded: alice {table['alice'][0]:g}/{total:g}, "
          f"bob {table['bob'][0]:g}/{total:g}; feedback fetched, at {time.monotonic() - started:.0f} s")

    # 5. As alice: another student's work, the solutions, the hidden tests, the gradebook: refused.
    status = hub.request("GET", f"/user/bob/api/contents/{assignment}/{notebook.name}", hub.tokens["alice"])[0]
    assert status == 403, f"alice read bob's notebook through the hub: {status}"
    status = hub.request("GET", f"/user/{INSTRUCTOR}/api/contents/{course_rel}/source", hub.tokens["alice"])[0]
    assert status == 403, f"alice listed the instructor's source through the hub: {status}"
    status = hub.as_user("alice", "GET", "/api/contents/..%2F" + INSTRUCTOR)[0]
    assert status in (400, 403, 404), f"alice's server served a path outside her home: {status}"
    attempts = {
        "bob's notebook": homes / "bob" / assignment / notebook.name,
        "the submissions in the exchange": exchange / course_hub.COURSE_ID / "inbound",
        "bob's collected submission": course / "submitted" / "bob",
        "the solutions and hidden tests": course / "source" / assignment / notebook.name,
        "the gradebook": course / "gradebook.db",
        "bob's feedback": course / "feedback" / "bob",
    }
    probe = "\n".join(
        ["import os", "def attempt(what, path):",
         "    try:",
         "        os.listdir(path) if os.path.isdir(path) else open(path, 'rb').read(1)",
         "        print('READ', what)",
         "    except PermissionError as error:",
         "        print('REFUSED', what, type(error).__name__)"]
        + [f"attempt({what!r}, {str(path)!r})" for what, path in attempts.items()])
    said = student("alice", probe)
    print(said.strip())
    assert said.count("REFUSED") == len(attempts) and "READ" not in said, said
    _remaining(started)
