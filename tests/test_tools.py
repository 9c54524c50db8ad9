"""Tests for the notebook maintenance scripts in tools/, on synthetic notebooks."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")   # installed by requirements.txt; absent on bare GPU images
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

TOOLS = Path(__file__).resolve().parent.parent / "tools"
sys.path.insert(0, str(TOOLS))

import make_student  # noqa: E402
import navigation  # noqa: E402
import normalize_notebooks  # noqa: E402

CONTENTS = "[Contents](../README.md#the-notebooks)"
README = """# RNN course

Intro text.

## The notebooks

<!-- notebooks:start -->
old table that must go
<!-- notebooks:end -->

Footer stays.
"""


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def executed_code_cell(source: str, text: str, count: int):
    cell = new_code_cell(source=source, execution_count=count)
    cell.outputs = [
        new_output("stream", name="stdout", text=text),
        new_output(
            "execute_result",
            data={"text/plain": repr(count), "image/png": "iVBORw0KGgo=\n"},
            execution_count=count,
        ),
    ]
    return cell


def write_nb(path: Path, cells, metadata=None) -> None:
    nb = new_notebook(cells=cells, metadata=metadata or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def read_nb(path: Path):
    return nbformat.read(str(path), as_version=4)


def nav_cells(nb):
    return [c for c in nb.cells if "navigation" in c.metadata.get("tags", [])]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Three notebooks (00 has a roadmap cell), a README with markers."""
    nbdir = tmp_path / "notebooks"
    write_nb(
        nbdir / "00_intro.ipynb",
        [
            new_markdown_cell("# 00 · Introduction\n\nWelcome."),
            new_markdown_cell(
                "## Roadmap\n\n<!-- notebooks:start -->\n<!-- notebooks:end -->\n\nHave fun.",
                metadata={"tags": ["roadmap"]},
            ),
            executed_code_cell("print('hi')", "hi\n", 1),
        ],
        metadata={"rnn_course": {"summary": "What the course is", "lecture": "§1"}},
    )
    write_nb(
        nbdir / "01_rnn_cell.ipynb",
        [
            new_markdown_cell("# The RNN cell\n\nOne step of a recurrence."),
            executed_code_cell("x = 1\nprint(x)", "1\n", 3),
            new_markdown_cell("More text."),
            executed_code_cell("x + 1", "", 7),
        ],
        metadata={"rnn_course": {"summary": "h_t = tanh(W x + U h | b)", "lecture": "§2.1–2.2"}},
    )
    write_nb(
        nbdir / "02_bptt.ipynb",
        [
            new_markdown_cell("# 02. BPTT\n"),
            executed_code_cell("print(2)", "2\n", 1),
        ],
    )
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------------
# navigation.py
# --------------------------------------------------------------------------


def test_navigation_links_first_middle_last(project: Path):
    assert navigation.main(["--root", str(project)]) == 0
    nbdir = project / "notebooks"

    first, middle, last = (
        read_nb(nbdir / n) for n in ("00_intro.ipynb", "01_rnn_cell.ipynb", "02_bptt.ipynb")
    )
    expected = {
        "first": f"{CONTENTS} | [01 · The RNN cell →](01_rnn_cell.ipynb)",
        "middle": f"[← 00 · Introduction](00_intro.ipynb) | {CONTENTS} | [02 · BPTT →](02_bptt.ipynb)",
        "last": f"[← 01 · The RNN cell](01_rnn_cell.ipynb) | {CONTENTS}",
    }
    for key, nb in (("first", first), ("middle", middle), ("last", last)):
        navs = nav_cells(nb)
        assert len(navs) == 2, key
        assert nb.cells[1] is navs[0] or nb.cells[1] == navs[0]
        assert nb.cells[1].cell_type == "markdown"
        assert nb.cells[1].source == expected[key]
        assert nb.cells[-1].source == expected[key]
        assert nb.cells[-1].metadata["tags"] == ["navigation"]
        assert nb.cells[0].source.startswith("# ")  # title cell stays first
        assert nb.nbformat == 4
        nbformat.validate(nb)

    # the original cells are all still there, in order, between the two nav cells
    assert [c.source for c in middle.cells[2:-1]] == [
        "x = 1\nprint(x)",
        "More text.",
        "x + 1",
    ]


def test_navigation_preserves_code_cells_outputs_and_ids(project: Path):
    path = project / "notebooks" / "01_rnn_cell.ipynb"
    before = read_nb(path)
    before_ids = [c.id for c in before.cells]
    before_code = [c for c in before.cells if c.cell_type == "code"]

    navigation.main(["--root", str(project)])
    after = read_nb(path)

    after_code = [c for c in after.cells if c.cell_type == "code"]
    assert after_code == before_code  # source, outputs, execution counts, metadata, ids
    assert [c.execution_count for c in after_code] == [3, 7]
    assert after_code[0].outputs[1].execution_count == 3
    assert after_code[0].outputs[1].data["image/png"] == "iVBORw0KGgo=\n"
    non_nav_ids = [c.id for c in after.cells if c not in nav_cells(after)]
    assert non_nav_ids == before_ids
    ids = [c.id for c in after.cells]
    assert len(ids) == len(set(ids))
    assert path.read_bytes().endswith(b"}\n")


def test_navigation_rerun_is_byte_identical(project: Path):
    assert navigation.main(["--root", str(project)]) == 0
    first = snapshot(project)
    assert navigation.main(["--root", str(project)]) == 0
    assert snapshot(project) == first
    for name in ("00_intro.ipynb", "01_rnn_cell.ipynb", "02_bptt.ipynb"):
        assert len(nav_cells(read_nb(project / "notebooks" / name))) == 2


def test_navigation_replaces_stale_nav_cells_keeping_their_ids(project: Path):
    navigation.main(["--root", str(project)])
    path = project / "notebooks" / "01_rnn_cell.ipynb"
    nb = read_nb(path)
    nav_ids = [c.id for c in nav_cells(nb)]
    # a new notebook appears after 01 and 02 is renamed: links must follow
    (project / "notebooks" / "02_bptt.ipynb").rename(project / "notebooks" / "03_bptt.ipynb")
    write_nb(project / "notebooks" / "02_loss.ipynb", [new_markdown_cell("# Losses")])
    navigation.main(["--root", str(project)])

    nb = read_nb(path)
    navs = nav_cells(nb)
    assert [c.id for c in navs] == nav_ids
    assert navs[0].source.endswith("[02 · Losses →](02_loss.ipynb)")
    last = read_nb(project / "notebooks" / "03_bptt.ipynb")
    assert nav_cells(last)[0].source.startswith("[← 02 · Losses](02_loss.ipynb)")


def test_navigation_writes_readme_table(project: Path):
    navigation.main(["--root", str(project)])
    text = (project / "README.md").read_text(encoding="utf-8")
    assert "old table that must go" not in text
    assert text.startswith("# RNN course\n\nIntro text.\n\n## The notebooks\n\n")
    assert text.endswith("<!-- notebooks:end -->\n\nFooter stays.\n")
    block = text.split("<!-- notebooks:start -->\n", 1)[1].split("\n<!-- notebooks:end -->", 1)[0]
    assert block.splitlines() == [
        "| # | Notebook | What it covers | Lecture § |",
        "|---|---|---|---|",
        "| 00 | [Introduction](notebooks/00_intro.ipynb) | What the course is | §1 |",
        r"| 01 | [The RNN cell](notebooks/01_rnn_cell.ipynb) | h_t = tanh(W x + U h \| b) | §2.1–2.2 |",
        "| 02 | [BPTT](notebooks/02_bptt.ipynb) |  |  |",
    ]


def test_navigation_fills_roadmap_cell_with_relative_links(project: Path):
    navigation.main(["--root", str(project)])
    nb = read_nb(project / "notebooks" / "00_intro.ipynb")
    roadmap = [c for c in nb.cells if "roadmap" in c.metadata.get("tags", [])]
    assert len(roadmap) == 1
    src = roadmap[0].source
    assert src.startswith("## Roadmap\n\n<!-- notebooks:start -->\n| # | Notebook |")
    assert src.endswith("<!-- notebooks:end -->\n\nHave fun.")
    assert "| 01 | [The RNN cell](01_rnn_cell.ipynb) |" in src
    assert "notebooks/" not in src


def test_navigation_check_detects_staleness(project: Path, capsys):
    before = snapshot(project)
    assert navigation.main(["--root", str(project), "--check"]) == 1
    out = capsys.readouterr().out
    assert "stale: notebooks/01_rnn_cell.ipynb" in out
    assert "stale: README.md" in out
    assert snapshot(project) == before  # --check never writes

    navigation.main(["--root", str(project)])
    capsys.readouterr()
    assert navigation.main(["--root", str(project), "--check"]) == 0
    assert "stale" not in capsys.readouterr().out

    # change a summary -> only README and the roadmap notebook become stale
    path = project / "notebooks" / "02_bptt.ipynb"
    nb = read_nb(path)
    nb.metadata["rnn_course"] = {"summary": "Gradients through time"}
    nbformat.write(nb, str(path))
    assert navigation.main(["--root", str(project), "--check"]) == 1
    out = capsys.readouterr().out
    assert "stale: README.md" in out
    assert "stale: notebooks/00_intro.ipynb" in out
    assert "02_bptt" not in out


def test_navigation_title_number_stripping():
    assert navigation.strip_number("01 · The RNN cell", "01") == "The RNN cell"
    assert navigation.strip_number("1. The RNN cell", "01") == "The RNN cell"
    assert navigation.strip_number("Notebook 01: The RNN cell", "01") == "The RNN cell"
    assert navigation.strip_number("2D inputs", "02") == "2D inputs"
    assert navigation.strip_number("3 · Three", "04") == "3 · Three"


# --------------------------------------------------------------------------
# make_student.py
# --------------------------------------------------------------------------


def solution_project(tmp_path: Path) -> Path:
    nbdir = tmp_path / "notebooks"
    write_nb(
        nbdir / "01_rnn_cell.ipynb",
        [
            new_markdown_cell("# 01 · The RNN cell"),
            new_code_cell("def step(x):\n    # YOUR CODE HERE\n    return None"),
            executed_code_cell("# Worked solution (hidden) of Exercise 1\ndef step_solution(x):\n    return x", "", 1),
            executed_code_cell("exercises.check('Exercise 1', check_step, step)", "ok\n", 2),
            new_markdown_cell("The answer is 42.", metadata={"tags": ["solution"]}),
            new_markdown_cell("Open a hidden solution by clicking it.", metadata={"tags": ["instructor"]}),
        ],
        metadata={"rnn_course": {"summary": "One step"}},
    )
    # solution tag is on cell 2 and 4
    nb = read_nb(nbdir / "01_rnn_cell.ipynb")
    nb.cells[2].metadata["tags"] = ["solution", "hide-input"]
    nbformat.write(nb, str(nbdir / "01_rnn_cell.ipynb"))
    write_nb(nbdir / "02_bptt.ipynb", [executed_code_cell("print(1)", "1\n", 5)])
    (nbdir / "assets").mkdir()
    (nbdir / "assets" / "diagram.svg").write_text("<svg/>", encoding="utf-8")
    (nbdir / "figures" / "sub").mkdir(parents=True)
    (nbdir / "figures" / "sub" / "plot.png").write_bytes(b"\x89PNG")
    (nbdir / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (nbdir / ".ipynb_checkpoints").mkdir()
    (nbdir / ".ipynb_checkpoints" / "01_rnn_cell-checkpoint.ipynb").write_text("{}")
    (tmp_path / "rnn_core" / "data").mkdir(parents=True)
    (tmp_path / "rnn_core" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "rnn_core" / "data" / "words.txt").write_text("abc\n", encoding="utf-8")
    (tmp_path / "rnn_core" / "__pycache__").mkdir()
    (tmp_path / "rnn_core" / "__pycache__" / "x.pyc").write_bytes(b"")
    (tmp_path / "rnn_course").mkdir()
    (tmp_path / "rnn_course" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'rnn_core'\n", encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("numpy==2.0.0\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# For the repository, not for students\n", encoding="utf-8")
    return tmp_path


def test_make_student_removes_solutions_instructor_text_and_outputs(tmp_path: Path, capsys):
    root = solution_project(tmp_path)
    original = snapshot(root / "notebooks")
    out = tmp_path / "handout"
    assert make_student.main(["--root", str(root), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "01_rnn_cell.ipynb: 2 solution and 1 instructor cells removed" in printed
    assert "02_bptt.ipynb: 0 solution and 0 instructor cells removed" in printed

    src = read_nb(root / "notebooks" / "01_rnn_cell.ipynb")
    nb = read_nb(out / "notebooks" / "01_rnn_cell.ipynb")
    assert [c.id for c in nb.cells] == [src.cells[i].id for i in (0, 1, 3)]
    for cell in nb.cells:
        assert not {"solution", "instructor"} & set(cell.metadata.get("tags", []))
        assert "_solution" not in cell.source and "42" not in cell.source and "hidden" not in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None
    nbformat.validate(nb)

    nb2 = read_nb(out / "notebooks" / "02_bptt.ipynb")
    assert nb2.cells[0].outputs == [] and nb2.cells[0].execution_count is None

    assert (out / "notebooks" / "assets" / "diagram.svg").read_text() == "<svg/>"
    assert (out / "notebooks" / "figures" / "sub" / "plot.png").read_bytes() == b"\x89PNG"
    assert (out / "notebooks" / "data.csv").exists()
    assert not (out / "notebooks" / ".ipynb_checkpoints").exists()
    assert snapshot(root / "notebooks") == original  # sources untouched


def test_make_student_adds_the_library_requirements_and_a_student_readme_and_zips_it(tmp_path: Path):
    root = solution_project(tmp_path)
    out = tmp_path / "handout"
    assert make_student.main(["--root", str(root), "--out", str(out)]) == 0
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == ["README.md", "notebooks/01_rnn_cell.ipynb", "notebooks/02_bptt.ipynb", "notebooks/assets/diagram.svg",
                     "notebooks/data.csv", "notebooks/figures/sub/plot.png", "pyproject.toml", "requirements.txt",
                     "rnn_core/__init__.py", "rnn_core/data/words.txt", "rnn_course/__init__.py"]
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Recurrent neural networks from scratch") and "requirements.txt" in readme
    assert "| [01 · The RNN cell](notebooks/01_rnn_cell.ipynb) | One step |" in readme
    with zipfile.ZipFile(tmp_path / "rnn-course-student.zip") as archive:
        assert sorted(archive.namelist()) == [f"rnn-course-student/{name}" for name in files]
        assert archive.read("rnn-course-student/README.md").decode("utf-8") == readme

    (root / "LICENSE").write_text("MIT\n", encoding="utf-8")
    (root / "notebooks" / "data.csv").unlink()
    (out / ".venv" / "bin").mkdir(parents=True)                  # someone set the handout up in place
    (out / ".venv" / "bin" / "python").write_text("", encoding="utf-8")
    (out / "notebooks" / ".ipynb_checkpoints").mkdir()
    (out / "notebooks" / ".ipynb_checkpoints" / "x.ipynb").write_text("{}", encoding="utf-8")
    assert make_student.main(["--root", str(root), "--out", str(out), "--zip", str(tmp_path / "h.zip")]) == 0
    assert (out / "LICENSE").read_text() == "MIT\n" and not (out / "notebooks" / "data.csv").exists()   # stale file gone
    assert (out / ".venv" / "bin" / "python").exists() and (out / "notebooks" / ".ipynb_checkpoints" / "x.ipynb").exists()
    assert ".venv" not in str(zipfile.ZipFile(tmp_path / "h.zip").namelist())
    assert "rnn-course-student/LICENSE" in zipfile.ZipFile(tmp_path / "h.zip").namelist()


def test_make_student_needs_the_lock_and_never_rewrites_a_foreign_folder(tmp_path: Path, capsys):
    root = solution_project(tmp_path)
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    assert make_student.main(["--root", str(root), "--out", str(foreign)]) == 2
    assert (foreign / "notes.txt").read_text() == "keep me"
    (root / "requirements.txt").unlink()
    assert make_student.main(["--root", str(root), "--out", str(tmp_path / "new")]) == 2
    assert "requirements.txt" in capsys.readouterr().err


def test_make_student_default_out_and_idempotent(tmp_path: Path):
    root = solution_project(tmp_path)
    assert make_student.main(["--root", str(root)]) == 0
    out = root / "build" / "student"
    assert (out / "notebooks" / "01_rnn_cell.ipynb").is_file()
    first = snapshot(out)
    zipped = (root / "build" / "rnn-course-student.zip").read_bytes()
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert make_student.main(["--root", str(root)]) == 0
    assert snapshot(out) == first
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes
    assert (root / "build" / "rnn-course-student.zip").read_bytes() == zipped


def test_make_student_refuses_out_inside_notebooks(tmp_path: Path):
    root = solution_project(tmp_path)
    assert make_student.main(["--root", str(root), "--out", str(root / "notebooks" / "x")]) == 2
    assert make_student.main(["--root", str(root), "--out", str(root)]) == 2


# --------------------------------------------------------------------------
# normalize_notebooks.py
# --------------------------------------------------------------------------


def test_normalize_sets_kernelspec_and_hides_solutions(tmp_path: Path):
    path = tmp_path / "notebooks" / "01_x.ipynb"
    code = executed_code_cell("print(1)", "1\n", 4)
    code.metadata["execution"] = {"iopub.status.busy": "2024-01-01T00:00:00.000Z"}
    sol = new_code_cell("answer = 42", metadata={"tags": ["solution"], "jupyter": {"outputs_hidden": True}})
    sol_md = new_markdown_cell("Because.", metadata={"tags": ["solution"]})
    write_nb(
        path,
        [new_markdown_cell("# X"), code, sol, sol_md],
        metadata={
            "kernelspec": {"name": "myenv", "display_name": "My env", "language": "python"},
            "language_info": {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"},
            "rnn_course": {"summary": "kept"},
        },
    )
    outputs_before = read_nb(path).cells[1].outputs

    assert normalize_notebooks.main(["--root", str(tmp_path), "--check"]) == 1
    assert normalize_notebooks.main(["--root", str(tmp_path)]) == 0
    nb = read_nb(path)
    assert nb.metadata.kernelspec == {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    assert nb.metadata.language_info == normalize_notebooks.LANGUAGE_INFO   # what ipykernel reports
    assert nb.metadata.language_info["version"] == normalize_notebooks.REFERENCE_PYTHON_VERSION
    assert nb.nbformat_minor == 5
    assert nb.metadata.rnn_course == {"summary": "kept"}
    assert "execution" not in nb.cells[1].metadata
    assert nb.cells[1].outputs == outputs_before
    assert nb.cells[1].execution_count == 4
    assert nb.cells[2].metadata.jupyter == {"outputs_hidden": True, "source_hidden": True}
    assert nb.cells[3].metadata.jupyter == {"source_hidden": True}
    assert "jupyter" not in nb.cells[1].metadata
    nbformat.validate(nb)

    data = path.read_bytes()
    assert normalize_notebooks.main(["--root", str(tmp_path)]) == 0
    assert path.read_bytes() == data
    assert normalize_notebooks.main(["--root", str(tmp_path), "--check"]) == 0


def test_normalize_only_given_notebooks(tmp_path: Path):
    nbdir = tmp_path / "notebooks"
    meta = {"kernelspec": {"name": "other", "display_name": "Other", "language": "python"}}
    write_nb(nbdir / "01_a.ipynb", [new_markdown_cell("# A")], metadata=meta)
    write_nb(nbdir / "02_b.ipynb", [new_markdown_cell("# B")], metadata=meta)
    untouched = (nbdir / "02_b.ipynb").read_bytes()
    assert normalize_notebooks.main(["--root", str(tmp_path), "01_a.ipynb"]) == 0
    assert read_nb(nbdir / "01_a.ipynb").metadata.kernelspec.name == "python3"
    assert (nbdir / "02_b.ipynb").read_bytes() == untouched
    assert normalize_notebooks.main(["--root", str(tmp_path), "nope.ipynb"]) == 2


# --------------------------------------------------------------------------
# command-line entry points
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    ["navigation.py", "make_student.py", "normalize_notebooks.py", "execute_notebooks.py"],
)
def test_scripts_have_help(script: str):
    result = subprocess.run(
        [sys.executable, str(TOOLS / script), "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--root" in result.stdout
    assert result.stdout.startswith("usage:")


def test_navigation_cli_check_exit_code(project: Path):
    cmd = [sys.executable, str(TOOLS / "navigation.py"), "--root", str(project), "--check"]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "stale: README.md" in result.stdout


def _has_python3_kernel() -> bool:
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        KernelSpecManager().get_kernel_spec("python3")
        import ipykernel  # noqa: F401
    except Exception:
        return False
    return True


@pytest.mark.skipif(not _has_python3_kernel(), reason="needs a python3 Jupyter kernel")
def test_execute_notebooks_runs_in_notebook_dir_and_normalizes(tmp_path: Path, monkeypatch):
    import execute_notebooks

    # main() exports the kernel environment; let monkeypatch restore ours afterwards
    monkeypatch.setenv("PYTHONHASHSEED", "123")
    monkeypatch.setenv("MPLBACKEND", "agg")

    nbdir = tmp_path / "notebooks"
    (nbdir / "data.txt").parent.mkdir(parents=True)
    (nbdir / "data.txt").write_text("from-data-file", encoding="utf-8")
    write_nb(
        nbdir / "01_run.ipynb",
        [
            new_markdown_cell("# Run"),
            new_code_cell("import os\nprint(open('data.txt').read())\nprint(os.environ['PYTHONHASHSEED'])"),
            new_code_cell("6 * 7", metadata={"tags": ["solution"]}),
        ],
    )
    assert execute_notebooks.main(["--root", str(tmp_path)]) == 0
    nb = read_nb(nbdir / "01_run.ipynb")
    assert nb.cells[1].execution_count == 1
    assert nb.cells[1].outputs[0].text == "from-data-file\n0\n"
    assert nb.cells[2].outputs[0].data["text/plain"] == "42"
    assert nb.metadata.language_info == normalize_notebooks.LANGUAGE_INFO
    assert nb.metadata.kernelspec.name == "python3"
    assert all("execution" not in c.metadata for c in nb.cells)
    assert nb.cells[2].metadata.jupyter == {"source_hidden": True}


@pytest.mark.skipif(not _has_python3_kernel(), reason="needs a python3 Jupyter kernel")
def test_execute_notebooks_failure_exits_1_and_keeps_file(tmp_path: Path, monkeypatch):
    import execute_notebooks

    monkeypatch.setenv("PYTHONHASHSEED", "123")
    monkeypatch.setenv("MPLBACKEND", "agg")
    path = tmp_path / "notebooks" / "01_bad.ipynb"
    write_nb(path, [new_markdown_cell("# Bad"), new_code_cell("1 / 0")])
    before = path.read_bytes()
    assert execute_notebooks.main(["--root", str(tmp_path)]) == 1
    assert path.read_bytes() == before


def test_normalize_merges_split_stream_outputs_without_changing_their_text():
    cell = new_code_cell("print(1); print(2)", execution_count=1, outputs=[
        new_output("stream", name="stdout", text="1\n"),
        new_output("stream", name="stdout", text="2\n"),
        new_output("stream", name="stderr", text="careful\n"),
        new_output("stream", name="stdout", text="3\n"),
    ])
    nb = new_notebook(cells=[cell])
    normalize_notebooks.normalize(nb)
    outputs = nb.cells[0].outputs
    assert [(o.name, "".join(o.text)) for o in outputs] == [("stdout", "1\n2\n"), ("stderr", "careful\n"), ("stdout", "3\n")]


def test_make_student_keeps_contents_links_working(tmp_path: Path):
    root = solution_project(tmp_path)
    nav = new_markdown_cell("[Contents](../README.md#the-notebooks) | [01 · Next →](01_next.ipynb)",
                            metadata={"tags": ["navigation"]})
    nbformat.write(new_notebook(cells=[new_markdown_cell("# 00 · Intro"), nav]), root / "notebooks" / "00_intro.ipynb")
    out = tmp_path / "handout"
    assert make_student.main(["--root", str(root), "--out", str(out)]) == 0
    handed_out = read_nb(out / "notebooks" / "00_intro.ipynb")
    assert handed_out.cells[1].source == nav.source            # ../README.md is the student README there
    assert "\n## The notebooks\n" in (out / "README.md").read_text(encoding="utf-8")
