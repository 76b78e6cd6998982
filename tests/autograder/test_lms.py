"""Collecting course-site downloads: Korean names, encodings, wrappers, resubmissions, rosters.

No nbgrader runs here (see ``test_lms_grading.py`` for those): the zips are built byte for
byte like real exports (``lms_zips``), collected, and the course folders inspected.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import nbformat
import pytest
from autograder_helpers import source_notebook, write_notebook
from lms_zips import Entry, strays, write_zip, zip_bytes

from autograder.cli import main
from autograder.collect import CollectEntry, collect
from autograder.course import Course, CourseError
from autograder.names import Roster

A = "03_backprop"


@pytest.fixture
def course(tmp_path: Path) -> Course:
    return Course(tmp_path / "course")


def notebook(who: str, assignment: str = A) -> bytes:
    """A submission of ``assignment`` that differs from everybody else's."""
    nb = source_notebook(assignment)
    nb.cells.append(nbformat.v4.new_markdown_cell(f"handed in by {who}"))
    return nbformat.writes(nb).encode()


def by_source(entries: list[CollectEntry]) -> dict[str, CollectEntry]:
    return {e.source: e for e in entries}


def stored(course: Course) -> dict[str, str]:
    """Student id -> whose notebook ended up in ``submitted/<id>/03_backprop``."""
    found = {}
    for path in course.path("submitted").glob(f"*/{A}/{A}.ipynb"):
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        found[path.parent.parent.name] = nb.cells[-1].source.removeprefix("handed in by ")
    return found


WRAP = "인공지능 과제3 submissions/"  # decomposed in the macOS entry below
DOWNLOAD = [
    Entry(f"{WRAP}박서준 - 과제3.ipynb", notebook("박서준"), "cp949"),
    Entry(f"{WRAP}박서윤 - 과제3.ipynb", notebook("박서윤"), "cp949"),
    Entry(f"{WRAP}한지우_03_backprop.ipynb", notebook("한지우"), "utf-8"),
    Entry(f"{WRAP}2021123456_김민준_과제3.ipynb", notebook("김민준"), "utf-8-flag"),
    Entry(f"{WRAP}오하은 - backprop.ipynb", notebook("오하은"), "nfd"),
    Entry(f"{WRAP}Park Seoyeon - 03_backprop.ipynb", notebook("Park Seoyeon")),
    Entry(f"{WRAP}Park Seojun - 03_backprop.ipynb", notebook("Park Seojun")),
    Entry(f"{WRAP}Choi Yuna - 03_backprop.ipynb", notebook("Choi Yuna first")),
    Entry(f"{WRAP}Choi Yuna - 03_backprop (1).ipynb", notebook("Choi Yuna")),
    Entry(
        f"{WRAP}Kang Minho - 03_backprop.ipynb",
        notebook("Kang Minho old"),
        date_time=(2026, 11, 4, 10, 0, 0),
    ),
    Entry(f"{WRAP}Kang Minho - 03_backprop (1).ipynb", notebook("Kang Minho")),
    Entry(f"{WRAP}정민서/과제3.ipynb", notebook("정민서"), "cp949"),
    Entry(
        f"{WRAP}late.zip",
        zip_bytes(
            [
                Entry("지각제출/이도윤_과제3.ipynb", notebook("이도윤"), "cp949"),
                Entry("지각제출/Lee Doyun - backprop.ipynb", notebook("Lee Doyun")),
            ]
        ),
        "utf-8",
    ),
    *strays(WRAP),
]
EXPECTED = {
    "박서준": "박서준",
    "박서윤": "박서윤",
    "한지우": "한지우",
    "2021123456": "김민준",
    "오하은": "오하은",
    "park_seoyeon": "Park Seoyeon",
    "park_seojun": "Park Seojun",
    "choi_yuna": "Choi Yuna",
    "kang_minho": "Kang Minho",
    "정민서": "정민서",
    "이도윤": "이도윤",
    "lee_doyun": "Lee Doyun",
}


def test_a_site_download_gives_every_student_once_under_their_name(
    course: Course, tmp_path: Path
) -> None:
    archive = write_zip(tmp_path / "download.zip", DOWNLOAD)
    entries = collect(course, archive)
    assert stored(course) == EXPECTED
    found = by_source(entries)
    assert found[f"{WRAP}Choi Yuna - 03_backprop.ipynb"].status == "duplicate"
    assert "later upload number" in "; ".join(found[f"{WRAP}Choi Yuna - 03_backprop.ipynb"].notes)
    assert "older than" in "; ".join(found[f"{WRAP}Kang Minho - 03_backprop.ipynb"].notes)
    assert found[f"{WRAP}late.zip/지각제출/이도윤_과제3.ipynb"].student == "이도윤"
    for stray in ("정민서 - 과제3 보고서.pdf", "readme.txt"):
        assert found[WRAP + stray].status == "ignored"
    droppings = ("MACOSX", "DS_Store", "desktop.ini")
    assert not any(d in e.source for e in entries for d in droppings)
    assert {e.status for e in entries} <= {"collected", "duplicate", "ignored"}


def test_a_student_number_is_the_id_and_lends_itself_to_the_same_name(
    course: Course, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    write_notebook(source_notebook(A), inbox / "2021123456_김민준_과제3.ipynb")
    (inbox / "김민준_01_loss_functions.ipynb").write_bytes(notebook("김민준", "01_loss_functions"))
    entries = collect(course, inbox)
    assert {(e.student, e.assignment) for e in entries} == {
        ("2021123456", A),
        ("2021123456", "01_loss_functions"),
    }


def test_folders_named_by_id_stay_apart(course: Course, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for i in range(3):  # nbgrader's layout, ids with digits
        (inbox / f"student00{i}" / A).mkdir(parents=True)
        (inbox / f"student00{i}" / A / f"{A}.ipynb").write_bytes(notebook(f"student00{i}"))
    for who in ("alice2", "log-of-zero", "j.doe", "loss-without-1-over-n"):  # a folder each
        (inbox / who).mkdir()
        (inbox / who / "hw3.ipynb").write_bytes(notebook(who))
    collect(course, inbox)
    ids = ("student000", "student001", "student002", "alice2", "log-of-zero", "j.doe")
    ids += ("loss-without-1-over-n",)
    assert stored(course) == {s: s for s in ids}


def test_two_people_under_one_id_stop_before_anything_is_written(
    course: Course, tmp_path: Path
) -> None:
    archive = write_zip(
        tmp_path / "download.zip",
        [
            Entry("2021123456_박서준_과제3.ipynb", notebook("박서준"), "cp949"),
            Entry("2021123456_박서윤_과제3.ipynb", notebook("박서윤"), "cp949"),
        ],
    )
    with pytest.raises(CourseError, match="different people would share the id 2021123456"):
        collect(course, archive)
    assert not course.root.exists()


def test_an_undecidable_tie_names_both_files_and_writes_nothing(
    course: Course, tmp_path: Path
) -> None:
    archive = write_zip(
        tmp_path / "download.zip",
        [
            Entry("Choi Yuna - 03_backprop.ipynb", notebook("one")),
            Entry("Choi Yuna - backprop.ipynb", notebook("two")),
            Entry("Han Jiwoo - backprop.ipynb", notebook("Han Jiwoo")),
        ],
    )
    with pytest.raises(CourseError) as err:
        collect(course, archive)
    assert "Choi Yuna - 03_backprop.ipynb and Choi Yuna - backprop.ipynb" in str(err.value)
    assert not course.root.exists()
    # the same bytes twice are no dilemma
    same = notebook("same")
    archive = write_zip(
        tmp_path / "again.zip",
        [Entry("Choi Yuna - 03_backprop.ipynb", same), Entry("Choi Yuna - backprop.ipynb", same)],
    )
    assert sorted(e.status for e in collect(course, archive)) == ["collected", "duplicate"]


def test_a_source_without_a_notebook_is_an_error(course: Course, tmp_path: Path, capsys) -> None:
    archive = write_zip(tmp_path / "download.zip", strays(""))
    argv = ["collect", str(archive), "--course-dir", str(course.root)]
    assert main(argv) == 2
    assert "holds no notebook" in capsys.readouterr().err
    assert not course.root.exists()


def test_a_file_over_the_limit_is_skipped_unread(
    course: Course, tmp_path: Path, monkeypatch
) -> None:
    big = notebook("big") + b" " * 3_000_000  # trailing spaces: still a valid notebook
    archive = write_zip(
        tmp_path / "download.zip",
        [
            Entry("Big Data - backprop.ipynb", big),
            Entry("Small One - backprop.ipynb", notebook("s")),
        ],
    )
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    found = by_source(collect(course, archive, max_mb=2))
    assert found["Big Data - backprop.ipynb"].status == "too large"
    assert "MB, over the limit of 2 MB: not read" in found["Big Data - backprop.ipynb"].notes[0]
    assert "Big Data - backprop.ipynb" not in opened
    assert found["Small One - backprop.ipynb"].status == "collected"
    # in a folder too, and the command says some were not collected
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "Big Data - backprop.ipynb").write_bytes(big)
    assert main(["collect", str(inbox), "--max-size", "2", "--course-dir", str(course.root)]) == 3


def test_symbolic_links_and_unsafe_paths_stay_refused(course: Course, tmp_path: Path) -> None:
    secret = tmp_path / "secret.ipynb"
    secret.write_bytes(notebook("not a student"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    os.symlink(secret, inbox / "Mallory - backprop.ipynb")
    os.symlink(tmp_path, inbox / "everything")
    (inbox / "Alice Kim - backprop.ipynb").write_bytes(notebook("Alice Kim"))
    found = by_source(collect(course, inbox))
    assert found["Mallory - backprop.ipynb"].status == "refused"
    assert found["everything"].status == "refused"
    assert stored(course) == {"alice_kim": "Alice Kim"}
    link = zipfile.ZipInfo("Mallory - backprop.ipynb")
    link.external_attr = 0o120777 << 16  # a symbolic link entry
    archive = tmp_path / "links.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(link, str(secret))
        zf.writestr("Bob Lee - backprop.ipynb", notebook("Bob Lee"))
    assert by_source(collect(course, archive))["Mallory - backprop.ipynb"].status == "refused"
    evil = write_zip(tmp_path / "evil.zip", [Entry("..\\..\\박서준.ipynb", b"{}", "cp949")])
    with pytest.raises(CourseError, match="unsafe path"):
        collect(course, evil)


ROSTERS = {
    "cp949-korean": ("학번,이름,이메일\n", "cp949"),
    "utf8-bom-english": ("Student Number,Name,E-mail\n", "utf-8-sig"),
}


@pytest.mark.parametrize("kind", ROSTERS)
def test_a_roster_maps_names_to_student_numbers(
    course: Course, tmp_path: Path, capsys, kind: str
) -> None:
    header, encoding = ROSTERS[kind]
    rows = [
        "2021000001,박서준,seojun@uni.ac.kr",
        "2021000002,박서윤,syoon@uni.ac.kr",
        "2021000003,김민준,mj@uni.ac.kr",
        "2021000004,김민준,mj2@uni.ac.kr",
        "2021000005,최유나,yuna.choi@uni.ac.kr",
    ]
    roster = tmp_path / "roster.csv"
    roster.write_bytes((header + "\n".join(rows) + "\n").encode(encoding))
    archive = write_zip(
        tmp_path / "download.zip",
        [
            Entry("박서준 - 과제3.ipynb", notebook("박서준"), "cp949"),
            Entry("박서윤 - 과제3.ipynb", notebook("박서윤"), "cp949"),
            Entry("김민준 - 과제3.ipynb", notebook("김민준?"), "cp949"),
            Entry("2021000004_김민준_과제3.ipynb", notebook("김민준"), "cp949"),
            Entry("yuna.choi_backprop.ipynb", notebook("최유나")),
            Entry("홍길동 - 과제3.ipynb", notebook("홍길동"), "cp949"),
        ],
    )
    entries = by_source(collect(course, archive, roster=Roster.read(roster)))
    assert stored(course) == {
        "2021000001": "박서준",
        "2021000002": "박서윤",
        "2021000004": "김민준",
        "2021000005": "최유나",
    }
    assert entries["김민준 - 과제3.ipynb"].status == "unmatched"
    assert "2 students named" in "; ".join(entries["김민준 - 과제3.ipynb"].notes)
    assert "'홍길동' is not on the roster" in entries["홍길동 - 과제3.ipynb"].notes
    argv = ["collect", str(archive), "--roster", str(roster), "--course-dir", str(course.root)]
    assert main(argv) == 3
    out = capsys.readouterr().out
    assert "lacks or holds twice" in out and "홍길동" in out
    assert "2021000003 김민준" in out  # on the roster, nothing handed in


def test_a_roster_without_the_columns_is_refused(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CourseError, match="student number column"):
        Roster.read(roster)


def test_one_notebook_for_one_student(course: Course, tmp_path: Path) -> None:
    single = tmp_path / "03_backprop.ipynb"
    single.write_bytes(notebook("박서준"))
    entries = collect(course, single, student="박서준")
    assert [(e.student, e.assignment, e.status) for e in entries] == [("박서준", A, "collected")]
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4\n")
    with pytest.raises(CourseError, match="neither a folder"):
        collect(course, tmp_path / "report.pdf")


@pytest.mark.parametrize(
    "name", ["3", "03", "03_backprop", "backprop", "Backpropagation layers", "03-Backprop"]
)
def test_assignment_names_numbers_and_titles(course: Course, name: str) -> None:
    assert course.resolve([name]) == [A]


def test_grade_before_generate_writes_nothing(course: Course, tmp_path: Path, capsys) -> None:
    archive = write_zip(tmp_path / "download.zip", DOWNLOAD[:2])
    assert main(["grade", "3", "--source", str(archive), "--course-dir", str(course.root)]) == 2
    err = capsys.readouterr().err
    assert f"run `./run course generate 03_backprop --course-dir {course.root}` first" in err
    assert not course.root.exists()


# The bulk downloads of Moodle, Canvas and Blackboard: the site's own numbers (a Moodle
# participant number changes from one assignment to the next, a Canvas attachment id with
# every upload) must never become a student's id.
MOODLE = [
    Entry("박서준_1834521_assignsubmission_file_/03_backprop.ipynb", notebook("박서준"), "cp949"),
    Entry("박서윤_1834522_assignsubmission_file_/과제3_박서윤.ipynb", notebook("박서윤"), "cp949"),
    Entry("김민준_1834523_assignsubmission_file_/03_backprop.ipynb", notebook("김민준 a"), "cp949"),
    Entry("김민준_1834529_assignsubmission_file_/backprop.ipynb", notebook("김민준 b"), "cp949"),
    Entry("김민준_1834523_assignsubmission_onlinetext_/onlinetext.html", b"<p>see file</p>"),
    Entry("Park Seoyeon_1834530_assignsubmission_file_03_backprop.ipynb", notebook("Park Seoyeon")),
    Entry("Participant 834531_834531_assignsubmission_file_/hw3.ipynb", notebook("blind 1")),
    Entry("Participant 834532_834532_assignsubmission_file_/hw3.ipynb", notebook("blind 2")),
]


def test_a_moodle_download_names_students_not_participant_numbers(
    course: Course, tmp_path: Path
) -> None:
    entries = by_source(collect(course, write_zip(tmp_path / "moodle.zip", MOODLE)))
    assert stored(course) == {
        "박서준": "박서준",
        "박서윤": "박서윤",
        "김민준_1834523": "김민준 a",  # two students of one name: told apart, never merged
        "김민준_1834529": "김민준 b",
        "park_seoyeon": "Park Seoyeon",
        "participant_834531": "blind 1",  # blind marking
        "participant_834532": "blind 2",
    }
    namesake = entries["김민준_1834529_assignsubmission_file_/backprop.ipynb"]
    assert "2 students named 김민준" in "; ".join(namesake.notes)
    assert entries[MOODLE[4].name].status == "ignored"


def test_a_canvas_download_with_a_roster(course: Course, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "학번,이름,영문이름\n2021000001,박서준,Park Seojun\n2021000002,김민준,Kim Minjun\n",
        encoding="utf-8",
    )
    archive = write_zip(
        tmp_path / "canvas.zip",
        [
            Entry("parkseojun_48213_10345678_03_backprop.ipynb", notebook("박서준")),
            Entry("kimminjun_late_48215_10345701_backprop-1.ipynb", notebook("김민준")),
        ],
    )
    entries = collect(course, archive, roster=Roster.read(roster))
    assert stored(course) == {"2021000001": "박서준", "2021000002": "김민준"}
    assert {e.status for e in entries} == {"collected"}


def test_a_blackboard_download_keeps_the_latest_attempt(course: Course, tmp_path: Path) -> None:
    receipt = b"Name: Park Seojun\nDate Submitted: ...\n"
    archive = write_zip(
        tmp_path / "blackboard.zip",
        [  # every entry has the download's time; the names carry the attempts' times
            Entry("과제 3_2021123456_attempt_2026-12-03-09-00-00_backprop.ipynb", notebook("new")),
            Entry("과제 3_2021123456_attempt_2026-12-03-09-00-00.txt", receipt, "cp949"),
            Entry("과제 3_2021123456_attempt_2026-12-02-23-59-00_과제3.ipynb", notebook("old")),
            Entry("과제 3_pseojun_attempt_2026-12-01-10-30-00_03_backprop.ipynb", notebook("p")),
        ],
    )
    entries = by_source(collect(course, archive))
    assert stored(course) == {"2021123456": "new", "pseojun": "p"}
    older = entries["과제 3_2021123456_attempt_2026-12-02-23-59-00_과제3.ipynb"]
    assert older.status == "duplicate" and "older than" in older.notes[0]
    stamp = course.path("submitted", "2021123456", A, "timestamp.txt").read_text()
    assert stamp.startswith("2026-12-0")  # the attempt's time, not the download's


def test_a_notebook_saved_under_another_suffix_is_still_collected(
    course: Course, tmp_path: Path
) -> None:
    archive = write_zip(
        tmp_path / "download.zip",
        [  # Notepad on Windows, a browser's "save as", a renamed file
            Entry("박서준 - 과제3.ipynb.txt", notebook("박서준"), "cp949"),
            Entry("박서윤_03_backprop.ipynb.json", notebook("박서윤"), "cp949"),
            Entry("Han Jiwoo - backprop.json", notebook("Han Jiwoo")),
            Entry("Oh Haeun - backprop.json", b'{"name": "not a notebook"}'),
            Entry("과제 3_2021123456_attempt_2026-12-01-10-30-00.txt", b"Name: Kim"),
        ],
    )
    entries = by_source(collect(course, archive))
    assert stored(course) == {"박서준": "박서준", "박서윤": "박서윤", "han_jiwoo": "Han Jiwoo"}
    assert entries["Oh Haeun - backprop.json"].status == "ignored"
    assert entries["과제 3_2021123456_attempt_2026-12-01-10-30-00.txt"].status == "ignored"


def test_a_roster_finds_a_name_inside_a_longer_file_name(course: Course, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "학번,이름,영문이름\n2021000001,박서준,Park Seojun\n2021000002,김민,Kim Min\n"
        "2021000003,김민준,Kim Minjun\n2021000004,이도윤,Lee Doyun\n",
        encoding="utf-8",
    )
    archive = write_zip(
        tmp_path / "download.zip",
        [  # course prefixes, both scripts, "really final", a name glued to 과제
            Entry("[AI개론] 과제3 - 박서준.ipynb", notebook("박서준"), "cp949"),
            Entry("김민준과제3.ipynb", notebook("김민준"), "cp949"),
            Entry("김민_과제3_최종_진짜최종.ipynb", notebook("김민"), "cp949"),
            Entry("이도윤(Lee Doyun)_hw3.ipynb", notebook("이도윤"), "utf-8"),
            Entry("과제3 박서준 김민준 공동.ipynb", notebook("two people"), "cp949"),
        ],
    )
    entries = by_source(collect(course, archive, roster=Roster.read(roster)))
    assert stored(course) == {
        "2021000001": "박서준",
        "2021000002": "김민",
        "2021000003": "김민준",  # the longer of 김민 and 김민준
        "2021000004": "이도윤",
    }
    assert "found in the name" in "; ".join(entries["[AI개론] 과제3 - 박서준.ipynb"].notes)
    shared = entries["과제3 박서준 김민준 공동.ipynb"]
    assert shared.status == "unmatched" and "several names" in "; ".join(shared.notes)


def test_a_students_own_zip_names_them_whatever_folders_it_holds(
    course: Course, tmp_path: Path
) -> None:
    deep = zip_bytes([Entry("Users/seojun/Desktop/AI/03_backprop.ipynb", notebook("박서준"))])
    folder = zip_bytes([Entry("과제3/03_backprop.ipynb", notebook("박서윤"), "cp949")])
    flat = zip_bytes([Entry("03_backprop.ipynb", notebook("김민준"))])
    one = notebook("alice")
    archive = write_zip(
        tmp_path / "download.zip",
        [
            Entry("박서준_2021000001_과제3.zip", deep, "cp949"),
            Entry("박서윤_과제3.zip", folder, "cp949"),
            Entry("김민준_1834523_assignsubmission_file_/김민준.zip", flat, "cp949"),
            # a folder named after the assignment that wraps one student's folder
            Entry("AI 과제3 모음/alice/03_backprop.ipynb", one),
        ],
    )
    collect(course, archive)
    assert stored(course) == {
        "2021000001": "박서준",
        "박서윤": "박서윤",
        "김민준": "김민준",
        "alice": "alice",
    }


def test_a_name_too_long_for_an_id_is_unmatched_not_a_crash(
    course: Course, tmp_path: Path, capsys
) -> None:
    archive = write_zip(
        tmp_path / "download.zip",
        [
            Entry("가" * 120 + "_과제3.ipynb", notebook("long"), "cp949"),
            Entry("박서준_과제3.ipynb", notebook("박서준"), "cp949"),
        ],
    )
    assert main(["collect", str(archive), "--course-dir", str(course.root)]) == 3
    assert "too long for a student id" in capsys.readouterr().out
    assert stored(course) == {"박서준": "박서준"}


def test_a_students_damaged_zip_is_refused_alone(course: Course, tmp_path: Path, capsys) -> None:
    good = zip_bytes([Entry("03_backprop.ipynb", notebook("박서준"))])
    damaged = bytearray(good)
    damaged[len(good) // 3 : len(good) // 3 + 40] = bytes(40)  # a damaged deflate stream
    unsafe = zip_bytes([Entry("../../03_backprop.ipynb", notebook("evil"))])
    archive = write_zip(
        tmp_path / "download.zip",
        [
            Entry("박서준_과제3.zip", good[: len(good) // 2], "cp949"),  # an upload cut short
            Entry("이도윤_과제3.zip", bytes(damaged), "cp949"),
            Entry("최유나_과제3.zip", unsafe, "cp949"),
            Entry("박서윤_과제3.ipynb", notebook("박서윤"), "cp949"),
        ],
    )
    assert main(["collect", str(archive), "--course-dir", str(course.root)]) == 3
    out = capsys.readouterr().out
    assert out.count("ask the student to hand it in again") == 3
    assert stored(course) == {"박서윤": "박서윤"}


def test_a_hostile_notebook_file_does_not_stop_the_collection(
    course: Course, tmp_path: Path
) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000  # JSON nested past Python's recursion limit
    archive = write_zip(
        tmp_path / "download.zip",
        [
            Entry("이도윤_과제3.ipynb", deep, "cp949"),
            Entry("박서윤_과제3.ipynb", notebook("박서윤"), "cp949"),
        ],
    )
    entries = by_source(collect(course, archive))
    assert "nested too deeply" in "; ".join(entries["이도윤_과제3.ipynb"].notes)
    assert entries["박서윤_과제3.ipynb"].status == "collected"
    # kept as handed in: autograde reports it as invalid, with the same reason
    assert course.path("submitted", "이도윤", A, f"{A}.ipynb").read_bytes() == deep


def test_an_archive_that_cannot_be_opened_is_refused_not_ignored(
    course: Course, tmp_path: Path, capsys
) -> None:
    archive = write_zip(
        tmp_path / "download.zip",
        [
            Entry("이도윤_과제3.egg", b"EGGA\x00\x01", "cp949"),  # 반디집
            Entry("최유나_과제3.rar", b"Rar!\x1a\x07\x00", "cp949"),
            Entry("박서윤_과제3.ipynb", notebook("박서윤"), "cp949"),
            Entry("박서윤_보고서.pdf", b"%PDF-1.4\n", "cp949"),
        ],
    )
    assert main(["collect", str(archive), "--course-dir", str(course.root)]) == 3
    out = capsys.readouterr().out
    assert "a .egg archive cannot be opened here" in out and "a .rar archive" in out
    assert stored(course) == {"박서윤": "박서윤"}


def test_a_notebook_large_with_outputs_is_collected_without_them(
    course: Course, tmp_path: Path
) -> None:
    nb = nbformat.reads(notebook("박서준").decode(), as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 25_000_000)]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "박서준_과제3.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    (entry,) = collect(course, inbox)
    assert entry.status == "collected" and "outputs were left out" in "; ".join(entry.notes)
    kept = course.path("submitted", "박서준", A, f"{A}.ipynb")
    assert kept.stat().st_size < 1_000_000
    assert stored(course) == {"박서준": "박서준"}
    again = nbformat.reads(kept.read_text(encoding="utf-8"), as_version=4)
    assert [c.source for c in again.cells] == [c.source for c in nb.cells]


def test_student_numbers_written_with_a_hyphen(course: Course, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"  # as some universities write them: year-number
    roster.write_bytes("학번,이름\n2019-12345,홍길동\n2020-54321,박서윤\n".encode("cp949"))
    archive = write_zip(
        tmp_path / "download.zip",
        [
            Entry("2019-12345_홍길동_과제3.ipynb", notebook("홍길동"), "cp949"),
            Entry("박서윤 - 과제3.ipynb", notebook("박서윤"), "cp949"),
            # a date is not a student number
            Entry("과제 3_2020-54321_attempt_2026-12-01-10-30-00_backprop.ipynb", notebook("x")),
        ],
    )
    entries = by_source(collect(course, archive, roster=Roster.read(roster)))
    assert entries["2019-12345_홍길동_과제3.ipynb"].student == "2019-12345"
    assert stored(course)["2019-12345"] == "홍길동"
    assert {e.student for e in entries.values()} == {"2019-12345", "2020-54321"}


def test_an_excel_roster_is_refused_with_what_to_do(tmp_path: Path) -> None:
    roster = tmp_path / "명단.xlsx"
    roster.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))
    with pytest.raises(CourseError, match="is an Excel file: save it as CSV"):
        Roster.read(roster)


def test_a_damaged_resubmission_keeps_the_previous_one(course: Course, tmp_path: Path) -> None:
    good = tmp_path / "good.ipynb"
    good.write_bytes(notebook("박서윤"))
    collect(course, good, student="박서윤")
    damaged = tmp_path / "later" / f"{A}.ipynb"
    damaged.parent.mkdir()
    damaged.write_bytes(notebook("박서윤 later")[:2000])  # an upload cut short
    (entry,) = collect(course, damaged, student="박서윤")
    assert entry.status == "refused" and "previous submission is kept" in entry.notes[-1]
    assert stored(course) == {"박서윤": "박서윤"}


def test_a_mistyped_student_with_a_roster_is_refused(course: Course, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("학번,이름\n2021123456,박서윤\n", encoding="utf-8")
    single = tmp_path / "fixed.ipynb"
    single.write_bytes(notebook("박서윤"))
    with pytest.raises(CourseError, match="not a student number of the roster"):
        collect(course, single, student="202112345", roster=Roster.read(roster))
    assert not course.root.exists()


def test_a_late_batch_by_name_in_a_course_of_numbers_stops(course: Course, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("학번,이름\n2021123456,박서준\n2021123457,박서윤\n", encoding="utf-8")
    first = write_zip(tmp_path / "first.zip", [Entry("박서준 - 과제3.ipynb", notebook("박서준"))])
    collect(course, first, roster=Roster.read(roster))
    late = write_zip(tmp_path / "late.zip", [Entry("박서윤 - 과제3.ipynb", notebook("박서윤"))])
    with pytest.raises(CourseError, match="collect it with --roster"):
        collect(course, late)  # the roster forgotten: 박서윤 would be a student of her own
    assert stored(course) == {"2021123456": "박서준"}
    collect(course, late, roster=Roster.read(roster))
    assert stored(course) == {"2021123456": "박서준", "2021123457": "박서윤"}
