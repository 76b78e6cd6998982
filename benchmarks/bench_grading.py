"""Throughput of sandboxed autograding: submissions per minute, one at a time and in parallel.

Generates a fresh course in a temporary folder, hands in N submissions of an assignment
(03_backprop by default: a mix of correct notebooks, notebooks with one bug, and blank
ones), then grades the same class three times with the real ``python -m autograder autograde``
machinery: ``--jobs 1`` and ``--jobs J``, and ``--jobs J`` once more without the helper that
forks the nbgrader processes (``python -m nbgrader`` for each submission). Prints the wall
time and submissions per minute of each, the speed-ups, and checks that every run gave every
submission the same scores.

Run from the repository root::

    python -m benchmarks.bench_grading                 # 24 submissions, --jobs 2
    python -m benchmarks.bench_grading --students 40 --jobs 4

Target (course issue): at least 60 submissions of 03_backprop per minute with --jobs 2 on 2 cores.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.collect import collect
from autograder.course import Course
from autograder.grade import autograde
from autograder.notebooks import nbgrader_meta, read_notebook
from autograder.release import generate
from autograder.sandbox.jail import isolation

TARGET_PER_MINUTE = 60.0


def _answers(course: Course, assignment: str) -> dict[str, str]:
    source = read_notebook(course.source_notebook(assignment))
    answers = {}
    for cell in source.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            lines = [
                line
                for line in cell.source.splitlines()
                if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
            ]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


def hand_in(course: Course, assignment: str, students: int, inbox: Path) -> None:
    """Write ``students`` notebooks: 2 of 3 correct, then one with a bug, then a blank one."""
    release = read_notebook(course.release_notebook(assignment))
    answers = _answers(course, assignment)
    for i in range(students):
        nb = copy.deepcopy(release)
        kind = ("good", "good", "buggy", "blank")[i % 4]
        for cell in nb.cells:
            name = nbgrader_meta(cell).get("grade_id")
            if kind != "blank" and name in answers:
                cell.source = answers[name]
                if kind == "buggy" and "axis=0" in cell.source:
                    cell.source = cell.source.replace("axis=0", "axis=1", 1)
        folder = inbox / f"student{i:03d}" / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")


def run(students: int, jobs: int, assignment: str) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        course = Course(Path(tmp) / "course")
        print(f"generating {assignment} ...", flush=True)
        generate(course, [assignment])
        hand_in(course, assignment, students, Path(tmp) / "inbox")
        collect(course, Path(tmp) / "inbox", [assignment])
        print(isolation().describe())
        print(f"{students} submissions of {assignment}, {os.cpu_count()} cores\n")
        runs = {
            "--jobs 1": (1, True),
            f"--jobs {jobs}": (jobs, True),
            f"--jobs {jobs}, no helper": (jobs, False),  # python -m nbgrader per submission
        }
        timings, scores = {}, {}
        for name, (n, fork) in runs.items():
            start = time.perf_counter()
            results = autograde(course, [assignment], force=True, jobs=n, fork=fork)
            seconds = time.perf_counter() - start
            bad = [r for r in results if r.status != "graded"]
            if bad:
                print(f"{name}: {len(bad)} submissions not graded: {bad[0].notes}")
                return 1
            timings[name] = seconds
            scores[name] = {r.student: r.score for r in results}
        print(f"{'run':<22}{'seconds':>10}{'per minute':>14}")
        for name, seconds in timings.items():
            print(f"{name:<22}{seconds:>10.1f}{students / seconds * 60:>14.1f}")
        one, parallel, fresh = timings.values()
        rate = students / parallel * 60
        print(f"\nspeed-up of --jobs {jobs} over --jobs 1: {one / parallel:.2f}x")
        print(f"speed-up of the forking helper (--jobs {jobs}): {fresh / parallel:.2f}x")
        same = len({tuple(sorted(s.items())) for s in scores.values()}) == 1
        print(f"same scores in every run: {'yes' if same else 'NO'}")
        verdict = "PASS" if rate >= TARGET_PER_MINUTE else "MISS"
        print(f"target >= {TARGET_PER_MINUTE:g}/min with --jobs {jobs}: {rate:.1f}/min {verdict}")
        return 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--assignment", default="03_backprop")
    args = parser.parse_args(argv)
    if args.students < 1 or args.jobs < 2:
        parser.error("--students must be >= 1 and --jobs >= 2")
    return run(args.students, args.jobs, args.assignment)


if __name__ == "__main__":
    sys.exit(main())
