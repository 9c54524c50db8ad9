"""rnn_core's fast paths: the reference's equations (``rnn_core.cells``) arranged for speed.

The models train with these; ``tests/test_fast_path_equals_reference.py`` checks that they give
the reference's numbers (float64 within 1e-12, float32 within 1e-5).

- ``cells``         the three cells as ``rnn_core.RNN`` composes them, over the functions below
- ``vanilla``       the tanh RNN: inputs projected for all steps at once, reused work arrays
- ``gated``         LSTM and GRU: every gate in one product, local derivatives batched
- ``gpu_kernels``   the vanilla recurrence forward and backward as fused CuPy kernels
"""
from . import cells, gated, vanilla
