"""Make the student handout: a folder and a zip an instructor can post to a course page.

The handout (default ``build/student/``, zipped to ``build/rnn-course-student.zip`` whose single
top folder is ``rnn-course-student/``) holds

* ``notebooks/``: every notebook with the cells tagged ``solution`` (worked solutions) and
  ``instructor`` (text about the repository: hidden solutions, ``make student``, ...) removed,
  all outputs and execution counts cleared; the other files of ``notebooks/`` (data, figures) are
  copied. The navigation cells' "Contents" link, ``../README.md#the-notebooks``, leads to the
  student README's list of notebooks;
* ``rnn_core/`` (the library, with its data files) and ``rnn_course/`` (the exercise checks,
  demos and figures), which the notebooks import, and
  ``benchmarks/results/`` (the stored timings notebook 11 shows);
* ``pyproject.toml``, ``requirements.txt`` (the locked versions with their hashes) and the ``LICENSE*`` files;
* ``README.md``: set-up in two commands, how an exercise check reports, the list of notebooks
  (from ``tools/student_README.md``).

Files are written only when their content differs, so a second run changes nothing; files left
from an earlier handout that are no longer part of it are removed.

Usage::

    python tools/make_student.py                    # -> build/student/ and build/rnn-course-student.zip
    python tools/make_student.py --out dist/handout --zip dist/handout.zip
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import _nbio  # noqa: E402

REMOVED_TAGS = ("solution", "instructor")
README_TEMPLATE = Path(__file__).resolve().parent / "student_README.md"
TOP_FOLDER = "rnn-course-student"                   # the folder the zip unpacks to
ROOT_FILES = ("pyproject.toml", "requirements.txt")    # and every LICENSE* file
SHARED_FOLDERS = ("rnn_core", "rnn_course", "benchmarks/results")   # the library, the course machinery; timings notebook 11 reads
SKIP_NAMES = {".ipynb_checkpoints", "__pycache__"}


def studentize(nb) -> dict[str, int]:
    """Strip solutions, instructor text and outputs from ``nb`` in place; return cells removed per tag."""
    removed = {tag: 0 for tag in REMOVED_TAGS}
    kept = []
    for cell in nb.cells:
        tag = next((t for t in REMOVED_TAGS if _nbio.has_tag(cell, t)), None)
        if tag:
            removed[tag] += 1
            continue
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            cell.get("metadata", {}).pop("execution", None)
        kept.append(cell)
    nb.cells = kept
    return removed


def _skipped(path: Path) -> bool:
    return path.name.startswith(".") or path.name in SKIP_NAMES or path.suffix == ".pyc" \
        or path.name.endswith(".egg-info")


def _tree_files(src: Path, dst: Path) -> dict[Path, bytes]:
    """Every file under ``src`` (hidden files, caches and notebooks' checkpoints skipped), keyed by its place under ``dst``."""
    files = {}
    for item in sorted(src.iterdir()):
        if _skipped(item):
            continue
        if item.is_dir():
            files.update(_tree_files(item, dst / item.name))
        elif item.is_file():
            files[dst / item.name] = item.read_bytes()
    return files


def notebook_table(notebooks) -> str:
    """The README's list of notebooks: a Markdown table of links, titles and summaries."""
    rows = ["| Notebook | What it covers |", "|---|---|"]
    for path, nb in notebooks:
        title = nb.cells[0].source.splitlines()[0].lstrip("# ").strip()
        summary = nb.metadata.get("rnn_course", {}).get("summary", "")
        rows.append(f"| [{title}](notebooks/{path.name}) | {summary} |")
    return "\n".join(rows)


def handout_files(root: Path) -> tuple[dict[Path, bytes], list[str]]:
    """(files, report): the handout's files keyed by their path inside it, and a line per notebook."""
    files, report, notebooks = {}, [], []
    korean = sorted((_nbio.notebooks_dir(root) / "ko").glob("*.ipynb"))   # the Korean edition (tools/translate.py)
    for path in _nbio.all_notebooks(root) + korean:
        nb = _nbio.read_notebook(path)
        removed = studentize(nb)
        place = Path("notebooks", *path.relative_to(_nbio.notebooks_dir(root)).parts)
        if path.parent.name != "ko":
            notebooks.append((path, nb))
        files[place] = _nbio.notebook_text(nb).encode("utf-8")
        report.append(f"{place.relative_to('notebooks')}: {removed['solution']} solution and {removed['instructor']} instructor cells removed")
    for name, data in _tree_files(_nbio.notebooks_dir(root), Path("notebooks")).items():
        if name.suffix != ".ipynb":
            files[name] = data
    for folder in SHARED_FOLDERS:
        if (root / folder).is_dir():
            files.update({name: data for name, data in _tree_files(root / folder, Path(folder)).items()
                          if name.suffix != ".tmp"})
    for path in [root / name for name in ROOT_FILES] + sorted(root.glob("LICENSE*")):
        files[Path(path.name)] = path.read_bytes()
    readme = README_TEMPLATE.read_text(encoding="utf-8").replace("{notebooks}", notebook_table(notebooks))
    files[Path("README.md")] = readme.encode("utf-8")
    return files, report


def zip_bytes(files: dict[Path, bytes]) -> bytes:
    """A zip of ``files`` under ``TOP_FOLDER/``, byte-identical for identical files (fixed dates, sorted)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files, key=lambda p: p.as_posix()):
            info = zipfile.ZipInfo(f"{TOP_FOLDER}/{name.as_posix()}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def write_folder(out_dir: Path, files: dict[Path, bytes]) -> tuple[int, int]:
    """Write ``files`` under ``out_dir`` where they differ, remove files no longer in the handout; (written, removed).

    What someone made in the folder by using it (``.venv``, checkpoints, caches, egg-info) is left alone."""
    written = sum(_write(out_dir / name, data) for name, data in files.items())

    def ours(path):
        return not any(_skipped(Path(part)) for part in path.relative_to(out_dir).parts) and not path.is_symlink()
    stale = [p for p in out_dir.rglob("*") if ours(p) and p.is_file() and p.relative_to(out_dir) not in files]
    for path in stale:
        path.unlink()
    for folder in sorted((p for p in out_dir.rglob("*") if ours(p) and p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return written, len(stale)


def _write(path: Path, data: bytes) -> int:
    if path.is_file() and path.read_bytes() == data:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return 1


def _is_handout_or_empty(out_dir: Path) -> bool:
    """Only a folder this tool wrote (its README is the students') or an empty one may be rewritten."""
    if not out_dir.exists():
        return True
    readme = out_dir / "README.md"
    first_line = README_TEMPLATE.read_text(encoding="utf-8").splitlines()[0]
    return not any(out_dir.iterdir()) or (readme.is_file() and
                                           readme.read_text(encoding="utf-8").splitlines()[:1] == [first_line])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="make_student.py",
        description="Write the student handout (notebooks without solutions or outputs, rnn_core, "
                    "pinned requirements, a README) as a folder and a zip.",
    )
    _nbio.add_root_argument(parser)
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: build/student under the project root)")
    parser.add_argument("--zip", type=Path, default=None,
                        help=f"zip file (default: {TOP_FOLDER}.zip beside the output folder)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    root = _nbio.resolve_root(args.root)
    src_dir = _nbio.notebooks_dir(root)
    missing = [name for name in ("notebooks", "rnn_core", "rnn_course", *ROOT_FILES) if not (root / name).exists()]
    if missing:
        print(f"error: the handout needs {', '.join(missing)} under {root}", file=sys.stderr)
        return 2
    out_dir = (args.out if args.out is not None else root / "build" / "student").resolve()
    zip_path = (args.zip if args.zip is not None else out_dir.parent / f"{TOP_FOLDER}.zip").resolve()
    if out_dir == src_dir.resolve() or src_dir.resolve() in out_dir.parents or out_dir in root.parents \
            or out_dir == root:
        print("error: --out must be a new folder, not notebooks/, the project or a folder holding it", file=sys.stderr)
        return 2
    if not _is_handout_or_empty(out_dir):
        print(f"error: {out_dir} is not empty and holds no student handout; choose a new folder", file=sys.stderr)
        return 2

    files, report = handout_files(root)
    print("\n".join(report))
    written, stale = write_folder(out_dir, files)
    zipped = _write(zip_path, zip_bytes(files))
    print(f"student handout in {_nbio.display_path(out_dir, root)}: {len(files)} files, {written} written, "
          f"{stale} stale removed; zip {_nbio.display_path(zip_path, root)} {'written' if zipped else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
