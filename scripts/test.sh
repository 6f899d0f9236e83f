#!/usr/bin/env bash
# Installs everything the tests need (all engines, CPU builds) and runs lint, types and the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "gguf,hf,finetune,server,eval,dev"
# the run-page tests render the page in headless Chromium, from the system packages
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
.venv/bin/ruff check lamagent tests bench examples
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
