#!/usr/bin/env bash
# The main job: install, then run an agent with real example tools on the embedded default model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh gguf
if [ "$#" -eq 0 ]; then
  set -- "What time is it in Tokyo?"
fi
exec .venv/bin/lamagent run "$@"
