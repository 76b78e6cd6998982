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
#   DLFS_VENV   virtual environment to use (default: .venv)
#   PYTHON      or: the Python interpreter of that environment (its bin/ folder is used)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${PYTHON:-}" ]; then
  bin=$(dirname "$PYTHON")
else
  bin=${DLFS_VENV:-.venv}/bin
fi
jb=$bin/jupyter-book
if [ ! -x "$jb" ]; then
  echo "build-solutions: $jb not found. Run './run setup book' first, or point DLFS_VENV" \
    "(or PYTHON) at an environment with the [book] extras." >&2
  exit 1
fi

bash scripts/fetch-mathjax.sh

work=_build/.solutions
out=_build/solutions/html
cache=$work/_build/.jupyter_cache
mkdir -p "$work"
"$bin/python" scripts/solutions_toc.py "$work/_toc.yml"

lib_hash=$(find lib/dlfs -name '*.py' -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum |
  sha256sum | cut -d' ' -f1)
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

export MPLBACKEND=module://matplotlib_inline.backend_inline PYDEVD_DISABLE_FILE_VALIDATION=1
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
