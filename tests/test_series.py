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
            "05_training_on_words", "06_visualizing_hidden_states", "07_long_term_dependencies",
            "08_gpu_with_cupy"]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_series_has_the_nine_numbered_notebooks():
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_has_a_hidden_solution_and_a_stated_check(path):
    cells = load(path)["cells"]
    solutions = [i for i, c in enumerate(cells) if "solution" in c["metadata"].get("tags", [])]
    assert len(solutions) >= 2, "at least two exercises"
    for i in solutions:
        assert cells[i]["metadata"].get("jupyter", {}).get("source_hidden") is True
        assert "YOUR CODE HERE" in "".join(cells[i - 1]["source"]), "a stub for the student comes first"
        check_cell = next(c for c in cells[i + 1:] if c["cell_type"] == "code")   # prose may come between
        assert "assert" in "".join(check_cell["source"]), "the code cell after a solution checks it"
        outputs = "".join("".join(o.get("text", "")) for o in check_cell.get("outputs", []))
        assert "All checks passed" in outputs


# Notebook 08 writes out the *lecture's* loop (not rnn_core's) to time it against rnn_core.
@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.stem != "08_gpu_with_cupy"], ids=lambda p: p.stem)
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
