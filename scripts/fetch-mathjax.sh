#!/usr/bin/env bash
# Fetch a local copy of MathJax 3 (npm package mathjax@3, its es5/ bundle) so the book renders
# math without any CDN. The copy lands in _build/.mathjax/site/mathjax/, which _config.yml
# publishes at the root of the built book (html_extra_path) and loads through mathjax_path.
# Not under _static/: Sphinx would inject every .js found there into every page.
#
# Idempotent: does nothing when the copy is already complete. npm keeps the tarball in its own
# cache (~/.npm), so fetching again after `./run clean` works offline.
#   MATHJAX_VERSION   npm version spec to fetch (default: 3, i.e. the newest 3.x)
set -euo pipefail
cd "$(dirname "$0")/.."

version=${MATHJAX_VERSION:-3}
dest=_build/.mathjax/site/mathjax
entry=$dest/tex-chtml.js

if [ -f "$entry" ] && [ -f "$dest/.complete" ]; then
  exit 0
fi
command -v npm >/dev/null || {
  echo "fetch-mathjax: npm is needed to fetch MathJax (Debian: sudo apt-get install npm)." >&2
  exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "[book] fetching mathjax@$version from the npm registry (or npm's cache)"
tarball=$(npm pack "mathjax@$version" --prefer-offline --silent --pack-destination "$work" | tail -n 1)
[ -f "$work/$tarball" ] || { echo "fetch-mathjax: npm pack produced no tarball" >&2; exit 1; }

rm -rf "$dest"
mkdir -p "$dest"
# Keep es5/ only (the browser bundle), and of its top-level combined builds only the one the
# book loads: the others (SVG output, MathML input, node entry points) are never requested.
tar -xzf "$work/$tarball" -C "$work" package/es5 package/LICENSE package/package.json
cp -R "$work/package/es5/." "$dest/"
cp "$work/package/LICENSE" "$dest/LICENSE"
find "$dest" -maxdepth 1 -name '*.js' ! -name 'tex-chtml.js' -delete
node -e 'process.stdout.write(require(process.argv[1]).version)' "$work/package/package.json" \
  > "$dest/.complete"
echo "[book] MathJax $(cat "$dest/.complete") is in $dest ($(du -sh "$dest" | cut -f1))"
