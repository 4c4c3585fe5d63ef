//! The snapshot's framing: header, checksum, the hash function of each version, and the
//! migration of a version-6 snapshot (FNV-1a 64) to version 7 (XXH3-64).

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

/// `blob` as version 6 wrote it: the same body, the version field 6, an FNV-1a checksum.
fn as_version_6(blob: &[u8]) -> Vec<u8> {
    let mut old = blob.to_vec();
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
    let old = as_version_6(&blob);
    // the state bytes: after the header (12) and the event counter (8), before the checksum
    let fnv_state = fnv1a(&old[20..old.len() - 8]);
    let (back, recorded) = Exchange::restore_and_hash(&old).unwrap();
    assert_eq!(
        recorded, fnv_state,
        "version 6 recorded FNV-1a of the state"
    );
    assert_ne!(recorded, ex.state_hash());
    // once restored, it is today's state with today's hash, and it snapshots as version 7
    assert_eq!(back.state_hash(), ex.state_hash());
    assert_eq!(back.snapshot(), blob);
}

#[test]
fn a_checksum_of_the_other_function_is_refused() {
    let blob = traded().snapshot();
    // a version-7 body under an FNV checksum, and a version-6 header over an XXH3 checksum
    let mut fnv_sum = as_version_6(&blob);
    fnv_sum[8..12].copy_from_slice(&7u32.to_le_bytes());
    assert_eq!(
        Exchange::restore(&fnv_sum).err(),
        Some(SnapshotError::Checksum)
    );
    let mut old_header = blob.clone();
    old_header[8..12].copy_from_slice(&6u32.to_le_bytes());
    assert_eq!(
        Exchange::restore(&old_header).err(),
        Some(SnapshotError::Checksum)
    );
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
    future[8..12].copy_from_slice(&8u32.to_le_bytes());
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
