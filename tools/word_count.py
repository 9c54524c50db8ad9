"""Words of prose per notebook: every markdown cell (instructor notes included) and every worked
solution; navigation left out (the navigation cells and the generated table of contents). Each notebook is one lecture of at most MAX_WORDS.

    python tools/word_count.py            # a table, the series' total last
    python tools/word_count.py --check    # exit 1 naming each notebook over MAX_WORDS
"""
import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_WORDS = 3000
CONTENTS = re.compile(r"<!-- notebooks:start -->.*?<!-- notebooks:end -->", re.S)   # tools/navigation.py's table


def prose_words(path):
    """Whitespace-separated words of the markdown cells and the worked solutions of one notebook."""
    words = 0
    for cell in json.loads(Path(path).read_text(encoding="utf-8"))["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "navigation" in tags:
            continue
        if cell["cell_type"] == "markdown" or "solution" in tags:
            words += len(CONTENTS.sub("", "".join(cell["source"])).split())
    return words


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help=f"fail when a notebook has over {MAX_WORDS} words")
    args = parser.parse_args(argv)
    counts = {p.name: prose_words(p) for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))}
    for name, words in counts.items():
        print(f"{words:>6}  {name}" + ("   over the limit" if words > MAX_WORDS else ""))
    print(f"{sum(counts.values()):>6}  the series")
    over = [name for name, words in counts.items() if words > MAX_WORDS]
    if args.check and over:
        print(f"over {MAX_WORDS} words: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
