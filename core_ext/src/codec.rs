//! The little-endian binary codec that the exchange and pool snapshots share, and the FNV-1a
//! 64 hash of their bytes. A leaf: it knows nothing of what it encodes.

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

/// Appends little-endian values to a buffer.
#[derive(Default)]
pub struct Writer {
    /// The bytes written so far.
    pub buf: Vec<u8>,
}

impl Writer {
    /// A `u8`.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    /// A `u16`.
    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// A `u32`.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// A `u64`.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// An `i64`.
    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// An `i128`.
    pub fn i128(&mut self, v: i128) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Raw bytes, no length.
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
    /// A length-prefixed string.
    pub fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.buf.extend_from_slice(s.as_bytes());
    }
}

/// Reads what [`Writer`] wrote.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    #[must_use]
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// The next `n` raw bytes.
    ///
    /// # Errors
    /// When the buffer ends.
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
    pub fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?[0])
    }
    /// A `u16`.
    ///
    /// # Errors
    /// When the buffer ends.
    pub fn u16(&mut self) -> Result<u16, SnapshotError> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }
    /// A `u32`.
    ///
    /// # Errors
    /// When the buffer ends.
    pub fn u32(&mut self) -> Result<u32, SnapshotError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    /// A `u64`.
    ///
    /// # Errors
    /// When the buffer ends.
    pub fn u64(&mut self) -> Result<u64, SnapshotError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    /// An `i64`.
    ///
    /// # Errors
    /// When the buffer ends.
    pub fn i64(&mut self) -> Result<i64, SnapshotError> {
        Ok(i64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    /// An `i128`.
    ///
    /// # Errors
    /// When the buffer ends.
    pub fn i128(&mut self) -> Result<i128, SnapshotError> {
        Ok(i128::from_le_bytes(
            self.take(16)?.try_into().expect("16 bytes"),
        ))
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
