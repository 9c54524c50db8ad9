"""The README's example runs as written and gives what its comment says."""
import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.filterwarnings("ignore::rnn_core.BackendFallbackWarning")   # no GPU here: numpy, said once
def test_readme_library_example_prints_hello():
    block = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)
    *body, last = block.strip().splitlines()
    assert last.endswith("# 'hello'")
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec("\n".join(body), namespace)
        result = eval(last.split("#")[0], namespace)
    assert result == "hello"
    assert printed.getvalue().splitlines()[-1].startswith("epoch 1000/1000  loss ")


def test_readme_quick_start_has_exactly_the_two_commands():
    text = README.read_text(encoding="utf-8")
    quick_start = text.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick_start.strip().splitlines()]
    assert commands == ["make lab", "make test"]


def test_readme_is_read_in_three_minutes_and_its_links_and_the_docs_links_resolve():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 120, "the README stays short: move detail into docs/"
    root = README.parent
    for page in [README, *sorted((root / "docs").glob("*.md"))]:
        for link in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if link.startswith(("http:", "https:", "mailto:", "#")):
                continue
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.exists(), f"{page.relative_to(root)} links to {link}, which does not exist"
    for page in ("docs/setup.md", "docs/troubleshooting.md", "docs/performance.md", "docs/library.md",
                 "docs/instructor-guide.md", "CONTRIBUTING.md"):
        assert f"]({page})" in text, f"the README links to {page}"
