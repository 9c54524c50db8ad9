"""`make assignments` (tools/make_assignments.py) and the course hub's configuration, without a grader.

The grader itself is tested end to end in tests/test_grading.py (marked ci) and tests/test_hub.py.
"""
import ast
import sys
from pathlib import Path

import pytest
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tools" / "hub"))
import _nbio  # noqa: E402
import course_hub  # noqa: E402
import exercise_audit  # noqa: E402
import make_assignments  # noqa: E402

NOTEBOOKS = _nbio.numbered_notebooks(ROOT)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_becomes_an_answer_with_its_solution_and_a_graded_test(path):
    nb = _nbio.read_notebook(path)
    exercises, _ = exercise_audit.find_exercises(nb)
    source, points = make_assignments.make_source(nb, hidden={}, points=2)
    assert set(points) == {exercise.name for exercise in exercises} and set(points.values()) == {2}
    answers = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")]
    tests = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert not any(_nbio.has_tag(c, tag) for c in source.cells for tag in ("solution", "instructor"))
    assert all(not c.get("outputs") for c in source.cells if c.cell_type == "code")
    for exercise in exercises:
        answer = next(c for c in answers if f"def {exercise.name}(" in c.source)
        body = answer.source.split(make_assignments.BEGIN, 1)[1]
        assert make_assignments.END in body and "_solution" not in answer.source
        ast.parse(answer.source)                        # the instructor's answer is valid Python
        test = next(c for c in tests if f"exercises.require_passed({exercise.name})" in c.source)
        check = nb.cells[exercise.checks[0]].source
        assert test.source.startswith(check.rstrip())   # the student's own check, unchanged
        assert test.metadata["nbgrader"]["locked"] and test.metadata["nbgrader"]["points"] >= 2
    assert sum(t.metadata["nbgrader"]["points"] for t in tests) == sum(points.values())


def test_the_worked_solution_becomes_the_body_and_hidden_tests_go_between_the_markers():
    path = NOTEBOOKS[0]
    nb = _nbio.read_notebook(path)
    exercises, _ = exercise_audit.find_exercises(nb)
    name = exercises[0].name
    source, _ = make_assignments.make_source(nb, hidden={name: "assert True  # secret\n"})
    answer = next(c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")
                  and f"def {name}(" in c.source)
    namespace = {}
    exec("import numpy as np\n" + answer.source, namespace)       # the solution alone defines the function
    assert callable(namespace[name])
    test = next(c for c in source.cells if f"exercises.require_passed({name})" in c.source)
    hidden = test.source.split(make_assignments.BEGIN_HIDDEN, 1)[1]
    assert "# secret" in hidden and make_assignments.END_HIDDEN in hidden


def test_hidden_tests_for_no_exercise_are_an_error(tmp_path):
    folder = tmp_path / "hidden"
    folder.mkdir()
    (folder / "no_such_exercise.py").write_text("assert False\n")
    with pytest.raises(ValueError, match="no_such_exercise"):
        make_assignments.build(ROOT, tmp_path / "course", hidden_folder=folder, release=False,
                               log=lambda *_: None)


def test_the_example_hidden_tests_name_real_exercises():
    names = {e.name for path in NOTEBOOKS for e in exercise_audit.find_exercises(_nbio.read_notebook(path))[0]}
    assert set(make_assignments.load_hidden_tests(make_assignments.HIDDEN_TESTS)) <= names


def _load_hub_config(monkeypatch, **env):
    for name in ("COURSE_AUTH", "COURSE_INSTRUCTORS", "COURSE_STUDENTS", "OAUTH_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = Config()
    path = ROOT / "tools" / "hub" / "jupyterhub_config.py"
    exec(compile(path.read_text(), str(path), "exec"), {"get_config": lambda: config, "__file__": str(path)})
    return config


def test_the_deployable_hub_refuses_to_start_without_real_authentication(monkeypatch):
    with pytest.raises(SystemExit, match="COURSE_AUTH"):
        _load_hub_config(monkeypatch, COURSE_INSTRUCTORS="prof")
    with pytest.raises(SystemExit, match="COURSE_AUTH"):
        _load_hub_config(monkeypatch, COURSE_AUTH="dummy", COURSE_INSTRUCTORS="prof")
    with pytest.raises(SystemExit, match="OAUTH_CLIENT_ID"):
        _load_hub_config(monkeypatch, COURSE_AUTH="github", COURSE_INSTRUCTORS="prof")


def test_the_deployable_hub_with_github_login(monkeypatch):
    config = _load_hub_config(monkeypatch, COURSE_AUTH="github", COURSE_INSTRUCTORS="prof, ta",
                              COURSE_GITHUB_ORG="our-course", OAUTH_CLIENT_ID="id", OAUTH_CLIENT_SECRET="s",
                              OAUTH_CALLBACK_URL="https://hub.example.edu/hub/oauth_callback")
    assert config.JupyterHub.authenticator_class == "github"
    assert config.GitHubOAuthenticator.allowed_organizations == {"our-course"}
    assert config.Authenticator.admin_users == {"prof", "ta"}
    assert config.JupyterHub.load_groups == {"instructors": {"users": ["prof", "ta"]}}
    assert config.Spawner.default_url == "/lab"


def test_nbgitpuller_link():
    link = course_hub.nbgitpuller_link("https://hub.example.edu/", "https://git.example.edu/rnn-course-student",
                                       open_path="notebooks/00_introduction.ipynb")
    assert link == ("https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgit.example.edu"
                    "%2Frnn-course-student&branch=main&targetpath=rnn-course"
                    "&urlpath=lab%2Ftree%2Frnn-course%2Fnotebooks%2F00_introduction.ipynb")


def test_require_passed_scores_a_stub_and_an_unchecked_function_zero(capsys):
    from rnn_course import exercises

    def checker(function):
        exercises.expect_equal(function(2), 4, "square(2)")
        return "square(2) = 4"

    def square(x):
        return None                           # the stub

    exercises.check("Exercise 9 (square)", checker, square)
    assert "not attempted yet" in capsys.readouterr().out
    with pytest.raises(exercises.CheckFailed, match=r"Exercise 9 \(square\): not attempted yet"):
        exercises.require_passed(square)

    def square(x):                            # noqa: F811  (the student's answer)
        return x * x

    exercises.check("Exercise 9 (square)", checker, square)
    exercises.require_passed(square)

    def never_checked(x):
        return x
    with pytest.raises(exercises.CheckFailed, match="has not run"):
        exercises.require_passed(never_checked)
