"""End to end: a real server on a free loopback port, driven by pybet.client.Client."""

from __future__ import annotations

import asyncio
import urllib.request

import pytest
from gwtest import MARKET, client, gateway, run

import pybet
from pybet import protocol as p
from pybet.store import MemoryStore


async def _next_notice(c: pybet.client.Client, kind: type, timeout: float = 5.0) -> object:
    while True:
        msg = await asyncio.wait_for(c.notices.get(), timeout)
        if isinstance(msg, kind):
            return msg


def test_place_is_acknowledged_and_rests_in_the_book() -> None:
    async def main() -> None:
        async with gateway() as gw:
            alice = await client(gw, "alice")
            ack = await alice.place(MARKET, 1, "BACK", "2.5", 1000, client_order_id="a-1")
            assert isinstance(ack, p.Ack)
            assert (ack.status, ack.size_remaining, ack.client_order_id) == (
                "EXECUTABLE",
                1000,
                "a-1",
            )
            book = gw.engine.exchange.book(MARKET, 1, 3)
            assert book.available_to_lay == [(2.5, 1000)]
            orders = await alice.orders(MARKET)
            assert [o.order_id for o in orders.orders] == [ack.order_id]
            await alice.close()

    run(main())


def test_match_between_two_clients_delivers_fills_to_both_sides() -> None:
    async def main() -> None:
        async with gateway() as gw:
            alice, bob = await client(gw, "alice"), await client(gw, "bob")
            back = await alice.place(MARKET, 1, "BACK", "3.0", 500)
            assert isinstance(back, p.Ack)
            lay = await bob.place(MARKET, 1, "LAY", "3.0", 200)
            assert isinstance(lay, p.Ack)
            assert (lay.status, lay.size_matched) == ("EXECUTION_COMPLETE", 200)
            maker = await _next_notice(alice, p.Fill)
            taker = await _next_notice(bob, p.Fill)
            assert maker == p.Fill(0, back.order_id, MARKET, 1, "BACK", 3.0, 200, True)
            assert taker == p.Fill(0, lay.order_id, MARKET, 1, "LAY", 3.0, 200, False)
            await alice.close()
            await bob.close()

    run(main())


def test_cancel_and_reduce_and_replace() -> None:
    async def main() -> None:
        async with gateway() as gw:
            alice = await client(gw, "alice")
            ack = await alice.place(MARKET, 2, "LAY", "4.0", 900)
            assert isinstance(ack, p.Ack)
            red = await alice.cancel(ack.order_id, size_reduction=400)
            assert red == p.Cancelled(red.req, ack.order_id, 400, 500, "REDUCED")
            new = await alice.replace(ack.order_id, "4.5")
            assert isinstance(new, p.Ack) and new.price == 4.5 and new.size_remaining == 500
            assert gw.engine.exchange.book(MARKET, 2, 3).available_to_back == [(4.5, 500)]
            gone = await alice.cancel(new.order_id)
            assert isinstance(gone, p.Cancelled) and gone.size_remaining == 0
            again = await alice.cancel(new.order_id)
            assert isinstance(again, p.Reject) and again.code == "ORDER_NOT_ACTIVE"
            bad = await alice.replace(new.order_id, "4.55")
            assert isinstance(bad, p.Reject)
            await alice.close()

    run(main())


def _apply(ladder: dict[int, dict[str, dict[float, int]]], upd: p.MarketUpdate) -> None:
    if upd.image:
        ladder.clear()
    for rb in upd.runners:
        side = ladder.setdefault(rb.runner, {"back": {}, "lay": {}})
        for name, levels in (("back", rb.back), ("lay", rb.lay)):
            for lv in levels:
                if lv.size:
                    side[name][lv.price] = lv.size
                else:
                    side[name].pop(lv.price, None)


def test_subscription_image_then_deltas_match_the_book() -> None:
    async def main() -> None:
        async with gateway(book_depth=3) as gw:
            alice, bob = await client(gw, "alice"), await client(gw, "bob")
            await alice.place(MARKET, 1, "BACK", "2.0", 300)
            sub = await bob.subscribe(MARKET)
            image = await sub.next()
            assert isinstance(image, p.MarketUpdate) and image.image
            ladder: dict[int, dict[str, dict[float, int]]] = {}
            _apply(ladder, image)
            seq = image.seq
            steps = [
                (alice, 1, "BACK", "2.02", 100, True),
                (alice, 1, "BACK", "2.04", 100, True),
                (alice, 1, "BACK", "2.06", 100, False),  # outside the depth-3 view: no update
                (bob, 1, "LAY", "2.0", 300, True),  # takes 2.0 out: 2.06 enters the view
                (bob, 1, "LAY", "2.04", 150, True),  # sweeps 2.02 and part of 2.04
                (bob, 2, "LAY", "5.0", 70, True),
            ]
            for who, runner, side, price, size, visible in steps:
                await who.place(MARKET, runner, side, price, size)  # type: ignore[arg-type]
                if not visible:
                    assert sub.queue.empty()
                    continue
                upd = await sub.next()
                assert isinstance(upd, p.MarketUpdate) and not upd.image
                assert upd.seq == seq + 1
                seq = upd.seq
                _apply(ladder, upd)
            ex = gw.engine.exchange
            for runner in (1, 2, 3):
                book = ex.book(MARKET, runner, 3)
                got = ladder.get(runner, {"back": {}, "lay": {}})
                assert sorted(got["back"].items(), reverse=True) == book.available_to_back
                assert sorted(got["lay"].items()) == book.available_to_lay
            await alice.close()
            await bob.close()

    run(main())


def test_idempotent_resubmission_returns_the_original_result() -> None:
    async def main() -> None:
        async with gateway() as gw:
            alice = await client(gw, "alice")
            first = await alice.place(MARKET, 3, "BACK", "6.0", 100, client_order_id="same")
            again = await alice.place(MARKET, 3, "BACK", "8.0", 999, client_order_id="same")
            assert isinstance(first, p.Ack) and isinstance(again, p.Ack)
            assert again.duplicate and not first.duplicate
            assert again.order_id == first.order_id and again.price == 6.0
            assert len(gw.engine.exchange.orders(account="alice")) == 1
            # another account may use the same client order id
            bob = await client(gw, "bob")
            other = await bob.place(MARKET, 3, "BACK", "6.0", 100, client_order_id="same")
            assert isinstance(other, p.Ack) and not other.duplicate
            await alice.close()
            await bob.close()

    run(main())


def test_idempotency_survives_a_restart_from_the_journal() -> None:
    async def main() -> None:
        async with gateway(snapshot_every=0) as gw:
            alice = await client(gw, "alice")
            first = await alice.place(MARKET, 1, "LAY", "1.5", 100, client_order_id="keep")
            await alice.close()
            hash_before = gw.engine.state_hash()
            assert isinstance(gw.store, MemoryStore)
            journal = list(gw.store.records)  # acknowledged, so journaled
        store = MemoryStore()
        store.records = journal  # recover from the journal alone, no snapshot
        async with gateway(store=store, snapshot_every=0) as gw:
            assert gw.engine.state_hash() == hash_before
            alice = await client(gw, "alice")
            again = await alice.place(MARKET, 1, "LAY", "1.5", 100, client_order_id="keep")
            assert isinstance(first, p.Ack) and isinstance(again, p.Ack)
            assert again.duplicate and again.order_id == first.order_id
            await alice.close()

    run(main())


def test_restart_from_snapshot_checks_the_state_hash() -> None:
    async def main() -> None:
        store = MemoryStore()
        async with gateway(store=store) as gw:
            alice = await client(gw, "alice")
            await alice.place(MARKET, 1, "LAY", "1.5", 100, client_order_id="k1")
            await alice.close()
            seq, hash_before = gw.seq, gw.engine.state_hash()
        assert store.snapshots and store.snapshots[-1].seq == seq  # written on graceful stop
        async with gateway(store=store) as gw:
            assert gw.engine.state_hash() == hash_before and gw.seq == seq

    run(main())


def test_reconnect_resubmits_places_idempotently() -> None:
    async def main() -> None:
        async with gateway() as gw:
            alice = await client(gw, "alice")
            await alice.place(MARKET, 1, "BACK", "2.0", 100, client_order_id="before")
            # drop every server-side connection while a place is in flight
            task = asyncio.create_task(
                alice.place(MARKET, 1, "BACK", "2.0", 100, client_order_id="inflight")
            )
            await asyncio.sleep(0)
            for s in list(gw.sessions):
                s.close("test", abort=True)
            ack = await asyncio.wait_for(task, 10)
            assert isinstance(ack, p.Ack)
            assert alice.reconnects >= 1
            coids = sorted(
                o.client_order_id or "" for o in gw.engine.exchange.orders(account="alice")
            )
            assert coids == ["before", "inflight"]  # placed exactly once
            await alice.close()

    run(main())


def test_hmac_login_balance_and_ping() -> None:
    async def main() -> None:
        async with gateway() as gw:
            alice = await client(gw, "alice", use_hmac=True)
            assert isinstance(await alice.ping(), p.Pong)
            bal = await alice.balance()
            assert bal.account == "alice"
            await alice.close()

    run(main())


def test_metrics_and_healthz_on_the_side_port() -> None:
    async def main() -> None:
        async with gateway() as gw:
            alice = await client(gw, "alice")
            await alice.place(MARKET, 1, "BACK", "2.0", 100)
            url = f"http://127.0.0.1:{gw.http_port}"
            loop = asyncio.get_running_loop()
            metrics = await loop.run_in_executor(None, _get, url + "/metrics")
            health = await loop.run_in_executor(None, _get, url + "/healthz")
            assert "pybet_commands_total" in metrics and "pybet_connections 1" in metrics
            assert 'pybet_batch_latency_seconds_bucket{le="+Inf"}' in metrics
            assert "# TYPE pybet_batch_commands histogram" in metrics
            assert "# TYPE pybet_loop_lag_seconds histogram" in metrics
            assert "pybet_loop_lag_max_seconds " in metrics
            assert health == "ok\n"
            await alice.close()

    run(main())


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        body: bytes = resp.read()
        return body.decode()


def test_graceful_shutdown_answers_what_was_received_then_closes() -> None:
    async def main() -> None:
        store = MemoryStore()
        gw_cm = gateway(store=store)
        gw = await gw_cm.__aenter__()
        alice = await client(gw, "alice", reconnect=False)
        tasks = [
            asyncio.create_task(alice.place(MARKET, 1, "BACK", "2.0", 100 + i)) for i in range(20)
        ]
        await asyncio.sleep(0.05)
        await gw_cm.__aexit__(None, None, None)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        acked = [r for r in results if isinstance(r, p.Ack)]
        assert len(acked) == 20
        notice = await _next_notice(alice, p.Error)
        assert notice.code == "UNAVAILABLE"  # type: ignore[attr-defined]
        assert store.closed
        await alice.close()

    run(main())


def test_pool_bets_and_odds_subscription() -> None:
    async def main() -> None:
        async with gateway() as gw:
            admin, alice = await client(gw, "admin"), await client(gw, "alice")
            done = await admin.admin(p.CreatePool(0, "R1-WIN", "WIN", 4, "0.15"))
            assert isinstance(done, p.Done)
            sub = await alice.subscribe(pool_id="R1-WIN")
            first = await sub.next()
            assert isinstance(first, p.PoolOdds) and first.gross_pool == 0
            ticket = await alice.pool_bet("R1-WIN", [2], 1000)
            assert isinstance(ticket, p.PoolTicket) and ticket.stake == 1000
            upd = await sub.next()
            assert isinstance(upd, p.PoolOdds) and upd.gross_pool == 1000 and upd.seq == 1
            bad = await alice.pool_bet("R1-WIN", [9], 1000)
            assert isinstance(bad, p.Reject) and bad.code == "INVALID_SELECTION"
            await admin.close()
            await alice.close()

    run(main())


def test_turning_in_play_lapses_orders_and_tells_owner_and_subscribers() -> None:
    async def main() -> None:
        async with gateway() as gw:
            admin, alice = await client(gw, "admin"), await client(gw, "alice")
            lapse = await alice.place(MARKET, 1, "BACK", "2.0", 100)
            keep = await alice.place(MARKET, 1, "BACK", "2.2", 100, persistence="PERSIST")
            assert isinstance(lapse, p.Ack) and isinstance(keep, p.Ack)
            sub = await alice.subscribe(MARKET)
            assert isinstance(await sub.next(), p.MarketUpdate)
            assert isinstance(await admin.admin(p.MarketAction(0, MARKET, "in_play")), p.Done)
            notice = await _next_notice(alice, p.Cancelled)
            assert notice == p.Cancelled(0, lapse.order_id, 100, 0, "LAPSED")
            upd = await sub.next()
            assert isinstance(upd, p.MarketUpdate) and upd.in_play and not upd.image
            assert [lv.size for rb in upd.runners for lv in rb.lay] == [0]  # 2.0 level removed
            await admin.close()
            await alice.close()

    run(main())


def test_bet_delay_orders_are_released_by_the_gateway_clock() -> None:
    async def main() -> None:
        async with gateway() as gw:
            admin, alice = await client(gw, "admin"), await client(gw, "alice")
            for msg in (
                p.CreateMarket(0, "D.1", [1, 2], bet_delay_ms=50),
                p.MarketAction(0, "D.1", "open"),
                p.MarketAction(0, "D.1", "in_play"),
            ):
                assert isinstance(await admin.admin(msg), p.Done)
            ack = await alice.place("D.1", 1, "LAY", "3.0", 100, persistence="PERSIST")
            assert isinstance(ack, p.Ack) and ack.status == "PENDING"
            released = await _next_notice(alice, p.Ack)
            assert released.order_id == ack.order_id  # type: ignore[attr-defined]
            assert released.status == "EXECUTABLE"  # type: ignore[attr-defined]
            assert gw.engine.exchange.book("D.1", 1).available_to_back == [(3.0, 100)]
            await admin.close()
            await alice.close()

    run(main())


def test_funds_are_checked_and_settlement_reports_balances() -> None:
    async def main() -> None:
        async with gateway() as gw:
            admin, dave, bob = [await client(gw, n) for n in ("admin", "dave", "bob")]
            broke = await dave.place(MARKET, 1, "BACK", "3.0", 1000)
            assert isinstance(broke, p.Reject) and broke.code == "INSUFFICIENT_FUNDS"
            assert isinstance(await admin.admin(p.Deposit(0, "dave", 5000)), p.Done)
            bal = await _next_notice(dave, p.Balance)
            assert bal == p.Balance(0, "dave", 5000, 5000)
            back = await dave.place(MARKET, 1, "BACK", "3.0", 1000)
            lay = await bob.place(MARKET, 1, "LAY", "3.0", 1000)
            assert isinstance(back, p.Ack) and isinstance(lay, p.Ack) and lay.size_matched == 1000
            assert (await dave.balance()).available == 4000
            over = await admin.admin(p.Withdraw(0, "dave", 4001))
            assert isinstance(over, p.Reject) and over.code == "INSUFFICIENT_FUNDS"
            assert isinstance(await admin.admin(p.MarketAction(0, MARKET, "close")), p.Done)
            done = await admin.admin(p.SettleMarket(0, MARKET, [1]))
            assert isinstance(done, p.Done)
            while True:
                settled = await _next_notice(dave, p.Balance)
                if settled.balance != 5000:  # type: ignore[attr-defined]
                    break
            assert settled.balance == 5000 + 2000  # type: ignore[attr-defined]
            assert (await bob.balance()).balance == 10**9 - 2000
            again = await admin.admin(p.SettleMarket(0, MARKET, [1]))
            assert isinstance(again, p.Reject) and again.code == "ALREADY_SETTLED"
            for c in (admin, dave, bob):
                await c.close()

    run(main())


def test_subscribing_to_an_unknown_market_raises_its_code() -> None:
    async def main() -> None:
        async with gateway() as gw:
            alice = await client(gw, "alice")
            with pytest.raises(pybet.UnknownMarket):
                await alice.subscribe("no.such")
            with pytest.raises(pybet.PybetError) as info:
                await alice.subscribe(pool_id="nope")
            assert info.value.code == "UNKNOWN_POOL"
            await alice.close()

    run(main())


def test_client_heartbeats_keep_a_quiet_connection_alive() -> None:
    async def main() -> None:
        async with gateway(idle_timeout_s=0.4, heartbeat_s=0.1) as gw:
            alice = await client(gw, "alice", reconnect=False)
            await asyncio.sleep(1.0)  # well past the idle timeout, saying nothing
            assert alice.reconnects == 0 and gw.by_account["alice"]
            assert isinstance(await alice.ping(), p.Pong)
            await alice.close()

    run(main())


def test_periodic_snapshots_trim_the_journal_and_recovery_uses_them() -> None:
    async def main() -> None:
        store = MemoryStore()
        async with gateway(store=store, snapshot_every=5, snapshot_memory=True) as gw:
            alice = await client(gw, "alice")
            for i in range(12):
                await alice.place(MARKET, 1, "BACK", "2.0", 100, client_order_id=f"s{i}")
            await alice.close()
            assert len(store.snapshots) >= 2
            assert all(seq > store.snapshots[-1].seq for seq, _ in store.records)
            hash_live = gw.engine.state_hash()
            seq_live = gw.seq
        async with gateway(store=store) as gw:
            assert (gw.seq, gw.engine.state_hash()) == (seq_live, hash_live)

    run(main())


def test_client_reconnects_across_a_server_restart_and_resubmits_idempotently() -> None:
    async def main() -> None:
        store = MemoryStore()
        first = gateway(store=store)
        gw = await first.__aenter__()
        port = gw.port
        alice = await client(gw, "alice", max_reconnect_delay=0.1)
        ack = await alice.place(MARKET, 2, "LAY", "3.0", 100, client_order_id="across")
        assert isinstance(ack, p.Ack)
        await first.__aexit__(None, None, None)
        async with gateway(store=store, port=port) as gw2:
            again = await alice.place(MARKET, 2, "LAY", "3.0", 100, client_order_id="across")
            assert isinstance(again, p.Ack) and again.duplicate
            assert again.order_id == ack.order_id and alice.reconnects >= 1
            assert len(gw2.engine.exchange.orders(account="alice")) == 1
            await alice.close()

    run(main())


def test_starting_price_over_the_gateway_projections_off_and_replay() -> None:
    async def main() -> None:
        async with gateway(snapshot_every=0) as gw:
            admin, alice, bob = (
                await client(gw, "admin"),
                await client(gw, "alice"),
                await client(gw, "bob"),
            )
            done = await admin.admin(
                p.CreateMarket(0, "sp.1", [1, 2], starting_price=True, min_sp_liability=50)
            )
            assert isinstance(done, p.Done)
            assert isinstance(await admin.admin(p.MarketAction(0, "sp.1", "open")), p.Done)
            back = await alice.place("sp.1", 1, "BACK", None, 1_000, order_type="MARKET_ON_CLOSE")
            lay = await bob.place("sp.1", 1, "LAY", None, 6_000, order_type="MARKET_ON_CLOSE")
            small = await bob.place("sp.1", 1, "LAY", None, 49, order_type="MARKET_ON_CLOSE")
            assert isinstance(back, p.Ack) and isinstance(lay, p.Ack)
            assert isinstance(small, p.Reject) and small.code == "BELOW_MIN_STAKE"
            sub = await alice.subscribe("sp.1")
            image = await sub.next()
            assert isinstance(image, p.MarketUpdate)
            sp = image.runners[0].sp
            assert sp == p.StartingPrices(near=7.0, far=7.0, actual=None)
            assert isinstance(await admin.admin(p.MarketAction(0, "sp.1", "in_play")), p.Done)
            mine = await _next_notice(alice, p.Fill)
            theirs = await _next_notice(bob, p.Fill)
            assert mine == p.Fill(0, back.order_id, "sp.1", 1, "BACK", 7.0, 1_000, False)
            assert theirs == p.Fill(0, lay.order_id, "sp.1", 1, "LAY", 7.0, 1_000, False)
            upd = await sub.next()
            assert isinstance(upd, p.MarketUpdate) and upd.in_play
            assert upd.runners[0].sp == p.StartingPrices(actual=7.0)
            hash_live = gw.engine.state_hash()
            assert isinstance(gw.store, MemoryStore)
            journal = list(gw.store.records)
            for c in (admin, alice, bob):
                await c.close()
        store = MemoryStore()
        store.records = journal
        async with gateway(store=store, snapshot_every=0) as gw:
            assert gw.engine.state_hash() == hash_live  # the off replays from the journal
            assert gw.engine.exchange.starting_prices("sp.1")[1].actual_sp == 7.0

    run(main())


def test_cross_matching_over_the_gateway_virtual_ladder_legs_and_replay() -> None:
    async def main() -> None:
        async with gateway(snapshot_every=0) as gw:
            admin, alice, bob = (
                await client(gw, "admin"),
                await client(gw, "alice"),
                await client(gw, "bob"),
            )
            made = await admin.admin(p.CreateMarket(0, "x.1", [1, 2], cross_matching=True))
            assert isinstance(made, p.Done)
            assert isinstance(await admin.admin(p.MarketAction(0, "x.1", "open")), p.Done)
            resting = await alice.place("x.1", 2, "BACK", "1.85", 1_000)
            assert isinstance(resting, p.Ack)
            direct = await bob.subscribe("x.1")
            virtual = await bob.subscribe("x.1", virtual=True)
            image = await direct.next()
            assert isinstance(image, p.MarketUpdate) and not image.virtual
            assert [lv.price for lv in image.runners[0].back] == []  # direct view: none
            vimage = await virtual.next()
            assert isinstance(vimage, p.MarketUpdate) and vimage.virtual
            assert [lv.price for lv in vimage.runners[0].back] == [2.16]
            ack = await bob.place("x.1", 1, "BACK", "2.1", 500)
            assert isinstance(ack, p.Ack) and ack.size_matched == 500 and ack.price == 2.1
            # alice's resting back on runner 2 was taken by the house's leg: she is told.
            leg = await _next_notice(alice, p.Fill)
            assert isinstance(leg, p.Fill) and leg.order_id == resting.order_id and leg.maker
            assert gw.engine.exchange.exposure(pybet.HOUSE_ACCOUNT, "x.1") == 0
            hash_live = gw.engine.state_hash()
            assert isinstance(gw.store, MemoryStore)
            journal = list(gw.store.records)
            for c in (admin, alice, bob):
                await c.close()
        store = MemoryStore()
        store.records = journal
        async with gateway(store=store, snapshot_every=0) as gw:
            assert gw.engine.state_hash() == hash_live

    run(main())


def test_a_big_in_play_lapse_reaches_every_owner_in_order_and_closing_tells_the_rest() -> None:
    """Thousands of lapses go out over several loop turns (chunks): each owner still gets
    every one exactly once; a close then cancels the persisting orders as MARKET_CLOSED with
    nothing remaining."""

    async def main() -> None:
        async with gateway() as gw:
            admin, alice, bob = [await client(gw, a) for a in ("admin", "alice", "bob")]
            placed: dict[str, list[int]] = {"alice": [], "bob": []}
            for i in range(5000):
                who = alice if i % 2 else bob
                ack = await who.place(MARKET, 1 + i % 3, "BACK", "3.0", 100 + i % 7)
                assert isinstance(ack, p.Ack)
                placed["alice" if i % 2 else "bob"].append(ack.order_id)
            keep = await alice.place(MARKET, 2, "LAY", "1.5", 100, persistence="PERSIST")
            assert isinstance(keep, p.Ack)
            assert isinstance(await admin.admin(p.MarketAction(0, MARKET, "in_play")), p.Done)
            for c, name in ((alice, "alice"), (bob, "bob")):
                got = [await _next_notice(c, p.Cancelled) for _ in placed[name]]
                assert all(isinstance(n, p.Cancelled) for n in got)
                got = [n for n in got if isinstance(n, p.Cancelled)]
                assert sorted(n.order_id for n in got) == placed[name]  # each once
                assert all(n.reason == "LAPSED" and n.size_remaining == 0 for n in got)
            assert isinstance(await admin.admin(p.MarketAction(0, MARKET, "suspend")), p.Done)
            assert isinstance(await admin.admin(p.MarketAction(0, MARKET, "close")), p.Done)
            closed = await _next_notice(alice, p.Cancelled)
            assert closed == p.Cancelled(0, keep.order_id, 100, 0, "MARKET_CLOSED")
            for c in (admin, alice, bob):
                await c.close()

    run(main())
