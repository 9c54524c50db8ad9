"""The exercise audit (tools/exercise_audit.py) tested on small synthetic notebooks.

The audit of the real notebooks runs inside `make test`'s nbval pass, in nbval's kernels (the
root conftest.py adds an "exercise checks" item after each notebook's last cell), so each notebook
is executed once for both; test_the_nbval_pass_audits_every_notebook below checks that wiring.
"""
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from exercise_audit import STUB_MARKER, audit  # noqa: E402

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




# --- the audit inside the nbval pass (the root conftest.py) ---------------------------------------

def _nbval_with_audit(path):
    return subprocess.run([sys.executable, "-m", "pytest", str(path), "--nbval", "--nbval-current-env",
                           "--exercise-audit", "-p", "no:cacheprovider", "-q", "-rf"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def _stored(path):
    """Execute the synthetic notebook once and store its outputs, as a committed notebook is."""
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
    return path


def test_the_nbval_pass_audits_each_numbered_notebook_in_its_own_kernel():
    """One "exercise checks" item after the notebook's cells: it passes a sound exercise, fails a weak one."""
    folder = ROOT / "build" / "test-exercise-audit"          # under the root, where conftest.py applies
    folder.mkdir(parents=True, exist_ok=True)
    sound = _stored(_synthetic(folder))
    result = _nbval_with_audit(sound)
    assert result.returncode == 0 and "5 passed" in result.stdout, result.stdout[-2000:]   # 4 cells + the audit

    weak = ("def check_halve(halve):\n"
            "    exercises.expect_type(halve(3.0), float, 'halve(3.0)')     # any float passes\n"
            "    return 'ok'\n\n"
            "exercises.check('Exercise 1: halve', check_halve, halve)")
    weak_path = _synthetic(folder, check_source=weak)
    _stored(weak_path)
    result = _nbval_with_audit(weak_path)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "99_synthetic.ipynb::exercise checks" in result.stdout
    assert "halve: a planted near miss answer must make its check raise CheckFailed" in result.stdout


# --- the catalogue of usual mistakes, planted by the audit ------------------------------------------

def _forget_bias_notebook(tmp_path, steps):
    """A synthetic notebook whose exercise has a catalogue entry (forget_bias_for_memory), checked at ``steps``."""
    cells = [
        nbformat.v4.new_markdown_cell("# Synthetic\n## Exercises\n**Exercise 1.** A forget bias."),
        nbformat.v4.new_code_cell("import numpy as np\nfrom rnn_course import exercises"),
        nbformat.v4.new_code_cell(f"def forget_bias_for_memory(steps):\n    {STUB_MARKER}\n    return None"),
        nbformat.v4.new_code_cell("# Worked solution (hidden) of Exercise 1\ndef forget_bias_for_memory_solution(steps):\n"
                                  "    return float(np.log(steps - 1.0))",
                                  metadata={"tags": ["solution"], "jupyter": {"source_hidden": True}}),
        nbformat.v4.new_code_cell(
            "def check(function):\n"
            f"    for steps in {steps!r}:\n"
            "        b = exercises.expect_type(function(steps), float, f'forget_bias_for_memory({steps})')\n"
            "        exercises.expect_close(1 / (1 - 1 / (1 + np.exp(-b))), steps, 1e-9 * steps, f'memory for {steps}')\n"
            "    return 'ok'\n\n"
            "exercises.check('Exercise 1: forget bias', check, forget_bias_for_memory)"),
    ]
    path = tmp_path / "98_synthetic.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_the_audit_plants_every_catalogued_mistake_and_requires_the_check_to_name_it(tmp_path):
    from rnn_course.mistakes import CATALOGUE
    problems, report = audit(_forget_bias_notebook(tmp_path, (1.5, 4.0, 21.0)))
    assert problems == []
    for index, mistake in enumerate(CATALOGUE["forget_bias_for_memory"]):
        assert f"This looks like a known mistake: {mistake.name}." in report["forget_bias_for_memory", f"mistake {index}"]
    assert "PLANT: no array passed in" in report["forget_bias_for_memory", "in place"]      # it takes a number

    # A check that tests only steps = 2, where the flipped sign gives the right answer (ln 1 = 0), lets it pass.
    problems, _ = audit(_forget_bias_notebook(tmp_path, (2.0,)))
    assert len(problems) == 1 and problems[0].startswith(
        "forget_bias_for_memory: the catalogued mistake 'the sign is flipped: a bias that forgets' planted as the "
        "answer must make its check fail and name it"), problems


def test_the_audit_plants_a_function_that_changes_its_input_arrays_and_requires_the_check_to_say_so(tmp_path):
    array_check = ("import numpy as np\n\n"
                   "def check_halve(halve):\n"
                   "    x = np.array([2.0, 4.0])\n"
                   "    exercises.expect_array(halve(x), np.array([1.0, 2.0]), 'halve(x)', tolerance=1e-12)\n"
                   "    return 'ok'\n\n"
                   "exercises.check('Exercise 1: halve', check_halve, halve)")
    problems, report = audit(_synthetic(tmp_path, check_source=array_check))
    assert problems == []
    assert report["halve", "in place"].startswith("CheckFailed: Exercise 1: halve: halve changed argument 1 in place")
