#!/usr/bin/env bash
# Idempotent set-up: Debian packages (when apt is usable), a virtual environment in .venv,
# and the pip extras named in $1 (comma-separated: dev, book, grader). Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=${1:-dev,book,grader}
venv=${DLFS_VENV:-.venv}

say() { printf '[setup] %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------
apt_pkgs=(dataset-fashion-mnist)
# fonts-nanum: Hangul in the book's plots and pages (the glossary, Korean terms)
case ",$extras," in *,book,*) apt_pkgs+=(fonts-nanum) ;; esac
# npm fetches the local MathJax (scripts/fetch-mathjax.sh) of the book and of the feedback
case ",$extras," in *,book,* | *,grader,*) command -v npm >/dev/null || apt_pkgs+=(npm) ;; esac
case ",$extras," in *,dev,*) apt_pkgs+=(chromium fonts-nanum) ;; esac
# bubblewrap: the sandbox that grading runs student code in (autograder/sandbox/jail.py)
case ",$extras," in *,grader,*) apt_pkgs+=(bubblewrap) ;; esac
python3 -c 'import ensurepip, venv' 2>/dev/null || apt_pkgs+=(python3-venv python3-pip)

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    say "apt-get not found; please install these yourself: ${missing[*]}"
  else
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo="sudo"; fi
    fi
    say "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# --- Python environment ----------------------------------------------------------------------
if [ ! -x "$venv/bin/python" ]; then
  say "creating the virtual environment $venv"
  python3 -m venv "$venv"
fi
stamp="$venv/.stamp-$(echo "$extras" | tr ',' '-')"
want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing dlfs with extras [$extras] (this takes a few minutes the first time)"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -e ".[$extras]"
  # rfc3987-syntax (via jsonschema[format-nongpl]) costs seconds at every Jupyter start and is
  # not needed for validating notebooks; removing it and lark keeps `pip check` clean.
  "$venv/bin/python" -m pip uninstall -q -y rfc3987-syntax lark >/dev/null 2>&1 || true
  echo "$want" > "$stamp"
else
  say "Python environment $venv is up to date for [$extras]"
fi
