"""Collect submissions (a folder, a zip or one notebook) into nbgrader's ``submitted`` layout.

Accepted inputs, mixed freely:

* nbgrader's layout: ``<student>/<assignment>/<anything>.ipynb``;
* one folder per student: ``<student>/<assignment name>.ipynb``, e.g. ``alice/03_backprop.ipynb``;
* a flat folder, as a course site's download gives it: ``<student>_<assignment>....ipynb``,
  e.g. ``2021123456_박서준_과제3.ipynb`` or ``Park Seoyeon - backprop (1).ipynb``;
* a zip file of any of these (zips inside it are opened too), or a single ``.ipynb``.

A notebook that an editor or a browser saved under another suffix (``과제3.ipynb.txt``,
``03_backprop.ipynb.json``, ``03_backprop.json``) is collected too when its content is a
notebook.

Who handed a file in comes from :mod:`autograder.names`: a student number in the name is
the id; otherwise the name (Hangul kept, Latin lower-cased), mapped to a student number when a
roster is given. A folder whose name names nobody (``03_backprop submissions``, ``late.zip``)
or that holds the files of several students wraps a download and is not a student. The
assignment comes from the folder or file name and, when the name says nothing or disagrees,
from the notebook itself: its nbgrader cell ids belong to exactly one assignment.

Every file gets a line in the report: collected, unchanged, replaced (the previous copy is
kept in ``backups/``), or not collected and why. Problems that would grade somebody under
the wrong name (two people with one id, two equally new files of one student, a source
without a notebook) stop the collection before anything is written. The input is only read,
never changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.course import Course, CourseError
from autograder.names import (
    STUDENT_NUMBER,
    Roster,
    StudentName,
    is_id,
    is_wrapper,
    mentioned_assignment,
    name_words,
    script,
    site_name,
    student_name,
    tokens,
)
from autograder.notebooks import NotebookError, grade_ids, read_notebook

__all__ = ["CollectEntry", "collect", "normalise_student", "notebook_stem", "write_report"]

MAX_ZIP_BYTES = 2_000_000_000  # refuse to unpack more than this (zip bombs)
MAX_NOTEBOOK_MB = 100.0  # a bigger notebook is reported and skipped, never read
OUTPUTS_MB = 20.0  # a bigger notebook is stored without its outputs, which are never graded
MAX_ZIP_DEPTH = 3  # zips inside zips inside zips
# archives that may hold a submission but that the standard library cannot open (반디집's
# .egg, ALZip's .alz, .rar, .7z, ...): refused, so that the instructor asks for the notebook
OTHER_ARCHIVES = {".7z", ".alz", ".bz2", ".egg", ".gz", ".rar", ".tar", ".tgz", ".xz", ".zipx"}
MAX_ID_LENGTH = 64  # characters of a student id: a folder name, and a row of the gradebook
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
IGNORED_FILES = {"desktop.ini", "thumbs.db"}
# a notebook, or one saved by an editor or a browser under another suffix
_NOTEBOOK_NAME = re.compile(r"^(?P<stem>.+?)(?:\.ipynb(?:\.[a-z]{2,4})?|\.json)$", re.IGNORECASE)
NOT_TAKEN = ("unmatched", "too large", "refused")
TAKEN = ("collected", "unchanged", "replaced")  # the submission is in submitted/
_UTF8_FLAG = 0x800
_RESUBMISSION = re.compile(r"\((\d+)\)\s*$")


@dataclass
class CollectEntry:
    """What happened to one input file."""

    source: str
    student: str = ""
    assignment: str = ""
    status: str = ""  # collected | unchanged | replaced | duplicate | unmatched | ignored |
    #                  too large | refused
    notes: list[str] = field(default_factory=list)
    mtime: float = 0.0
    path: Path | None = None
    name: str = ""  # the student's name as the file or folder gives it
    number: str = ""  # the student number the file or folder gives
    account: str = ""  # the course site's number for the student, in its download's layout

    def row(self) -> dict[str, str]:
        return {
            "file": self.source,
            "student": self.student,
            "name": self.name,
            "assignment": self.assignment,
            "status": self.status,
            "notes": "; ".join(self.notes),
        }

    @property
    def resubmission(self) -> int:
        """The site's counter of a later upload: 2 for ``name (2).ipynb``, else 0."""
        match = _RESUBMISSION.search(Path(self.source).stem)
        return int(match.group(1)) if match else 0


def normalise_student(name: str) -> str:
    """A student id nbgrader can use as a folder name: lower case, words joined by ``_``.

    Letters of any script, digits, ``.`` and ``-`` are kept (``박서준``, ``student-007``),
    so different names stay different ids.
    """
    text = unicodedata.normalize("NFC", name).lower()
    return re.sub(r"[^\w.-]+", "_", text).strip("._-")


# gathering the files -------------------------------------------------------------------
@dataclass
class _File:
    rel: str  # the path shown in the report, zips inside zips included
    path: Path | None  # where it can be read; None when it was not extracted
    mtime: float = 0.0
    problem: str = ""  # why it is refused or skipped
    status: str = ""


def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name, decoded right: UTF-8 when flagged, else UTF-8 or CP949 bytes.

    Python decodes names without the UTF-8 flag as CP437; encoding back gives the bytes.
    Korean Windows writes CP949 without the flag, some Linux and macOS tools UTF-8.
    """
    name = info.filename
    if not info.flag_bits & _UTF8_FLAG:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = b""
        for encoding in ("utf-8", "cp949"):
            try:
                name = raw.decode(encoding) if raw else name
                break
            except UnicodeDecodeError:
                continue
    return unicodedata.normalize("NFC", name.replace("\\", "/"))


def notebook_stem(rel: str) -> str | None:
    """The file name without its notebook suffix, or None when it does not name a notebook.

    >>> notebook_stem("late/박서준_과제3.ipynb.txt"), notebook_stem("receipt.txt")
    ('박서준_과제3', None)
    """
    found = _NOTEBOOK_NAME.match(Path(rel).name)
    return found["stem"] if found else None


def _is_notebook(path: Path | None) -> bool:
    """Whether a file holds a notebook that can be read (whatever its suffix)."""
    if path is None:
        return False
    try:
        read_notebook(path)
    except NotebookError:
        return False
    return True


def _skipped(rel: str) -> bool:
    parts = rel.split("/")
    return (
        bool(set(parts) & IGNORED_PARTS)
        or any(p.startswith(".") for p in parts)
        or parts[-1].lower() in IGNORED_FILES
    )


def _copy_limited(src, dest: Path, limit: int) -> bool:
    """Stream ``src`` to ``dest``; False (and nothing kept) if it is longer than ``limit``."""
    written = 0
    with open(dest, "wb") as out:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > limit:
                break
            out.write(chunk)
    if written > limit:
        dest.unlink()
        return False
    return True


class _Gatherer:
    def __init__(self, tmp: Path, max_bytes: int) -> None:
        self.tmp, self.max_bytes = tmp, max_bytes
        self.files: list[_File] = []
        self.unzipped = 0

    def _scratch(self, suffix: str) -> Path:
        self.unzipped += 1
        return self.tmp / f"{self.unzipped}{suffix}"

    def add(self, rel: str, path: Path, mtime: float, size: int, depth: int) -> None:
        suffix = Path(rel).suffix.lower()
        if suffix == ".zip":
            if depth >= MAX_ZIP_DEPTH:
                self.files.append(_File(rel, None, mtime, "zips nested too deep", "ignored"))
            else:  # a student's damaged or unsafe zip is refused alone, not the whole source
                kept = len(self.files)
                try:
                    self.unzip(path, rel, depth + 1)
                except CourseError as err:
                    del self.files[kept:]
                    problem = str(err).removeprefix(f"{rel}: ").removeprefix(f"{rel} ")
                    problem += ": ask the student to hand it in again"
                    self.files.append(_File(rel, None, mtime, problem, "refused"))
        elif notebook_stem(rel) is not None and size > self.max_bytes:
            self.files.append(
                _File(rel, None, mtime, f"{size / 1e6:.1f} MB, over the limit of "
                      f"{self.max_bytes / 1e6:g} MB: not read", "too large")
            )  # fmt: skip
        else:
            self.files.append(_File(rel, path, mtime))

    def folder(self, root: Path) -> None:
        for here, dirs, names in os.walk(root):  # does not follow symbolic links
            base = Path(here)
            dirs.sort()
            for name in sorted(names + [d for d in dirs if (base / d).is_symlink()]):
                path = base / name
                rel = unicodedata.normalize("NFC", path.relative_to(root).as_posix())
                if _skipped(rel):
                    continue
                if path.is_symlink():
                    self.files.append(_File(rel, None, 0.0, "a symbolic link: not followed",
                                            "refused"))  # fmt: skip
                    continue
                info = path.stat()
                self.add(rel, path, info.st_mtime, info.st_size, 0)

    def unzip(self, archive: Path, prefix: str, depth: int) -> None:
        label = prefix or archive.name
        try:
            with zipfile.ZipFile(archive) as zf:
                entries = [(info, _entry_name(info)) for info in zf.infolist()]
                total = 0
                for info, name in entries:
                    parts = Path(name).parts
                    if name.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", name):
                        raise CourseError(f"{label}: unsafe path {name!r} in the zip")
                    total += info.file_size
                    if total > MAX_ZIP_BYTES:
                        raise CourseError(f"{label}: more than {MAX_ZIP_BYTES} bytes unpacked")
                for info, name in entries:
                    rel = f"{prefix}/{name}" if prefix else name
                    if info.is_dir() or _skipped(rel):
                        continue
                    stamp = dt.datetime(*info.date_time).timestamp()
                    if stat.S_ISLNK(info.external_attr >> 16):
                        self.files.append(_File(rel, None, stamp, "a symbolic link: not followed",
                                                "refused"))  # fmt: skip
                        continue
                    suffix = Path(name).suffix.lower()
                    is_notebook = notebook_stem(name) is not None
                    if not is_notebook and suffix != ".zip":
                        self.files.append(_File(rel, None, stamp))
                        continue
                    limit = self.max_bytes if is_notebook else MAX_ZIP_BYTES
                    if info.file_size > limit:
                        self.add(rel, Path(), stamp, info.file_size, depth)
                        continue
                    dest = self._scratch(suffix)
                    with zf.open(info) as src:
                        if not _copy_limited(src, dest, limit):
                            self.add(rel, Path(), stamp, limit + 1, depth)
                            continue
                    os.utime(dest, (stamp, stamp))
                    self.add(rel, dest, stamp, info.file_size, depth)
        except (zipfile.BadZipFile, zlib.error, EOFError) as err:
            raise CourseError(f"{label} is not a valid zip file ({err})") from None


# matching --------------------------------------------------------------------------------
class _Matcher:
    def __init__(
        self, course: Course, assignments: list[str], roster: Roster | None, student: str
    ) -> None:
        self.assignments = assignments
        self.roster, self.forced = roster, student
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
        best = max(overlap, key=lambda a: overlap[a], default=None)
        if best is None or overlap[best] == 0:
            return None, "its cells belong to no assignment (no nbgrader cell ids)"
        return best, ""

    def assignment_folder(self, folder: str) -> str | None:
        """The assignment a folder of nbgrader's layout is named after (``03_backprop``, ``03``)."""
        words = tokens(folder)
        named, used, _ = mentioned_assignment(words, self.assignments)
        return named if named and len(used) == len(words) else None

    def names_a_submission(self, folder: str) -> bool:
        """Whether a folder's (or a zip's) name says whose submission it is, beyond doubt, so
        that the folders inside it are the student's own: a student number, a course site's
        layout, or a zip named after a student and the assignment (``박서윤_과제3.zip``)."""
        stem = re.sub(r"\.zip$", "", folder, flags=re.IGNORECASE)
        found = student_name(stem, self.assignments)
        if not found:
            return False
        if found.number or site_name(stem) is not None:
            return True
        if stem == folder:  # a plain folder named after a name and the assignment may wrap
            return False  # a download of one student ("AI 과제3 모음/alice/...")
        named, _, _ = mentioned_assignment(name_words(stem, self.assignments), self.assignments)
        return named is not None

    def match(self, file: _File, wrappers: set[str], holders: set[str]) -> CollectEntry:
        assert file.path is not None
        rel = Path(file.rel)
        entry = CollectEntry(source=file.rel, mtime=file.mtime, path=file.path)
        dirs = [Path(*rel.parts[: i + 1]).as_posix() for i in range(len(rel.parts) - 1)]
        stem = notebook_stem(rel.name) or rel.name
        site = site_name(stem)
        if site is not None and site.attempt:  # the site's time of the attempt orders them
            try:
                entry.mtime = dt.datetime.strptime(site.attempt, "%Y-%m-%d-%H-%M-%S").timestamp()
            except ValueError:
                pass
        folder_says = self.assignment_folder(rel.parts[-2]) if dirs else None
        # the student's folder: <student>/<assignment>/<file> or <student>/<file>
        owner = dirs[-2] if folder_says and len(dirs) >= 2 else None
        if not folder_says and dirs:
            owner = dirs[-1]
        if owner in wrappers or owner in holders:
            owner = None
        # a student's zip (or its unpacked folder) holds their own folders: Users/seojun/...
        own = [d for d in dirs[:-1] if d not in wrappers and self.names_a_submission(Path(d).name)]
        if own:
            owner = own[0]
        from_file = student_name(stem, self.assignments)
        found = from_file
        if site is not None:
            entry.account = site.account
        if owner is not None:
            folder = re.sub(r"\.zip$", "", Path(owner).name, flags=re.IGNORECASE)
            entry.account = getattr(site_name(folder), "account", "")
            found = student_name(folder, self.assignments)
            if is_id(folder, self.assignments):
                found.name = normalise_student(folder)  # as given: keep its digits, . and -
            found.number = found.number or from_file.number
        elif from_file.name and not from_file.number:
            named, _, _ = mentioned_assignment(name_words(stem, self.assignments), self.assignments)
            if not named:
                entry.notes.append(f"student '{from_file.name}' read from the file name")
        name_says, _, rivals = mentioned_assignment(
            name_words(stem, self.assignments), self.assignments
        )
        name_says = folder_says or name_says
        if rivals and not folder_says:
            entry.notes.append(f"the file name mentions several assignments: {rivals}")
        content_says, why = self.by_content(file.path)
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
        entry.name = found.name
        self.identify(entry, found)
        if len(entry.student) > MAX_ID_LENGTH:
            entry.notes.append(
                f"the name read from it is {len(entry.student)} characters long, too long for a "
                "student id: rename the file after the student (number or name), or collect it "
                f"with `--student ID`"
            )
            entry.student, entry.status = "", "unmatched"
        if not entry.assignment:
            entry.status = "unmatched"
            entry.notes.append("cannot tell which assignment this is")
        elif not entry.student and not entry.status:
            entry.status = "unmatched"
            entry.notes.append("cannot tell which student this is")
        return entry

    def identify(self, entry: CollectEntry, found: StudentName) -> None:
        if self.forced:
            entry.student = self.forced
            return
        if not found:
            return
        if self.roster is None:
            entry.student = found.number or found.name
            entry.number = found.number
            return
        number, why = self.roster.find(found)
        if number:
            entry.student = number
            if why:  # found inside a longer name: worth a look
                entry.notes.append(why)
            known = self.roster.name_of(number)
            # a romanised name beside a Hangul one cannot be compared
            comparable = known and found.name and script(known) == script(found.name)
            if comparable and found.number and _key(known) != _key(found.name):
                entry.notes.append(f"the roster's name for {number} is {known}")
        else:
            entry.status = "unmatched"
            entry.notes.append(why)


def _key(name: str) -> str:
    return "".join(tokens(name))


def _wrappers(
    files: list[_File], assignments: list[str], matcher: _Matcher
) -> tuple[set[str], set[str]]:
    """Folders that wrap a download, and folders that hold just one other folder.

    A folder wraps a download when its name names nobody, or when it holds the files of
    several students or several folders. A folder that holds one folder (and no notebook of
    a student) is no student either, unless its name says whose submission it is
    (:meth:`_Matcher.names_a_submission`): a student's zip of ``Users/seojun/Desktop/...``.
    """
    folders: dict[str, set[str]] = {}
    children: dict[str, set[str]] = {}
    for file in files:
        if file.path is None or notebook_stem(file.rel) is None:
            continue
        parts = Path(file.rel).parts
        for i in range(1, len(parts)):
            folder = Path(*parts[:i]).as_posix()
            folders.setdefault(folder, set())
            if i + 1 < len(parts) and not matcher.assignment_folder(parts[i]):
                children.setdefault(folder, set()).add(Path(*parts[: i + 1]).as_posix())
        found = student_name(notebook_stem(parts[-1]) or parts[-1], assignments)
        if len(parts) > 1 and found:
            folders[Path(*parts[:-1]).as_posix()].add(found.number or found.name)
    wrappers = {
        folder
        for folder, people in folders.items()
        if is_wrapper(Path(folder).name, assignments)
        or len(people) > 1
        or len(children.get(folder, ())) > 1
    }
    holders = {f for f in folders if f not in wrappers and children.get(f)}
    return wrappers, holders


def collect(
    course: Course,
    source: Path,
    assignments: list[str] | None = None,
    dry_run: bool = False,
    roster: Roster | None = None,
    student: str | None = None,
    max_mb: float = MAX_NOTEBOOK_MB,
) -> list[CollectEntry]:
    """Copy the submissions found in ``source`` (folder, zip or notebook) into ``submitted/``.

    Parameters
    ----------
    course : Course
    source : path
        A folder, a ``.zip`` file or one ``.ipynb``.
    assignments : list of str, optional
        Only collect these assignments (ids); others are reported as ignored.
    dry_run : bool
        Report what would happen without writing anything.
    roster : Roster, optional
        The class list; student ids become student numbers, unknown names are unmatched.
    student : str, optional
        The id of the one student every notebook in ``source`` belongs to.
    max_mb : float
        Notebooks larger than this many megabytes are reported and skipped unread.

    Returns
    -------
    list of CollectEntry
        One per file found, in the order they were examined.

    Raises
    ------
    CourseError
        Before anything is written, if ``source`` holds no notebook, if two people would
        get the same id, or if two different files of one student are equally new.
    """
    source = Path(source)
    if not source.exists():
        raise CourseError(f"{source} does not exist")
    if max_mb <= 0:
        raise CourseError(f"the size limit must be positive, got {max_mb} MB")
    all_assignments = course.assignments()
    wanted = assignments or all_assignments
    matcher = _Matcher(course, all_assignments, roster, normalise_student(student or ""))
    if student and not matcher.forced:
        raise CourseError(f"'{student}' cannot be a student id: it has no letter or digit")
    if len(matcher.forced) > MAX_ID_LENGTH:
        raise CourseError(f"a student id has at most {MAX_ID_LENGTH} characters: '{student}'")
    if roster is not None and matcher.forced and matcher.forced not in roster.students:
        raise CourseError(
            f"--student {student} is not a student number of the roster {roster.source}: "
            "check the number (nothing was collected)"
        )
    with tempfile.TemporaryDirectory(prefix="dlfs-collect-") as tmp:
        gatherer = _Gatherer(Path(tmp), int(max_mb * 1e6))
        if source.is_dir():
            gatherer.folder(source)
        elif source.suffix.lower() == ".zip":
            gatherer.unzip(source, "", 1)
        elif source.suffix.lower() == ".ipynb":
            info = source.stat()
            gatherer.add(source.name, source, info.st_mtime, info.st_size, 0)
        else:
            raise CourseError(f"{source} is neither a folder, a .zip nor an .ipynb file")
        files = gatherer.files
        if not any(notebook_stem(f.rel) is not None for f in files):
            raise CourseError(f"{source} holds no notebook (.ipynb): nothing to collect")
        wrappers, holders = _wrappers(files, all_assignments, matcher)
        entries = []
        for file in files:
            if file.status:
                entries.append(CollectEntry(file.rel, status=file.status, notes=[file.problem]))
            elif Path(file.rel).suffix.lower() in OTHER_ARCHIVES:
                kind = Path(file.rel).suffix.lower()
                note = f"a {kind} archive cannot be opened here: ask the student for the .ipynb"
                entries.append(CollectEntry(file.rel, status="refused", notes=[note]))
            elif notebook_stem(file.rel) is None or not (
                file.rel.lower().endswith(".ipynb") or _is_notebook(file.path)
            ):
                entries.append(CollectEntry(file.rel, status="ignored", notes=["not a notebook"]))
            else:
                entry = matcher.match(file, wrappers, holders)
                if not entry.status and entry.assignment not in wanted:
                    entry.status = "ignored"
                    entry.notes.append("assignment not selected")
                entries.append(entry)
        if roster is None and not matcher.forced:
            _numbers_for_names(entries)
            _tell_apart_namesakes(entries)
            _check_ids_like_the_course(course, entries)
        if not matcher.forced:  # --student: the instructor says whose they all are
            _check_people(entries)
        _resolve_duplicates(entries)
        for entry in entries:
            if not entry.status:
                _store(course, entry, dry_run)
    if not dry_run:
        _record_names(course, entries, roster)
    return entries


def _record_names(course: Course, entries: list[CollectEntry], roster: Roster | None) -> None:
    """Put the students' names (and e-mail addresses) into the gradebook, for ``grades.csv``.

    The roster is the authority, and it names every student on it, so that one who handed in
    nothing has a row in ``grades.csv`` too. Without a roster, a student number that a file
    name gives together with a name gets that name, unless the gradebook has one already.
    """
    if not course.db_path.is_file():  # generate makes the gradebook; names can wait for it
        return
    from nbgrader.api import MissingEntry

    known: dict[str, tuple[str, str]] = {}
    for e in entries:
        if e.status in TAKEN and e.name and STUDENT_NUMBER.match(e.student):
            known.setdefault(e.student, (e.name, ""))
    if roster is not None:
        known.update((n, (roster.name_of(n), roster.emails.get(n, ""))) for n in roster.students)
    if not known:
        return
    with course.gradebook() as gb:
        for student, (name, email) in known.items():
            if roster is None:
                try:
                    if gb.find_student(student).last_name:
                        continue
                except MissingEntry:
                    pass
            # a Korean name stays whole, as the last name; "Park, Seojun" is last, first
            last, _, first = name.partition(",")
            # nbgrader writes grades.csv without quoting: no commas in what it writes
            fields = {"last_name": last.strip(), "first_name": first.replace(",", " ").strip()}
            if email:
                fields["email"] = email.replace(",", " ")
            gb.update_or_create_student(student, **fields)


def _numbers_for_names(entries: list[CollectEntry]) -> None:
    """A name that comes with one student number elsewhere in the download gets that number."""
    numbers: dict[str, set[str]] = {}
    for e in entries:
        if e.number and e.name:
            numbers.setdefault(e.name, set()).add(e.number)
    for e in entries:
        if not e.status and not e.number and len(numbers.get(e.name, ())) == 1:
            (e.student,) = numbers[e.name]
            e.notes.append(f"student number {e.student} taken from another file of {e.name}")


def _tell_apart_namesakes(entries: list[CollectEntry]) -> None:
    """Two students of one name in a site's download get ids with the site's number for them.

    Moodle and Canvas name each file after the student's name and number on the site; the
    same name under two numbers is two people (두 명의 김민준), not two uploads of one.
    """
    accounts: dict[str, set[str]] = {}
    for e in entries:
        if e.account and e.student and not e.number and not e.status:
            accounts.setdefault(e.student, set()).add(e.account)
    for e in entries:
        if e.account and not e.number and not e.status and len(accounts.get(e.student, ())) > 1:
            e.notes.append(
                f"{len(accounts[e.student])} students named {e.student} in the download: "
                f"told apart by the course site's number for them, {e.account}"
            )
            e.student = f"{e.student}_{e.account}"


def _check_ids_like_the_course(course: Course, entries: list[CollectEntry]) -> None:
    """A course whose students are all student numbers (collected with a roster) gets no
    student under a name: 박서준 would be a second student beside his number."""
    folder = course.path("submitted")
    known = [p.name for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []
    if not known or not all(STUDENT_NUMBER.match(k) for k in known):
        return
    named = sorted({e.student for e in entries if e.student and not e.status} - set(known))
    named = [s for s in named if not STUDENT_NUMBER.match(s)]
    if named:
        raise CourseError(
            f"every student of this course so far is a student number, but this source names "
            f"{', '.join(named[:5])}{' ...' if len(named) > 5 else ''} by name: collect it with "
            "--roster (the class list) so that they keep their numbers, or with --student "
            "NUMBER for one student; nothing was written."
        )


def _check_people(entries: list[CollectEntry]) -> None:
    """Two different names (in one script) under one id: stop before anything is written."""
    names: dict[str, dict[tuple[str, str], str]] = {}
    for e in entries:
        if e.student and e.name and e.status in ("", "duplicate"):
            names.setdefault(e.student, {}).setdefault((script(e.name), _key(e.name)), e.source)
    problems = []
    for student, seen in sorted(names.items()):
        for kind in {k for k, _ in seen}:
            clash = sorted((source, key) for (k, key), source in seen.items() if k == kind)
            if len(clash) > 1:
                files = ", ".join(f"{source} ({key})" for source, key in clash)
                problems.append(f"different people would share the id {student}: {files}")
    if problems:
        raise CourseError(
            "\n  ".join(problems) + "\nCorrect the names or numbers in the file names, or pass "
            "--roster, then collect again; nothing was written."
        )


def _resolve_duplicates(entries: list[CollectEntry]) -> None:
    groups: dict[tuple[str, str], list[CollectEntry]] = {}
    for entry in entries:
        if not entry.status:
            groups.setdefault((entry.student, entry.assignment), []).append(entry)
    ties = []
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda e: (e.mtime, e.resubmission))
        newest = group[-1]
        rival = group[-2]
        if (rival.mtime, rival.resubmission) == (newest.mtime, newest.resubmission):
            assert rival.path is not None and newest.path is not None
            if rival.path.read_bytes() != newest.path.read_bytes():
                ties.append(f"{rival.source} and {newest.source} (student {newest.student})")
        for older in group[:-1]:
            older.status = "duplicate"
            if (older.mtime, older.resubmission) == (newest.mtime, newest.resubmission):
                older.notes.append(f"the same as {newest.source}, which is the one collected")
            elif older.mtime == newest.mtime:
                older.notes.append(
                    f"{newest.source} has the same time and a later upload number; "
                    "it is the one collected"
                )
            else:
                older.notes.append(f"older than {newest.source}, which is the one collected")
        newest.notes.append(f"newest of {len(group)} files for this student and assignment")
    if ties:
        raise CourseError(
            "cannot tell which file is the newest: same time, no (1), (2) upload number:\n  "
            + "\n  ".join(ties)
            + "\nRemove the older one from the source, then collect again; nothing was written."
        )


def _store(course: Course, entry: CollectEntry, dry_run: bool) -> None:
    assert entry.path is not None
    folder = course.path("submitted", entry.student, entry.assignment)
    dest = folder / f"{entry.assignment}.ipynb"
    if Path(entry.source).name != dest.name:
        entry.notes.append(f"saved as {dest.name}")
    data = entry.path.read_bytes()
    if len(data) > OUTPUTS_MB * 1e6:
        data = _without_outputs(entry, data)
    if dest.is_file() and dest.read_bytes() == data:
        entry.status = "unchanged"
        return
    if dest.is_file() and not _is_notebook(entry.path) and _is_notebook(dest):
        entry.status = "refused"
        entry.notes.append(
            "not a valid notebook, so the student's previous submission is kept: ask for the "
            "file again"
        )
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


def _without_outputs(entry: CollectEntry, data: bytes) -> bytes:
    """A large notebook without the outputs of its code cells (grading runs the code again)."""
    assert entry.path is not None
    try:
        nb = read_notebook(entry.path)
    except NotebookError:
        return data  # kept as handed in: autograde says what is wrong with it
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    stripped = (nbformat.writes(nb) + "\n").encode()
    entry.notes.append(
        f"its outputs were left out ({len(data) / 1e6:.1f} MB in all): grading runs the code again"
    )
    return stripped


def write_report(entries: list[CollectEntry], path: Path) -> None:
    """Write the collection report as CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel reads UTF-8
        writer = csv.DictWriter(fh, ["file", "student", "name", "assignment", "status", "notes"])
        writer.writeheader()
        writer.writerows(e.row() for e in entries)
