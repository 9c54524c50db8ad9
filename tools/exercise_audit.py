"""Every exercise check in the notebooks tests the student's function: proved by planting answers.

An exercise is found by content, so a new one is covered without new code: a code cell holding
``# YOUR CODE HERE`` defines ``name``, a cell tagged ``solution`` defines ``name_solution``, and a
later cell calls ``exercises.check(title, checker, name)``.

The audit runs in the kernel in which the notebook has just run top to bottom. In `make test` that
is nbval's own kernel: the root conftest.py adds one item, "exercise checks", after each
notebook's last cell (option ``--exercise-audit``), so the notebook is executed once for both
the output comparison and the audit. With the stubs untouched, every check must have printed "not
attempted yet" and "The worked solution passes" (nbval has just compared those outputs with the
stored ones). Then, in that kernel, each exercise's check cells are run again after planting, in
place of the stub:

1. ``perturbed(name_solution(...))``, a near miss: the check must raise ``CheckFailed``;
2. a constant of the wrong kind (``123.0``): the check must raise ``CheckFailed``;
3. the worked solution itself: the check must print "all checks passed";
4. every usual mistake catalogued for the exercise (``rnn_course.mistakes.CATALOGUE[name]``, each a
   wrong implementation): the check must raise ``CheckFailed`` and name that mistake;
5. the worked solution, changing every array passed to it in place (``perturb_in_place``): the
   check must raise ``CheckFailed`` and say that the inputs were changed in place (skipped for an
   exercise whose function takes no array).

Last, every exercise function is planted raising ``NotImplementedError`` and the other cells
after the first stub (neither stubs, solutions nor checks) run again: a lesson or demo cell that
calls a student's function fails there, as it would for a student who has not solved the exercise.

``audit(path)`` does the same in a kernel of its own (nbclient), for one notebook outside nbval.
"""
import ast
from dataclasses import dataclass, field

import nbformat
from IPython.core.inputtransformer2 import TransformerManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from rnn_course.mistakes import CATALOGUE

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
    "catalogued mistake": "def {name}(*args, **kwargs):\n"
                          "    from rnn_course.mistakes import CATALOGUE\n"
                          "    return CATALOGUE[{name!r}][{index}].wrong(*args, **kwargs)\n",
    "in place": "def {name}(*args, **kwargs):\n"
                "    from rnn_course.exercises import _deepcopy, perturb_in_place\n"
                "    answer = {name}_solution(*_deepcopy(args), **_deepcopy(kwargs))\n"
                "    if not perturb_in_place((args, kwargs)):\n"
                "        print('PLANT: no array passed in')\n"
                "    return answer\n",
    "unsolved": "def {name}(*args, **kwargs):\n"
                "    raise NotImplementedError('{name} is planted unsolved by the exercise audit')\n",
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


class NotebookClientRunner:
    """A kernel of its own (nbclient) for one notebook: run its cells, then any source again."""

    def __init__(self, nb, path):
        self.client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(path)}})

    def run_cell(self, cell, index):
        """Run ``cell`` (its outputs are kept in it); return (text it printed, error name or None)."""
        try:
            self.client.execute_cell(cell, index)
        except CellExecutionError as error:
            return _text(cell), error.ename
        return _text(cell), None

    def run(self, source):
        return self.run_cell(nbformat.v4.new_code_cell(source), 0)


class KernelRunner:
    """Run source in an already running kernel (nbval's RunningKernel); collect what it printed."""

    def __init__(self, kernel, timeout=600):
        self.kernel, self.timeout = kernel, timeout

    def run(self, source):
        """(text printed, error name or None), as NotebookClientRunner.run."""
        msg_id = self.kernel.execute_cell_input(source, allow_stdin=False)
        self.kernel.await_reply(msg_id, timeout=self.timeout)
        parts, error = [], None
        while True:
            msg = self.kernel.get_message("iopub", timeout=self.timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content["execution_state"] == "idle":
                return "".join(parts), error
            if kind == "stream":
                parts.append(content["text"])
            elif kind == "error":
                error = content["ename"]
                parts.append(f"{content['ename']}: {content['evalue']}\n")
            elif kind in ("execute_result", "display_data") and "text/plain" in content.get("data", {}):
                parts.append(content["data"]["text/plain"] + "\n")


def audit_in_kernel(nb, exercises, runner):
    """Plant answers in a kernel where ``nb`` has just run top to bottom; return (problems, report).

    ``report`` maps (function, plant) to the text its check cells printed, for the messages."""
    problems, report = [], {}
    for exercise in exercises:
        for index in exercise.checks:
            text = _text(nb.cells[index])
            if "not attempted yet" not in text or "The worked solution passes" not in text:
                problems.append(f"{exercise.name}: with the stub untouched, its check (cell {index}) must print "
                                f"'not attempted yet' and 'The worked solution passes'; it printed {text.strip()!r}")

    def run_cells(indices):
        return [runner.run(nb.cells[index].source) for index in indices]

    for exercise in exercises:
        for kind in ("near miss", "wrong kind", "worked solution"):
            runner.run(PLANTS[kind].format(name=exercise.name))
            outcomes = run_cells(exercise.checks)
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
        for index, mistake in enumerate(CATALOGUE.get(exercise.name, ())):
            runner.run(PLANTS["catalogued mistake"].format(name=exercise.name, index=index))
            outcomes = run_cells(exercise.checks)
            text = "".join(text for text, _ in outcomes)
            report[exercise.name, f"mistake {index}"] = text
            if "CheckFailed" not in [error for _, error in outcomes] or f"known mistake: {mistake.name}." not in text:
                problems.append(f"{exercise.name}: the catalogued mistake {mistake.name!r} planted as the answer must "
                                f"make its check fail and name it; the check printed {text.strip()!r}")
        runner.run(PLANTS["in place"].format(name=exercise.name))
        outcomes = run_cells(exercise.checks)
        text = "".join(text for text, _ in outcomes)
        report[exercise.name, "in place"] = text
        if "PLANT: no array passed in" not in text and (
                "CheckFailed" not in [error for _, error in outcomes] or "in place" not in text):
            problems.append(f"{exercise.name}: the worked solution changing its input arrays in place must make its "
                            f"check fail and say so; the check printed {text.strip()!r}")
        run_cells([exercise.stub])                     # back to the untouched stub

    # No cell after the exercises start may need a solved exercise.
    for exercise in exercises:
        runner.run(PLANTS["unsolved"].format(name=exercise.name))
    first_stub = min(exercise.stub for exercise in exercises)
    exercise_cells = {index for exercise in exercises for index in [exercise.stub, *exercise.checks]}
    for index in range(first_stub + 1, len(nb.cells)):
        cell = nb.cells[index]
        if cell.cell_type != "code" or index in exercise_cells or "solution" in cell.metadata.get("tags", []):
            continue                                   # the checks ran above; only the other cells now
        text, error = runner.run(cell.source)
        if error:
            problems.append(f"cell {index} ({_first_line(cell)!r}) fails when the exercises are unsolved "
                            f"(their functions raise NotImplementedError): {error}: {text.strip()[-300:]}")
    return problems, report


def audit(path):
    """Run the notebook at ``path`` in a kernel of its own, then audit its exercises: (problems, report)."""
    nb = nbformat.read(path, as_version=4)
    exercises, problems = find_exercises(nb)
    if problems or not exercises:
        return problems, {}
    runner = NotebookClientRunner(nb, path.parent)
    with runner.client.setup_kernel():
        # The notebook as it is stored: every cell runs (its outputs replace the stored ones).
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            text, error = runner.run_cell(cell, index)
            if error:
                return [f"cell {index} ({_first_line(cell)!r}) fails in a top-to-bottom run: {text.strip()[-300:]}"], {}
        return audit_in_kernel(nb, exercises, runner)
