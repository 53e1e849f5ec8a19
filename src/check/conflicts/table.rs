//! A hash table from 64-bit key hashes to the first line that used each, filled a batch at a time.
//!
//! A million-row batch holds millions of keys, far more than the caches, so nearly
//! every insert misses. Keys go in a group at a time: the home slots of a whole group
//! load in parallel while the group before is inserted.
//!
//! When the batch's size is known ahead, keys go in a [`Compact`] table sized for it (8
//! bytes a slot, two thirds of the growing table's 12), and only keys past its room go
//! in the growing one.

use super::compact::{Compact, mixed};
use super::slots::Slots;

/// The key's low and high halves, then the line.
type Slot = [u32; 3];

/// Slot value meaning "empty"; a key hashing to it is stored as 1.
const EMPTY: u64 = 0;
/// Keys whose home slots are loaded together.
const GROUP: usize = 32;

/// First lines: in the table sized ahead while it has room, then in the growing one. A
/// key is only ever in one of them: the growing table takes keys once the other is full,
/// and a full table stays full.
#[derive(Default)]
pub struct FirstSeen {
    sized: Option<Compact>,
    growing: Growing,
}

impl FirstSeen {
    /// Inserts `(key, line)` pairs in order; `firsts[i]` becomes the first line key i was seen on
    /// (its own line when it is new).
    pub fn insert_batch(&mut self, items: &[(u64, u64)], firsts: &mut Vec<u64>) {
        firsts.clear();
        let spills = self.sized.as_ref().is_none_or(|t| t.room() < items.len());
        if spills {
            self.growing.reserve(items.len());
        }
        // Each group's home slots load while the group before is inserted.
        let mut groups = items.chunks(GROUP).peekable();
        if let Some(first) = groups.peek() {
            self.warm(first, spills);
        }
        while let Some(group) = groups.next() {
            if let Some(next) = groups.peek() {
                self.warm(next, spills);
            }
            for &(key, line) in group {
                let sized = self.sized.as_mut().and_then(|t| t.first(key, line));
                firsts.push(sized.unwrap_or_else(|| self.growing.insert(key, line)));
            }
        }
    }

    /// Loads the home slots of a group of keys in the tables they may be in.
    fn warm(&self, group: &[(u64, u64)], spills: bool) {
        let mut warm = 0;
        if let Some(sized) = &self.sized {
            group.iter().for_each(|&(key, _)| warm ^= sized.warm(key));
        }
        if spills {
            group.iter().for_each(|&(key, _)| warm ^= u64::from(self.growing.warm(key)));
        }
        std::hint::black_box(warm);
    }

    /// Sizes a table for `keys` keys in all, on lines to about `lines`, when no key is in yet.
    pub fn reserve_total(&mut self, keys: usize, lines: u64) {
        if self.sized.is_none() && self.growing.len == 0 {
            self.sized = Some(Compact::for_keys(keys, lines));
        }
    }

    /// Number of distinct keys in the growing table.
    #[cfg(test)]
    fn grown(&self) -> usize {
        self.growing.len
    }
}

/// Open addressing with linear probing, kept at most three quarters full. The table
/// can have any size (a key's home slot is its hash scaled to the size). A slot is 12
/// bytes: the key, then the line (a file of more than 2^32 lines would be over a terabyte).
struct Growing {
    slots: Slots<Slot>,
    len: usize,
}

fn key_of(slot: &Slot) -> u64 {
    u64::from(slot[0]) | u64::from(slot[1]) << 32
}

impl Default for Growing {
    fn default() -> Growing {
        Growing { slots: Slots::zeroed(1 << 12), len: 0 }
    }
}

impl Growing {
    /// Reads `key`'s home slot, so that inserting it soon after hits the cache.
    fn warm(&self, key: u64) -> u32 {
        self.slots[self.home(key)][0]
    }

    fn home(&self, key: u64) -> usize {
        ((u128::from(mixed(stored(key))) * self.slots.len() as u128) >> 64) as usize
    }

    fn insert(&mut self, key: u64, line: u64) -> u64 {
        let mut i = self.home(key);
        let key = stored(key);
        let line32 = u32::try_from(line).unwrap_or(u32::MAX);
        loop {
            let slot = self.slots[i];
            let k = key_of(&slot);
            if k == EMPTY {
                self.slots[i] = [key as u32, (key >> 32) as u32, line32];
                self.len += 1;
                return line;
            }
            if k == key {
                return u64::from(slot[2]);
            }
            i += 1;
            if i == self.slots.len() {
                i = 0;
            }
        }
    }

    /// Grows, at least doubling, until `extra` more keys keep the table three quarters full
    /// at most: a batch larger than the table (a sheet whose length says nothing of its
    /// rows, or stdin) must never fill it, or a probe would never find an empty slot.
    fn reserve(&mut self, extra: usize) {
        let needed = self.len + extra;
        if needed * 4 <= self.slots.len() * 3 {
            return;
        }
        let mut slots = self.slots.len() * 2;
        while needed * 4 > slots * 3 {
            slots *= 2;
        }
        self.resize(slots);
    }

    fn resize(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, Slots::zeroed(slots));
        self.len = 0;
        for slot in old.iter().filter(|s| key_of(s) != EMPTY) {
            self.insert(key_of(slot), u64::from(slot[2]));
        }
    }
}

fn stored(key: u64) -> u64 {
    key.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Sized ahead for `sized` keys (none: only the growing table), fed 50 batches of 1,000
    /// keys out of 20,000, agrees with a map; returns how many keys went in the growing table, and
    /// how many there are.
    fn against_a_map(sized: Option<usize>) -> (usize, usize) {
        let mut table = FirstSeen::default();
        if let Some(keys) = sized {
            table.reserve_total(keys, 50_000);
        }
        let mut reference: HashMap<u64, u64> = HashMap::new();
        let mut firsts = Vec::new();
        let mut x: u64 = 7;
        for batch in 0..50u64 {
            let items: Vec<(u64, u64)> = (0..1000)
                .map(|i| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (x % 20_000, batch * 1000 + i)
                })
                .collect();
            table.insert_batch(&items, &mut firsts);
            for (&(k, line), &first) in items.iter().zip(&firsts) {
                assert_eq!(first, *reference.entry(k).or_insert(line));
            }
        }
        let in_sized = table.sized.as_ref().map_or(0, |t| t.len());
        assert_eq!(in_sized + table.grown(), reference.len());
        (table.grown(), reference.len())
    }

    #[test]
    fn first_line_wins_across_batches_and_growth() {
        let (grown, keys) = against_a_map(None);
        assert_eq!(grown, keys);
    }

    #[test]
    fn keys_past_the_sized_tables_room_go_in_the_growing_one() {
        assert_eq!(against_a_map(Some(30_000)).0, 0, "room for all");
        let (grown, keys) = against_a_map(Some(5_000));
        assert_eq!(grown, keys - 5_000, "all but the 5,000 the sized table has room for");
    }

    #[test]
    fn one_batch_far_larger_than_the_table_still_fits() {
        // A batch of 16 times the default size: growing once would leave it full.
        let mut table = FirstSeen::default();
        let mut firsts = Vec::new();
        let items: Vec<(u64, u64)> = (0..65_536u64).map(|i| (i * 2 + 7, i)).collect();
        table.insert_batch(&items, &mut firsts);
        assert_eq!(table.grown(), items.len());
        assert!(table.growing.len * 4 <= table.growing.slots.len() * 3);
        table.insert_batch(&items, &mut firsts);
        assert_eq!(firsts, (0..65_536u64).collect::<Vec<_>>(), "the second time every key is known");
    }

    #[test]
    fn zero_and_one_share_a_slot_value() {
        let mut table = FirstSeen::default();
        let mut firsts = Vec::new();
        table.insert_batch(&[(0, 2), (1, 3), (5, 4)], &mut firsts);
        assert_eq!(firsts, vec![2, 2, 4]);
        assert_eq!(table.grown(), 2);
    }
}
