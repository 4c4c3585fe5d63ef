"""Peak memory of one engine on one workload, in a fresh process.

``python -m benches.memprobe ENGINE_KEY STREAM.npz`` prints the rise of the resident
high-water mark over setup and run, in bytes. A fresh process per engine keeps one engine's
freed-but-kept memory (Python's allocator holds on to arenas) from hiding the next one's.
"""

from __future__ import annotations

import sys

from benches.measure import PeakMemory
from benches.workload import Workload


def probe(key: str, path: str) -> int | None:
    from benches.suite import engines

    engine = next(e for e in engines() if e.key == key)
    wl = Workload.load(path)
    if engine.unavailable():
        return None
    engine.setup(wl.head(0) if wl.warm else wl.head(10))  # imports and first-use costs
    with PeakMemory() as mem:
        engine.setup(wl)
        engine.run(wl)
    return mem.bytes


if __name__ == "__main__":
    print(probe(sys.argv[1], sys.argv[2]))
