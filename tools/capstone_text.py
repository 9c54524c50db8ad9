"""Write rnn_course/data/ecclesiastes.txt from the King James text in Debian's bible-kjv-text.

The capstone (notebook 10) trains on the Book of Ecclesiastes, King James Version (1611), as
Debian's packages ``bible-kjv-text`` (the text, /usr/lib/bible.data) and ``bible-kjv`` (the
program ``bible`` that decompresses it) carry it. To regenerate the file (no network at run time;
the packages come from Debian's archive)::

    apt-get download bible-kjv-text bible-kjv
    dpkg-deb -x bible-kjv-text_*.deb kjv && dpkg-deb -x bible-kjv_*.deb kjv
    kjv/usr/bin/bible -p kjv/usr/lib Eccl1:1-12:14 > ecclesiastes-bible-output.txt
    python3 tools/capstone_text.py ecclesiastes-bible-output.txt

``bible`` prints a heading per chapter ("Ecclesiastes 1") and each verse as "  N text", wrapped
at 80 columns. This keeps the words only: one verse a line, wrapped lines joined with a space,
no headings and no verse numbers. Nothing else is changed (spelling, capitals, punctuation).
"""
import argparse
import re
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "rnn_course" / "data" / "ecclesiastes.txt"


def verses(bible_output):
    """The verses of ``bible``'s output, in order, each one line without its number."""
    found = []
    for line in bible_output.splitlines():
        if not line.strip() or re.fullmatch(r"Ecclesiastes \d+", line.strip()):
            continue
        start = re.match(r"\s+\d+ (.*)", line)
        if start:
            found.append(start.group(1).strip())
        elif found:
            found[-1] += " " + line.strip()             # a wrapped verse continues
        else:
            raise ValueError(f"text before the first verse: {line!r}")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bible_output", type=Path, help="what `bible Eccl1:1-12:14` printed")
    args = parser.parse_args()
    lines = verses(args.bible_output.read_text(encoding="ascii"))
    if len(lines) != 222:
        raise SystemExit(f"expected the 222 verses of Ecclesiastes, found {len(lines)}")
    OUT.write_text("\n".join(lines) + "\n", encoding="ascii")
    print(f"wrote {OUT.name}: {len(lines)} verses")


if __name__ == "__main__":
    main()
