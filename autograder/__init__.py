"""Grading tools of the dlfs course: nbgrader assignments from source to grades.

Run ``python -m autograder --help`` from the repository root; ``autograder/README.md``
describes the instructor's workflow.
"""
