//! One side of a runner's order book: a direct array of price levels indexed by tick, each a
//! FIFO queue linked through the orders themselves, and a bitset of non-empty levels so that
//! the best price is a couple of bit scans away.

use crate::ladder::N_TICKS;
use crate::order::OrderStore;
use crate::types::{Money, OrderId, Tick};

const WORDS: usize = N_TICKS.div_ceil(64);

/// A price level: a FIFO queue of orders (by their store links, see `OrderStore::link_of`)
/// and its total unmatched size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Level {
    /// Oldest order's link (0 = empty).
    pub(crate) head: u32,
    /// Newest order's link.
    pub(crate) tail: u32,
    /// Sum of the resting orders' unmatched size.
    pub total: Money,
}

/// The resting orders of one side (backs or lays) of one runner.
#[derive(Debug, Clone)]
pub struct SideBook {
    levels: Box<[Level; N_TICKS]>,
    occupied: [u64; WORDS],
}

impl Default for SideBook {
    fn default() -> Self {
        SideBook {
            levels: Box::new([Level::default(); N_TICKS]),
            occupied: [0; WORDS],
        }
    }
}

impl SideBook {
    /// The level at a tick.
    #[inline]
    #[must_use]
    pub fn level(&self, tick: Tick) -> &Level {
        &self.levels[usize::from(tick)]
    }

    /// Appends an order (already holding its unmatched size) at the back of its level.
    pub(crate) fn push_back(&mut self, orders: &mut OrderStore, id: OrderId) {
        self.push_back_at(orders, orders.link_of(id));
    }

    /// [`SideBook::push_back`] of the order at a link.
    pub(crate) fn push_back_at(&mut self, orders: &mut OrderStore, link: u32) {
        let (tick, remaining) = {
            let o = orders.linked(link);
            (o.tick, o.remaining)
        };
        let level = &mut self.levels[usize::from(tick)];
        let tail = level.tail;
        {
            let o = orders.linked_mut(link);
            o.prev = tail;
            o.next = 0;
        }
        if tail == 0 {
            level.head = link;
            self.occupied[usize::from(tick) / 64] |= 1 << (tick % 64);
        } else {
            orders.linked_mut(tail).next = link;
        }
        level.tail = link;
        level.total += remaining;
    }

    /// Removes an order from its level; its current unmatched size leaves the level total.
    pub(crate) fn unlink(&mut self, orders: &mut OrderStore, id: OrderId) {
        let link = orders.link_of(id);
        self.unlink_at(orders, link);
    }

    /// [`SideBook::unlink`] of the order at a link (the matching walk has the link).
    pub(crate) fn unlink_at(&mut self, orders: &mut OrderStore, link: u32) {
        let (tick, prev, next, remaining) = {
            let o = orders.linked(link);
            (o.tick, o.prev, o.next, o.remaining)
        };
        let level = &mut self.levels[usize::from(tick)];
        if prev == 0 {
            level.head = next;
        } else {
            orders.linked_mut(prev).next = next;
        }
        if next == 0 {
            level.tail = prev;
        } else {
            orders.linked_mut(next).prev = prev;
        }
        level.total -= remaining;
        if level.head == 0 {
            self.occupied[usize::from(tick) / 64] &= !(1 << (tick % 64));
        }
        let o = orders.linked_mut(link);
        o.prev = 0;
        o.next = 0;
    }

    /// The link of the first order queued at `tick` (0: none).
    #[inline]
    pub(crate) fn head(&self, tick: Tick) -> u32 {
        self.levels[usize::from(tick)].head
    }

    /// The ids of a level's orders, oldest first.
    pub fn queue<'a>(
        &self,
        orders: &'a OrderStore,
        tick: Tick,
    ) -> impl Iterator<Item = OrderId> + 'a {
        let mut cur = self.levels[usize::from(tick)].head;
        std::iter::from_fn(move || {
            (cur != 0).then(|| {
                let o = orders.linked(cur);
                cur = o.next;
                o.id
            })
        })
    }

    /// Lowers a level's total (a fill or a size reduction that keeps queue position).
    #[inline]
    pub(crate) fn reduce(&mut self, tick: Tick, amount: Money) {
        self.levels[usize::from(tick)].total -= amount;
    }

    /// The highest occupied tick.
    #[must_use]
    pub fn highest(&self) -> Option<Tick> {
        self.highest_at_or_below(N_TICKS as Tick - 1)
    }

    /// The lowest occupied tick.
    #[must_use]
    pub fn lowest(&self) -> Option<Tick> {
        self.lowest_at_or_above(0)
    }

    /// The highest occupied tick `<= tick`.
    #[must_use]
    pub fn highest_at_or_below(&self, tick: Tick) -> Option<Tick> {
        let t = usize::from(tick);
        let mut word = t / 64;
        let mut bits = self.occupied[word] & (u64::MAX >> (63 - (t % 64)));
        loop {
            if bits != 0 {
                return Some((word * 64 + 63 - bits.leading_zeros() as usize) as Tick);
            }
            if word == 0 {
                return None;
            }
            word -= 1;
            bits = self.occupied[word];
        }
    }

    /// The lowest occupied tick `>= tick`.
    #[must_use]
    pub fn lowest_at_or_above(&self, tick: Tick) -> Option<Tick> {
        let t = usize::from(tick);
        if t >= N_TICKS {
            return None;
        }
        let mut word = t / 64;
        let mut bits = self.occupied[word] & (u64::MAX << (t % 64));
        loop {
            if bits != 0 {
                return Some((word * 64 + bits.trailing_zeros() as usize) as Tick);
            }
            word += 1;
            if word == WORDS {
                return None;
            }
            bits = self.occupied[word];
        }
    }

    /// Occupied levels from the highest tick down.
    pub fn iter_desc(&self) -> impl Iterator<Item = (Tick, &Level)> + '_ {
        let mut next = self.highest();
        std::iter::from_fn(move || {
            let tick = next?;
            next = if tick == 0 {
                None
            } else {
                self.highest_at_or_below(tick - 1)
            };
            Some((tick, self.level(tick)))
        })
    }

    /// Occupied levels from the lowest tick up.
    pub fn iter_asc(&self) -> impl Iterator<Item = (Tick, &Level)> + '_ {
        let mut next = self.lowest();
        std::iter::from_fn(move || {
            let tick = next?;
            next = self.lowest_at_or_above(tick + 1);
            Some((tick, self.level(tick)))
        })
    }
}

/// A runner's book. Resting **lays** are what a backer can take (`available_to_back`, best =
/// highest price); resting **backs** are what a layer can take (`available_to_lay`, best =
/// lowest price). Never crossed: highest lay < lowest back.
#[derive(Debug, Clone, Default)]
pub struct RunnerBook {
    /// Resting back orders.
    pub backs: SideBook,
    /// Resting lay orders.
    pub lays: SideBook,
}

impl RunnerBook {
    /// The book of one side.
    #[inline]
    #[must_use]
    pub fn side(&self, side: crate::types::Side) -> &SideBook {
        match side {
            crate::types::Side::Back => &self.backs,
            crate::types::Side::Lay => &self.lays,
        }
    }

    #[inline]
    pub(crate) fn side_mut(&mut self, side: crate::types::Side) -> &mut SideBook {
        match side {
            crate::types::Side::Back => &mut self.backs,
            crate::types::Side::Lay => &mut self.lays,
        }
    }

    /// True when the best lay is below the best back (or a side is empty).
    #[must_use]
    pub fn is_uncrossed(&self) -> bool {
        match (self.lays.highest(), self.backs.lowest()) {
            (Some(l), Some(b)) => l < b,
            _ => true,
        }
    }
}
