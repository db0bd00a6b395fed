#!/usr/bin/env bash
# Set up a virtual environment for graph-unlearn on a fresh machine (idempotent).
#   bash scripts/bootstrap.sh [extras]     e.g. extras = "test" or "test,dgl"
# Installs the pinned CPU build of PyTorch first when the environment has none, so that pip
# never resolves an unpinned torch (which would pull several GB of CUDA wheels).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${GRAPH_UNLEARN_VENV:-.venv}
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
TORCH_PIN=${TORCH_PIN:-torch==2.13.0}
EXTRAS=${1:-}

if [ ! -x "$VENV/bin/python" ]; then
  echo "[bootstrap] creating $VENV with $($PY --version)"
  "$PY" -m venv "$VENV"
fi
PIP="$VENV/bin/python -m pip"
if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  echo "[bootstrap] installing $TORCH_PIN (CPU build)"
  $PIP install -q "$TORCH_PIN"
fi
spec="."
[ -n "$EXTRAS" ] && spec=".[$EXTRAS]"
# Reinstall only when the project metadata changed since the last install.
stamp="$VENV/.graph-unlearn-installed"
want="$(cat pyproject.toml | sha256sum | cut -c1-16)-$EXTRAS"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[bootstrap] installing graph-unlearn $spec"
  $PIP install -q -e "$spec"
  echo "$want" > "$stamp"
fi
