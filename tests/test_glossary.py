"""tools/glossary.py: notebook 00's glossary cell is generated from docs/glossary.tsv and checked for staleness."""
import importlib.util
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "glossary.py"
NOTEBOOK_00 = next((ROOT / "notebooks").glob("00_*.ipynb"))


_spec = importlib.util.spec_from_file_location("glossary_tool", TOOL)
glossary_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(glossary_tool)


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture(autouse=True)
def _capture(capsys):
    global _capsys
    _capsys = capsys


def run_tool(root, *args):
    """Run the tool in-process (as `python tools/glossary.py --root ROOT ARGS`)."""
    _capsys.readouterr()
    returncode = glossary_tool.main(["--root", str(root), *args])
    captured = _capsys.readouterr()
    return Result(returncode, captured.out, captured.err)


@pytest.fixture
def project(tmp_path):
    """A minimal project: notebook 00 and the glossary data file."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "docs").mkdir()
    shutil.copy(NOTEBOOK_00, tmp_path / "notebooks" / NOTEBOOK_00.name)
    shutil.copy(ROOT / "docs" / "glossary.tsv", tmp_path / "docs" / "glossary.tsv")
    return tmp_path


def glossary_cell(path):
    cells = [c for c in nbformat.read(path, as_version=4).cells if "glossary" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    return cells[0].source


def test_the_stored_glossary_is_up_to_date():
    result = run_tool(ROOT, "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_term_of_the_data_file_is_in_the_cell_with_its_korean():
    cell = glossary_cell(NOTEBOOK_00)
    rows = (ROOT / "docs" / "glossary.tsv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(rows) >= 40
    for row in rows:
        english, korean, *_ = row.split("\t")
        assert f"| {english} | {korean} |" in cell.replace("\\", "")


def test_check_fails_when_the_data_file_changed_and_a_run_fixes_it(project):
    data = project / "docs" / "glossary.tsv"
    data.write_text(data.read_text(encoding="utf-8") + "sequence length\t시퀀스 길이\t—\t02\tthe number of steps T\n",
                    encoding="utf-8")
    stale = run_tool(project, "--check")
    assert stale.returncode == 1 and "stale" in stale.stdout
    assert run_tool(project).returncode == 0
    assert run_tool(project, "--check").returncode == 0
    assert "| sequence length | 시퀀스 길이 | — | [02]" not in glossary_cell(project / "notebooks" / NOTEBOOK_00.name)  # no 02 here
    assert "| sequence length | 시퀀스 길이 | — | 02 |" in glossary_cell(project / "notebooks" / NOTEBOOK_00.name)


def test_a_second_run_changes_nothing(project):
    assert run_tool(project).returncode == 0
    before = (project / "notebooks" / NOTEBOOK_00.name).read_bytes()
    assert "unchanged" in run_tool(project).stdout
    assert (project / "notebooks" / NOTEBOOK_00.name).read_bytes() == before


@pytest.mark.parametrize("bad_row, message", [
    ("bias\t편향\t§2.2\n", "expected 5 tab-separated fields"),
    ("softmax\t\t§2.2\t01\tnormalised exponentials\n", "empty field(s) korean"),
    ("softmax\t소프트맥스\t§2.2\t1\tnormalised exponentials\n", "two digits"),
    ("softmax\t소프트맥스\tsection 2\t01\tnormalised exponentials\n", "notes must be a section"),
    ("Bias\t편향\t§2.2\t01\tadded to every row\n", "listed twice"),
])
def test_a_malformed_data_file_is_refused_with_the_line_and_the_problem(project, bad_row, message):
    data = project / "docs" / "glossary.tsv"
    data.write_text(data.read_text(encoding="utf-8") + bad_row, encoding="utf-8")
    result = run_tool(project, "--check")
    assert result.returncode == 2
    assert message in result.stderr and "line" in result.stderr
