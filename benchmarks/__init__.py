"""Benchmarks: rnn_core against the lecture's one-sequence loop and PyTorch (``make bench``)."""
