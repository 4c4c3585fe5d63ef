"""Per-account token buckets: ``rate`` tokens per second up to ``burst``; one token per
request after login (pings excepted)."""

from __future__ import annotations

import time


class TokenBucket:
    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float, now: float | None = None) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic() if now is None else now

    def take(self, now: float | None = None) -> bool:
        """Take one token; False (and nothing taken) when the bucket is empty."""
        t = time.monotonic() if now is None else now
        tokens = min(self.burst, self.tokens + (t - self.stamp) * self.rate)
        self.stamp = t
        if tokens < 1.0:
            self.tokens = tokens
            return False
        self.tokens = tokens - 1.0
        return True
