"""Collect submissions from a folder or a zip file into nbgrader's ``submitted`` layout.

Accepted inputs, mixed freely:

* nbgrader's layout: ``<student>/<assignment>/<anything>.ipynb``;
* one folder per student: ``<student>/<assignment name>.ipynb``, e.g. ``alice/03_backprop.ipynb``;
* a flat folder, as an LMS download gives it: ``<student>_<assignment>....ipynb``, e.g.
  ``alice_03_backprop.ipynb`` or ``Alice Smith - backprop (1).ipynb``;
* a zip file of any of these.

The assignment comes from the folder or file name (``03_backprop``, ``03`` or ``backprop``)
and, when the name says nothing or disagrees, from the notebook itself: its nbgrader cell
ids belong to exactly one assignment. Every file gets a line in the report: collected,
unchanged, replaced (the previous copy is kept in ``backups/``), or not collected and why.
The input is only read, never changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import Course, CourseError
from autograder.notebooks import NotebookError, grade_ids, read_notebook

__all__ = ["CollectEntry", "collect", "normalise_student"]

MAX_ZIP_BYTES = 2_000_000_000  # refuse to unpack more than this (zip bombs)
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}


@dataclass
class CollectEntry:
    """What happened to one input file."""

    source: str
    student: str = ""
    assignment: str = ""
    status: str = ""  # collected | unchanged | replaced | duplicate | unmatched | ignored
    notes: list[str] = field(default_factory=list)
    mtime: float = 0.0
    path: Path | None = None

    def row(self) -> dict[str, str]:
        return {
            "file": self.source,
            "student": self.student,
            "assignment": self.assignment,
            "status": self.status,
            "notes": "; ".join(self.notes),
        }


def normalise_student(name: str) -> str:
    """A student id nbgrader can use as a folder name: lower case, ``[a-z0-9._-]`` only."""
    ident = re.sub(r"[^a-z0-9._-]+", "_", name.strip().lower()).strip("._-")
    return ident


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _named(text: str, assignments: list[str]) -> tuple[str | None, int, list[str]]:
    """The assignment a name mentions, where the mention starts, and any rivals.

    A name can mention an assignment by its id (``03_backprop``, strongest), its title
    (``backprop``) or its number (``03``, weakest), as a whole ``_``-separated word. The
    strongest mention wins; two assignments mentioned equally strongly are ambiguous.
    """
    norm = _normalise(text)
    best: dict[str, tuple[int, int]] = {}  # assignment -> (strength, start)
    for a in assignments:
        number, _, title = a.partition("_")
        for strength, word in ((3, a), (2, title), (1, number)):
            match = re.search(rf"(?:^|_)({re.escape(word)})(?:_|$)", norm) if word else None
            if match:
                best[a] = (strength, match.start(1))
                break
    if not best:
        return None, 0, []
    top = max(strength for strength, _ in best.values())
    leaders = sorted(a for a, (strength, _) in best.items() if strength == top)
    if len(leaders) > 1:
        return None, 0, leaders
    return leaders[0], best[leaders[0]][1], []


class _Matcher:
    def __init__(self, course: Course, assignments: list[str]) -> None:
        self.assignments = assignments
        self.ids = {}
        for a in assignments:
            try:
                self.ids[a] = set(grade_ids(read_notebook(course.source_notebook(a))))
            except NotebookError as err:
                raise CourseError(f"the source of {a} cannot be read: {err}") from None

    def by_content(self, path: Path) -> tuple[str | None, str]:
        try:
            found = set(grade_ids(read_notebook(path)))
        except NotebookError as err:
            return None, str(err).split(": ", 1)[-1]
        overlap = {a: len(found & ids) for a, ids in self.ids.items()}
        best = max(overlap, key=overlap.get, default=None)
        if best is None or overlap[best] == 0:
            return None, "its cells belong to no assignment (no nbgrader cell ids)"
        return best, ""

    def match(self, rel: Path, path: Path) -> CollectEntry:
        entry = CollectEntry(source=rel.as_posix(), mtime=path.stat().st_mtime, path=path)
        dirs, stem = list(rel.parts[:-1]), rel.stem
        folder_says = None
        if dirs:
            named, start, _ = _named(dirs[-1], self.assignments)
            if named and start == 0 and _normalise(dirs[-1]) in _spellings(named):
                folder_says = named  # nbgrader's layout: <student>/<assignment>/<file>
        if folder_says:
            name_says, student = folder_says, dirs[-2] if len(dirs) >= 2 else ""
        else:
            name_says, start, rivals = _named(stem, self.assignments)
            if rivals:
                entry.notes.append(f"the file name mentions several assignments: {rivals}")
            student = _normalise(stem)[:start].strip("_") if name_says else ""
            if not student and dirs:
                student = dirs[-1]  # <student>/<file>
            elif not student and not name_says:  # "alice.ipynb", never "06_cnn.ipynb"
                student = re.split(r"[_\-\s.]+", stem.strip())[0]
                if student:
                    entry.notes.append(f"student id '{student}' guessed from the file name")
        content_says, why = self.by_content(path)
        assignment = name_says
        if content_says and content_says != name_says:
            if name_says:
                entry.notes.append(
                    f"the name says {name_says} but the cells belong to {content_says}"
                )
            else:
                entry.notes.append(f"{content_says} recognised from the notebook's cells")
            assignment = content_says
        elif why:
            entry.notes.append(why)
        entry.assignment = assignment or ""
        entry.student = normalise_student(student)
        if entry.student and entry.student != student.strip() and student in dirs:
            entry.notes.append(f"student id '{student.strip()}' written as '{entry.student}'")
        if not entry.assignment:
            entry.status = "unmatched"
            entry.notes.append("cannot tell which assignment this is")
        elif not entry.student:
            entry.status = "unmatched"
            entry.notes.append("cannot tell which student this is")
        return entry


def _spellings(assignment: str) -> set[str]:
    number, _, title = assignment.partition("_")
    return {assignment, number, title}


def _unzip(archive: Path, target: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            total = 0
            for info in zf.infolist():
                name = Path(info.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise CourseError(f"{archive.name}: unsafe path {info.filename!r} in the zip")
                total += info.file_size
                if total > MAX_ZIP_BYTES:
                    raise CourseError(f"{archive.name}: more than {MAX_ZIP_BYTES} bytes unpacked")
            for info in zf.infolist():
                if info.is_dir():
                    continue
                dest = target / info.filename
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)
                stamp = dt.datetime(*info.date_time).timestamp()
                os.utime(dest, (stamp, stamp))
    except zipfile.BadZipFile:
        raise CourseError(f"{archive.name} is not a valid zip file") from None


def _files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and not (set(p.relative_to(root).parts) & IGNORED_PARTS)
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def collect(
    course: Course,
    source: Path,
    assignments: list[str] | None = None,
    dry_run: bool = False,
) -> list[CollectEntry]:
    """Copy the submissions found in ``source`` (folder or zip) into ``submitted/``.

    Parameters
    ----------
    course : Course
    source : path
        A folder or a ``.zip`` file.
    assignments : list of str, optional
        Only collect these assignments (ids); others are reported as ignored.
    dry_run : bool
        Report what would happen without writing anything.

    Returns
    -------
    list of CollectEntry
        One per file found, in the order they were examined.
    """
    source = Path(source)
    if not source.exists():
        raise CourseError(f"{source} does not exist")
    all_assignments = course.assignments()
    wanted = assignments or all_assignments
    matcher = _Matcher(course, all_assignments)
    with tempfile.TemporaryDirectory(prefix="dlfs-collect-") as tmp:
        root = source
        if source.is_file():
            if source.suffix.lower() != ".zip":
                raise CourseError(f"{source} is neither a folder nor a .zip file")
            root = Path(tmp)
            _unzip(source, root)
        entries = []
        for path in _files(root):
            rel = path.relative_to(root)
            if path.suffix.lower() == ".zip":
                entries.append(CollectEntry(rel.as_posix(), status="ignored", notes=["nested zip"]))
                continue
            if path.suffix.lower() != ".ipynb":
                entries.append(
                    CollectEntry(rel.as_posix(), status="ignored", notes=["not a notebook"])
                )
                continue
            entry = matcher.match(rel, path)
            if not entry.status and entry.assignment not in wanted:
                entry.status = "ignored"
                entry.notes.append("assignment not selected")
            entries.append(entry)
        _resolve_duplicates(entries)
        for entry in entries:
            if not entry.status:
                _store(course, entry, dry_run)
    return entries


def _resolve_duplicates(entries: list[CollectEntry]) -> None:
    groups: dict[tuple[str, str], list[CollectEntry]] = {}
    for entry in entries:
        if not entry.status:
            groups.setdefault((entry.student, entry.assignment), []).append(entry)
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda e: (e.mtime, e.source))
        newest = group[-1]
        for older in group[:-1]:
            older.status = "duplicate"
            older.notes.append(f"older than {newest.source}, which is the one collected")
        newest.notes.append(f"newest of {len(group)} files for this student and assignment")


def _store(course: Course, entry: CollectEntry, dry_run: bool) -> None:
    assert entry.path is not None
    folder = course.path("submitted", entry.student, entry.assignment)
    dest = folder / f"{entry.assignment}.ipynb"
    if Path(entry.source).name != dest.name:
        entry.notes.append(f"saved as {dest.name}")
    data = entry.path.read_bytes()
    if dest.is_file() and dest.read_bytes() == data:
        entry.status = "unchanged"
        return
    if dest.is_file():
        entry.status = "replaced"
        if not dry_run:
            kept = course.backup_file(dest, "submitted")
            entry.notes.append(f"previous copy kept in {kept.relative_to(course.root)}")
    else:
        entry.status = "collected"
    if dry_run:
        entry.notes.append("dry run: nothing written")
        return
    folder.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    stamp = dt.datetime.fromtimestamp(entry.mtime, tz=dt.timezone.utc)
    (folder / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))


def write_report(entries: list[CollectEntry], path: Path) -> None:
    """Write the collection report as CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["file", "student", "assignment", "status", "notes"])
        writer.writeheader()
        writer.writerows(e.row() for e in entries)
