"""The GPU backend: Numba-CUDA kernels behind the same array functions as numpy_backend.py."""
