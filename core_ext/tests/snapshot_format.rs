//! The snapshot's framing: header, checksum, the hash function of each version, and the
//! migration of version 6 (FNV-1a 64) and version 7 (XXH3-64, fixed-width integers) snapshots
//! to version 8 (XXH3-64, varints).

use proptest::prelude::*;
use pybet_core::exchange::{Exchange, PlaceRequest};
use pybet_core::ladder::parse_tick;
use pybet_core::snapshot::{fnv1a, SnapshotError};
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::MarketSpec;

/// An exchange with resting, matched and cancelled orders and a client order id.
fn traded() -> Exchange {
    let mut ex = Exchange::new();
    for a in ["alice", "bob"] {
        ex.deposit(a, 1_000_000_000).unwrap();
    }
    let spec = MarketSpec {
        runners: vec![1, 2, 3],
        places: 1,
        bet_delay_ms: 0,
        min_stake: 1,
    };
    ex.create_market("m", spec).unwrap();
    ex.open_market("m").unwrap();
    for (i, (side, price, account)) in [
        (Side::Back, "2.0", "alice"),
        (Side::Lay, "2.0", "bob"),
        (Side::Back, "3.5", "alice"),
        (Side::Lay, "1.5", "bob"),
    ]
    .into_iter()
    .enumerate()
    {
        let coid = format!("c{i}");
        ex.place(&PlaceRequest {
            market_id: "m",
            runner: 1 + (i as i64 / 2),
            side,
            tick: parse_tick(price).unwrap(),
            size: 100 + i as i64,
            account,
            client_order_id: Some(&coid),
            time_in_force: TimeInForce::Gtc,
            min_fill_size: None,
            persistence: Persistence::Lapse,
        })
        .unwrap();
    }
    assert!(ex.orders().any(|o| o.matched > 0), "a match to encode");
    ex.cancel(3, "alice", None).unwrap();
    ex
}

/// Version 6 as its own writer made it: version 7's body (fixed-width integers) under the
/// version field 6 and an FNV-1a checksum.
fn as_version_6(ex: &Exchange) -> Vec<u8> {
    let mut old = ex.snapshot_as(7);
    old[8..12].copy_from_slice(&6u32.to_le_bytes());
    let end = old.len() - 8;
    let sum = fnv1a(&old[12..end]);
    old[end..].copy_from_slice(&sum.to_le_bytes());
    old
}

#[test]
fn a_snapshot_restores_to_the_same_hash_in_one_call() {
    let ex = traded();
    let (blob, hash) = ex.snapshot_and_hash();
    assert_eq!(hash, ex.state_hash());
    assert_eq!(blob, ex.snapshot());
    let (back, recorded) = Exchange::restore_and_hash(&blob).unwrap();
    assert_eq!(recorded, hash);
    assert_eq!(back.state_hash(), hash);
}

#[test]
fn a_version_6_snapshot_restores_and_gives_the_hash_it_was_recorded_with() {
    let ex = traded();
    let blob = ex.snapshot();
    let old = as_version_6(&ex);
    // the state bytes: after the header (12) and the event counter (8), before the checksum
    let fnv_state = fnv1a(&old[20..old.len() - 8]);
    let (back, recorded) = Exchange::restore_and_hash(&old).unwrap();
    assert_eq!(
        recorded, fnv_state,
        "version 6 recorded FNV-1a of the state"
    );
    assert_ne!(recorded, ex.state_hash());
    // once restored, it is today's state with today's hash, and it snapshots as version 8
    assert_eq!(back.state_hash(), ex.state_hash());
    assert_eq!(back.snapshot(), blob);
}

#[test]
fn a_version_7_snapshot_restores_and_gives_the_hash_it_was_recorded_with() {
    let ex = traded();
    let blob = ex.snapshot();
    let old = ex.snapshot_as(7);
    assert_eq!(&old[8..12], &7u32.to_le_bytes());
    assert!(
        old.len() > blob.len(),
        "fixed-width integers take more room"
    );
    let xxh3_state = xxhash_rust::xxh3::xxh3_64(&old[20..old.len() - 8]);
    let (back, recorded) = Exchange::restore_and_hash(&old).unwrap();
    assert_eq!(
        recorded, xxh3_state,
        "version 7 recorded XXH3 of its fixed-width state"
    );
    assert_ne!(recorded, ex.state_hash());
    assert_eq!(back.state_hash(), ex.state_hash());
    assert_eq!(back.snapshot(), blob);
}

#[test]
fn a_checksum_of_the_other_function_is_refused() {
    let ex = traded();
    // a version-7 body under an FNV checksum, and a version-6 header over an XXH3 checksum
    let mut fnv_sum = as_version_6(&ex);
    fnv_sum[8..12].copy_from_slice(&7u32.to_le_bytes());
    assert_eq!(
        Exchange::restore(&fnv_sum).err(),
        Some(SnapshotError::Checksum)
    );
    let mut old_header = ex.snapshot_as(7);
    old_header[8..12].copy_from_slice(&6u32.to_le_bytes());
    assert_eq!(
        Exchange::restore(&old_header).err(),
        Some(SnapshotError::Checksum)
    );
}

#[test]
fn a_body_read_in_the_other_integer_width_is_refused() {
    let ex = traded();
    // a version-7 (fixed-width) body under the version-8 header, and the reverse, each with
    // a checksum that matches: the body itself must not decode
    for (body_of, header) in [(7u32, 8u32), (8, 7)] {
        let mut blob = ex.snapshot_as(body_of);
        blob[8..12].copy_from_slice(&header.to_le_bytes());
        assert!(
            Exchange::restore(&blob).is_err(),
            "a version-{body_of} body read as version {header}"
        );
    }
}

#[test]
fn a_damaged_snapshot_is_refused_with_its_reason() {
    let blob = traded().snapshot();
    let mut flipped = blob.clone();
    flipped[40] ^= 1;
    assert_eq!(
        Exchange::restore(&flipped).err(),
        Some(SnapshotError::Checksum)
    );
    let mut future = blob.clone();
    future[8..12].copy_from_slice(&9u32.to_le_bytes());
    assert_eq!(
        Exchange::restore(&future).err(),
        Some(SnapshotError::BadHeader)
    );
    assert_eq!(
        Exchange::restore(&blob[..10]).err(),
        Some(SnapshotError::BadHeader)
    );
    assert!(Exchange::restore(&blob[..blob.len() - 1]).is_err());
}

proptest! {
    /// Varints take any value of each width back unchanged, and a truncated one is refused.
    #[test]
    fn varints_round_trip(a in any::<u16>(), b in any::<u32>(), c in any::<u64>(),
                          d in any::<i64>(), e in any::<i128>()) {
        use pybet_core::snapshot::{Ints, Reader, Writer};
        let mut w = Writer::with_capacity(64).with_ints(Ints::Varint);
        w.u16(a);
        w.u32(b);
        w.u64(c);
        w.i64(d);
        w.i128(e);
        let mut r = Reader::with_ints(&w.buf, Ints::Varint);
        prop_assert_eq!(r.u16().unwrap(), a);
        prop_assert_eq!(r.u32().unwrap(), b);
        prop_assert_eq!(r.u64().unwrap(), c);
        prop_assert_eq!(r.i64().unwrap(), d);
        prop_assert_eq!(r.i128().unwrap(), e);
        prop_assert!(r.done());
        let cut = &w.buf[..w.buf.len() - 1];
        let mut r = Reader::with_ints(cut, Ints::Varint);
        let _ = (r.u16(), r.u32(), r.u64(), r.i64());
        prop_assert!(r.i128().is_err());
    }
}

#[test]
fn a_varint_wider_than_its_type_is_refused() {
    use pybet_core::snapshot::{Ints, Reader, Writer};
    let mut w = Writer::with_capacity(16).with_ints(Ints::Varint);
    w.u32(70_000);
    assert!(Reader::with_ints(&w.buf, Ints::Varint).u16().is_err());
    w.buf.clear();
    w.u64(u64::MAX);
    assert!(Reader::with_ints(&w.buf, Ints::Varint).u32().is_err());
    // eleven continuation bytes: more than a u64 holds
    let long = [0xffu8; 11];
    assert!(Reader::with_ints(&long, Ints::Varint).u64().is_err());
}
