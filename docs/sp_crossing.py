"""Draws docs/img/sp-crossing.png: the back and lay supply of one runner at the off, and the
starting price where they cross, for the worked example of docs/starting_price.md. The curves
are computed here from the bets (the rules of SPEC section 2a); the SP marked is the engine's.

    python docs/sp_crossing.py [OUT.png]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import pybet

M = "1.1"
# (order type, side, price or limit, size, account): size is stake, or an SP lay's liability.
EXAMPLE = [
    ("MARKET_ON_CLOSE", "BACK", None, 1_000, "alice"),
    ("LIMIT_ON_CLOSE", "BACK", "8", 500, "bob"),
    ("MARKET_ON_CLOSE", "LAY", None, 3_600, "carol"),
    ("LIMIT_ON_CLOSE", "LAY", "5", 3_000, "dave"),
    ("LIMIT", "BACK", "9", 200, "erin"),
    ("LIMIT", "LAY", "4", 300, "frank"),
]


def engine() -> pybet.Exchange:
    ex = pybet.Exchange()
    ex.create_market(M, runners=[1, 2], starting_price=True)
    ex.open_market(M)
    for *_, account in EXAMPLE:
        ex.deposit(account, 10**9)
    for order_type, side, price, size, account in EXAMPLE:
        ex.place(M, 1, side, price, size, account, order_type=order_type)
    return ex


def supply(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Back stake and lay stake eligible at each price of ``p``."""
    backs = np.zeros_like(p)
    lays = np.zeros_like(p)
    for order_type, side, price, size, _ in EXAMPLE:
        limit = None if price is None else float(price)
        if side == "BACK":
            ok = np.ones_like(p, bool) if limit is None else p >= limit
            backs += np.where(ok, size, 0.0)
        else:
            ok = np.ones_like(p, bool) if limit is None else p <= limit
            stake = size / (p - 1) if order_type != "LIMIT" else np.full_like(p, size)
            lays += np.where(ok, stake, 0.0)
    return backs, lays


def main(out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ex = engine()
    near = ex.starting_prices(M)[1].near_price
    ex.reconcile_starting_price(M)
    actual = ex.starting_prices(M)[1].actual_sp
    assert actual is not None and near == actual
    p = np.linspace(1.5, 12, 2_000)
    backs, lays = supply(p)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.step(p, backs, where="post", label="back supply Sb(P) (stake)", color="#1f77b4")
    ax.plot(p, lays, label="lay supply Sl(P) (stake)", color="#d62728")
    ax.axvline(actual, color="0.3", ls="--", lw=1)
    ax.annotate(
        f"SP = {actual:g}",
        (actual, float(np.interp(actual, p, backs))),
        xytext=(12, 30),
        textcoords="offset points",
        arrowprops={"arrowstyle": "->", "color": "0.3"},
    )
    ax.set_xlabel("candidate price P")
    ax.set_ylabel("stake eligible at P")
    ax.set_ylim(0, 3_000)
    ax.set_title("One runner at the off: where back and lay supply cross")
    ax.legend(loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    print(f"SP {actual}; wrote {out}")
    for o in ex.orders():
        print(
            f"  {o.account:5} {o.order_type} {o.side} size={o.size}"
            f" matched={o.size_matched} cancelled={o.size_cancelled}"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "img/sp-crossing.png")
