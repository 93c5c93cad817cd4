"""What the benchmarks run on: the BLAS backend and thread counts, and PyTorch if installed.

The benchmarks set ``OPENBLAS_NUM_THREADS`` and friends to 1 before numpy is imported; these
helpers print what numpy and PyTorch actually use, so a table can be compared with another.
"""
from __future__ import annotations

import os

import numpy as np


def blas_line() -> str:
    """``"numpy 2.x, BLAS scipy-openblas 0.3.x (1 thread)"`` as far as numpy reports it."""
    name, version = "unknown", ""
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name, version = deps.get("name", name), deps.get("version", "")
    except Exception:  # noqa: BLE001 - older numpy: report what we can
        pass
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    try:
        from threadpoolctl import threadpool_info

        counts = {i["internal_api"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}
        threads = ", ".join(f"{k} {v}" for k, v in counts.items()) or threads
    except ImportError:
        pass
    return f"numpy {np.__version__}, BLAS {name} {version}, threads: {threads} (OPENBLAS/OMP/MKL_NUM_THREADS=1)"


def load_torch():
    """``(torch or None, a line describing it)``; torch on one thread, float64 by default."""
    try:
        import torch
    except ImportError:
        return None, ("PyTorch not installed: the torch columns are skipped "
                      "(pip install torch==2.13.0, the optional bench extra, to include them)")
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    blas = "MKL" if torch.backends.mkl.is_available() else "its own BLAS"
    return torch, f"torch {torch.__version__} on CPU, {torch.get_num_threads()} thread, {blas}"
