#!/usr/bin/env bash
# The main job: install, then run an agent with real example tools on the embedded default model.
# Without --model the CLI runs the embedded model with its profile (lamagent.profiles.EMBEDDED),
# its best measured setting (docs/evaluation.md, "The call gate on the embedded model"): the call
# gate, copy-aware decoding of the arguments and of the answers after a tool's result, the
# arguments the user asked for, values in the shape their descriptions show, and one call per
# item the user listed. The embedded model's first turn stays calls only (the CLI's default for
# it): the gate turns down calls whose values transform the user's words ("Asia/Tokyo" for
# "Tokyo"), which the example tools need; it decides the later turns.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh gguf
if [ "$#" -eq 0 ]; then
  set -- "What time is it in Tokyo?"
fi
exec .venv/bin/lamagent run "$@"
