#!/usr/bin/env bash
# Build both editions of the book: English into _build/html, Korean into _build/html/ko.
# Fetch MathJax if missing, then for each edition
#   jupyter-book build . -W -n --keep-going
# which executes the chapters (cached in _build/.jupyter_cache) and fails on any cell error or
# Sphinx warning. The Korean pass is the same book with `language: ko` and the catalogs of
# locales/ko (configuration: scripts/korean_config.py; its doctrees and its own execution
# cache in _build/.ko/_build), its chapters run with DLFS_LANG=ko so that their plots are
# labelled in Korean (dlfs.i18n). Then scripts/check_book_output.py fails the build on any
# cell that wrote to stderr (unless tagged stderr-ok or raises-exception) and on any machine
# path in a page, in both editions.
# Idempotent: a second run only redoes what changed. Extra arguments go to `jupyter-book build`.
#   DLFS_VENV, PYTHON   the environment to use (see scripts/book-env.sh)
#   DLFS_BOOK_LANGS     the editions to build: "en ko" (default) or "en"
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/book-env.sh build-book  # bin, jb, lib_hash

bash scripts/fetch-mathjax.sh

mkdir -p _build
ok=_build/.book-ok
lib_stamp=_build/.book-lib-hash
ko=_build/.ko  # the Korean pass: its configuration, doctrees and execution cache
langs=${DLFS_BOOK_LANGS:-en ko}

args=()
# The execution cache is keyed on each chapter's code only, not on the library it imports:
# when lib/dlfs changed, run every chapter again so the book shows what the code does now.
if [ -d _build/.jupyter_cache ] && [ "$(cat "$lib_stamp" 2>/dev/null)" != "$lib_hash" ]; then
  echo "[book] lib/dlfs changed since the last build: executing every chapter again"
  rm -rf _build/.jupyter_cache "$ko/_build/.jupyter_cache"
  args+=(--all)
fi
# Sphinx re-reads only changed pages, so warnings of an earlier failed build would not show up
# again: after a failure (or a first build) read every page.
if [ ! -f "$ok" ] && [ ${#args[@]} -eq 0 ]; then
  args+=(--all)
fi
rm -f "$ok"
# Sphinx never deletes pages, so a page dropped from _toc.yml would stay published. Start from
# an empty _build/html: every page is rewritten from the cached doctrees (seconds), while
# reading and executing stay incremental.
rm -rf _build/html "$ko/_build/html"

start=$(date +%s)
# The kernel that runs the chapters is this environment's python (jupyter-book's own kernel).
status=0
PATH="$bin:$PATH" "$jb" build . -W -n --keep-going "${args[@]}" "$@" || status=$?
en_time=$(($(date +%s) - start))
ko_time=0
if [ "$status" -eq 0 ] && [[ " $langs " == *" ko "* ]]; then
  # The Korean edition: the same sources, with Sphinx's language ko and the catalogs.
  echo "[book] English edition built in $en_time s; now the Korean edition (_build/html/ko)"
  ko_start=$(date +%s)
  "$bin/python" scripts/korean_config.py "$ko/_config.yml"
  DLFS_LANG=ko PATH="$bin:$PATH" "$jb" build . --config "$ko/_config.yml" --path-output "$ko" \
    -W -n --keep-going "${args[@]}" "$@" || status=$?
  if [ "$status" -eq 0 ]; then
    mv "$ko/_build/html" _build/html/ko
  fi
  ko_time=$(($(date +%s) - ko_start))
fi
# Whatever the outcome, the execution caches now match this library.
echo "$lib_hash" >"$lib_stamp"
if [ "$status" -ne 0 ]; then
  echo "build-book: the build failed (a cell error or a Sphinx warning, see above)." >&2
  exit 1
fi
# A warning printed under a cell, or a path of this machine on a page, fails the build too.
if ! "$bin/python" scripts/check_book_output.py _build; then
  echo "build-book: a cell wrote to stderr or a page shows a machine path (see above)." >&2
  exit 1
fi
touch "$ok"
echo "[book] built in $(($(date +%s) - start)) s (English $en_time s, Korean $ko_time s)." \
  "Open $(pwd)/_build/html/index.html (or run ./run serve and visit http://127.0.0.1:8000/);" \
  "the Korean edition is _build/html/ko/index.html"
