//! A table of first lines sized ahead for a batch whose size is known, in 8-byte slots.
//!
//! A slot holds the low bits of a line (20, or as many as the lines expected need) and the
//! (mixed) key's other bits (44 at 20 bits of line). A line past what its slot holds keeps
//! its higher bits in an array of 2 bytes a slot, made when the first such line comes.
//! The key's top bits are implied by where the slot is: a key is only looked for from its
//! home slot on, and its home is its top bits scaled to the table. Two keys are taken as
//! one when their whole hashes agree (odds of about N^2 in 2^65 for N keys, as with whole
//! hashes), or when their stored bits agree and one lies on the other's probe run, a few
//! slots long: each new key meets about 3 others' stored bits while the table fills, which
//! adds odds of about 3 N in 2^(64 - line bits). At about 3 keys a row, the sum is 1 in 1.3
//! million for a million rows (20 bits of line) and 1 in 330,000 for two million (21 bits),
//! against 1 in 4 million and 1 in 1 million for whole hashes alone; two million rows with
//! 44 bits of key (and an array of 2 bytes a slot for the lines' high bits) had 1 in
//! 500,000. The table never grows (a slot does not hold the bits a new home would need); a
//! key it has no room for is kept elsewhere.

use super::slots::Slots;

/// The fewest bits of line a slot holds.
const LINE_BITS: u32 = 20;
/// The most: 36 bits of key stay in the slot.
const MAX_LINE_BITS: u32 = 28;

/// Open addressing with linear probing, kept at most four fifths full.
pub struct Compact {
    slots: Slots<u64>,
    len: usize,
    max: usize,
    /// The bits of line a slot holds.
    line_bits: u32,
    /// A line's bits above the slot's, for each slot, once some line needs them.
    high: Vec<u16>,
}

/// The key's bits, spread (keys are hashes already; the multiply spreads any that are not,
/// as tests' small numbers). Both tables find a key's home from these.
pub fn mixed(key: u64) -> u64 {
    key.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl Compact {
    /// Room for `keys` keys, on lines expected to run to about `lines`.
    pub fn for_keys(keys: usize, lines: u64) -> Compact {
        let slots = (keys + keys / 4).max(64);
        // A little over the lines expected, for the blank lines and the guess's error.
        let line_bits = (u64::BITS - lines.saturating_add(lines / 32).leading_zeros()).clamp(LINE_BITS, MAX_LINE_BITS);
        Compact { slots: Slots::zeroed(slots), len: 0, max: slots * 4 / 5, line_bits, high: Vec::new() }
    }

    fn line_mask(&self) -> u64 {
        (1 << self.line_bits) - 1
    }

    /// The last line a slot and its high bits can hold; a key first seen later is kept as
    /// first seen there.
    fn max_line(&self) -> u64 {
        (1 << (self.line_bits + 16)) - 1
    }

    /// How many more new keys fit.
    pub fn room(&self) -> usize {
        self.max - self.len
    }

    /// Number of keys in.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    fn home(&self, key: u64) -> usize {
        ((u128::from(mixed(key)) * self.slots.len() as u128) >> 64) as usize
    }

    /// Reads `key`'s home slot, so that looking it up soon after hits the cache.
    pub fn warm(&self, key: u64) -> u64 {
        self.slots[self.home(key)]
    }

    /// The first line `key` was seen on, recording `line` as its first when it is new;
    /// `None` when it is new and the table has no room for it.
    pub fn first(&mut self, key: u64, line: u64) -> Option<u64> {
        // Never zero, which marks an empty slot: a tag of 0 is stored as 1.
        let (bits, mask) = (self.line_bits, self.line_mask());
        let tag = (mixed(key) << bits).max(1 << bits);
        let mut i = self.home(key);
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                if self.len == self.max {
                    return None;
                }
                let kept = line.min(self.max_line());
                self.slots[i] = tag | (kept & mask);
                if kept > mask {
                    if self.high.is_empty() {
                        self.high = vec![0; self.slots.len()];
                    }
                    self.high[i] = (kept >> bits) as u16;
                }
                self.len += 1;
                return Some(line);
            }
            if slot & !mask == tag {
                let high = self.high.get(i).map_or(0, |&h| u64::from(h));
                return Some(high << bits | slot & mask);
            }
            i += 1;
            if i == self.slots.len() {
                i = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        /// Until it is full, the table answers as a map from key to first line does.
        #[test]
        fn agrees_with_a_map(
            keys in proptest::collection::vec(0u64..400, 1..600),
            room in 1usize..300,
            lines in proptest::sample::select(vec![600u64, 1 << 22, 1 << 27]),
        ) {
            let mut table = Compact::for_keys(room, lines);
            let mut reference: HashMap<u64, u64> = HashMap::new();
            for (i, &key) in keys.iter().enumerate() {
                let line = i as u64 + 2;
                let full = reference.len() == table.max && !reference.contains_key(&key);
                let got = table.first(key, line);
                if full {
                    prop_assert_eq!(got, None);
                } else {
                    prop_assert_eq!(got, Some(*reference.entry(key).or_insert(line)));
                }
            }
        }
    }

    #[test]
    fn lines_past_twenty_bits_keep_their_high_bits() {
        let mut table = Compact::for_keys(10, 100);
        let (max, mask) = (table.max_line(), table.line_mask());
        assert_eq!(mask, (1 << LINE_BITS) - 1);
        let lines = [2, mask, mask + 1, 5 << LINE_BITS | 7, max];
        for (key, &line) in lines.iter().enumerate() {
            assert_eq!(table.first(key as u64, line), Some(line));
        }
        for (key, &line) in lines.iter().enumerate() {
            assert_eq!(table.first(key as u64, 9), Some(line), "key {key}");
        }
        // A new key is new on its own line, whatever the table can hold.
        assert_eq!(table.first(99, max + 5), Some(max + 5));
        assert_eq!(table.first(99, max + 9), Some(max), "kept as the last line it can hold");
    }

    #[test]
    fn a_table_for_more_lines_holds_them_in_its_slots() {
        let mut table = Compact::for_keys(10, 3_000_000);
        assert_eq!(table.line_bits, 22);
        for (key, line) in [(1, 2), (2, 3_000_000), (3, (1 << 22) - 1)] {
            assert_eq!(table.first(key, line), Some(line));
            assert_eq!(table.first(key, line + 1), Some(line));
        }
        assert!(table.high.is_empty(), "no line needed more bits than a slot holds");
        assert_eq!(table.first(4, 1 << 22), Some(1 << 22));
        assert_eq!(table.first(4, 7), Some(1 << 22));
        // A key whose stored bits are all zero is told from an empty slot.
        assert_eq!(table.first(0, 1 << 22), Some(1 << 22));
        assert_eq!(table.first(0, 9), Some(1 << 22));
    }

    #[test]
    fn keys_differing_in_any_one_bit_are_told_apart() {
        // A bit above the tag's is told by the home it moves the key to.
        let base = 0x0123_4567_89ab_cdef_u64;
        for lines in [100, 1 << 22, 1 << 27] {
            let mut table = Compact::for_keys(1 << 16, lines);
            assert_eq!(table.first(base, 2), Some(2));
            for bit in 0..64 {
                assert_eq!(table.first(base ^ 1 << bit, 3 + bit), Some(3 + bit), "bit {bit}, {lines} lines");
            }
            assert_eq!(table.first(base, 100), Some(2));
        }
    }
}
