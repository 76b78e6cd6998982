#!/usr/bin/env bash
# The students' set-up on Debian or Ubuntu, from a clone of the repository: a virtual
# environment (.venv-student, or $DLFS_VENV) with the course library dlfs, JupyterLab and
# nbgrader's Validate button, without nbgrader's instructor tools. Safe to run twice.
# Other systems (Windows, macOS): the pip lines in README.md ("For students").
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${DLFS_VENV:-.venv-student}
DLFS_VENV=$venv bash scripts/setup.sh student
bash scripts/student-jupyter.sh "$venv/bin/jupyter" sys_prefix
echo "[student] open an assignment with: $venv/bin/jupyter lab PATH/TO/ASSIGNMENT.ipynb"
echo "[student] (or: ./run student lab PATH/TO/ASSIGNMENT.ipynb)"
