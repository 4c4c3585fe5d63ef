//! The few MessagePack forms the core writes and reads itself: the history feed's event maps
//! and the gateway's idempotency table, whose bytes must equal what msgspec writes for the
//! same values (strings and map headers take msgspec's shortest forms) because the gateway's
//! state hash covers them.

use crate::codec::{self, SnapshotError};

/// A string, in its shortest form (as msgspec writes it).
pub fn string(out: &mut Vec<u8>, s: &str) {
    let n = s.len();
    if n < 32 {
        #[allow(clippy::cast_possible_truncation)] // n < 32
        out.push(0xa0 | n as u8);
    } else if let Ok(n) = u8::try_from(n) {
        out.extend_from_slice(&[0xd9, n]);
    } else if let Ok(n) = u16::try_from(n) {
        out.push(0xda);
        out.extend_from_slice(&n.to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

/// An unsigned integer: a positive fixint below 128, else a full `uint 64`.
pub fn uint(out: &mut Vec<u8>, v: u64) {
    if v < 128 {
        #[allow(clippy::cast_possible_truncation)] // v < 128
        out.push(v as u8);
    } else {
        out.push(0xcf);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// A signed integer: as [`uint`] when not negative, else a full `int 64`.
pub fn int(out: &mut Vec<u8>, v: i64) {
    match u64::try_from(v) {
        Ok(u) => uint(out, u),
        Err(_) => {
            out.push(0xd3);
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
}

/// An array header for `n` elements.
pub fn array_header(out: &mut Vec<u8>, n: usize) {
    header(out, n, 0x90, 0xdc);
}

/// A map header for `n` pairs.
pub fn map_header(out: &mut Vec<u8>, n: usize) {
    header(out, n, 0x80, 0xde);
}

fn header(out: &mut Vec<u8>, n: usize, fix: u8, sixteen: u8) {
    if n < 16 {
        #[allow(clippy::cast_possible_truncation)] // n < 16
        out.push(fix | n as u8);
    } else if let Ok(n) = u16::try_from(n) {
        out.push(sixteen);
        out.extend_from_slice(&n.to_be_bytes());
    } else {
        out.push(sixteen + 1);
        out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes());
    }
}

const CORRUPT: SnapshotError = SnapshotError::Corrupt("bad MessagePack");

/// Reads MessagePack values from a buffer (any valid form, not only the ones written here),
/// through the snapshot codec's byte cursor.
pub struct Reader<'a> {
    buf: &'a [u8],
    cursor: codec::Reader<'a>,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    #[must_use]
    pub fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            cursor: codec::Reader::new(buf),
        }
    }

    /// True when everything was read.
    #[must_use]
    pub fn done(&self) -> bool {
        self.cursor.done()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        self.cursor.take(n).map_err(|_| CORRUPT)
    }

    fn byte(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?[0])
    }

    fn be(&mut self, n: usize) -> Result<u64, SnapshotError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, &b| acc << 8 | u64::from(b)))
    }

    fn length(&mut self, n: usize) -> Result<usize, SnapshotError> {
        usize::try_from(self.be(n)?).map_err(|_| CORRUPT)
    }

    /// An array header's element count.
    ///
    /// # Errors
    /// When the next value is not an array.
    pub fn array_len(&mut self) -> Result<usize, SnapshotError> {
        self.count(0x90, 0xdc)
    }

    /// A map header's pair count.
    ///
    /// # Errors
    /// When the next value is not a map.
    pub fn map_len(&mut self) -> Result<usize, SnapshotError> {
        self.count(0x80, 0xde)
    }

    /// What [`header`] wrote: a fix form under `fix`, or the 16- and 32-bit forms.
    fn count(&mut self, fix: u8, sixteen: u8) -> Result<usize, SnapshotError> {
        match self.byte()? {
            b if b & 0xf0 == fix => Ok(usize::from(b & 0x0f)),
            b if b == sixteen => self.length(2),
            b if b == sixteen + 1 => self.length(4),
            _ => Err(CORRUPT),
        }
    }

    /// A string.
    ///
    /// # Errors
    /// When the next value is not a UTF-8 string.
    pub fn str(&mut self) -> Result<&'a str, SnapshotError> {
        let n = match self.byte()? {
            b @ 0xa0..=0xbf => usize::from(b & 0x1f),
            0xd9 => self.length(1)?,
            0xda => self.length(2)?,
            0xdb => self.length(4)?,
            _ => return Err(CORRUPT),
        };
        std::str::from_utf8(self.take(n)?).map_err(|_| CORRUPT)
    }

    /// An integer in any of its forms.
    ///
    /// # Errors
    /// When the next value is not an integer or does not fit an `i64`.
    pub fn int(&mut self) -> Result<i64, SnapshotError> {
        let b = self.byte()?;
        let wide = |v: u64| i64::try_from(v).map_err(|_| CORRUPT);
        #[allow(clippy::cast_possible_wrap)] // reinterpreting the signed forms' bits
        match b {
            0x00..=0x7f => Ok(i64::from(b)),
            0xe0..=0xff => Ok(i64::from(b as i8)),
            0xcc => wide(self.be(1)?),
            0xcd => wide(self.be(2)?),
            0xce => wide(self.be(4)?),
            0xcf => wide(self.be(8)?),
            0xd0 => Ok(i64::from(self.be(1)? as u8 as i8)),
            0xd1 => Ok(i64::from(self.be(2)? as u16 as i16)),
            0xd2 => Ok(i64::from(self.be(4)? as u32 as i32)),
            0xd3 => Ok(self.be(8)? as i64),
            _ => Err(CORRUPT),
        }
    }

    /// The bytes of the next value, whatever it is (nested values included), unparsed.
    ///
    /// # Errors
    /// When the buffer ends inside the value or holds an invalid form.
    pub fn raw(&mut self) -> Result<&'a [u8], SnapshotError> {
        let start = self.cursor.position();
        let mut pending: usize = 1; // values still to skip
        while pending > 0 {
            pending -= 1;
            let b = self.byte()?;
            let (skip, children) = match b {
                0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
                0x80..=0x8f => (0, 2 * usize::from(b & 0x0f)),
                0x90..=0x9f => (0, usize::from(b & 0x0f)),
                0xa0..=0xbf => (usize::from(b & 0x1f), 0),
                0xcc | 0xd0 => (1, 0),
                0xcd | 0xd1 | 0xd4 => (2, 0),
                0xd5 => (3, 0),
                0xca | 0xce | 0xd2 => (4, 0),
                0xd6 => (5, 0),
                0xcb | 0xcf | 0xd3 => (8, 0),
                0xd7 => (9, 0),
                0xd8 => (17, 0),
                0xc4 | 0xd9 => (self.length(1)?, 0),
                0xc5 | 0xda => (self.length(2)?, 0),
                0xc6 | 0xdb => (self.length(4)?, 0),
                0xc7 => (self.length(1)? + 1, 0),
                0xc8 => (self.length(2)? + 1, 0),
                0xc9 => (self.length(4)? + 1, 0),
                0xdc => (0, self.length(2)?),
                0xdd => (0, self.length(4)?),
                0xde => (0, 2 * self.length(2)?),
                0xdf => (0, 2 * self.length(4)?),
                _ => return Err(CORRUPT), // 0xc1, never used
            };
            self.take(skip)?;
            pending = pending.checked_add(children).ok_or(CORRUPT)?;
        }
        Ok(&self.buf[start..self.cursor.position()])
    }
}

#[cfg(test)]
mod tests {
    use super::{array_header, int, map_header, string, Reader};

    #[test]
    fn scalars_take_the_shortest_forms_that_need_no_lookahead() {
        let mut out = Vec::new();
        int(&mut out, 5);
        int(&mut out, -1);
        int(&mut out, 300);
        string(&mut out, "ab");
        array_header(&mut out, 3);
        array_header(&mut out, 70_000);
        let mut want = vec![5, 0xd3];
        want.extend_from_slice(&(-1i64).to_be_bytes());
        want.push(0xcf);
        want.extend_from_slice(&300u64.to_be_bytes());
        want.extend_from_slice(&[0xa2, b'a', b'b', 0x93, 0xdd, 0, 1, 0x11, 0x70]);
        assert_eq!(out, want);
    }

    #[test]
    fn the_reader_reads_what_the_writers_wrote_and_skips_nested_values() {
        let mut out = Vec::new();
        map_header(&mut out, 20);
        array_header(&mut out, 2);
        string(&mut out, &"x".repeat(40));
        int(&mut out, -300);
        // a nested value to skip: [1, {"k": [2, 3]}, nil, 1.5]
        out.extend_from_slice(&[0x94, 0x01, 0x81, 0xa1, b'k', 0x92, 0x02, 0x03, 0xc0, 0xcb]);
        out.extend_from_slice(&1.5f64.to_be_bytes());
        int(&mut out, 1_700_000_000_000);
        let mut r = Reader::new(&out);
        assert_eq!(r.map_len(), Ok(20));
        assert_eq!(r.array_len(), Ok(2));
        assert_eq!(r.str(), Ok("x".repeat(40).as_str()));
        assert_eq!(r.int(), Ok(-300));
        assert_eq!(r.raw().map(<[u8]>::len), Ok(18));
        assert_eq!(r.int(), Ok(1_700_000_000_000));
        assert!(r.done());
    }

    #[test]
    fn the_reader_takes_every_integer_form_and_refuses_truncation() {
        let forms: [(&[u8], i64); 6] = [
            (&[0xcc, 0xff], 255),
            (&[0xcd, 0x01, 0x00], 256),
            (&[0xce, 0, 1, 0, 0], 65_536),
            (&[0xd0, 0x80], -128),
            (&[0xd1, 0xff, 0x00], -256),
            (&[0xff], -1),
        ];
        for (bytes, want) in forms {
            assert_eq!(Reader::new(bytes).int(), Ok(want));
        }
        assert!(Reader::new(&[0xce, 0, 1]).int().is_err());
        assert!(Reader::new(&[0x92, 0x01]).raw().is_err());
        assert!(Reader::new(&[0xc1]).raw().is_err());
    }
}
