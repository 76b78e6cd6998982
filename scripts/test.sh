#!/usr/bin/env bash
# The whole test suite: lint, then pytest over tests/ on every core. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
venv=${DLFS_VENV:-.venv}
export MPLBACKEND=Agg PYDEVD_DISABLE_FILE_VALIDATION=1
# Two pytest workers share two cores: one BLAS thread each avoids oversubscription.
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

"$venv/bin/ruff" check . || exit 1
"$venv/bin/ruff" format --check . || { echo "Run '.venv/bin/ruff format .' to fix the formatting." >&2; exit 1; }
"$venv/bin/mypy" || exit 1   # type hints of lib/dlfs and autograder ([tool.mypy] in pyproject.toml)

"$venv/bin/python" -m pytest -n "${PYTEST_WORKERS:-auto}" --dist loadfile "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure of the suite itself." >&2
  exit 1
fi
exit "$rc"
