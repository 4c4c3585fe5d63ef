"""pybet from Rust: ``benches/replay`` (crate ``pybet-replay``) replays the same stream file.

The binary is built on first use (``cargo build --release -p pybet-replay``, about a minute
on a fresh checkout, not timed) and measures itself: best-of-``repeat`` throughput, every op
timed in a second pass, peak resident memory.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from benches.engines import Engine, Fill
from benches.workload import Workload

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "pybet-replay"


class RustReplay(Engine):
    key = "rust"
    name = "pybet from Rust (replay binary, same stream)"
    note = "the core without Python; same stream file, events drained every 4096"

    def unavailable(self) -> str | None:
        if BINARY.exists():
            return None
        if shutil.which("cargo") is None:
            return (
                "not available: cargo is not installed and target/release/pybet-replay is missing"
            )
        build = subprocess.run(
            ["cargo", "build", "--release", "--locked", "-p", "pybet-replay"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if build.returncode != 0:
            return f"not available: cargo build failed: {build.stderr.strip()[-300:]}"
        return None

    def _exec(self, wl: Workload, repeat: int, fills: bool = False) -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "stream.ops"
            fills_path = Path(d) / "fills.csv"
            wl.save_ops(path)
            args = [str(BINARY), str(path), "--repeat", str(max(repeat, 1))]
            if fills:
                args += ["--fills", str(fills_path)]
            out = subprocess.run(args, capture_output=True, text=True, check=True)
            result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
            if fills:
                result["fills"] = [
                    tuple(int(x) for x in line.split(","))
                    for line in fills_path.read_text().splitlines()
                ]
            return result

    def measure(self, wl: Workload, repeat: int) -> dict[str, Any]:
        row: dict[str, Any] = {"engine": self.name, "key": self.key, "workload": wl.name}
        reason = self.unavailable()
        if reason:
            return {**row, "status": reason}
        r = self._exec(wl, repeat)
        row.update(status="ok", **r)
        return row

    def setup(self, wl: Workload, record: bool = False) -> None:
        self._wl = wl

    def run(self, wl: Workload, lat: list[int] | None = None) -> None:
        self._fills = self._exec(wl, 1, fills=True)

    def fills(self) -> list[Fill]:
        return list(self._fills.get("fills", []))
