"""The notebook series keeps its conventions: checked on the real notebooks, in CI."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXPECTED = ["00_introduction", "01_rnn_cell", "02_unrolling_and_loss", "03_bptt", "04_hello_example",
            "05_training_on_words", "06_training_on_text", "07_visualizing_hidden_states",
            "08_long_term_dependencies", "09_lstm_and_gru", "10_build_your_own_rnn", "11_gpu_with_cupy"]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_series_has_its_numbered_notebooks():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_has_its_frame(path):
    nb = load(path)
    cells = nb["cells"]
    title = "".join(cells[0]["source"])
    assert title.startswith(f"# {path.stem[:2]} · "), "cell 0 is the '# NN · Title' cell"
    for part in ("Learning objectives", "What to know first", "Lecture section"):
        assert part in title, f"the title cell names its {part}"
    assert nb["metadata"]["rnn_course"]["summary"] and nb["metadata"]["rnn_course"]["lecture"]
    assert "navigation" in cells[1]["metadata"].get("tags", []) and "navigation" in cells[-1]["metadata"].get("tags", [])
    headings = [line for c in cells if c["cell_type"] == "markdown" for line in "".join(c["source"]).splitlines()]
    assert headings.index("## Summary") < headings.index("## Exercises")
    assert path.stat().st_size < 1_500_000


def defined_functions(source):
    return re.findall(r"^def (\w+)\(", source, re.M)


def printed(cell):
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_has_a_stub_a_hidden_worked_solution_and_a_check(path):
    """The agreed form (rnn_course/exercises.py): stub `name` with `# YOUR CODE HERE`, hidden worked
    solution `name_solution` labelled in its first line, a check cell calling exercises.check(..., name)
    whose stored output says "not attempted yet" and shows the worked solution passing."""
    cells = load(path)["cells"]
    code = [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    solutions = [i for i, c in code if "solution" in c["metadata"].get("tags", [])]
    assert len(solutions) >= 2, "at least two exercises"
    numbers = []
    for i in solutions:
        source = "".join(cells[i]["source"])
        assert cells[i]["metadata"].get("jupyter", {}).get("source_hidden") is True, f"cell {i}: solution not hidden"
        label = re.match(r"# Worked solution \(hidden\) of Exercise (\d+)\b", source)
        assert label, f"cell {i}: the first line says what it is, '# Worked solution (hidden) of Exercise N: ...'"
        numbers.append(int(label.group(1)))
        names = [n[:-len("_solution")] for n in defined_functions(source) if n.endswith("_solution")]
        assert names, f"cell {i}: a worked solution defines name_solution, never the student's name"
        assert not set(defined_functions(source)) & set(names), f"cell {i} redefines the student's function"
        stub_index, stub = max(((j, c) for j, c in code if j < i), key=lambda jc: jc[0])
        stub_source = "".join(stub["source"])
        assert "# YOUR CODE HERE" in stub_source, f"cell {stub_index}: the student's stub comes right before its solution"
        for name in names:
            assert name in defined_functions(stub_source), f"cell {stub_index} must define {name} for the student"
            call = re.compile(r"exercises\.check\((.|\n)*?,\s*" + name + r"\s*\)")
            checks = [c for j, c in code if j > i and call.search("".join(c["source"]))]
            assert checks, f"no cell after the solution calls exercises.check(title, checker, {name})"
            for check in checks:
                assert "not attempted yet" in printed(check) and "The worked solution passes" in printed(check), \
                    f"the stored check of {name} shows the untouched stub and the worked solution passing"
    assert numbers[0] == 1 and numbers == sorted(numbers), f"exercises numbered in order from 1: {numbers}"
    for i, c in code:
        if "solution" not in c["metadata"].get("tags", []):
            assert not re.search(r"\w+_solution\b", "".join(c["source"])), \
                f"cell {i} uses a worked solution: it would break in the student handout, which has none"
            assert "all checks passed" not in printed(c).lower(), f"cell {i}: the stored stubs are unsolved"
    how_to_open = [c for c in cells if c["cell_type"] == "markdown" and "instructor" in c["metadata"].get("tags", [])
                   and re.search(r"(?i)solution", "".join(c["source"]))
                   and re.search(r"(?i)\b(click|open)", "".join(c["source"]))]
    assert how_to_open, "the notebook says how to open a hidden solution, in a markdown cell tagged 'instructor' " \
                        "(dropped from the student handout)"


# Notebook 11 writes out the *lecture's* loop (not rnn_core's) to time it against rnn_core.
@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.stem != "11_gpu_with_cupy"], ids=lambda p: p.stem)
def test_library_code_is_shown_not_copied(path):
    sources = "".join("".join(c["source"]) for c in load(path)["cells"]
                      if c["cell_type"] == "code" and "solution" not in c["metadata"].get("tags", []))
    assert not re.search(r"^\s*def (bptt|forward|softmax|cross_entropy|output_error)\(", sources, re.M), \
        "rnn_core's functions are shown with inspect.getsource, not redefined"


@pytest.mark.parametrize("script", ["navigation.py", "normalize_notebooks.py"])
def test_navigation_and_metadata_are_up_to_date(script):
    result = subprocess.run([sys.executable, str(ROOT / "tools" / script), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
