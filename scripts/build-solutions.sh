#!/usr/bin/env bash
# Build the instructors' edition of the book into _build/solutions/html: every page of the
# public book plus the six nbgrader source notebooks of solutions/, with their solutions and
# hidden tests. For instructors only: never publish it (the Pages workflow uploads
# _build/html alone).
#   jupyter-book build . --config instructors/_config.yml --toc <generated> -W -n --keep-going
# Chapters are executed as in the public book; this build's execution cache is seeded from the
# public book's (_build/.jupyter_cache, only read, never written) when both were made with the
# current lib/dlfs, so chapters the public build already ran are not run again. The solution
# notebooks are shown as written, not executed (see instructors/_config.yml).
# Its working files stay in _build/.solutions; it never touches _build/html. Extra arguments
# go to `jupyter-book build`.
#   DLFS_VENV, PYTHON   the environment to use (see scripts/book-env.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/book-env.sh build-solutions  # bin, jb, lib_hash

bash scripts/fetch-mathjax.sh

work=_build/.solutions
out=_build/solutions/html
cache=$work/_build/.jupyter_cache
mkdir -p "$work"
"$bin/python" scripts/solutions_toc.py "$work/_toc.yml"

if [ -d _build/.jupyter_cache ] && [ "$(cat _build/.book-lib-hash 2>/dev/null)" = "$lib_hash" ]
then
  echo "[solutions] reusing the public book's execution cache"
  rm -rf "$cache"
  mkdir -p "$(dirname "$cache")"
  cp -a _build/.jupyter_cache "$cache"
elif [ "$(cat "$work/lib-hash" 2>/dev/null)" != "$lib_hash" ]; then
  # Outputs made with another library would be stale: execute the chapters again.
  rm -rf "$cache"
fi
echo "$lib_hash" >"$work/lib-hash"

# As in build-book.sh: start from empty HTML (pages are rewritten from cached doctrees) and
# read every page again after a failed or first build, so no warning goes unseen.
args=()
[ -f "$work/.ok" ] || args+=(--all)
rm -f "$work/.ok"
rm -rf "$work/_build/html"

# The sources' hidden tests are generated from the course's checks and run them from the
# autograder package (autograder/checks/local.py), which lives at the repository's root.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
start=$(date +%s)
if ! PATH="$bin:$PATH" "$jb" build . --config instructors/_config.yml --toc "$work/_toc.yml" \
  --path-output "$work" -W -n --keep-going "${args[@]}" "$@"; then
  echo "build-solutions: the build failed (a cell error or a Sphinx warning, see above)." >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cp -a "$work/_build/html" "$out"
touch "$work/.ok"
echo "[solutions] built in $(($(date +%s) - start)) s. Open $(pwd)/$out/index.html" \
  "(instructors only: do not publish)"
