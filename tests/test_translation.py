"""The Korean edition is built from the English notebooks and cell-keyed translations (tools/translate.py):
a changed English cell, a missing translation or a translation that changes code is named by --check."""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import translate  # noqa: E402


def run(root, *args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "translate.py"), "--root", str(root), *args],
                          capture_output=True, text=True)


@pytest.fixture
def project(tmp_path):
    """A project of two English notebooks; the first is translated."""
    (tmp_path / "notebooks").mkdir()
    for number, title in (("01", "The cell"), ("02", "The loss")):
        nb = nbformat.v4.new_notebook(metadata={"rnn_course": {"summary": f"{title} in short", "lecture": "§2"}})
        nb.cells = [
            nbformat.v4.new_markdown_cell(f"# {number} · {title}\n\nSee [notebook 02](02_b.ipynb) and [the README](../README.md).",
                                          id=f"t{number}"),
            nbformat.v4.new_markdown_cell("nav", id="navigation-top", metadata={"tags": ["navigation"]}),
            nbformat.v4.new_code_cell("x = 1 + 1  # add\nprint(x)", id=f"c{number}",
                                      outputs=[nbformat.v4.new_output("stream", text="2\n")], execution_count=1),
            nbformat.v4.new_markdown_cell("The output is **2**.", id=f"m{number}"),
        ]
        name = "01_a.ipynb" if number == "01" else "02_b.ipynb"
        nbformat.write(nb, tmp_path / "notebooks" / name)
    (tmp_path / "README.ko.md").write_text("# 한국어판\n\n<!-- notebooks:start -->\n<!-- notebooks:end -->\n", encoding="utf-8")
    translate.use_root(tmp_path)
    translate.stub("01")
    path = tmp_path / "translations" / "ko" / "01_a.md"
    text = path.read_text(encoding="utf-8")
    text = (text.replace("# 01 · The cell\n\nSee [notebook 02](02_b.ipynb) and [the README](../README.md).",
                         "# 01 · 셀\n\n[노트북 02](02_b.ipynb)와 [README](../README.md)를 보라.")
                .replace("The output is **2**.", "출력은 **2**이다.").replace("The cell in short", "셀 요약"))
    path.write_text(text, encoding="utf-8")
    translate.use_root(ROOT)
    return tmp_path


def korean(project, name="01_a.ipynb"):
    return json.loads((project / "notebooks" / "ko" / name).read_text(encoding="utf-8"))


def test_the_korean_notebook_has_the_english_code_and_outputs_and_the_korean_prose(project):
    assert run(project).returncode == 0
    english = json.loads((project / "notebooks" / "01_a.ipynb").read_text(encoding="utf-8"))
    nb = korean(project)
    assert [c["id"] for c in nb["cells"]] == [c["id"] for c in english["cells"]]
    assert nb["cells"][2]["source"] == english["cells"][2]["source"]
    assert nb["cells"][2]["outputs"] == english["cells"][2]["outputs"]
    title = "".join(nb["cells"][0]["source"])
    assert title.startswith("# 01 · 셀")
    assert "(../02_b.ipynb)" in title, "an untranslated sibling is linked in English"
    assert "(../../README.md)" in title, "links to the project's files are rewritten for notebooks/ko/"
    navigation = "".join(nb["cells"][1]["source"])
    assert "[02 · The loss →](../02_b.ipynb)" in navigation and "README.ko.md" in navigation
    assert nb["metadata"]["rnn_course"]["summary"] == "셀 요약"
    readme = (project / "README.ko.md").read_text(encoding="utf-8")
    assert "[셀](notebooks/ko/01_a.ipynb)" in readme and "(notebooks/02_b.ipynb) (영어판만 있음)" in readme
    assert not (project / "notebooks" / "ko" / "02_b.ipynb").exists()
    assert run(project, "--check").returncode == 0


def test_a_changed_english_cell_fails_the_check_and_names_the_cell(project):
    assert run(project).returncode == 0
    path = project / "notebooks" / "01_a.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].source = "The output is **two**."
    nbformat.write(nb, path)
    result = run(project, "--check")
    assert result.returncode == 1
    assert "cell m01 changed in English after its translation" in result.stderr
    assert "The output is **two**." in result.stderr


def test_a_cell_without_translation_and_a_stale_korean_notebook_fail_the_check(project):
    assert run(project).returncode == 0
    path = project / "notebooks" / "01_a.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new paragraph.", id="new01"))
    nbformat.write(nb, path)
    result = run(project, "--check")
    assert result.returncode == 1
    assert "cell new01 has no translation: 'A new paragraph.'" in result.stderr
    assert "notebooks/ko/01_a.ipynb: not what the translations build" in result.stderr


def test_a_translated_code_cell_may_change_comments_but_not_code(project):
    path = project / "translations" / "ko" / "01_a.md"
    code = "x = 1 + 1  # add\nprint(x)"
    block = f"\n<!-- cell c01 en {translate.fingerprint(code)} -->\n"
    path.write_text(path.read_text(encoding="utf-8") + block + "x = 1 + 1  # 더한다\nprint(x)\n", encoding="utf-8")
    assert run(project).returncode == 0
    assert "".join(korean(project)["cells"][2]["source"]) == "x = 1 + 1  # 더한다\nprint(x)"
    path.write_text(path.read_text(encoding="utf-8").replace("x = 1 + 1  # 더한다", "x = 1 + 2  # 더한다"), encoding="utf-8")
    result = run(project, "--check")
    assert result.returncode == 1 and "cell c01: its translation changes the code" in result.stderr


def test_complete_requires_every_notebook(project):
    assert run(project).returncode == 0
    result = run(project, "--check", "--complete")
    assert result.returncode == 1 and "02_b.ipynb: no translation file" in result.stderr


def test_the_projects_korean_edition_is_up_to_date():
    result = run(ROOT, "--check")
    assert result.returncode == 0, result.stderr


def test_the_korean_notebook_stores_the_slide_rules_metadata_of_its_korean_text(project):
    """tools/slides.py's rules read the Korean text (a Hangul character is two of a line): a Korean cell
    that fills the slide starts a sub-slide where its English original does not; --check then passes."""
    import slides

    path = project / "translations" / "ko" / "01_a.md"
    long_korean = "\n\n".join(["가나다라마바사 " * 80] * 2)      # 560 Hangul and 80 spaces: 12 lines each
    path.write_text(path.read_text(encoding="utf-8").replace("출력은 **2**이다.", long_korean), encoding="utf-8")
    assert run(project).returncode == 0
    english = nbformat.read(project / "notebooks" / "01_a.ipynb", as_version=4)
    nb = nbformat.read(project / "notebooks" / "ko" / "01_a.ipynb", as_version=4)
    assert [c.metadata["slideshow"]["slide_type"] for c in nb.cells] == slides.slide_types(nb)
    assert slides.slide_types(nb)[3] == "subslide" and slides.slide_types(english)[3] == "-"
    assert slides.main(["--check", str(project / "notebooks" / "ko" / "01_a.ipynb")]) == 0
    assert run(project, "--check").returncode == 0
