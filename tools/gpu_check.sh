#!/usr/bin/env bash
# The GPU checks, as one script for a machine with an NVIDIA GPU and CuPy (never run by CI):
# the GPU-marked tests, the recurrence kernels' correctness and tile sweep, then the GPU
# benchmark. Usage: tools/gpu_check.sh [OUTPUT_FOLDER]
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
out="${1:-benchmarks/results}"
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import cupy, numpy; print('cupy', cupy.__version__, '| numpy', numpy.__version__)"
status=0
# The GPU tests and the tests of the GPU-capable models (numpy is their default backend here;
# the GPU tests ask for CuPy themselves).
RNN_CORE_BACKEND=numpy python3 -m pytest tests/test_gpu.py tests/test_gpu_kernels_plan.py tests/test_gated.py \
    -q -p no:cacheprovider 2>&1 | tee "$out/gpu_tests.txt" || status=1
python3 benchmarks/gpu_kernel_sweep.py --out "$out/gpu_kernel_sweep.md" > /dev/null || status=1
if [ -f benchmarks/gpu_bench.py ]; then
    python3 benchmarks/gpu_bench.py --out "$out/gpu.md" || status=1
fi
exit $status
