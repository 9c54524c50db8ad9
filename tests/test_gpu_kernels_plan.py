"""The GPU kernels' launch planning, which is plain Python and runs without a GPU."""
import math

import numpy as np
import pytest

from rnn_core.fast import gpu_kernels


def test_importing_the_kernels_needs_no_cupy():
    assert "cupy" not in gpu_kernels.__dict__          # CuPy is imported only inside the launch


@pytest.mark.parametrize("itemsize", [4, 8])
@pytest.mark.parametrize("B, n", [(1, 1), (3, 7), (32, 128), (128, 512), (256, 1024), (5, 4000)])
def test_cluster_plan_fits_the_hardware_limits(B, n, itemsize):
    plan = gpu_kernels._cluster_plan(B, n, itemsize, multiprocessors=132)
    assert plan is not None
    rows, width, parts, shared = plan
    assert width == math.ceil(n / gpu_kernels.CLUSTER_SIZE) and width * parts <= gpu_kernels.MAX_THREADS
    assert shared <= gpu_kernels.SHARED_MAX
    assert rows >= 1 and parts >= 1


def test_cluster_plan_keeps_every_multiprocessor_busy_at_the_benchmark_size():
    rows, _, _, _ = gpu_kernels._cluster_plan(128, 512, 4, multiprocessors=132)
    assert math.ceil(128 / rows) * gpu_kernels.CLUSTER_SIZE <= 132 < 2 * math.ceil(128 / rows) * gpu_kernels.CLUSTER_SIZE


def test_rows_tile_fits_shared_memory():
    for n in (1, 33, 512, 1030, 6000):
        rows, cols = gpu_kernels.choose_tile(128, n, np.dtype(np.float64).itemsize, 132)
        assert rows * 4 * math.ceil(n / 4) * 8 <= gpu_kernels.SHARED_LIMIT or rows == 1
        assert cols * gpu_kernels.MAX_THREADS >= n
