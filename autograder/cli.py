"""``./run course`` (``python -m autograder``): the instructor's commands, from sources to grades.

Run from the repository root. Every command takes ``--course-dir`` (default
``autograder/course``); see ``autograder/README.md`` for the whole workflow. Each command
checks its inputs (assignment names, the gradebook, the generated student versions, the
submissions) before it writes anything, and its errors name the command to run next.
"""

from __future__ import annotations

import argparse
import csv
import io
import shlex
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from autograder import collect as collect_mod
from autograder import report as report_mod
from autograder.course import DEFAULT_COURSE_DIR, Course, CourseError
from autograder.feedback import generate_feedback
from autograder.grade import autograde, finished, remove_student, submissions
from autograder.hidden_tests import stale_problems, sync_hidden_tests
from autograder.names import Roster
from autograder.notebooks import nbgrader_meta, read_notebook, source_problems, strip_outputs
from autograder.release import generate

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_SOME_FAILED = 0, 2, 3
# the commands that write to the course directory: one of them at a time (Course.lock)
WRITERS = frozenset(
    {"generate", "collect", "autograde", "feedback", "export", "grade", "remove-student"}
)


def _width(text: str) -> int:
    """Columns a text takes in a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _print_rows(rows: list[dict[str, str]], columns: list[str]) -> None:
    widths = {c: max([_width(c)] + [_width(str(r.get(c, ""))) for r in rows]) for c in columns}
    widths[columns[-1]] = 0  # the last column (notes) is not padded

    def line(cells: list[str]) -> str:
        padded = [
            t + " " * max(0, widths[c] - _width(t)) for c, t in zip(columns, cells, strict=True)
        ]
        return "  ".join(padded).rstrip()

    print(line(columns))
    for r in rows:
        print(line([str(r.get(c, "")) for c in columns]))


def cmd_list(course: Course, args: argparse.Namespace) -> int:
    """Assignments with their test cells and points."""
    for assignment in course.resolve(args.assignments):
        nb = read_notebook(course.source_notebook(assignment))
        auto: list[tuple[str, float]] = []
        manual: list[tuple[str, float]] = []
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if meta.get("grade"):
                (manual if meta.get("solution") else auto).append(
                    (meta["grade_id"], meta.get("points", 0))
                )
        total_auto = sum(p for _, p in auto)
        total_manual = sum(p for _, p in manual)
        print(f"{assignment}: {total_auto:g} autograded + {total_manual:g} by hand")
        if args.verbose:
            for name, points in auto:
                print(f"    {name:<24} {points:g}")
            for name, points in manual:
                print(f"    {name:<24} {points:g}  (written answer, graded by hand)")
    return EXIT_OK


def cmd_check(course: Course, args: argparse.Namespace) -> int:
    """Static checks of the sources; with --strip, remove outputs first."""
    bad = 0
    for assignment in course.resolve(args.assignments):
        path = course.source_notebook(assignment)
        if args.strip and strip_outputs(path).changed:
            print(f"{assignment}: outputs stripped")
        problems = source_problems(path) or stale_problems(path, assignment)
        print(f"{assignment}: {'ok' if not problems else 'PROBLEMS'}")
        for problem in problems:
            print(f"    {problem}")
        bad += bool(problems)
    return EXIT_ERROR if bad else EXIT_OK


def _validate_checks(course: Course, assignment: str, kind: str, notebook: Path) -> bool:
    """The trusted checks, in the sandbox: a source passes all, a release fails all."""
    from autograder.notebooks import read_notebook
    from autograder.sandbox.verdicts import judge

    report = judge(assignment, read_notebook(notebook))
    wrong = [
        (grade_id, v.message)
        for grade_id, v in report.verdicts.items()
        if v.passed != (kind == "source")
    ]
    print(f"{assignment} {kind} (sandboxed checks): {'ok' if not wrong else 'FAILED'}")
    for grade_id, message in wrong:
        print(f"    {grade_id}: {message if kind == 'source' else 'passed on the blank notebook'}")
    return not wrong


def cmd_validate(course: Course, args: argparse.Namespace) -> int:
    """The sources pass every test, the releases fail every test: with nbgrader validate
    (the notebook's own tests, in a kernel) and with the trusted checks (in the sandbox)."""
    bad = 0
    for assignment in course.resolve(args.assignments):
        bad += not _validate_checks(
            course, assignment, "source", course.source_notebook(assignment)
        )
        if course.release_notebook(assignment).is_file():
            bad += not _validate_checks(
                course, assignment, "release", course.release_notebook(assignment)
            )
        checks: list[tuple[Path, list[str], str]] = [
            (course.source_notebook(assignment), [], "passes all the tests")
        ]
        if course.release_notebook(assignment).is_file():
            checks.append((course.release_notebook(assignment), ["--invert"], "not pass any"))
        for notebook, flags, success in checks:
            run = course.nbgrader("validate", *flags, str(notebook), timeout=args.timeout)
            ok = run.ok and success in run.output
            bad += not ok
            kind = "release" if flags else "source"
            print(f"{assignment} {kind}: {'ok' if ok else 'FAILED'}", flush=True)
            if not ok:
                print("    " + "\n    ".join(run.output.strip().splitlines()[-15:]))
    return EXIT_ERROR if bad else EXIT_OK


def cmd_generate(course: Course, args: argparse.Namespace) -> int:
    assignments = course.resolve(args.assignments)
    for assignment in assignments:
        try:
            changed = sync_hidden_tests(course.source_notebook(assignment), assignment)
        except (LookupError, ValueError) as err:
            raise CourseError(str(err)) from None
        if changed:
            print(f"{assignment}: hidden tests of {', '.join(changed)} written from the checks")
    for path in generate(course, assignments):
        print(f"wrote {path} (no solutions, no hidden tests: checked)")
    return EXIT_OK


def _collect(course: Course, args: argparse.Namespace, wanted: list[str] | None, dry_run: bool):
    roster = Roster.read(args.roster) if args.roster else None
    students = args.student or []
    if len(students) > 1:
        raise CourseError("collect takes at most one --student: the owner of every notebook")
    return collect_mod.collect(
        course,
        Path(args.source),
        wanted,
        dry_run=dry_run,
        roster=roster,
        student=students[0] if students else None,
        max_mb=args.max_size,
    ), roster


def _show_collected(course: Course, entries, roster: Roster | None, dry_run: bool) -> int:
    columns = ["file", "student", "name", "assignment", "status", "notes"]
    _print_rows([e.row() for e in entries], columns)
    counts = Counter(e.status for e in entries)
    print("\n" + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    if roster is not None:
        unknown = sorted({e.name for e in entries if e.status == "unmatched" and e.name})
        if unknown:
            print(f"names the roster ({roster.source}) lacks or holds twice: {', '.join(unknown)}")
        handed_in = {e.student for e in entries if e.student}
        missing = [f"{n} {roster.name_of(n)}" for n in roster.students if n not in handed_in]
        if missing:
            print(f"on the roster, nothing handed in: {', '.join(missing)}")
    if not dry_run:
        report = course.path("reports", "collect.csv")
        if report.is_file():  # the report of the previous batch is kept
            course.backup_file(report, "collect-report")
        collect_mod.write_report(entries, report)
        print(f"report: {report}")
    not_taken = sum(counts[s] for s in collect_mod.NOT_TAKEN)
    if not_taken:
        print(f"{not_taken} notebook(s) were not collected: see the notes above.", file=sys.stderr)
    return EXIT_SOME_FAILED if not_taken else EXIT_OK


def cmd_collect(course: Course, args: argparse.Namespace) -> int:
    wanted = course.resolve(args.assignments) if args.assignments else None
    entries, roster = _collect(course, args, wanted, args.dry_run)
    return _show_collected(course, entries, roster, args.dry_run)


def _grade_printer():
    """A progress callback printing one line per submission, under a header printed once."""
    header = f"{'assignment':<22} {'student':<16} {'status':<10} {'score':>9}  notes"
    printed = []

    def show(result) -> None:
        if not printed:
            print(header)
            printed.append(True)
        score = "" if result.score is None else f"{result.score:g}/{result.max_score:g}"
        student = result.student + " " * max(0, 16 - _width(result.student))
        line = f"{result.assignment:<22} {student} {result.status:<10} {score:>9}"
        print(f"{line}  {'; '.join(result.notes)}", flush=True)

    return show


def _handed_in(course: Course, args: argparse.Namespace) -> list[str]:
    """The assignments named, or else every assignment somebody handed in."""
    if args.assignments:
        return course.resolve(args.assignments)
    return [a for a in course.assignments() if any(course.path("submitted").glob(f"*/{a}"))]


def _check_options(args: argparse.Namespace) -> None:
    if args.timeout <= 0:
        raise CourseError(f"--timeout must be a positive number of seconds, got {args.timeout}")
    if args.jobs < 1:
        raise CourseError(f"--jobs must be at least 1, got {args.jobs}")
    if getattr(args, "max_size", 1) <= 0:
        raise CourseError(f"--max-size must be a positive number of MB, got {args.max_size}")


def cmd_autograde(course: Course, args: argparse.Namespace) -> int:
    _check_options(args)
    args.student = [collect_mod.normalise_student(s) for s in args.student or []]
    assignments = _handed_in(course, args)
    course.require_generated(assignments)
    if not assignments:
        print(f"nothing handed in yet: run `{course.command('collect', 'SOURCE')}` first")
        return EXIT_OK
    from autograder.sandbox.jail import isolation

    print(isolation().describe(), flush=True)
    results = autograde(
        course,
        assignments,
        students=args.student or None,
        timeout=args.timeout,
        force=args.force,
        progress=_grade_printer(),
        jobs=args.jobs,
    )
    counts = Counter(r.status for r in results)
    print("\n" + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no submissions"))
    print(f"status: {course.path('reports', 'autograde-status.csv')}")
    trouble = sum(n for s, n in counts.items() if s not in ("graded", "up to date"))
    code = EXIT_SOME_FAILED if trouble else EXIT_OK
    if getattr(args, "then_all", False):
        return code
    # a regrade must not leave the old feedback and grades behind
    stale = [
        r
        for r in results
        if r.status == "graded"
        and (args.student or course.path("feedback", r.student, r.assignment).is_dir())
    ]
    if stale:
        print(f"\nfeedback of the {len(stale)} submission(s) graded again:")
        for assignment in sorted({r.assignment for r in stale}):
            who = [r.student for r in stale if r.assignment == assignment]
            code = max(code, _feedback(course, [assignment], who))
    graded = any(r.status == "graded" for r in results)
    if graded and course.path("reports", "grades.csv").is_file():  # never an old score in it
        args.to = None
        code = max(code, cmd_export(course, args))
    return code


def cmd_feedback(course: Course, args: argparse.Namespace) -> int:
    args.student = [collect_mod.normalise_student(s) for s in args.student or []]
    assignments = course.resolve(args.assignments)
    course.require_generated([])
    return _feedback(course, assignments, args.student or None)


def _feedback(
    course: Course, assignments: list[str], students: list[str] | None, strict: bool = True
) -> int:
    """Write the feedback; ``strict``: a named student without a graded notebook is an error."""
    if students:
        graded = {
            p.parent.name for a in assignments for p in course.path("autograded").glob(f"*/{a}")
        }
        unknown = sorted(set(students) - graded)
        if unknown and strict:
            raise CourseError(
                f"nothing autograded for {', '.join(unknown)}: run "
                f"`{course.command('autograde', *assignments, '--student', unknown[0])}` first"
            )
        students = [s for s in students if s in graded]
        if not students:
            return EXIT_OK
    results = generate_feedback(course, assignments, students)
    rows = [
        {
            "assignment": r.assignment,
            "student": r.student,
            "status": r.status,
            "file": str(r.path.relative_to(course.root)) if r.path else "",
            "notes": "; ".join(r.notes),
        }
        for r in results
    ]
    _print_rows(rows, ["assignment", "student", "status", "file", "notes"])
    if not results:
        print(f"no autograded submissions: run `{course.command('autograde')}` first")
    _say_not_autograded(course, assignments, students)
    return EXIT_SOME_FAILED if any(r.status != "written" for r in results) else EXIT_OK


def _say_not_autograded(
    course: Course,
    assignments: list[str],
    students: list[str] | None = None,
    why: str = "no feedback",
) -> set[tuple[str, str]]:
    """Say which collected submissions are not autograded (yet, or since a change); those."""
    found: set[tuple[str, str]] = set()
    for assignment in assignments:
        waiting = [
            s
            for s in submissions(course, assignment, students)
            if not finished(
                course.path("autograded", s, assignment, f"{assignment}.ipynb"),
                course.path("submitted", s, assignment, f"{assignment}.ipynb"),
            )
        ]
        found.update((assignment, s) for s in waiting)
        if waiting:
            who = ", ".join(waiting[:5]) + (" ..." if len(waiting) > 5 else "")
            print(
                f"{len(waiting)} collected submission(s) of {assignment} have no autograded "
                f"notebook, so {why}: {who}; run "
                f"`{course.command('autograde', assignment)}` (reports/autograde-status.csv "
                "says why one could not be graded)"
            )
    return found


def cmd_export(course: Course, args: argparse.Namespace) -> int:
    course.require_generated([])
    target = Path(args.to).resolve() if args.to else course.path("reports", "grades.csv")
    target.parent.mkdir(parents=True, exist_ok=True)
    run = course.nbgrader("export", f"--to={target}")
    if not run.ok or not target.is_file():
        raise CourseError("nbgrader export failed:\n  " + "\n  ".join(run.errors()[-5:]))
    print(f"grades: {target}")
    why = "no feedback, and an empty score in grades.csv instead of 0 or an older score"
    waiting = _say_not_autograded(course, course.assignments(), why=why)
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    head = rows[0] if rows else []
    if {"assignment", "student_id", "raw_score", "score"} <= set(head):
        at = {key: head.index(key) for key in ("assignment", "student_id", "raw_score", "score")}
        for row in rows[1:]:  # a name with a comma breaks nbgrader's row: it stays as it is
            if len(row) == len(head) and (row[at["assignment"]], row[at["student_id"]]) in waiting:
                row[at["raw_score"]] = row[at["score"]] = ""
            row[:] = ["" if value == "None" else value for value in row]  # nbgrader's None
    # with a BOM, as Excel on Korean Windows reads UTF-8 (and Hangul names) only then
    with open(target, "w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return EXIT_OK


def cmd_report(course: Course, args: argparse.Namespace) -> int:
    stats = report_mod.pass_rates(course, course.resolve(args.assignments))
    if not any(s.submissions for s in stats):
        print("no graded submissions yet")
        return EXIT_OK
    print(report_mod.format_table(stats))
    table = report_mod.write_csv(stats, course.path("reports", "test-pass-rates.csv"))
    figure = report_mod.plot(stats, course.path("reports", "test-pass-rates.png"))
    print(f"\ntable: {table}\nplot:  {figure}")
    return EXIT_OK


def cmd_grade(course: Course, args: argparse.Namespace) -> int:
    """collect + autograde + feedback + export + report; with --student, that student only.

    Everything is checked first: the names, the gradebook, the generated assignments, and
    what the source holds (a dry run of the collection), so a mistake writes nothing.
    """
    _check_options(args)
    wanted = course.resolve(args.assignments) if args.assignments else None
    course.require_generated(wanted or [])
    codes = []
    if args.source:
        entries, _ = _collect(course, args, wanted, dry_run=True)
        found = sorted(
            {
                e.assignment
                for e in entries
                if e.assignment and not e.status.startswith(("ignored", "unmatched"))
            }
        )
        course.require_generated(found)
        if args.student and not any(e.status in collect_mod.TAKEN for e in entries):
            which = " or ".join(wanted or found or ["any assignment"])
            raise CourseError(f"{args.source} holds no notebook of {which}")
        entries, roster = _collect(course, args, wanted, dry_run=False)
        codes.append(_show_collected(course, entries, roster, dry_run=False))
        if not args.assignments:
            args.assignments = found
        if args.student:
            args.student = [collect_mod.normalise_student(s) for s in args.student]
            args.force = True  # the point of a regrade
    elif args.student:
        args.student = [collect_mod.normalise_student(s) for s in args.student]
    args.then_all = True
    codes.append(cmd_autograde(course, args))
    codes.append(_feedback(course, _handed_in(course, args), args.student or None, strict=False))
    args.to = None
    codes.append(cmd_export(course, args))
    codes.append(cmd_report(course, args))
    return max(codes)


def cmd_remove_student(course: Course, args: argparse.Namespace) -> int:
    assignments = course.resolve(args.assignments) if args.assignments else None
    student = collect_mod.normalise_student(args.student_id)
    for line in remove_student(course, student, assignments):
        print(line)
    if course.path("reports", "grades.csv").is_file():
        args.to = None
        return cmd_export(course, args)
    return EXIT_OK


def cmd_nbgrader(course: Course, args: argparse.Namespace) -> int:
    if not args.nbgrader_args:
        raise CourseError("say which nbgrader command to run, e.g. `nbgrader formgrader`")
    return course.nbgrader_attached(*args.nbgrader_args)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--course-dir",
        default=argparse.SUPPRESS,
        help=f"the course directory (default: {DEFAULT_COURSE_DIR})",
    )
    parser = argparse.ArgumentParser(
        prog="./run course",
        description="Generate, collect, autograde, give feedback on and report the assignments.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func, help_text: str, assignments: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        if assignments:
            p.add_argument("assignments", nargs="*", help="ids, numbers or titles (default: all)")
        p.set_defaults(func=func)
        if name in WRITERS:
            p.add_argument(
                "--wait",
                action="store_true",
                help="if another command is writing to the course, wait for it instead of stopping",
            )
        return p

    p = add("list", cmd_list, "list the assignments and their points")
    p.add_argument("-v", "--verbose", action="store_true", help="show every graded cell")
    p = add("check", cmd_check, "check the sources in solutions/ (metadata, markers, outputs)")
    p.add_argument("--strip", action="store_true", help="strip outputs in place first")
    add("generate", cmd_generate, "write the student versions to release/ (nbgrader)")
    p = add("validate", cmd_validate, "run the tests: sources must pass, releases must fail")
    p.add_argument("--timeout", type=float, default=900, help="seconds per notebook")

    def collect_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--roster",
            help="the class list (CSV: student number, name, optional email; UTF-8 or CP949): "
            "student ids become student numbers",
        )
        p.add_argument(
            "--max-size",
            type=float,
            default=collect_mod.MAX_NOTEBOOK_MB,
            metavar="MB",
            help=f"skip notebooks larger than this (default {collect_mod.MAX_NOTEBOOK_MB:g} MB)",
        )

    p = add(
        "collect",
        cmd_collect,
        "copy submissions from a folder, a zip or one notebook into submitted/",
        False,
    )
    p.add_argument("source", help="a folder, a .zip or an .ipynb of submitted notebooks")
    p.add_argument("assignments", nargs="*", help="only these assignments (default: all)")
    p.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    p.add_argument("--student", action="append", help="the student every notebook belongs to")
    collect_options(p)

    def grading_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--student", action="append", help="only this student (repeatable)")
        p.add_argument(
            "--timeout", type=int, default=300, help="seconds per notebook cell (default 300)"
        )
        p.add_argument("--force", action="store_true", help="grade unchanged submissions again")
        p.add_argument(
            "--jobs",
            type=int,
            default=1,
            metavar="N",
            help="grade N submissions at a time (default 1; try the number of cores)",
        )

    grading_options(add("autograde", cmd_autograde, "autograde the collected submissions"))
    p = add("feedback", cmd_feedback, "write HTML feedback (without hidden tests)")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p = add("export", cmd_export, "export the grades to CSV (nbgrader export)", False)
    p.add_argument("--to", help="the CSV file (default: COURSE_DIR/reports/grades.csv)")
    add("report", cmd_report, "pass rate of every test across the class (table and plot)")
    p = add("grade", cmd_grade, "collect, autograde, feedback, export and report in one go", False)
    p.add_argument("--source", help="a folder, .zip or .ipynb of submissions to collect first")
    p.add_argument("assignments", nargs="*", help="ids, numbers or titles (default: all)")
    p.set_defaults(dry_run=False)
    grading_options(p)
    collect_options(p)
    p = add(
        "remove-student",
        cmd_remove_student,
        "take a student (or one submission) out of the gradebook and the course folders",
        False,
    )
    p.add_argument("student_id", help="the student id (a folder name in submitted/)")
    p.add_argument("assignments", nargs="*", help="only these assignments (default: all)")
    p = add("nbgrader", cmd_nbgrader, "run any nbgrader command in the course directory", False)
    p.add_argument("nbgrader_args", nargs=argparse.REMAINDER, help="e.g. formgrader, db ...")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        course = Course(getattr(args, "course_dir", None))
        if args.command not in WRITERS or getattr(args, "dry_run", False):
            return args.func(course, args)
        words = sys.argv[1:] if argv is None else argv
        with course.lock("./run course " + shlex.join(words), wait=args.wait):
            return args.func(course, args)
    except CourseError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(
            "interrupted: what was done is kept; run the same command again to go on",
            file=sys.stderr,
        )
        return 130
