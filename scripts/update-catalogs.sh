#!/usr/bin/env bash
# Refresh the Korean catalogs (locales/ko/LC_MESSAGES/**/*.po) after the English pages changed:
#   1. extract every paragraph, heading, caption and table cell of the book into one template
#      per page (jupyter-book with Sphinx's gettext builder, in _build/.gettext; the chapters'
#      outputs come from the English edition's execution cache, run first when stale);
#   2. `sphinx-intl update -l ko -d locales` merges the templates into the catalogs: a new
#      paragraph is added untranslated, a changed one keeps its old translation marked fuzzy
#      (the Korean edition shows the English until a translator revises it and removes the
#      flag), a removed one is kept at the end as an obsolete "#~" entry, for reference.
# Commit the catalogs it changed. Run by `./run catalogs`.
#   DLFS_VENV, PYTHON   the environment to use (see scripts/book-env.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/book-env.sh update-catalogs  # bin, jb

out=_build/.gettext
rm -rf "$out/_build/gettext"
"$bin/python" scripts/korean_config.py --gettext "$out/_config.yml"
PATH="$bin:$PATH" "$jb" build . --config "$out/_config.yml" --path-output "$out" \
  --builder custom --custom-builder gettext -W -n --keep-going
"$bin/sphinx-intl" update -p "$out/_build/gettext" -l ko -d locales
# Babel flags prose that holds "%" or "{...}" as Python format strings; a "%" before a Hangul
# particle is no format code, and msgfmt -c would reject every such translation. Drop them.
find locales -name '*.po' -exec sed -i -E \
  -e '/^#, (python-brace-format|python-format)(, python-format)?$/d' \
  -e 's/^#, fuzzy(, python-brace-format)?(, python-format)?$/#, fuzzy/' {} +
echo "[catalogs] locales/ko/LC_MESSAGES updated from the English pages; the share translated:"
"$bin/python" scripts/check_translations.py | tail -1
