"""The notebook suite's execution time: each notebook run top to bottom in a fresh kernel."""
from __future__ import annotations

import time

from common import ROOT


def run() -> dict:
    import nbformat
    from nbclient import NotebookClient

    times = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
        times[path.name] = time.perf_counter() - start
    return times


if __name__ == "__main__":
    for name, seconds in run().items():
        print(f"{name:32s} {seconds:6.1f} s")
