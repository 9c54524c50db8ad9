"""Every exercise check in the notebooks tests the student's function: proved by planting answers.

An exercise is found by content, so a new one is covered without new test code: a code cell
holding ``# YOUR CODE HERE`` defines ``name``, a cell tagged ``solution`` defines
``name_solution``, and a later cell calls ``exercises.check(title, checker, name)``.

Each notebook runs once, top to bottom, in one kernel that stays alive; then, in that kernel, each
exercise's check cells are run again after planting, in place of the stub:

1. ``perturbed(name_solution(...))``, a near miss: the check must raise ``CheckFailed``;
2. a constant of the wrong kind (``123.0``): the check must raise ``CheckFailed``;
3. the worked solution itself: the check must print "all checks passed".

In the first run the untouched stub must make the check print "not attempted yet" and "The worked
solution passes". Last, every exercise function is planted raising ``NotImplementedError`` and the
other cells after the first stub (neither stubs, solutions nor checks) run again: a lesson or demo
cell that calls a student's function fails there, as it would for a student who has not solved
the exercise.
"""
import ast
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
STUB_MARKER = "# YOUR CODE HERE"
WRONG_CONSTANT = "123.0"

# What is planted in place of the stub; {name} is the student's function.
PLANTS = {
    "near miss": "def {name}(*args, **kwargs):\n"
                 "    from rnn_course.exercises import perturbed\n"
                 "    answer = {name}_solution(*args, **kwargs)\n"
                 "    wrong = perturbed(answer)\n"
                 "    if wrong is answer:\n"
                 "        print('PLANT: perturbed() cannot change a ' + type(answer).__name__ + ': this plant is not wrong')\n"
                 "    return wrong\n",
    "wrong kind": "def {name}(*args, **kwargs):\n    return " + WRONG_CONSTANT + "\n",
    "worked solution": "def {name}(*args, **kwargs):\n    return {name}_solution(*args, **kwargs)\n",
    "unsolved": "def {name}(*args, **kwargs):\n"
                "    raise NotImplementedError('{name} is planted unsolved by test_exercise_checks')\n",
}


@dataclass
class Exercise:
    name: str                      # the student's function
    stub: int                      # index of the stub cell
    checks: list = field(default_factory=list)    # indices of the cells that call exercises.check(..., name)


def _tree(source):
    """The AST of a cell's source (IPython magics turned into Python first); None if it does not parse."""
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


def _defined_functions(tree):
    return [node.name for node in getattr(tree, "body", []) if isinstance(node, ast.FunctionDef)]


def _checked_names(tree):
    """Names passed as the student's function to ``exercises.check(title, checker, function)``."""
    names = []
    for node in ast.walk(tree) if tree else []:
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "check"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "exercises"):
            arguments = list(node.args) + [k.value for k in node.keywords if k.arg == "student_function"]
            if len(arguments) >= 3 and isinstance(arguments[2], ast.Name):
                names.append(arguments[2].id)
    return names


def find_exercises(nb):
    """(exercises, problems): the notebook's exercises found by content, and what breaks the convention."""
    problems = []
    trees = {i: _tree(c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    solutions = {name for i, tree in trees.items() if "solution" in nb.cells[i].metadata.get("tags", [])
                 for name in _defined_functions(tree) if name.endswith("_solution")}
    exercises, stubbed = [], set()
    for i, tree in trees.items():
        cell = nb.cells[i]
        if STUB_MARKER not in cell.source or "solution" in cell.metadata.get("tags", []):
            continue
        names = [name for name in _defined_functions(tree) if f"{name}_solution" in solutions]
        if not names:
            problems.append(f"cell {i} has {STUB_MARKER!r} but defines no function whose worked solution "
                            f"<name>_solution is in a cell tagged 'solution' (found {_defined_functions(tree)})")
        for name in names:
            checks = [j for j, other in trees.items() if j > i and name in _checked_names(other)]
            if not checks:
                problems.append(f"{name} (stub in cell {i}) has no later cell calling exercises.check(..., {name})")
            exercises.append(Exercise(name, i, checks))
            stubbed.add(name)
    for solution in sorted(solutions):
        if solution[:-len("_solution")] not in stubbed:
            problems.append(f"{solution} has no stub: no cell with {STUB_MARKER!r} defines {solution[:-len('_solution')]}")
    return exercises, problems


def _text(cell):
    """Everything a cell printed, errors included."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}\n")
        elif "text/plain" in output.get("data", {}):
            parts.append(output.data["text/plain"] + "\n")
    return "".join(parts)


def _first_line(cell):
    return next((line for line in cell.source.splitlines() if line.strip()), "")[:80]


class Kernel:
    """One notebook's kernel, kept alive: run its cells in order, then run single cells again."""

    def __init__(self, nb, path):
        self.nb = nb
        self.client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(path)}})

    def run(self, cell, index):
        """Run ``cell``; return (text it printed, error name or None)."""
        try:
            self.client.execute_cell(cell, index)
        except CellExecutionError as error:
            return _text(cell), error.ename
        return _text(cell), None

    def run_copy(self, index):
        return self.run(copy.deepcopy(self.nb.cells[index]), index)

    def plant(self, kind, name, index):
        return self.run(nbformat.v4.new_code_cell(PLANTS[kind].format(name=name)), index)


def audit(path):
    """Run the notebook at ``path`` and plant answers in its exercises; return (problems, report).

    ``report`` maps (function, plant) to the text its check cells printed, for the messages."""
    nb = nbformat.read(path, as_version=4)
    exercises, problems = find_exercises(nb)
    report = {}
    if problems or not exercises:
        return problems, report
    kernel = Kernel(nb, path.parent)
    with kernel.client.setup_kernel():
        # The notebook as it is stored: every cell runs, the stubs are not attempted.
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            text, error = kernel.run(cell, index)
            if error:
                problems.append(f"cell {index} ({_first_line(cell)!r}) fails in a top-to-bottom run: {text.strip()[-300:]}")
                return problems, report
        for exercise in exercises:
            for index in exercise.checks:
                text = _text(nb.cells[index])
                if "not attempted yet" not in text or "The worked solution passes" not in text:
                    problems.append(f"{exercise.name}: with the stub untouched, its check (cell {index}) must print "
                                    f"'not attempted yet' and 'The worked solution passes'; it printed {text.strip()!r}")

        for exercise in exercises:
            for kind in ("near miss", "wrong kind", "worked solution"):
                kernel.plant(kind, exercise.name, exercise.stub)
                outcomes = [kernel.run_copy(index) for index in exercise.checks]
                text = "".join(text for text, _ in outcomes)
                report[exercise.name, kind] = text
                errors = [error for _, error in outcomes if error]
                if kind == "worked solution":
                    if errors or "all checks passed" not in text:
                        problems.append(f"{exercise.name}: the worked solution planted as the student's answer must pass "
                                        f"its check; the check printed {text.strip()!r}")
                elif "CheckFailed" not in errors:
                    hint = " perturbed() cannot make this kind of answer wrong: change what the exercise returns," \
                           " or extend perturbed()." if "PLANT: perturbed() cannot change" in text else ""
                    problems.append(f"{exercise.name}: a planted {kind} answer must make its check raise CheckFailed; "
                                    f"errors {errors}, printed {text.strip()!r}.{hint}")
            kernel.run_copy(exercise.stub)                   # back to the untouched stub

        # No cell after the exercises start may need a solved exercise.
        for exercise in exercises:
            kernel.plant("unsolved", exercise.name, exercise.stub)
        first_stub = min(exercise.stub for exercise in exercises)
        exercise_cells = {index for exercise in exercises for index in [exercise.stub, *exercise.checks]}
        for index in range(first_stub + 1, len(nb.cells)):
            cell = nb.cells[index]
            if cell.cell_type != "code" or index in exercise_cells or "solution" in cell.metadata.get("tags", []):
                continue                                     # the checks ran above; only the other cells now
            text, error = kernel.run_copy(index)
            if error:
                problems.append(f"cell {index} ({_first_line(cell)!r}) fails when the exercises are unsolved "
                                f"(their functions raise NotImplementedError): {error}: {text.strip()[-300:]}")
    return problems, report


# --- the tester tested, on a small synthetic notebook ------------------------------------------

def _synthetic(tmp_path, check_source=None, after=None):
    """A notebook with one exercise (``halve``) in the agreed form; optional weaker check, extra cell."""
    cells = [
        nbformat.v4.new_markdown_cell("# Synthetic\n## Exercises\n**Exercise 1.** Halve a number."),
        nbformat.v4.new_code_cell("from rnn_course import exercises"),
        nbformat.v4.new_code_cell(f"def halve(x):\n    {STUB_MARKER}\n    return None"),
        nbformat.v4.new_code_cell("# Worked solution (hidden) of Exercise 1: halve\ndef halve_solution(x):\n    return x / 2",
                                  metadata={"tags": ["solution"], "jupyter": {"source_hidden": True}}),
        nbformat.v4.new_code_cell(check_source or (
            "def check_halve(halve):\n"
            "    got = exercises.expect_close(halve(3.0), 1.5, 1e-12, 'halve(3.0)')\n"
            "    return f'halve(3.0) = {got}'\n\n"
            "exercises.check('Exercise 1: halve', check_halve, halve)")),
    ]
    if after:
        cells.append(nbformat.v4.new_code_cell(after))
    path = tmp_path / "99_synthetic.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_a_synthetic_exercise_in_the_agreed_form_passes_the_audit(tmp_path):
    problems, report = audit(_synthetic(tmp_path))
    assert problems == []
    assert report["halve", "near miss"] == "CheckFailed: Exercise 1: halve: halve(3.0) should be 1.5 (within 1e-12), got 1.75, off by 0.25\n"
    assert report["halve", "wrong kind"] == "CheckFailed: Exercise 1: halve: halve(3.0) should be 1.5 (within 1e-12), got 123, off by 122\n"
    assert report["halve", "worked solution"] == "Exercise 1: halve: all checks passed (halve(3.0) = 1.5)\n"


def test_the_audit_finds_weak_checks_lesson_cells_that_need_a_solution_and_broken_conventions(tmp_path):
    weak = ("def check_halve(halve):\n"
            "    exercises.expect_type(halve(3.0), float, 'halve(3.0)')     # any float passes\n"
            "    return 'ok'\n\n"
            "exercises.check('Exercise 1: halve', check_halve, halve)")
    problems, _ = audit(_synthetic(tmp_path, check_source=weak, after="print('half of 8 is', halve(8.0))"))
    assert len(problems) == 3, problems
    assert problems[0].startswith("halve: a planted near miss answer must make its check raise CheckFailed")
    assert problems[1].startswith("halve: a planted wrong kind answer must make its check raise CheckFailed")
    assert problems[2].startswith("cell 5 (\"print('half of 8 is', halve(8.0))\") fails when the exercises are unsolved")

    old_convention = _synthetic(tmp_path)
    nb = nbformat.read(old_convention, as_version=4)
    nb.cells[3].source = nb.cells[3].source.replace("halve_solution", "halve")   # the solution replaces the stub
    nbformat.write(nb, old_convention)
    problems, _ = audit(old_convention)
    assert problems == ["cell 2 has '# YOUR CODE HERE' but defines no function whose worked solution "
                        "<name>_solution is in a cell tagged 'solution' (found ['halve'])"]


def test_a_plant_that_cannot_be_wrong_is_reported_not_passed(tmp_path):
    model_check = ("class Model:\n    pass\n\nMODEL = Model()\n\n"
                   "def check_model(build):\n"
                   "    exercises.expect_type(build(1), Model, 'build(1)')\n"
                   "    return 'a Model'\n\n"
                   "exercises.check('Exercise 1: model', check_model, halve)")
    path = _synthetic(tmp_path, check_source=model_check)
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].source = "# Worked solution (hidden) of Exercise 1\ndef halve_solution(x):\n    return MODEL"
    nbformat.write(nb, path)
    problems, report = audit(path)
    assert len(problems) == 1 and "perturbed() cannot make this kind of answer wrong" in problems[0], problems
    assert "PLANT: perturbed() cannot change a Model" in report["halve", "near miss"]


# --- the real notebooks ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_check_tests_the_students_function(path):
    problems, report = audit(path)
    assert not problems, f"{path.name}:\n- " + "\n- ".join(problems)
    assert report, f"{path.name}: no exercise found (a stub with {STUB_MARKER!r} and its name_solution)"
