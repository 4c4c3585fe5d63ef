//! One engine object, one call at a time, from any thread.
//!
//! `Exchange` and `Pool` release the GIL around heavy work (batches, snapshots, will-pays), so
//! a second thread can call in while the first is inside. Each object's engine sits in an
//! [`EngineCell`]: a call from another thread waits for the one in progress (with the GIL
//! released, so that the first can finish), which makes concurrent use safe and serial. A call
//! that re-enters from the same thread (Python code run in the middle of a call) would wait for
//! itself forever: it raises `ConcurrentUse` instead.
//!
//! The lock is one atomic word holding the holder's thread token (0 = free): an uncontended
//! call costs one compare-and-swap and one store, about what PyO3's own borrow flag cost (a
//! `std::sync::Mutex` plus a holder field measured 10-30 ns more per call). Contention only
//! happens around GIL-released work that lasts micro- to milliseconds, so a waiter yields and
//! sleeps briefly rather than parking on a futex.

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use pyo3::prelude::*;

use crate::errors::{ConcurrentUse, InternalError};

thread_local! {
    static TOKEN: u8 = const { 0 };
}

/// A non-zero number unique to the calling thread while it lives (a thread-local's address).
#[inline]
fn thread_token() -> usize {
    TOKEN.with(|t| std::ptr::from_ref(t) as usize)
}

/// An engine value that one thread at a time may use.
#[derive(Debug, Default)]
pub struct EngineCell<T> {
    value: UnsafeCell<T>,
    /// The token of the thread holding the value, 0 when free.
    holder: AtomicUsize,
    /// Set when a call panicked while holding the value (its state may be half-changed).
    poisoned: AtomicBool,
}

// SAFETY: the value is only reached through a `Held`, and at most one `Held` exists at a time
// (the holder word is acquired with a compare-and-swap from 0 and released on drop), so the
// cell hands out exclusive access to one thread at a time, which needs only `T: Send`.
unsafe impl<T: Send> Sync for EngineCell<T> {}

/// Exclusive access to the engine for the length of one call.
pub struct Held<'a, T> {
    cell: &'a EngineCell<T>,
}

impl<T: Send> EngineCell<T> {
    pub fn new(value: T) -> Self {
        EngineCell {
            value: UnsafeCell::new(value),
            holder: AtomicUsize::new(0),
            poisoned: AtomicBool::new(false),
        }
    }

    /// The engine, once no other call holds it.
    ///
    /// # Errors
    /// `ConcurrentUse` for a re-entrant call from the thread already inside; `InternalError`
    /// when an earlier call panicked inside the engine.
    #[inline]
    pub fn lock(&self) -> PyResult<Held<'_, T>> {
        let me = thread_token();
        loop {
            match self
                .holder
                .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => {
                    let held = Held { cell: self };
                    if self.poisoned.load(Ordering::Relaxed) {
                        return Err(InternalError::new_err((
                            "an earlier call failed inside the engine; restore this object from a snapshot",
                            "INTERNAL",
                        )));
                    }
                    return Ok(held);
                }
                Err(holder) if holder == me => {
                    return Err(ConcurrentUse::new_err((
                        "re-entrant call: this thread is already inside a call on this object",
                        "CONCURRENT_USE",
                    )));
                }
                Err(_) => self.wait_until_free(),
            }
        }
    }

    /// Waits, without the GIL (the holder may need it to finish), until the holder lets go.
    #[cold]
    fn wait_until_free(&self) {
        Python::attach(|py| {
            py.detach(|| {
                let mut spins = 0_u32;
                while self.holder.load(Ordering::Relaxed) != 0 {
                    if spins < 64 {
                        std::thread::yield_now();
                        spins += 1;
                    } else {
                        std::thread::sleep(Duration::from_micros(20));
                    }
                }
            });
        });
    }
}

impl<T> Deref for Held<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this `Held` is the only one (see `EngineCell`'s `Sync`).
        unsafe { &*self.cell.value.get() }
    }
}

impl<T> DerefMut for Held<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`; `&mut self` makes this the only borrow through it.
        unsafe { &mut *self.cell.value.get() }
    }
}

impl<T> Drop for Held<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.cell.poisoned.store(true, Ordering::Relaxed);
        }
        self.cell.holder.store(0, Ordering::Release);
    }
}
