#!/usr/bin/env bash
# Make a Jupyter installation a student's: of nbgrader's JupyterLab parts keep only the
# Validate button, and switch off the instructor's tools (Formgrader, Create Assignment) and
# the exchange-based Assignment List and Course List, which only work on a shared JupyterHub
# ("The exchange directory does not exist" anywhere else). Safe to run twice.
#   bash scripts/student-jupyter.sh JUPYTER [sys_prefix|user]
# JUPYTER is the jupyter command of the environment (default: jupyter on PATH). sys_prefix
# (the default) changes only that environment's settings; user changes $JUPYTER_CONFIG_DIR
# (by default ~/.jupyter), for every environment of this user.
set -euo pipefail

jupyter=${1:-jupyter}
level=${2:-sys_prefix}
case "$level" in
  sys_prefix | user) ;;
  *) echo "student-jupyter: level must be sys_prefix or user, not '$level'" >&2; exit 2 ;;
esac

# JupyterLab plugins of the @jupyter/nbgrader extension (nbgrader 0.9); validate-assignment
# stays. "menu" is the Nbgrader menu, which lists only the tools switched off here.
for plugin in formgrader create-assignment assignment-list course-list menu; do
  "$jupyter" labextension disable --level="$level" "@jupyter/nbgrader:$plugin" >/dev/null 2>&1
done
# The server side of the same tools; nbgrader.server_extensions.validate_assignment stays.
exts=(formgrader assignment_list course_list)
if [ "$level" = sys_prefix ]; then
  for ext in "${exts[@]}"; do
    "$jupyter" server extension disable --sys-prefix "nbgrader.server_extensions.$ext" >/dev/null 2>&1
  done
else
  # `jupyter server extension disable --user` refuses extensions enabled at another level
  # (nbgrader enables them in the environment), so write the user's setting directly.
  python=$(dirname "$(command -v "$jupyter")")/python
  "$python" - "${exts[@]}" <<'PY'
import json
import sys
from pathlib import Path

from jupyter_core.paths import jupyter_config_dir

path = Path(jupyter_config_dir()) / "jupyter_server_config.json"
config = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
enabled = config.setdefault("ServerApp", {}).setdefault("jpserver_extensions", {})
enabled.update({f"nbgrader.server_extensions.{ext}": False for ext in sys.argv[1:]})
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
PY
fi
echo "[student] nbgrader in JupyterLab: Validate only (instructor tools and exchange lists off)"
