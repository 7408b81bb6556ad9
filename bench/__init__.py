"""pressmark benchmarks."""
