"""nbgrader settings of the dlfs course, shared by every course directory.

``python -m autograder`` writes a small ``nbgrader_config.py`` into the course directory
(default ``autograder/course``) that loads this file, so every nbgrader command run there,
by the CLI or by hand, uses these settings. Edit the settings here, not in the course directory.
"""

from pathlib import Path

# traitlets injects get_config into the namespace of config files
c = get_config()  # type: ignore[name-defined]  # noqa: F821

REPO = Path(__file__).resolve().parent.parent

# The sources with solutions and hidden tests live in the repository, one folder per
# assignment: solutions/<assignment>/<assignment>.ipynb.
c.CourseDirectory.course_id = "dlfs"
c.CourseDirectory.source_directory = str(REPO / "solutions")
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    ".*",
]

# Student versions: the standard stubs, which make every test fail until the student works.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearSolutions.enforce_metadata = True
c.ClearHiddenTests.enforce_metadata = True

# Autograding runs the student's code in a sandbox, never in nbgrader's kernel: the
# SandboxExecute preprocessor takes the place of nbgrader's Execute, runs the notebook in a
# contained process and decides every test cell with the trusted checks in
# autograder/checks/ (see autograder/sandbox/). The CLI passes the limits per run.
c.Autograde.autograde_preprocessors = [
    "autograder.sandbox.verdicts.SandboxExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.SandboxExecute.cell_seconds = 120
# Validating the sources (instructor code) still runs them in a kernel.
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True
c.Execute.raise_on_iopub_timeout = False
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 60
# A deleted test cell is put back (with a note) and run, instead of silently scoring 0.
c.OverwriteCells.add_missing_cells = True
c.Autograde.create_student = True

# Feedback: never show hidden tests, neither their source nor the traceback lines that
# would quote it. The CLI also scans every feedback file for hidden-test lines afterwards.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.feedback.HideHiddenTests",
    "autograder.feedback.ExplainParts",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# The course's feedback page: every part named in the summary, the visible tests' hints under
# failed parts, and MathJax from a copy next to the page (the CLI puts it there), not a CDN.
c.GenerateFeedback.exporter_class = "autograder.feedback.FeedbackExporter"

# The language of what students get back: the checks' messages (the reason under a failed
# part, the sandbox's time and memory limits) and the feedback's fixed text. "ko" (the
# course's students read Korean, as its notebooks are written) or "en"; any other value
# stops `autograde` and `feedback` with an error naming the two.
c.StudentFeedback.language = "ko"

c.ExportApp.plugin_class = "nbgrader.plugins.export.CsvExportPlugin"
