"""Build nbgrader's source assignments from the notebooks: one assignment per numbered notebook.

``make assignments`` (``python tools/course.py assignments``) writes a course directory for
nbgrader (default ``build/assignments/``)::

    nbgrader_config.py          course id, cell time-out, the exchange (see docs/hub.md)
    source/NN_name/NN_name.ipynb  the instructor's copy: worked solutions inside the answers
    source/NN_name/data/...       the other files of notebooks/ (data the notebook reads)
    release/NN_name/...           what students get (nbgrader generate_assignment): no solutions,
                                  no hidden tests, no outputs

Exercises are found as everywhere else (tools/exercise_audit.py's ``find_exercises``): a stub
cell with ``# YOUR CODE HERE`` defining ``name``, a cell tagged ``solution`` defining
``name_solution``, later cells calling ``exercises.check(title, checker, name)``. For each:

* the stub cell becomes an nbgrader *autograded answer* (``solution``): the function keeps its
  signature and docstring, its body becomes the worked solution between
  ``### BEGIN SOLUTION`` / ``### END SOLUTION`` (nbgrader releases ``raise NotImplementedError()``
  there, which the check reports as "not attempted yet");
* each check cell becomes an *autograder test* (``grade``, ``points``, locked): the check cell
  itself, so the message a student sees is the one the grader records, then
  ``exercises.require_passed(name)``, so an unattempted exercise scores zero; hidden tests from
  ``--hidden-tests DIR/<name>.py`` (keyed by the function, not the notebook) follow between
  ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``;
* the worked-solution cells and the cells tagged ``instructor`` are left out, outputs cleared
  (tools/make_student.py's ``studentize``).

Usage::

    python tools/make_assignments.py                          # build/assignments
    python tools/make_assignments.py --out DIR --hidden-tests PRIVATE_DIR --points 2
    python tools/make_assignments.py --no-release             # source only (no nbgrader needed)
"""
from __future__ import annotations

import argparse
import ast
import copy
import re
import shutil
import sys
import textwrap
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import _nbio  # noqa: E402
import exercise_audit  # noqa: E402
import make_student  # noqa: E402

COURSE_ID = "rnn-course"
HIDDEN_TESTS = Path(__file__).resolve().parent / "hidden_tests"     # an example; a course keeps its own private
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CELL_TIMEOUT = 600          # seconds per cell when nbgrader runs a submission (training cells are slow)
CONFIG = '''\
# nbgrader's configuration for the course directory that tools/make_assignments.py wrote.
# On a hub, the instructor's server runs nbgrader here; docs/hub.md sets the exchange there.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "{course_id}"
c.ExecutePreprocessor.timeout = {timeout}
c.Execute.timeout = {timeout}
'''


def nbgrader_meta(grade_id, *, solution=False, grade=False, points=0, locked=False):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def _lines(source, first, last):
    """Lines ``first``..``last`` (1-based, inclusive) of ``source``."""
    return source.splitlines()[first - 1:last]


def _body_lines(source, function):
    """The source lines of ``function``'s body, its docstring left out (comments kept)."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        start = body[0].end_lineno + 1
    else:
        lines = source.splitlines()
        start = next(i + 2 for i in range(function.lineno - 1, body[0].lineno - 1)
                     if lines[i].split("#")[0].rstrip().endswith(":"))
    lines = _lines(source, start, function.end_lineno)
    while lines and not lines[0].strip():
        lines.pop(0)
    return textwrap.dedent("\n".join(lines)).splitlines()


def solution_bodies(solution_cells, names):
    """{name: body lines}: each exercise's worked solution as the body of the student's function.

    The solution cell's other top-level statements (imports) come first in the body; references to
    ``other_solution`` become ``other``, so a solution calling another exercise's calls the student's."""
    bodies = {}
    rename = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")_solution\b") if names else None
    for source in solution_cells:
        tree = exercise_audit._tree(source)
        functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        preamble = [line for node in tree.body if not (isinstance(node, ast.FunctionDef) and node.name.endswith("_solution"))
                    for line in _lines(source, node.lineno, node.end_lineno)]
        for fname, node in functions.items():
            name = fname[:-len("_solution")]
            if name in names:
                body = preamble + _body_lines(source, node)
                bodies[name] = [rename.sub(r"\1", line) for line in body]
    return bodies


def answer_source(stub_source, bodies):
    """The stub cell with each stubbed function's body (from ``# YOUR CODE HERE`` on) replaced by its solution."""
    tree = exercise_audit._tree(stub_source)
    lines = stub_source.splitlines()
    for node in sorted((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in bodies),
                       key=lambda n: -n.lineno):
        marker = next(i for i in range(node.lineno - 1, node.end_lineno)
                      if lines[i].strip().startswith(exercise_audit.STUB_MARKER))
        indent = lines[marker][:len(lines[marker]) - len(lines[marker].lstrip())]
        block = [indent + BEGIN] + [(indent + line) if line.strip() else "" for line in bodies[node.name]] \
            + [indent + END]
        lines[marker:node.end_lineno] = block
    return "\n".join(lines)


def test_source(check_source, names, hidden):
    """The autograder test: the check cell, then require_passed for each exercise, then hidden tests."""
    parts = [check_source.rstrip(), "",
             "# Graded: an exercise not attempted scores zero (the check above says why).",
             *[f"exercises.require_passed({name})" for name in names]]
    extra = [hidden[name].rstrip() for name in names if name in hidden]
    if extra:
        parts += [BEGIN_HIDDEN, *extra, END_HIDDEN]
    return "\n".join(parts)


def load_hidden_tests(folder):
    """{function name: test source} from ``folder/<name>.py``; {} when there is no folder."""
    if folder is None or not Path(folder).is_dir():
        return {}
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(Path(folder).glob("*.py"))}


def make_source(nb, hidden=None, points=1):
    """The nbgrader source notebook of ``nb`` (a copy); (notebook, {exercise: points}).

    Raises ValueError when the exercises break the convention (the audit's problems)."""
    hidden = hidden or {}
    exercises, problems = exercise_audit.find_exercises(nb)
    if problems:
        raise ValueError("; ".join(problems))
    nb = copy.deepcopy(nb)
    names = [exercise.name for exercise in exercises]
    solution_cells = [cell.source for cell in nb.cells if _nbio.has_tag(cell, "solution")]
    bodies = solution_bodies(solution_cells, names)
    by_stub, by_check = {}, {}
    for exercise in exercises:
        by_stub.setdefault(exercise.stub, []).append(exercise.name)
        for index in exercise.checks:
            by_check.setdefault(index, [])
            if exercise.name not in by_check[index]:
                by_check[index].append(exercise.name)
    for index, stubbed in by_stub.items():
        cell = nb.cells[index]
        cell.source = answer_source(cell.source, {name: bodies[name] for name in stubbed})
        cell.metadata["nbgrader"] = nbgrader_meta("answer_" + "_".join(stubbed), solution=True)
    scores = {}
    for index, checked in by_check.items():
        cell = nb.cells[index]
        cell.source = test_source(cell.source, checked, hidden)
        cell.metadata["nbgrader"] = nbgrader_meta("test_" + "_".join(checked), grade=True,
                                                  points=points * len(checked), locked=True)
        for name in checked:
            scores[name] = points
    make_student.studentize(nb)        # worked-solution and instructor cells out, outputs cleared
    return nb, scores


def assignment_name(path):
    return Path(path).stem


def build(root, out, hidden_folder=HIDDEN_TESTS, points=1, release=True, log=print, only=None):
    """Write the course directory ``out`` from ``root``'s numbered notebooks (or ``only`` those);
    return {assignment: {exercise: points}}."""
    hidden = load_hidden_tests(hidden_folder)
    notebooks = _nbio.numbered_notebooks(root)
    if only is not None:
        notebooks = [path for path in notebooks if path.name in {Path(p).name for p in only}]
    known = set()
    plan = {}
    for path in notebooks:
        nb = _nbio.read_notebook(path)
        source_nb, scores = make_source(nb, hidden, points)
        known |= set(scores)
        plan[assignment_name(path)] = (path, source_nb, scores)
    unknown = sorted(set(hidden) - known)
    if unknown and only is None:
        raise ValueError(f"hidden tests for no exercise of the notebooks: {', '.join(unknown)} "
                         f"(files are named after the exercise's function)")
    out.mkdir(parents=True, exist_ok=True)
    _nbio.write_if_changed(out / "nbgrader_config.py", CONFIG.format(course_id=COURSE_ID, timeout=CELL_TIMEOUT))
    source_dir = out / "source"
    for stale in (source_dir.iterdir() if source_dir.is_dir() else []):
        if stale.name not in plan and only is None:
            shutil.rmtree(stale)
    extra = {name: data for name, data in make_student._tree_files(_nbio.notebooks_dir(root), Path()).items()
             if name.suffix != ".ipynb"}
    for name, (path, source_nb, scores) in plan.items():
        folder = source_dir / name
        _nbio.write_if_changed(folder / path.name, _nbio.notebook_text(source_nb))
        for relative, data in extra.items():
            make_student._write(folder / relative, data)
        log(f"{name}: {len(scores)} exercises, {sum(scores.values())} points"
            f"{', hidden tests for ' + ', '.join(sorted(set(scores) & set(hidden))) if set(scores) & set(hidden) else ''}")
    if release:
        generate_releases(out, list(plan), log)
    return {name: scores for name, (_, _, scores) in plan.items()}


def nbgrader_api(course_dir, **config):
    """nbgrader's Python API for ``course_dir`` (its nbgrader_config.py read), with extra config."""
    import os

    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    # nbgrader runs `alembic` (its gradebook's migrations) from PATH: this environment's first.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    loaded = PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()
    loaded.CourseDirectory.root = str(course_dir)
    for section, values in config.items():
        for key, value in values.items():
            setattr(getattr(loaded, section), key, value)
    return NbGraderAPI(config=Config(loaded))


def generate_releases(out, names, log=print):
    """nbgrader generate_assignment for each assignment: release/NAME without solutions or hidden tests."""
    api = nbgrader_api(out)
    for name in names:
        result = api.generate_assignment(name, force=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{result['error']}\n{result['log']}")
    log(f"released {len(names)} assignments in {out / 'release'} (nbgrader generate_assignment)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _nbio.add_root_argument(parser)
    parser.add_argument("--out", type=Path, default=None, help="course directory (default build/assignments)")
    parser.add_argument("--hidden-tests", type=Path, default=HIDDEN_TESTS,
                        help="folder of hidden tests, <exercise function>.py each (default: tools/hidden_tests, "
                             "an example; keep a real course's out of the students' repository)")
    parser.add_argument("--points", type=int, default=1, help="points per exercise (default 1)")
    parser.add_argument("--no-release", action="store_true",
                        help="write source/ only, without running nbgrader generate_assignment")
    args = parser.parse_args(argv)
    root = _nbio.resolve_root(args.root)
    out = (args.out if args.out is not None else root / "build" / "assignments").resolve()
    try:
        build(root, out, args.hidden_tests, args.points, release=not args.no_release)
    except (ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
