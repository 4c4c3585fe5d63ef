//! Bytes-like arguments read in place: a `memoryview` of a snapshot restores without the copy
//! that `bytes` slicing or msgspec's `bytes` fields would make (200 MB at a million orders).

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// The bytes of a read-only, C-contiguous buffer (`bytes`, or a `memoryview` of one).
pub fn read_only_bytes(buf: &PyBuffer<u8>) -> PyResult<&[u8]> {
    if !buf.readonly() || !buf.is_c_contiguous() {
        // a writable buffer could change under a call that has released the GIL
        return Err(PyTypeError::new_err(
            "expected bytes or a memoryview of read-only, contiguous bytes",
        ));
    }
    let len = buf.len_bytes();
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: the buffer is a contiguous run of `len` bytes at `buf_ptr()`, read-only, and
    // stays exported (its memory valid and unchanged) for as long as `buf` lives, which the
    // returned slice's lifetime is tied to.
    Ok(unsafe { std::slice::from_raw_parts(buf.buf_ptr().cast::<u8>(), len) })
}
