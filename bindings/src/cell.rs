//! One engine object, one call at a time, from any thread.
//!
//! `Exchange` and `Pool` release the GIL around heavy work (batches, snapshots, will-pays), so
//! a second thread can call in while the first is inside. Each object's engine sits in a
//! mutex: a call from another thread waits for the one in progress (with the GIL released, so
//! that the first can finish), which makes concurrent use safe and serial. A call that
//! re-enters from the same thread (Python code run in the middle of a call, e.g. an `__index__`
//! that calls back) would wait for itself forever: it raises `ConcurrentUse` instead.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

use pyo3::prelude::*;

use crate::errors::{ConcurrentUse, InternalError};

thread_local! {
    static TOKEN: u8 = const { 0 };
}

/// A number unique to the calling thread while it lives (the address of a thread-local).
fn thread_token() -> usize {
    TOKEN.with(|t| std::ptr::from_ref(t) as usize)
}

/// An engine value behind a mutex that remembers which thread holds it.
#[derive(Debug, Default)]
pub struct EngineCell<T> {
    value: Mutex<T>,
    holder: AtomicUsize,
}

/// Access to the engine for the length of one call.
pub struct Held<'a, T> {
    guard: MutexGuard<'a, T>,
    holder: &'a AtomicUsize,
}

impl<T: Send> EngineCell<T> {
    pub fn new(value: T) -> Self {
        EngineCell {
            value: Mutex::new(value),
            holder: AtomicUsize::new(0),
        }
    }

    /// The engine, once no other call holds it.
    ///
    /// # Errors
    /// `ConcurrentUse` for a re-entrant call from the thread already inside; `InternalError`
    /// when an earlier call panicked inside the engine (its state may be half-changed).
    pub fn lock(&self) -> PyResult<Held<'_, T>> {
        let me = thread_token();
        loop {
            match self.value.try_lock() {
                Ok(guard) => {
                    self.holder.store(me, Ordering::Relaxed);
                    return Ok(Held {
                        guard,
                        holder: &self.holder,
                    });
                }
                Err(TryLockError::WouldBlock) => {
                    if self.holder.load(Ordering::Relaxed) == me {
                        return Err(ConcurrentUse::new_err((
                            "re-entrant call: this thread is already inside a call on this object",
                            "CONCURRENT_USE",
                        )));
                    }
                    // Wait for the holder without the GIL (it may need it to finish), then
                    // race for the lock again with the GIL.
                    Python::attach(|py| py.detach(|| drop(self.value.lock())));
                }
                Err(TryLockError::Poisoned(_)) => {
                    return Err(InternalError::new_err((
                        "an earlier call failed inside the engine; restore this object from a snapshot",
                        "INTERNAL",
                    )));
                }
            }
        }
    }
}

impl<T> Deref for Held<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for Held<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for Held<'_, T> {
    fn drop(&mut self) {
        self.holder.store(0, Ordering::Relaxed);
    }
}
