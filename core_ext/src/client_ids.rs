//! Client order ids per account, looked up by `(account, &str)` without allocating a key.
//!
//! The map's keys own their id (`Box<str>`); a lookup borrows both halves through the
//! [`KeyView`] trait object, so the duplicate check of every place with a client order id
//! hashes and compares the request's `&str` as it is (it used to box a copy first).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::types::OrderId;

/// An owned key: the account index and the client's id.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    account: u32,
    id: Box<str>,
}

/// What an owned key and a borrowed lookup share.
trait KeyView {
    fn account(&self) -> u32;
    fn id(&self) -> &str;
}

impl KeyView for Key {
    fn account(&self) -> u32 {
        self.account
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl KeyView for (u32, &str) {
    fn account(&self) -> u32 {
        self.0
    }
    fn id(&self) -> &str {
        self.1
    }
}

impl Hash for dyn KeyView + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.account().hash(state);
        self.id().hash(state);
    }
}

impl PartialEq for dyn KeyView + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.account() == other.account() && self.id() == other.id()
    }
}

impl Eq for dyn KeyView + '_ {}

// The owned key hashes exactly as its view, as `Borrow` requires.
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self as &dyn KeyView).hash(state);
    }
}

impl<'a> Borrow<dyn KeyView + 'a> for Key {
    fn borrow(&self) -> &(dyn KeyView + 'a) {
        self
    }
}

/// The live client order ids: `(account, id)` to the order. Ids come from clients, so the
/// map keeps the standard library's keyed SipHash against hash flooding (its iteration order
/// is never observed).
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientIds(HashMap<Key, OrderId>);

impl ClientIds {
    /// True when `account` already used `id` on an order still held.
    #[inline]
    pub(crate) fn contains(&self, account: u32, id: &str) -> bool {
        self.0.contains_key(&(account, id) as &dyn KeyView)
    }

    /// Records `id` of `account` for `order`.
    pub(crate) fn insert(&mut self, account: u32, id: Box<str>, order: OrderId) {
        self.0.insert(Key { account, id }, order);
    }

    /// Forgets `id` of `account` (its order was freed).
    pub(crate) fn remove(&mut self, account: u32, id: &str) {
        self.0.remove(&(account, id) as &dyn KeyView);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_borrowed_lookup_finds_what_an_owned_key_stored() {
        let mut ids = ClientIds::default();
        ids.insert(1, "c-1".into(), 10);
        ids.insert(2, "c-1".into(), 11);
        assert!(ids.contains(1, "c-1") && ids.contains(2, "c-1"));
        assert!(!ids.contains(1, "c-2") && !ids.contains(3, "c-1"));
        ids.remove(1, "c-1");
        assert!(!ids.contains(1, "c-1") && ids.contains(2, "c-1"));
        assert_eq!(ids.0.len(), 1);
    }
}
