"""Who handed in what: assignment and student from file names, and the class roster.

Names are cut into words (letters in any script, or digits; ``과제3`` is ``과제`` and ``3``).
An assignment is mentioned by its id (``03_backprop``), its title (``backprop``) or its
number (``3`` or ``03``). A run of 7 to 10 digits, or a year, a hyphen and 4 to 6 digits
(``2019-12345``, as some universities write it), is a student number. What is left, after
the words course sites add (``submission``, ``제출``, ``late`` ...), is the student's name:
Hangul is kept as it is, Latin letters are lower-cased, words are joined by ``_``, so
``Park Seoyeon`` is ``park_seoyeon`` and ``박서준`` stays ``박서준`` (nbgrader, its gradebook
and the file system take any Unicode letter in a student id).

The bulk downloads of three course-site systems name files in a fixed layout, which is read
as such (:func:`site_name`), so that the site's own numbers are never taken for a student's:

* Moodle: ``박서준_1834521_assignsubmission_file_03_backprop.ipynb``, or a folder
  ``박서준_1834521_assignsubmission_file_/`` (the full name, then a participant number that
  differs from one assignment to the next; ``Participant 1834521`` under blind marking);
* Canvas: ``parkseojun_48213_10345678_03_backprop.ipynb`` (the login name, ``_late``, the user
  id, the id of the attachment, then the student's own file name);
* Blackboard: ``과제 3_2021123456_attempt_2026-12-01-10-30-00_03_backprop.ipynb`` (the
  assignment's title, the user name, and the time of the attempt, which orders resubmissions).

A roster (``--roster FILE.csv``, the student list a course site exports: student number,
name, optional e-mail) turns names into student numbers.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import CourseError

__all__ = [
    "STUDENT_NUMBER",
    "Roster",
    "SiteName",
    "StudentName",
    "is_id",
    "is_wrapper",
    "mentioned_assignment",
    "name_key",
    "name_words",
    "script",
    "site_name",
    "student_name",
    "tokens",
]

# 7 to 10 digits (2021123456), or the year, a hyphen and 4 to 6 digits (2019-12345)
STUDENT_NUMBER = re.compile(r"^(?:\d{7,10}|\d{4}-\d{4,6})$")
_HYPHENATED = re.compile(r"(?<![\d-])\d{4}-\d{4,6}(?![\d-])")

# words that course sites, operating systems and students add to file names
NOISE = {
    "all", "answer", "answers", "assignment", "assignments", "assignsubmission", "attempt",
    "copy", "ex", "exercise", "file", "final", "homework", "hw", "ipynb", "lab", "late",
    "notebook", "onlinetext", "solution", "solutions", "submission", "submissions", "submit",
    "submitted", "v", "ver", "version", "zip", "download", "downloads", "export", "my",
    "new", "fixed", "revised", "resubmit", "resubmission", "updated", "draft", "work",
    "과제", "제출", "최종", "최종본", "사본", "복사본", "수정", "수정본", "지각", "지각제출",
    "다운로드", "최최종", "진짜최종", "최종최종", "완성", "완성본", "제출용",
}  # fmt: skip
# words that only a course site or a student's file name puts in a folder name
SITE_WORDS = {
    "assignsubmission", "onlinetext", "submission", "submissions", "submitted", "과제", "제출",
    "지각", "지각제출", "최종",
}  # fmt: skip
# a folder with one of these words in its name wraps a download, even if it also has a name
WRAPPER_WORDS = {
    "submission", "submissions", "submitted", "download", "downloads", "export", "late",
    "지각", "지각제출",
}  # fmt: skip


@dataclass(frozen=True)
class SiteName:
    """A file or folder name in the layout of a course site's bulk download."""

    who: str  # the part that names the student: a full name, a login or a user name
    rest: str  # the assignment's title and the student's own file name, as given
    account: str = ""  # the site's number for the student (Moodle, Canvas)
    attempt: str = ""  # when the site says it was handed in, "YYYY-MM-DD-HH-MM-SS"


_MOODLE = re.compile(
    r"^(?P<who>.+?)_(?P<id>\d+)_assign(?:submission|feedback)_[a-z]+_?(?P<rest>.*)$"
)
_CANVAS = re.compile(r"^(?P<who>[^\W_]+)(?:_late)?_(?P<id>\d+)_\d{5,}_(?P<rest>.+)$", re.IGNORECASE)
_BLACKBOARD = re.compile(
    r"^(?P<title>.+?)_(?P<who>[^_]+)_attempt_(?P<at>\d{4}(?:-\d\d){5})(?:_(?P<rest>.*))?$"
)
_BLIND = re.compile(r"(?:participant|참가자)\s*(\d+)", re.IGNORECASE)


def site_name(name: str) -> SiteName | None:
    """The parts of ``name`` when it is laid out as a Moodle, Canvas or Blackboard download.

    >>> site_name("Park Seoyeon_1834530_assignsubmission_file_backprop (1)")
    SiteName(who='Park Seoyeon', rest='backprop (1)', account='1834530', attempt='')
    >>> site_name("2021123456_박서준_과제3") is None
    True
    """
    name = unicodedata.normalize("NFC", name)
    if found := _MOODLE.match(name):
        return SiteName(found["who"], found["rest"], found["id"])
    if found := _BLACKBOARD.match(name):
        title = f"{found['title']} {found['rest'] or ''}"
        return SiteName(found["who"], title, attempt=found["at"])
    if found := _CANVAS.match(name):
        return SiteName(found["who"], found["rest"], found["id"])
    return None


def tokens(text: str) -> list[str]:
    """The words of a name: runs of letters (any script) or of digits, lower case, NFC.

    macOS stores Hangul file names decomposed (NFD); NFC makes them compare equal.
    """
    text = unicodedata.normalize("NFC", text).lower()
    return re.findall(r"[^\W\d_]+|\d+", text)


def name_words(name: str, assignments: Sequence[str] = ()) -> list[str]:
    """The words of a file or folder name, without the site's ``(1)`` for a second upload.

    An id such as ``student007`` or ``alice2`` stays one word; ``hw3``, ``과제3`` and
    ``backprop2`` (a site's word or an assignment's title, then a number) are two.
    """
    titles = {w for a in assignments for w in tokens(a.partition("_")[2])}
    site = site_name(name)
    if site is not None:  # the site's numbers and dates are neither names nor assignments
        name = f"{site.who} {site.rest}"
    text = unicodedata.normalize("NFC", re.sub(r"\s*\(\d+\)\s*$", "", name)).lower()
    words: list[str] = []
    for chunk in re.split(r"[\W_]+", text):
        glued = re.fullmatch(r"([a-z]{2,})(\d+)", chunk)
        if glued and glued.group(1) not in NOISE | titles:
            words.append(chunk)
        else:
            words += tokens(chunk)
    return words


def _find(words: list[str], needle: list[str]) -> int:
    for i in range(len(words) - len(needle) + 1):
        if words[i : i + len(needle)] == needle:
            return i
    return -1


def mentioned_assignment(
    words: list[str], assignments: list[str]
) -> tuple[str | None, set[int], list[str]]:
    """The assignment that ``words`` mention, the positions of the mention, and any rivals.

    The id (``03_backprop``) is the strongest mention, then the title (``backprop``), then
    the number (``3`` or ``03``) as a word of its own. The strongest mention wins; two
    assignments mentioned equally strongly are ambiguous and both are returned as rivals.
    """
    best: dict[str, tuple[int, set[int]]] = {}
    for a in assignments:
        number, _, title = a.partition("_")
        for strength, needle in ((3, tokens(a)), (2, tokens(title))):
            at = _find(words, needle) if needle else -1
            if at >= 0:
                best[a] = (strength, set(range(at, at + len(needle))))
                break
        else:
            if number.isdigit():
                hits = [
                    i
                    for i, w in enumerate(words)
                    if w.isdigit() and len(w) <= 3 and int(w) == int(number)
                ]
                if hits:
                    best[a] = (1, {hits[0]})
    if not best:
        return None, set(), []
    top = max(strength for strength, _ in best.values())
    leaders = sorted(a for a, (strength, _) in best.items() if strength == top)
    if len(leaders) > 1:
        return None, set(), leaders
    return leaders[0], best[leaders[0]][1], []


@dataclass
class StudentName:
    """What a file or folder name says about a student."""

    number: str = ""  # a student number, 7-10 digits
    name: str = ""  # the name as an id: words joined by "_"

    def __bool__(self) -> bool:
        return bool(self.number or self.name)


def student_name(text: str, assignments: list[str]) -> StudentName:
    """The student number and name in a file or folder name, without the rest.

    >>> student_name("2021123456_박서준_과제3 (1)", ["03_backprop"])
    StudentName(number='2021123456', name='박서준')
    >>> student_name("2019-12345 홍길동 과제3", ["03_backprop"])
    StudentName(number='2019-12345', name='홍길동')

    In a course site's layout (:func:`site_name`) only the part that names the student counts:
    the student's own file name after it may hold anything.
    """
    site = site_name(text)
    if site is not None:
        text = site.who
        if blind := _BLIND.fullmatch(text.strip()):  # Moodle's blind marking
            return StudentName(name=f"participant_{blind.group(1)}")
    found = StudentName()
    if hyphenated := _HYPHENATED.search(text := unicodedata.normalize("NFC", text)):
        found.number = hyphenated.group(0)
        text = text.replace(found.number, " ")
    words = name_words(text, assignments)
    _, used, _ = mentioned_assignment(words, assignments)
    kept = []
    for i, word in enumerate(words):
        if i in used or word in NOISE:
            continue
        if word.isdigit():  # dates, times and site ids are not names
            if STUDENT_NUMBER.match(word) and not found.number:
                found.number = word
            continue
        kept.append(word)
    found.name = "_".join(kept)
    return found


def is_id(folder: str, assignments: list[str]) -> bool:
    """Whether a folder name is a student id as given (``student007``, ``log-of-zero``).

    It is, unless it has spaces, a site's word, a student number or an assignment's id or
    title in it (``Jung Minseo_482913_assignsubmission_file_``, ``박서준_과제3``): then the
    name in it is read as in a file name.
    """
    if not re.fullmatch(r"[\w.-]+", unicodedata.normalize("NFC", folder)):
        return False
    if site_name(folder) is not None:
        return False
    words = name_words(folder, assignments)
    if set(words) & SITE_WORDS or any(STUDENT_NUMBER.match(w) for w in words):
        return False
    if _HYPHENATED.search(folder):
        return False
    named, used, _ = mentioned_assignment(words, assignments)
    return not named or (len(used) == 1 and words[min(used)].isdigit())


def is_wrapper(folder: str, assignments: list[str]) -> bool:
    """Whether a folder wraps a download: its name names nobody (``03_backprop``,
    ``late.zip``) or says what it holds (``AI 과제3 submissions``, ``제출물``)."""
    words = set(name_words(folder, assignments))
    if words & WRAPPER_WORDS or any(w.startswith(("제출", "다운로드")) for w in words):
        return True
    return not student_name(folder, assignments)


def name_key(name: str) -> str:
    """A name compared without spaces, case or punctuation: ``Park Seo-yeon`` is ``parkseoyeon``."""
    return "".join(tokens(name))


def script(name: str) -> str:
    """``hangul``, ``latin`` or ``other``: names in different scripts cannot be compared."""
    if any("\uac00" <= ch <= "\ud7a3" for ch in name):
        return "hangul"
    if any("a" <= ch <= "z" for ch in name.lower()):
        return "latin"
    return "other"


_HEADERS = {
    "number": {"학번", "학생번호", "studentnumber", "studentid", "student", "number", "id", "no"},
    "name": {"이름", "성명", "name", "fullname", "studentname", "한글이름"},
    "alias": {"영문이름", "영문성명", "englishname", "romanisedname", "romanizedname", "alias"},
    "email": {"이메일", "메일", "email", "e-mail", "emailaddress", "mail"},
}


@dataclass
class Roster:
    """The class list: student numbers with their names (and e-mail addresses).

    Parameters
    ----------
    students : dict of str to list of str
        Student number to the names they may appear under (name, romanised name, the
        e-mail address's local part).
    """

    students: dict[str, list[str]] = field(default_factory=dict)
    source: str = ""
    emails: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path | str) -> Roster:
        """Read a roster CSV: UTF-8 (with or without BOM) or CP949, Korean or English headers.

        Raises
        ------
        CourseError
            If the file is missing, in another encoding, or has no number and name columns.
        """
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as err:
            raise CourseError(f"cannot read the roster {path}: {err.strerror}") from None
        if path.suffix.lower() in (".xlsx", ".xls") or data.startswith(
            (b"PK\x03\x04", b"\xd0\xcf")
        ):
            raise CourseError(
                f"the roster {path} is an Excel file: save it as CSV (in Excel, File > Save As > "
                "CSV UTF-8) and pass the .csv file"
            )
        for encoding in ("utf-8-sig", "cp949"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise CourseError(f"the roster {path} is neither UTF-8 nor CP949 text")
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        if not rows:
            raise CourseError(f"the roster {path} is empty")
        columns: dict[str, int] = {}
        for i, head in enumerate(rows[0]):
            key = re.sub(r"[\s_()]+", "", head.strip().lower())
            for role, names in _HEADERS.items():
                if key in names and role not in columns:
                    columns[role] = i
        if "number" not in columns or "name" not in columns:
            raise CourseError(
                f"the roster {path} needs a student number column and a name column "
                f"(headers such as 학번,이름,이메일 or student number,name,email); "
                f"its first row is {rows[0]}"
            )
        roster = cls(source=str(path))
        for line, row in enumerate(rows[1:], start=2):

            def cell(role: str, row: list[str] = row) -> str:
                i = columns.get(role)
                return row[i].strip() if i is not None and i < len(row) else ""

            number = cell("number")
            if not STUDENT_NUMBER.match(number):
                raise CourseError(f"{path}, line {line}: '{number}' is not a student number")
            if number in roster.students:
                raise CourseError(f"{path}, line {line}: student number {number} appears twice")
            known = [n for n in (cell("name"), cell("alias")) if n]
            if cell("email"):
                known.append(cell("email").split("@")[0])
                roster.emails[number] = cell("email")
            roster.students[number] = known
        return roster

    def find(self, found: StudentName) -> tuple[str, str]:
        """The student number for what a name says, or ``("", why not)``."""
        if found.number:
            if found.number in self.students:
                return found.number, ""
            return "", f"student number {found.number} is not on the roster"
        key = name_key(found.name)
        hits = [n for n, names in self.students.items() if key in {name_key(x) for x in names}]
        if len(hits) == 1:
            return hits[0], ""
        if hits:
            return "", (
                f"{len(hits)} students named '{found.name}' on the roster "
                f"({', '.join(hits)}): the file name must carry the student number"
            )
        within = self._within(found.name)
        if len(within) == 1:
            number, known = within[0]
            return number, f"the roster's {known} found in the name '{found.name}'"
        if within:
            who = ", ".join(f"{known} ({number})" for number, known in within)
            return "", f"the name '{found.name}' holds several names of the roster: {who}"
        return "", f"'{found.name}' is not on the roster"

    def _within(self, name: str) -> list[tuple[str, str]]:
        """Students whose name stands inside a longer one: ``ai개론_박서준``, ``박서준_진짜최종``.

        A Hangul name may be glued to other words (``박서준과제``); a romanised name must be
        whole words (``park_seojun`` in ``박서준_park_seojun``). Of two names found, one inside
        the other (김민, 김민준), the longer wins.
        """
        words = [w for w in name.split("_") if w]
        hangul = "".join(w for w in words if script(w) == "hangul")
        runs = {
            "".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)
        }
        found: dict[str, tuple[str, str]] = {}  # number -> (the key found, the roster's name)
        for number, names in self.students.items():
            for known in names:
                key = name_key(known)
                inside = key in hangul if script(known) == "hangul" else key in runs
                if len(key) >= 2 and inside and len(key) > len(found.get(number, ("",))[0]):
                    found[number] = (key, known)
        keys = {key for key, _ in found.values()}
        return sorted(
            (number, known)
            for number, (key, known) in found.items()
            if not any(key != other and key in other for other in keys)
        )

    def name_of(self, number: str) -> str:
        names = self.students.get(number, [])
        return names[0] if names else ""
