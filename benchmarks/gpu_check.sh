#!/usr/bin/env bash
# The GPU check (benchmarks/gpu_check.py): on a machine with a CUDA GPU, one table of the
# workbench's trainer against bare cuDNN loops, then the suite's CUDA tests (pytest -m cuda),
# all within eight minutes. Without a CUDA GPU it says so and exits with status 3.
#
#   bash benchmarks/gpu_check.sh                      # the check
#   bash benchmarks/gpu_check.sh --device cpu --quick # a smoke run of the script on the CPU
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
[ -x "$python" ] || python=python3
if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,utilization.gpu --format=csv,noheader || true
fi
exec timeout --signal=INT 470 "$python" benchmarks/gpu_check.py "$@"
