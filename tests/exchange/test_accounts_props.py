"""Hypothesis: random command streams with random results against an independent model in
exact rationals (Fractions) built from the engine's events: exposure always equals the model's
worst case, no order or withdrawal takes `available` below zero (only a runner removal that voids a
hedge can), each account's settled P&L is the model's rounded
towards the house, P&L plus residue sums to zero, balances fall by exactly commission plus
residue, and a restore from a mid-stream snapshot settles identically."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

import pybet
from pybet import Side

M = "1.1"
RUNNERS = [1, 2, 3, 4]
ACCOUNTS = ["a", "b", "c", "broke"]  # "broke" never deposits
RATE = Fraction(3, 100)
ONE_TICK = Fraction(1, 10_000)


@dataclass
class Model:
    """Matched bets (backer, layer, runner, price, size) and removed runners, from events."""

    places: int
    bets: list[tuple[str, str, int, Fraction, int]] = field(default_factory=list)
    removed: set[int] = field(default_factory=set)

    def absorb(self, events: list[pybet.Event], rf: Fraction | None = None) -> None:
        for e in events:
            if e.kind == "Fill":
                taker_backs = e.taker_side == Side.BACK
                backer = e.taker_account if taker_backs else e.maker_account
                layer = e.maker_account if taker_backs else e.taker_account
                self.bets.append((backer, layer, e.runner, Fraction(str(e.price)), e.size))
            elif e.kind == "RunnerRemoved":
                assert rf is not None
                self.removed.add(e.runner)
                keep = 1 - rf / 100
                self.bets = [
                    (b, la, r, max(Fraction(101, 100), reduce(p * keep)), s)
                    for b, la, r, p, s in self.bets
                    if r != e.runner
                ]

    def exposure(self, ex: pybet.Exchange, account: str) -> int:
        win = dict.fromkeys(RUNNERS, Fraction(0))
        lose = dict.fromkeys(RUNNERS, Fraction(0))
        for backer, layer, r, p, s in self.bets:
            if backer == account:
                win[r] += s * (p - 1)
                lose[r] -= s
            if layer == account:
                win[r] -= s * (p - 1)
                lose[r] += s
        for o in ex.orders(account=account, market_id=M, live_only=True):
            if o.side == Side.BACK:
                lose[o.runner] -= o.size_remaining
            else:
                win[o.runner] -= o.size_remaining * (Fraction(str(o.price)) - 1)
        alive = [r for r in RUNNERS if r not in self.removed]
        d = sorted(win[r] - lose[r] for r in alive)
        worst = sum(lose.values(), Fraction(0)) + sum(d[: self.places], Fraction(0))
        return math.ceil(max(Fraction(0), -worst))

    def pnl(self, account: str, fraction: dict[int, Fraction]) -> Fraction:
        total = Fraction(0)
        for backer, layer, r, p, s in self.bets:
            f = fraction.get(r, Fraction(0))
            back = s * f * (p - 1) - s * (1 - f)
            if backer == account:
                total += back
            if layer == account:
                total -= back
        return total


def reduce(price: Fraction) -> Fraction:
    """Truncate to the engine's 1e-4 price resolution."""
    return Fraction(math.floor(price / ONE_TICK)) * ONE_TICK


place = st.tuples(
    st.just("place"),
    st.sampled_from([1, 1, 1, 2, 2, 3, 4]),
    st.sampled_from([Side.BACK, Side.LAY]),
    st.sampled_from(["1.01", "1.5", "2.0", "2.0", "2.02", "3.0", "3.0", "7.2"]),
    st.integers(1, 800),
    st.sampled_from(["a", "b", "c"] * 3 + ["broke"]),
)
cancel = st.tuples(st.just("cancel"), st.integers(0, 50))
remove = st.tuples(
    st.just("remove"),
    st.sampled_from(RUNNERS),
    st.sampled_from([Decimal(0), Decimal(25), Decimal("23.5"), Decimal("0.01"), Decimal(100)]),
)
cash = st.tuples(st.sampled_from(["deposit", "withdraw"]), st.sampled_from(ACCOUNTS[:3]))
# Weighted by kind: mostly orders, so that books cross and bets get matched.
KINDS = ["place"] * 20 + ["cancel"] * 3 + ["remove", "cash", "in_play"]
STRATEGIES = {
    "place": place,
    "cancel": cancel,
    "remove": remove,
    "cash": cash,
    "in_play": st.just(("in_play",)),
}
commands = st.lists(
    st.sampled_from(KINDS).flatmap(lambda k: STRATEGIES[k]), min_size=10, max_size=60
)


def fresh(places: int) -> pybet.Exchange:
    ex = pybet.Exchange(commission_rate="0.03")
    ex.create_market(M, runners=RUNNERS, places=places)
    ex.open_market(M)
    for account in ACCOUNTS[:3]:
        ex.deposit(account, 20_000)
    return ex


def apply(ex: pybet.Exchange, cmd: tuple[object, ...]) -> Fraction | None:
    """Applies one command; returns the reduction factor when it removed a runner."""
    kind = cmd[0]
    if kind == "place":
        _, runner, side, price, size, account = cmd
        ex.place(M, runner, side, price, size, account)  # type: ignore[arg-type]
    elif kind == "cancel":
        live = ex.orders(market_id=M, live_only=True)
        if live:
            o = live[int(cmd[1]) % len(live)]  # type: ignore[call-overload]
            ex.cancel(o.order_id, o.account)
    elif kind == "remove":
        _, runner, rf = cmd
        try:
            ex.remove_runner(M, runner, rf)  # type: ignore[arg-type]
        except pybet.RunnerRemoved:
            return None  # removed before: nothing changed
        assert isinstance(rf, Decimal)
        return Fraction(rf)
    elif kind == "deposit":
        ex.deposit(str(cmd[1]), 500)
    elif kind == "withdraw":
        account = str(cmd[1])
        if ex.available(account) > 0:
            ex.withdraw(account, ex.available(account))
    elif kind == "in_play" and not ex.in_play(M):
        ex.turn_in_play(M)
    return None


def result(places: int, order: list[int], dead_heat: bool) -> tuple[list[int], dict[int, str]]:
    if dead_heat and len(order) > places:
        winners = order[: places + 1]
        return winners, {r: "1/2" for r in winners[places - 1 :]}
    return order[:places], {}


@settings(max_examples=150)
@given(
    st.sampled_from([1, 2]),
    commands,
    st.permutations(RUNNERS),
    st.booleans(),
    st.integers(0, 50),
)
def test_random_streams_against_the_exact_model(
    places: int,
    cmds: list[tuple[object, ...]],
    finish: list[int],
    dead_heat: bool,
    cut: int,
) -> None:
    ex = fresh(places)
    model = Model(places)
    ex.events()
    snapshot = None
    cut = cut % (len(cmds) + 1)
    for i, cmd in enumerate(cmds):
        if i == cut:
            snapshot = ex.snapshot()
        before = {a: ex.available(a) for a in ACCOUNTS}
        rf = apply(ex, cmd)
        model.absorb(ex.events(), rf)
        for account in ACCOUNTS:
            assert ex.exposure(account, M) == model.exposure(ex, account), (account, cmd)
            # Only a runner removal (voiding a hedge) can take available below zero; after
            # one, nothing lowers it further.
            now = ex.available(account)
            assert cmd[0] == "remove" or now >= min(0, before[account]), (account, cmd)
    if snapshot is None:
        snapshot = ex.snapshot()
        cut = len(cmds)

    # Replay the rest of the stream on a copy restored mid-stream.
    copy = pybet.Exchange.restore(snapshot)
    for cmd in cmds[cut:]:
        apply(copy, cmd)
    assert copy.state_hash() == ex.state_hash()

    alive = [r for r in finish if r not in model.removed]
    before = sum(ex.balance(a) for a in ACCOUNTS)
    if not alive:
        rep = ex.void_market(M)
        assert copy.void_market(M) == rep
        assert all(p == 0 for _, p, _ in rep.accounts)
        assert sum(ex.balance(a) for a in ACCOUNTS) == before
        return
    winners, dh = result(places, alive, dead_heat)
    rep = ex.settle_market(M, winners=winners, dead_heat=dh)  # type: ignore[arg-type]
    assert copy.settle_market(M, winners=winners, dead_heat=dh) == rep  # type: ignore[arg-type]
    assert copy.state_hash() == ex.state_hash()

    fraction = {r: Fraction(1) for r in winners} | {r: Fraction(1, 2) for r in dh}
    for account, pnl, commission in rep.accounts:
        assert pnl == math.floor(model.pnl(account, fraction))
        assert commission == math.ceil(RATE * max(0, pnl))
    assert sum(p for _, p, _ in rep.accounts) + rep.residue == 0
    assert rep.residue >= 0
    after = sum(ex.balance(a) for a in ACCOUNTS)
    assert before - after == rep.commission + rep.residue
    assert all(ex.available(a) == ex.balance(a) for a in ACCOUNTS)
    assert model.removed or all(ex.balance(a) >= 0 for a in ACCOUNTS)
