"""The Korean edition (한국어판): notebooks/ko/ built from the English notebooks and their translations.

The English notebooks are the one source. For each of them, ``translations/ko/NN_name.md`` holds
the Korean text of its prose, keyed by cell: every block starts with a header naming the cell and
a fingerprint of the English text it translates,

    <!-- cell 9e7c24eb en 1a2b3c4d5e6f -->
    ## 1. 데이터: 동물 이름 목록
    ...

(the fingerprint is the first 12 hex digits of the SHA-256 of the English cell's source). A code
cell may have a block too, to translate its comments: the block holds the whole cell, and its code
must be the English code token for token, only the comments may differ. The notebook's summary for
the contents table is a block ``<!-- meta summary en HASH -->``.

The Korean notebook is the English one with each markdown cell's text replaced by its translation,
relative links rewritten for the ko/ folder, navigation lines in Korean, the slide metadata that
tools/slides.py's rules give the Korean text, and the code and its stored outputs unchanged: the code is the same, so nbval reproduces the outputs in the Korean
notebook as in the English one.

    python tools/translate.py                 # write notebooks/ko/*.ipynb (only files that change)
    python tools/translate.py --check         # exit 1 naming every stale or missing translation
    python tools/translate.py --stub NN       # append the English text of untranslated cells to
                                              # translations/ko/NN_*.md, to be translated

``--check`` fails, naming the cells, when an English cell changed after its translation, a cell
of a translated notebook has none, a translation names a cell that no longer exists, a code
block changes code, or a Korean notebook is not what the translations build.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:      # tools/slides.py, for the slide rules
    sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parent.parent
LANG = "ko"
NOTEBOOKS = ROOT / "notebooks"
KO_NOTEBOOKS = NOTEBOOKS / LANG
TRANSLATIONS = ROOT / "translations" / LANG
CONTENTS_LINK = "[목차](../../README.ko.md#노트북-목차)"
README_START, README_END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"
HEADER = re.compile(r"^<!-- (cell|meta) (\S+) en ([0-9a-f]{12}) -->$")
# a relative link or image target in markdown: ](target) or src="target"
LINK = re.compile(r"(\]\(|src=\")(?!https?:|#|mailto:|data:)([^)\"\s]+)")


def use_root(root: Path) -> None:
    """Work on the project at ``root`` (the tests build small projects of their own)."""
    global ROOT, NOTEBOOKS, KO_NOTEBOOKS, TRANSLATIONS
    ROOT = Path(root).resolve()
    NOTEBOOKS = ROOT / "notebooks"
    KO_NOTEBOOKS = NOTEBOOKS / LANG
    TRANSLATIONS = ROOT / "translations" / LANG


def fingerprint(text: str) -> str:
    """First 12 hex digits of the SHA-256 of an English text: what its translation was made from."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def source(cell) -> str:
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else text


def lines_of(text: str) -> list[str]:
    """A cell's source as nbformat writes it: a list of lines, each but the last ending in a newline."""
    return text.splitlines(keepends=True)


def is_navigation(cell) -> bool:
    return "navigation" in cell.get("metadata", {}).get("tags", [])


def needs_translation(cell) -> bool:
    """Every markdown cell with text, except the generated navigation lines."""
    return cell["cell_type"] == "markdown" and not is_navigation(cell) and source(cell).strip() != ""


@dataclass
class Block:
    kind: str            # "cell" or "meta"
    key: str             # the cell id, or the metadata field
    en_hash: str         # fingerprint of the English text translated
    text: str            # the Korean text
    line: int            # where the block starts in the file (1-based), for messages


@dataclass
class Translation:
    path: Path
    blocks: dict[tuple[str, str], Block] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_translation(path: Path) -> Translation:
    """The blocks of one translation file, keyed by (kind, key)."""
    result = Translation(path)
    current, lines = None, []

    def close():
        if current is not None:
            current.text = "\n".join(lines).strip("\n")
            if (current.kind, current.key) in result.blocks:
                result.problems.append(f"{path.name}:{current.line}: a second block for {current.kind} {current.key}")
            result.blocks[(current.kind, current.key)] = current

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = HEADER.match(line)
        if match:
            close()
            current, lines = Block(match[1], match[2], match[3], "", number), []
        elif current is not None:
            lines.append(line)
        elif line.strip():
            result.problems.append(f"{path.name}:{number}: text before the first '<!-- cell ID en HASH -->' header")
    close()
    return result


def code_tokens(code: str) -> list[tuple[int, str]] | None:
    """The code's tokens without comments (None when it does not tokenize, e.g. IPython magics)."""
    try:
        return [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(code).readline)
                if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                  tokenize.DEDENT, tokenize.ENDMARKER)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None


def same_code(english: str, korean: str) -> bool:
    """True when two cells differ at most in their comments."""
    plain = [re.sub(r"^\s*[%!].*$", "", text, flags=re.M) for text in (english, korean)]   # magics
    tokens = [code_tokens(text) for text in plain]
    return tokens[0] is not None and tokens[0] == tokens[1]


def relink(text: str, translated: set[str]) -> str:
    """Rewrite the relative links of an English notebook's text for a notebook in notebooks/ko/."""
    def target(match):
        link = match[2]
        name = link.split("#")[0]
        if re.fullmatch(r"\d\d_[\w-]+\.ipynb", name) and name in translated:
            return match[1] + link                       # the Korean sibling
        return match[1] + "../" + link                   # the English one, a file of the project
    return LINK.sub(target, text)


def korean_title(nb) -> str | None:
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown" and not is_navigation(cell):
            for line in source(cell).splitlines():
                if line.startswith("# "):
                    return re.sub(r"^# \d\d\s*·\s*", "", line).strip()
            return None
    return None


def navigation(names: list[str], index: int, titles: dict[str, str], translated: set[str]) -> str:
    """The Korean navigation line: previous and next notebook (Korean where translated) and the contents."""
    def link(name, arrow_before):
        label = f"{name[:2]} · {titles[name]}"
        href = name if name in translated else f"../{name}"
        return f"[← {label}]({href})" if arrow_before else f"[{label} →]({href})"
    parts = []
    if index > 0:
        parts.append(link(names[index - 1], True))
    parts.append(CONTENTS_LINK)
    if index + 1 < len(names):
        parts.append(link(names[index + 1], False))
    return " | ".join(parts)


def english_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def build(check_only: bool = False, complete: bool = False) -> list[str]:
    """Build (or check) every Korean notebook; return the problems found."""
    problems = []
    sources = english_notebooks()
    translations = {p.name: TRANSLATIONS / (p.stem + ".md") for p in sources}
    translated = {name for name, path in translations.items() if path.exists()}
    if complete:
        problems += [f"{name}: no translation file {path.relative_to(ROOT)}"
                     for name, path in translations.items() if name not in translated]
    for stray in sorted(TRANSLATIONS.glob("*.md")) if TRANSLATIONS.exists() else []:
        if stray.stem + ".ipynb" not in translations:
            problems.append(f"{stray.relative_to(ROOT)}: no English notebook {stray.stem}.ipynb")
    english = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sources}
    built, titles = {}, {}
    for path in sources:
        name = path.name
        if name not in translated:
            titles[name] = korean_title(english[name]) or path.stem
            continue
        nb, found = translate_notebook(english[name], read_translation(translations[name]), translated)
        problems += [f"{name}: {p}" for p in found]
        built[name] = nb
        titles[name] = korean_title(nb) or path.stem
    names = [p.name for p in sources]
    for name, nb in built.items():
        line = navigation(names, names.index(name), titles, translated)
        for cell in nb["cells"]:
            if is_navigation(cell):
                cell["source"] = lines_of(line)
        apply_slide_rules(nb)
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        target = KO_NOTEBOOKS / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            if check_only:
                problems.append(f"notebooks/{LANG}/{name}: not what the translations build; run python tools/translate.py")
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                print(f"written: notebooks/{LANG}/{name}")
    problems += write_readme(sources, english, built, check_only)
    if KO_NOTEBOOKS.exists():
        for stale in sorted(KO_NOTEBOOKS.glob("*.ipynb")):
            if stale.name not in built:
                problems.append(f"notebooks/{LANG}/{stale.name}: no translation builds it")
    return problems


def apply_slide_rules(nb) -> None:
    """Store the slide metadata that tools/slides.py's rules give the Korean text.

    The rules fit cells to a slide by their text's length, and a Hangul character is as wide as
    two Latin ones: a Korean cell may start a sub-slide where its English original does not. The
    exercises' heading (``## 연습 문제``) ends the deck's content as ``## Exercises`` does.
    """
    import nbformat
    import slides

    for cell, kind in zip(nb["cells"], slides.slide_types(nbformat.from_dict(copy.deepcopy(nb)))):
        metadata = cell.setdefault("metadata", {})
        if isinstance(metadata.get("slideshow"), dict):
            metadata["slideshow"]["slide_type"] = kind
        else:
            metadata["slideshow"] = {"slide_type": kind}


def write_readme(sources, english, built, check_only: bool) -> list[str]:
    """README.ko.md's table of contents: the Korean notebooks, and the English ones not yet translated."""
    rows = ["| # | 노트북 | 다루는 내용 | 강의 § |", "|---|---|---|---|"]
    for path in sources:
        nb = built.get(path.name)
        meta = (nb or english[path.name])["metadata"].get("rnn_course", {})
        title = korean_title(nb or english[path.name]) or path.stem
        link = f"notebooks/{LANG}/{path.name}" if nb else f"notebooks/{path.name}"
        note = "" if nb else " (영어판만 있음)"
        rows.append(f"| {path.name[:2]} | [{title}]({link}){note} | {meta.get('summary', '')} | {meta.get('lecture', '')} |")
    readme = ROOT / "README.ko.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return [f"README.ko.md: the markers {README_START} and {README_END} are missing"]
    new = text[:start + len(README_START)] + "\n" + "\n".join(rows) + "\n" + text[end:]
    if new == text:
        return []
    if check_only:
        return ["README.ko.md: its table of contents is stale; run python tools/translate.py"]
    readme.write_text(new, encoding="utf-8")
    print("written: README.ko.md")
    return []


def translate_notebook(english, translation: Translation, translated: set[str]):
    """The Korean notebook and the problems of its translation."""
    problems = list(translation.problems)
    nb = copy.deepcopy(english)
    ids = set()
    for cell in nb["cells"]:
        cid, text = cell["id"], source(cell)
        ids.add(cid)
        block = translation.blocks.get(("cell", cid))
        if block is None:
            if needs_translation(cell):
                problems.append(f"cell {cid} has no translation: {' '.join(text.split())[:70]!r}")
            continue
        if block.en_hash != fingerprint(text):
            problems.append(f"cell {cid} changed in English after its translation "
                            f"(line {block.line}: en {block.en_hash}, now {fingerprint(text)}): "
                            f"{' '.join(text.split())[:70]!r}")
        if cell["cell_type"] == "code":
            if not same_code(text, block.text):
                problems.append(f"cell {cid}: its translation changes the code, not only the comments (line {block.line})")
                continue
            cell["source"] = lines_of(block.text)
        else:
            cell["source"] = lines_of(relink(block.text, translated))
    for kind, key in translation.blocks:
        if kind == "cell" and key not in ids:
            problems.append(f"a translation for cell {key}, which the English notebook no longer has "
                            f"(line {translation.blocks[(kind, key)].line})")
    meta = nb["metadata"].get("rnn_course", {})
    if "summary" in meta:
        block = translation.blocks.get(("meta", "summary"))
        if block is None:
            problems.append("the summary (metadata) has no translation")
        else:
            if block.en_hash != fingerprint(meta["summary"]):
                problems.append(f"the summary changed in English after its translation (line {block.line})")
            meta["summary"] = " ".join(block.text.split())
    nb["metadata"]["rnn_course"] = dict(meta, language=LANG)
    return nb, problems


def stub(number: str) -> Path:
    """Append the English text of every untranslated cell of notebook NN to its translation file."""
    matches = [p for p in english_notebooks() if p.name.startswith(number + "_")]
    if not matches:
        raise SystemExit(f"no notebook notebooks/{number}_*.ipynb")
    path = matches[0]
    target = TRANSLATIONS / (path.stem + ".md")
    existing = read_translation(target) if target.exists() else Translation(target)
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    summary = nb["metadata"].get("rnn_course", {}).get("summary")
    if summary and ("meta", "summary") not in existing.blocks:
        out.append(f"<!-- meta summary en {fingerprint(summary)} -->\n{summary}\n")
    for cell in nb["cells"]:
        if needs_translation(cell) and ("cell", cell["id"]) not in existing.blocks:
            out.append(f"<!-- cell {cell['id']} en {fingerprint(source(cell))} -->\n{source(cell)}\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as f:
        f.write("\n".join(out))
    print(f"{len(out)} blocks to translate appended to {target.relative_to(ROOT)}")
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 naming every problem")
    parser.add_argument("--complete", action="store_true", help="also require a translation of every notebook")
    parser.add_argument("--stub", metavar="NN", help="append notebook NN's untranslated cells to its translation file")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root (default: the one holding tools/)")
    args = parser.parse_args(argv)
    use_root(args.root)
    if args.stub:
        stub(args.stub)
        return 0
    problems = build(check_only=args.check, complete=args.complete)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} translation problems", file=sys.stderr)
        return 1
    print("Korean edition up to date" if args.check else "Korean edition built")
    return 0


if __name__ == "__main__":
    sys.exit(main())
