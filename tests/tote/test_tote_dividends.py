"""Hand-worked dividends for every pool kind and rule variant (amounts in cents, dividends
per 100 of stake). Each test shows its arithmetic; published examples cite their source."""

from __future__ import annotations

import numpy as np
import pytest

import pybet


def check_invariant(pool: pybet.Pool, d: pybet.Dividends) -> None:
    paid = int(pool.payouts().sum())
    assert paid + d.takeout + d.breakage - d.minus_pool + d.carryover == d.gross_pool


def test_win_pool_west_virginia_standard_price_example() -> None:
    # W. Va. Code R. 178-5, table 178-5C "EXAMPLE: WIN POOL (Standard Price Calculation)":
    # wagers $194,230.00, refunds $1,317.00, takeout 18%, net pool $158,188.66, bet on the
    # winner $23,872.00, $1 unbroken price $6.6265357 -> broken to the dime: $6.60.
    pool = pybet.Pool("win", 4, 0.18)
    pool.bet(1, 2_387_200)
    pool.bet(2, 19_291_300 - 2_387_200)
    pool.bet(3, 131_700)
    assert pool.scratch(3) == 131_700
    d = pool.dividends([[1], [2]])
    assert d.takeout == 3_472_434
    assert d.net_pool == 15_818_866
    assert d.dividends == {(1,): 660}
    assert d.paid == 2_387_200 * 660 // 100
    assert d.breakage == 15_818_866 - d.paid
    check_invariant(pool, d)


def test_win_nearest_rounding_and_cent_breakage() -> None:
    for rounding, breakage, want in [("down", 10, 420), ("nearest", 10, 430), ("down", 1, 425)]:
        pool = pybet.Pool(pybet.PoolKind.WIN, 3, "0.15", breakage=breakage, rounding=rounding)
        pool.bet(1, 2000)
        pool.bet(2, 8000)
        d = pool.dividends([[1]])  # net 8500 / 2000 = 4.25
        assert d.dividend(1) == want
        check_invariant(pool, d)


def test_win_minimum_payout_minus_pool() -> None:
    # net 8500 on a 9800 favourite: 86.7 per 100 -> raised to 105; the operator adds
    # 9800 * 1.05 - 8500 = 1790.
    pool = pybet.Pool("win", 2, 0.15, min_payout=105)
    pool.bet(1, 9800)
    pool.bet(2, 200)
    d = pool.dividends([[1], [2]])
    assert d.dividend(1) == 105
    assert (d.paid, d.minus_pool, d.breakage) == (10_290, 1_790, 0)
    check_invariant(pool, d)


@pytest.mark.parametrize(("split", "want"), [("profit", (180, 150)), ("pool", (210, 140))])
def test_win_dead_heat_paid_like_a_place_pool(split: str, want: tuple[int, int]) -> None:
    # net 8500. profit: (8500 - 5000) / 2 = 1750 each: (2000+1750)/2000 = 1.875 -> 180,
    # (3000+1750)/3000 = 1.583 -> 150. pool split: 4250/2000 = 2.125 -> 210, 4250/3000 -> 140.
    pool = pybet.Pool("win", 3, 0.15, split=split)
    pool.bet_many(np.array([1, 2, 3]), np.array([2000, 3000, 5000]))
    d = pool.dividends([[1, 2], [3]])
    assert (d.dividend(1), d.dividend(2)) == want
    check_invariant(pool, d)


@pytest.mark.parametrize(
    ("split", "want", "breakage"),
    [("profit", (150, 180), 400), (pybet.Split.POOL, (140, 210), 100)],
)
def test_place_profit_and_pool_split(split: object, want: tuple[int, int], breakage: int) -> None:
    # net 8500, placed 2 (3000) and 3 (2000). profit: 3500 / 2 = 1750 each ->
    # (3000+1750)/3000 = 1.583 -> 150, (2000+1750)/2000 = 1.875 -> 180.
    # pool: 4250 / 3000 = 1.417 -> 140, 4250 / 2000 = 2.125 -> 210.
    pool = pybet.Pool("place", 4, 0.15, split=split)  # type: ignore[arg-type]
    pool.bet_many(np.array([1, 2, 3, 4]), np.array([4000, 3000, 2000, 1000]))
    d = pool.dividends([[2], [3], [1]])
    assert (d.dividend(2), d.dividend(3), d.dividend(1)) == (*want, 0)
    assert d.breakage == breakage
    check_invariant(pool, d)


def test_place_dead_heat_for_second_shares_the_place() -> None:
    # Spec section 4 and Mont. Admin. R. (dead heat for second, place pool): the winner gets
    # 1/2 of the profit, each tied runner 1/4. net 8500, profit 8500 - 4000 = 4500:
    # 1: (2000 + 2250)/2000 = 2.125 -> 210; 2 and 3: (1000 + 1125)/1000 = 2.125 -> 210.
    pool = pybet.Pool("place", 4, 0.15)
    pool.bet_many(np.array([1, 2, 3, 4]), np.array([2000, 1000, 1000, 6000]))
    d = pool.dividends([[1], [2, 3]])
    assert d.dividends == {(1,): 210, (2,): 210, (3,): 210}
    check_invariant(pool, d)


def test_placed_runner_without_bets_gives_its_share_to_the_others() -> None:
    # Okla. Admin. Code 325:65-9-4(b)(4): no wagers on a placed runner -> profit split among
    # the covered ones. net 8000, only runner 1 covered: 8000 / 5000 = 1.6.
    for split in ("profit", "pool"):
        pool = pybet.Pool("place", 3, 0.2, split=split)
        pool.bet(1, 5000)
        pool.bet(3, 5000)
        d = pool.dividends([[1], [2], [3]])
        assert d.dividends == {(1,): 160}
        check_invariant(pool, d)


def test_show_minus_pool_when_the_favourite_holds_the_pool() -> None:
    # net 8300 < 9700 bet on the three placed runners: profit -1400, every dividend is raised
    # to the 110 minimum; paid 9900 + 440 + 330 = 10670; the operator adds 10670 - 8300 = 2370
    # (2371 minus pool less 1 cent of rounding in the shares, kept as breakage).
    pool = pybet.Pool("show", 5, 0.17, min_payout=110)
    pool.bet_many(np.array([1, 2, 3, 4]), np.array([9000, 400, 300, 300]))
    d = pool.dividends([[1], [2], [3]])
    assert d.dividends == {(1,): 110, (2,): 110, (3,): 110}
    assert d.paid == 10_670
    assert d.minus_pool - d.breakage == 10_670 - 8_300
    assert (d.minus_pool, d.breakage) == (2_371, 1)
    check_invariant(pool, d)


def test_show_pool_split_three_places() -> None:
    # net 9000 / 3 = 3000 per place: 3000/1000 = 3.0, 3000/2000 = 1.5, 3000/3000 = 1.0.
    pool = pybet.Pool("show", 4, 0.1, split="pool")
    pool.bet_many(np.array([1, 2, 3, 4]), np.array([1000, 2000, 3000, 4000]))
    d = pool.dividends([[1], [2], [3], [4]])
    assert d.dividends == {(1,): 300, (2,): 150, (3,): 100}
    check_invariant(pool, d)


def test_exacta_and_trifecta_single_winner() -> None:
    pool = pybet.Pool("exacta", 5, 0.2)
    pool.bet((1, 2), 1000)
    pool.bet((2, 1), 3000)
    pool.bet((3, 4), 6000)
    d = pool.dividends([[1], [2], [3]])  # 8000 / 1000
    assert d.dividends == {(1, 2): 800}
    tri = pybet.Pool("trifecta", 6, 0.25)
    tri.bet((4, 5, 6), 300)
    tri.bet((6, 5, 4), 700)
    d = tri.dividends([[4], [5], [6]])  # 750 / 300 = 2.5
    assert d.dividends == {(4, 5, 6): 250}
    check_invariant(tri, d)


def test_exacta_dead_heat_for_first_every_combination_shares() -> None:
    # net 8000 shared by (1,2) and (2,1): 4000/1000 = 4.0, 4000/1500 = 2.667 -> 260.
    pool = pybet.Pool("exacta", 4, 0.2)
    pool.bet((1, 2), 1000)
    pool.bet((2, 1), 1500)
    pool.bet((1, 3), 7500)
    d = pool.dividends([[1, 2], [3]])
    assert d.dividends == {(1, 2): 400, (2, 1): 260}
    assert d.breakage == 100
    check_invariant(pool, d)


def test_quinella_is_order_free_and_superfecta_pays() -> None:
    q = pybet.Pool("quinella", 6, 0.2)
    q.bet((2, 1), 500)
    q.bet((1, 2), 500)
    q.bet((3, 4), 1500)
    d = q.dividends([[2], [1]])  # 2000 / 1000
    assert d.dividends == {(1, 2): 200}
    assert d.dividend((2, 1)) == 200
    s = pybet.Pool("superfecta", 20, 0.25)
    s.bet((20, 19, 18, 17), 100)
    s.bet((1, 2, 3, 4), 300)
    d = s.dividends([[20], [19], [18], [17]])  # 300 / 100
    assert d.dividends == {(20, 19, 18, 17): 300}


@pytest.mark.parametrize("no_winner", ["refund", "carryover"])
def test_no_winner_refund_or_carryover(no_winner: str) -> None:
    pool = pybet.Pool("trifecta", 5, 0.2, no_winner=no_winner, carryover_to="R2-TRI")
    pool.bet((1, 2, 3), 1000)
    pool.bet((1, 2, 4), 500)
    d = pool.dividends([[3], [2], [1]])
    if no_winner == "refund":
        assert d.outcome == "REFUNDED"
        assert (d.takeout, d.carryover) == (0, 0)
        assert pool.payouts().tolist() == [1000, 500]
    else:
        assert d.outcome == "CARRIED_OVER"
        assert (d.takeout, d.carryover, d.carryover_to) == (300, 1200, "R2-TRI")
        assert pool.payouts().tolist() == [0, 0]
    check_invariant(pool, d)


def test_scratch_refunds_tickets_and_leaves_the_rest() -> None:
    pool = pybet.Pool("exacta", 4, 0)
    pool.bet((1, 2), 100)
    pool.bet((2, 3), 200)
    assert pool.scratch(3) == 200
    d = pool.dividends([[1], [2]])
    assert d.dividends == {(1, 2): 100}
    assert pool.payouts().tolist() == [100, 200]
    assert d.refunds == 200
    check_invariant(pool, d)
