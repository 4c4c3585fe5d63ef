//! The little-endian binary codec that the exchange and pool snapshots share, and the hashes
//! of their bytes (XXH3-64, and FNV-1a 64 for older versions and the pools). A leaf: it knows
//! nothing of what it encodes.

use xxhash_rust::xxh3::{xxh3_64, Xxh3};

/// Why a snapshot could not be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Not a snapshot, or a different version.
    #[error("not a pybet exchange snapshot (bad magic or version)")]
    BadHeader,
    /// The checksum does not match.
    #[error("snapshot checksum mismatch")]
    Checksum,
    /// The body ends early or holds an impossible value.
    #[error("corrupt snapshot: {0}")]
    Corrupt(&'static str),
}

/// The hash function of a snapshot's checksum and of the state hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    /// FNV-1a 64, byte by byte: exchange snapshots up to version 6, and the pools.
    Fnv1a,
    /// XXH3-64 (seed 0), about 30 times faster than FNV-1a on a snapshot: one dependent
    /// multiply per byte made hashing a million orders' state 0.2 s of a restart's recovery.
    Xxh3,
}

impl HashKind {
    /// The hash of `bytes`.
    #[must_use]
    pub fn of(self, bytes: &[u8]) -> u64 {
        match self {
            HashKind::Fnv1a => fnv1a(bytes),
            HashKind::Xxh3 => xxh3_64(bytes),
        }
    }
}

/// FNV-1a 64: tiny, deterministic on every platform, good enough to compare states.
#[must_use]
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_BASIS, |h, &b| fnv_step(h, b))
}

/// The FNV-1a 64 offset basis (for hashes folded byte by byte with [`fnv_step`]).
pub const FNV_BASIS: u64 = 0xcbf2_9ce4_8422_2325;

/// One FNV-1a 64 step.
#[inline(always)]
#[must_use]
pub fn fnv_step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
}

/// How a [`Writer`] writes and a [`Reader`] reads integers wider than a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ints {
    /// Fixed-width little-endian: exchange snapshots up to version 7, and the pools.
    #[default]
    Fixed,
    /// LEB128 varints, signed ones zigzagged first (exchange snapshots from version 8): a
    /// stake, a tick or an account index takes one to three bytes instead of eight, and a
    /// million resting orders' snapshot shrinks to about a third.
    Varint,
}

/// Zigzag: small magnitudes of either sign become small unsigned numbers.
#[inline]
fn zigzag(v: i128) -> u128 {
    ((v << 1) ^ (v >> 127)) as u128
}

#[inline]
fn unzigzag(v: u128) -> i128 {
    (v >> 1) as i128 ^ -((v & 1) as i128)
}

/// Appends little-endian values (or varints, see [`Ints`]) to a buffer, or (see
/// [`Writer::hashing`]) folds them into a hash a block at a time.
#[derive(Default)]
pub struct Writer {
    /// The bytes written so far (when hashing: since the last fold).
    pub buf: Vec<u8>,
    /// When hashing: the hash of the bytes folded so far.
    folded: Option<Fold>,
    ints: Ints,
}

/// A hash in progress.
enum Fold {
    Fnv1a(u64),
    // boxed: the streaming state is ~600 bytes and a writer is moved around
    Xxh3(Box<Xxh3>),
}

impl Fold {
    fn new(kind: HashKind) -> Self {
        match kind {
            HashKind::Fnv1a => Fold::Fnv1a(FNV_BASIS),
            HashKind::Xxh3 => Fold::Xxh3(Box::default()),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Fold::Fnv1a(h) => *h = bytes.iter().fold(*h, |h, &b| fnv_step(h, b)),
            Fold::Xxh3(state) => state.update(bytes),
        }
    }

    fn digest(&self) -> u64 {
        match self {
            Fold::Fnv1a(h) => *h,
            Fold::Xxh3(state) => state.digest(),
        }
    }
}

/// The block a hashing [`Writer`] folds at: small enough to stay in cache.
const FOLD_AT: usize = 64 * 1024;

impl Writer {
    /// A writer with room for `capacity` bytes.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Writer {
            buf: Vec::with_capacity(capacity),
            folded: None,
            ints: Ints::Fixed,
        }
    }

    /// This writer, writing integers as `ints` says.
    #[must_use]
    pub fn with_ints(mut self, ints: Ints) -> Self {
        self.ints = ints;
        self
    }

    /// How this writer writes integers.
    #[must_use]
    pub fn ints(&self) -> Ints {
        self.ints
    }

    /// A writer that hashes what is written (the same value as `kind.of` all the bytes)
    /// without keeping it: a million orders' state (~100 MB) hashes through a 64 KB buffer
    /// instead of one the size of the state, which a fresh process pays for in page faults.
    /// [`Writer::finish_hash`] gives the hash.
    #[must_use]
    pub fn hashing(kind: HashKind) -> Self {
        Writer {
            buf: Vec::with_capacity(FOLD_AT + 4096),
            folded: Some(Fold::new(kind)),
            ints: Ints::Fixed,
        }
    }

    /// The hash of everything written to a [`Writer::hashing`] writer.
    ///
    /// # Panics
    /// On a writer that is not hashing (a programming error: it has no hash kind).
    #[must_use]
    pub fn finish_hash(self) -> u64 {
        let mut fold = self
            .folded
            .expect("finish_hash on a writer that is not hashing");
        fold.update(&self.buf);
        fold.digest()
    }

    #[inline]
    fn wrote(&mut self) {
        if let Some(fold) = &mut self.folded {
            if self.buf.len() >= FOLD_AT {
                fold.update(&self.buf);
                self.buf.clear();
            }
        }
    }

    /// A `u8`.
    #[inline]
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
        self.wrote();
    }
    /// A `u16`.
    #[inline]
    pub fn u16(&mut self, v: u16) {
        match self.ints {
            Ints::Fixed => self.bytes(&v.to_le_bytes()),
            Ints::Varint => self.varint(u64::from(v)),
        }
    }
    /// A `u32`.
    #[inline]
    pub fn u32(&mut self, v: u32) {
        match self.ints {
            Ints::Fixed => self.bytes(&v.to_le_bytes()),
            Ints::Varint => self.varint(u64::from(v)),
        }
    }
    /// A `u64`.
    #[inline]
    pub fn u64(&mut self, v: u64) {
        match self.ints {
            Ints::Fixed => self.bytes(&v.to_le_bytes()),
            Ints::Varint => self.varint(v),
        }
    }
    /// An `i64`.
    #[inline]
    pub fn i64(&mut self, v: i64) {
        match self.ints {
            Ints::Fixed => self.bytes(&v.to_le_bytes()),
            // 64 bits zigzag into 64 bits
            Ints::Varint => self.varint(zigzag(i128::from(v)) as u64),
        }
    }
    /// An `i128`.
    #[inline]
    pub fn i128(&mut self, v: i128) {
        match self.ints {
            Ints::Fixed => self.bytes(&v.to_le_bytes()),
            Ints::Varint => self.varint_wide(zigzag(v)),
        }
    }
    /// [`Writer::varint_wide`] of 64 bits or fewer, in 64-bit arithmetic: the u128 loop
    /// cost a snapshot or a state hash of a million orders ~15% more instructions.
    #[inline]
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
        self.wrote();
    }
    /// LEB128: seven bits a byte, low first, the high bit set on all but the last.
    fn varint_wide(&mut self, mut v: u128) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
        self.wrote();
    }
    /// Raw bytes, no length.
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
        self.wrote();
    }
    /// A length-prefixed string.
    pub fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.bytes(s.as_bytes());
    }
}

/// Reads what [`Writer`] wrote.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    ints: Ints,
}

impl<'a> Reader<'a> {
    /// A reader over `buf` of fixed-width integers.
    #[must_use]
    pub fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            ints: Ints::Fixed,
        }
    }

    /// A reader over `buf` of integers written as `ints` says.
    #[must_use]
    pub fn with_ints(buf: &'a [u8], ints: Ints) -> Self {
        Reader { buf, pos: 0, ints }
    }

    /// A LEB128 varint of at most `bits` bits (64 or fewer).
    #[inline(always)]
    fn varint(&mut self, bits: u32) -> Result<u64, SnapshotError> {
        // most values of a snapshot fit in one byte
        match self.buf.get(self.pos) {
            Some(&b) if b < 0x80 => {
                self.pos += 1;
                Ok(u64::from(b))
            }
            // `bits` <= 64, so the value fits
            _ => Ok(self.varint_wide(bits)? as u64),
        }
    }

    /// A LEB128 varint of at most `bits` bits (128 or fewer).
    fn varint_wide(&mut self, bits: u32) -> Result<u128, SnapshotError> {
        let mut v: u128 = 0;
        let mut shift = 0;
        loop {
            let b = *self
                .buf
                .get(self.pos)
                .ok_or(SnapshotError::Corrupt("truncated"))?;
            self.pos += 1;
            let low = u128::from(b & 0x7f);
            if shift >= bits || (shift > 0 && low >> (bits - shift) != 0) {
                return Err(SnapshotError::Corrupt("varint out of range"));
            }
            v |= low << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
        }
    }

    /// The next `n` raw bytes.
    ///
    /// # Errors
    /// When the buffer ends.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or(SnapshotError::Corrupt("length"))?;
        let out = self
            .buf
            .get(self.pos..end)
            .ok_or(SnapshotError::Corrupt("truncated"))?;
        self.pos = end;
        Ok(out)
    }
    /// A `u8`.
    ///
    /// # Errors
    /// When the buffer ends.
    #[inline]
    pub fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?[0])
    }
    /// A `u16`.
    ///
    /// # Errors
    /// When the buffer ends.
    #[inline]
    pub fn u16(&mut self) -> Result<u16, SnapshotError> {
        match self.ints {
            Ints::Fixed => Ok(u16::from_le_bytes(
                self.take(2)?.try_into().expect("2 bytes"),
            )),
            Ints::Varint => Ok(self.varint(16)? as u16),
        }
    }
    /// A `u32`.
    ///
    /// # Errors
    /// When the buffer ends.
    #[inline]
    pub fn u32(&mut self) -> Result<u32, SnapshotError> {
        match self.ints {
            Ints::Fixed => Ok(u32::from_le_bytes(
                self.take(4)?.try_into().expect("4 bytes"),
            )),
            Ints::Varint => Ok(self.varint(32)? as u32),
        }
    }
    /// A `u64`.
    ///
    /// # Errors
    /// When the buffer ends.
    #[inline]
    pub fn u64(&mut self) -> Result<u64, SnapshotError> {
        match self.ints {
            Ints::Fixed => Ok(u64::from_le_bytes(
                self.take(8)?.try_into().expect("8 bytes"),
            )),
            Ints::Varint => self.varint(64),
        }
    }
    /// An `i64`.
    ///
    /// # Errors
    /// When the buffer ends.
    #[inline]
    pub fn i64(&mut self) -> Result<i64, SnapshotError> {
        match self.ints {
            Ints::Fixed => Ok(i64::from_le_bytes(
                self.take(8)?.try_into().expect("8 bytes"),
            )),
            // 64 zigzagged bits unzigzag into the i64 range
            Ints::Varint => Ok(unzigzag(u128::from(self.varint(64)?)) as i64),
        }
    }
    /// An `i128`.
    ///
    /// # Errors
    /// When the buffer ends.
    #[inline]
    pub fn i128(&mut self) -> Result<i128, SnapshotError> {
        match self.ints {
            Ints::Fixed => Ok(i128::from_le_bytes(
                self.take(16)?.try_into().expect("16 bytes"),
            )),
            Ints::Varint => Ok(unzigzag(self.varint_wide(128)?)),
        }
    }
    /// A length-prefixed string.
    ///
    /// # Errors
    /// When the buffer ends or the bytes are not UTF-8.
    pub fn str(&mut self) -> Result<String, SnapshotError> {
        let n = self.u32()? as usize;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| SnapshotError::Corrupt("utf-8"))
    }
    /// A `u64` length, refused above `limit` (so a corrupt length cannot allocate).
    ///
    /// # Errors
    /// When the buffer ends or the length is over `limit`.
    pub fn len_u64(&mut self, limit: usize) -> Result<usize, SnapshotError> {
        usize::try_from(self.u64()?)
            .ok()
            .filter(|&n| n <= limit)
            .ok_or(SnapshotError::Corrupt("length out of range"))
    }
    /// Bytes read so far.
    #[must_use]
    pub fn position(&self) -> usize {
        self.pos
    }
    /// True when everything was read.
    #[must_use]
    pub fn done(&self) -> bool {
        self.pos == self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::{fnv1a, HashKind, Writer};

    #[test]
    fn a_hashing_writer_gives_the_hash_of_everything_written() {
        for kind in [HashKind::Fnv1a, HashKind::Xxh3] {
            let (mut kept, mut hashed) = (Writer::default(), Writer::hashing(kind));
            for i in 0..50_000u32 {
                for w in [&mut kept, &mut hashed] {
                    w.u32(i);
                    w.str("runner");
                    w.u8(7);
                }
            }
            assert!(kept.buf.len() > 4 * 64 * 1024, "several folds");
            assert!(
                hashed.buf.len() < 64 * 1024 + 16,
                "nothing kept beyond a block"
            );
            assert_eq!(hashed.finish_hash(), kind.of(&kept.buf));
        }
    }

    #[test]
    fn the_hash_kinds_are_the_published_functions() {
        // FNV-1a 64 and XXH3-64 (seed 0) of "a", from their reference implementations: a
        // recorded hash must not change with a crate upgrade.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(HashKind::Fnv1a.of(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(HashKind::Xxh3.of(b""), 0x2d06_8005_38d3_94c2);
        assert_eq!(HashKind::Xxh3.of(b"a"), 0xe6c6_32b6_1e96_4e1f);
    }
}
