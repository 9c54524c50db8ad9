"""Grading end to end with the real grader (nbgrader), as a course would run it.

For each notebook tested: `make assignments` builds its assignment, the instructor releases it to
an exchange, three students fetch it and submit (every exercise right; the first exercise wrong,
the rest right; untouched), the instructor collects, autogrades, generates and releases feedback,
and each student fetches their feedback. The scores must be full, partial (the first exercise's
points lost) and zero, and the feedback of the wrong submission must name that exercise with the
check's own message, the one the student saw when running the notebook before submitting.

CI (``-m ci``) grades the first numbered notebook; ``make grade-test`` (GRADE_ALL_NOTEBOOKS=1)
grades every one and prints the grade table.
"""
import ast
import html
import os
import re
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

nbgrader = pytest.importorskip("nbgrader", reason="the hub group: make install GROUPS=hub "
                               "(python tools/course.py install --group hub)")
import _nbio  # noqa: E402
import exercise_audit  # noqa: E402
import make_assignments  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

STUDENTS = ("right", "wrong", "untouched")


def exchange_config(course, exchange):
    return {"CourseDirectory": {"course_id": make_assignments.COURSE_ID},
            "Exchange": {"root": str(exchange)}}


def student_app(kind, course, exchange, student, home, assignment):
    """nbgrader's exchange app ``kind`` (fetch_assignment, submit, fetch_feedback) as ``student``."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import default as exchange_classes
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.course_id = make_assignments.COURSE_ID
    config.CourseDirectory.assignment_id = assignment
    config.CourseDirectory.student_id = student
    config.Exchange.root = str(exchange)
    config.Exchange.assignment_dir = str(home)
    # Each student's own cache of what they submitted (nbgrader keeps it in the user's data folder,
    # ~/.local/share/jupyter): shared, every student would fetch every student's feedback.
    config.Exchange.cache = str(home / ".nbgrader_cache")
    coursedir = CourseDirectory(config=config)
    cls = {"fetch_assignment": exchange_classes.ExchangeFetchAssignment,
           "submit": exchange_classes.ExchangeSubmit,
           "fetch_feedback": exchange_classes.ExchangeFetchFeedback}[kind]
    app = cls(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)
    app.start()


def answers(source_nb):
    """{grade_id: the answer cell with the worked solution, as a student who solved it writes it}."""
    out = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            out[meta["grade_id"]] = "\n".join(line for line in cell.source.splitlines()
                                              if line.strip() not in (make_assignments.BEGIN, make_assignments.END))
    return out


def wrong_answer(source, name):
    """``source`` solved, then ``name`` wrapped so that it returns a near miss (as the exercise audit plants)."""
    return (source + f"\n\n\n_right_{name} = {name}\n\n\ndef {name}(*args, **kwargs):\n"
            f"    from rnn_course.exercises import perturbed\n"
            f"    return perturbed(_right_{name}(*args, **kwargs))\n")


def write_submission(path, kind, source_nb, first_exercise):
    """Fill the fetched notebook at ``path`` as student ``kind`` would."""
    nb = _nbio.read_notebook(path)
    solved = answers(source_nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if kind == "untouched" or grade_id not in solved:
            continue
        cell.source = solved[grade_id]
        if kind == "wrong" and re.search(rf"^def {first_exercise}\(", cell.source, re.M):
            cell.source = wrong_answer(cell.source, first_exercise)
    _nbio.write_if_changed(path, _nbio.notebook_text(nb))


def run_as_student(path):
    """Run the notebook top to bottom as the student does before submitting; keep its outputs."""
    nb = _nbio.read_notebook(path)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    _nbio.write_if_changed(path, _nbio.notebook_text(nb))
    return nb


def errors_of(nb):
    """{grade_id: "ename: evalue"} of the test cells that raised."""
    found = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        for output in cell.get("outputs", []):
            if output.output_type == "error" and meta.get("grade"):
                found[meta["grade_id"]] = f"{output.ename}: {output.evalue}"
    return found


def page_text(path):
    """The text a student reads in an HTML feedback page (tags and ANSI colour spans removed)."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def check_title(nb, name):
    """The title the notebook's ``exercises.check(title, checker, name)`` gives exercise ``name``."""
    for cell in nb.cells:
        tree = exercise_audit._tree(cell.source) if cell.cell_type == "code" else None
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "check" and len(node.args) >= 3 \
                    and getattr(node.args[2], "id", None) == name and isinstance(node.args[0], ast.Constant):
                return node.args[0].value
    raise AssertionError(f"no exercises.check(..., {name}) with a literal title")


def notebooks_to_grade():
    notebooks = _nbio.numbered_notebooks(ROOT)
    return notebooks if os.environ.get("GRADE_ALL_NOTEBOOKS") else notebooks[:1]


@pytest.mark.ci
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:Object of type:Warning")   # nbgrader's own
@pytest.mark.parametrize("notebook", notebooks_to_grade(), ids=lambda path: path.stem)
def test_release_submit_autograde_and_feedback_with_nbgrader(notebook, tmp_path):
    started = time.monotonic()
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    exchange.mkdir()
    assignment = notebook.stem
    points = make_assignments.build(ROOT, course, release=True, only=[notebook], log=lambda *_: None)[assignment]
    total = sum(points.values())
    first = next(iter(points))
    api = make_assignments.nbgrader_api(course, **exchange_config(course, exchange))
    assert api.release_assignment(assignment)["success"]

    source_nb = _nbio.read_notebook(course / "source" / assignment / notebook.name)
    # A wrong first exercise loses the points of the test cells that check it (one cell may check two).
    lost = sum(cell.metadata["nbgrader"]["points"] for cell in source_nb.cells
               if cell.metadata.get("nbgrader", {}).get("grade") and f"exercises.require_passed({first})" in cell.source)
    seen = {}
    for student in STUDENTS:
        home = tmp_path / "home" / student
        home.mkdir(parents=True)
        student_app("fetch_assignment", course, exchange, student, home, assignment)
        fetched = home / assignment / notebook.name
        source_text = fetched.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in source_text and "HIDDEN TESTS" not in source_text
        write_submission(fetched, student, source_nb, first)
        if student == "wrong":
            seen = errors_of(run_as_student(fetched))
        student_app("submit", course, exchange, student, home, assignment)

    assert api.collect(assignment)["success"]
    grades = {}
    from nbgrader.api import Gradebook
    for student in STUDENTS:
        result = api.autograde(assignment, student)
        assert result["success"], result["log"]
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission(assignment, student)
            grades[student] = (submission.score, submission.max_score)
        assert api.generate_feedback(assignment, student)["success"]
        assert api.release_feedback(assignment, student)["success"]
        student_app("fetch_feedback", course, exchange, student, tmp_path / "home" / student, assignment)

    print(f"\n{assignment}: " + ", ".join(f"{s} {grades[s][0]:g}/{grades[s][1]:g}" for s in STUDENTS)
          + f" ({time.monotonic() - started:.0f} s)")
    assert grades["right"] == (total, total)
    assert grades["wrong"] == (total - lost, total)
    assert grades["untouched"] == (0, total)

    # The wrong submission's feedback names the wrong exercise with the check's message, the same
    # message the student saw in their own run; the other exercises passed there.
    autograded = _nbio.read_notebook(course / "autograded" / "wrong" / assignment / notebook.name)
    graded_errors = errors_of(autograded)
    assert graded_errors and all(first in grade_id for grade_id in graded_errors), graded_errors
    assert graded_errors == seen, "the grader's message differs from the one the student saw"
    message = next(iter(graded_errors.values()))
    assert message.startswith(f"CheckFailed: {check_title(source_nb, first)}: "), message
    feedback = {student: sorted((tmp_path / "home" / student / assignment / "feedback").rglob("*.html"))
                for student in STUDENTS}
    assert all(len(pages) == 1 for pages in feedback.values()), f"one page each, their own: {feedback}"
    text = page_text(feedback["wrong"][0])
    assert message.split(": ", 1)[1] in text
    assert f"{assignment} (Score: {total - lost:.1f} / {total:.1f})" in text
    assert f"{assignment} (Score: {total:.1f} / {total:.1f})" in page_text(feedback["right"][0])

    # The untouched submission's feedback says "not attempted yet" for each exercise.
    untouched = page_text(feedback["untouched"][0])
    assert untouched.count("not attempted yet") >= len(points)
    assert f"{assignment} (Score: 0.0 / {total:.1f})" in untouched
