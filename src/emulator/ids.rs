//! JobIds that never repeat: each is a bijection of a number (keyed by the seed), and the
//! numbers go on across restarts from the saved state, in blocks saved before use.

/// JobId numbers reserved by one save of the state.
pub const ID_BLOCK: u64 = 1024;

/// The splitmix64 finalizer: a bijection of the 64-bit numbers that mixes every bit.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Where the JobId numbers stand.
#[derive(Clone, Debug)]
pub struct JobIds {
    /// The number of the next JobId.
    next: u64,
    /// Numbers below this are covered by the saved state; `u64::MAX` without a state file.
    reserved: u64,
    key: u64,
}

impl JobIds {
    /// Numbers from `next` on, keyed by `seed`.
    pub fn new(seed: u64, next: u64) -> JobIds {
        JobIds { next: next.max(1), reserved: u64::MAX, key: mix(seed) }
    }

    /// With a state file: no number is issued before a block covering it is saved.
    pub fn persist(&mut self) {
        self.reserved = self.next;
    }

    /// Whether the next JobId needs a save of the state first (a new block of numbers).
    pub fn needs_reservation(&self) -> bool {
        self.next >= self.reserved
    }

    /// Takes the next block of numbers; the state saved next records its end, so that an
    /// emulator restarted from it (even after kill -9) starts past every number this one
    /// may have issued.
    pub fn reserve(&mut self) {
        self.reserved = self.next + ID_BLOCK;
    }

    /// What the saved state records: where a restarted emulator starts.
    pub fn saved_next(&self) -> u64 {
        if self.reserved == u64::MAX { self.next } else { self.reserved }
    }

    /// The next JobId: `j-` and 20 base-36 digits.
    pub fn next_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let n = self.next;
        self.next += 1;
        let mut x = mix(n ^ self.key);
        // 13 base-36 digits hold all 64 bits; 7 more, from the number again, fill 20.
        let mut tail = mix(x ^ 0xA5A5_A5A5_A5A5_A5A5);
        let mut id = String::from("j-");
        for i in 0..20 {
            let digit = if i < 13 {
                let d = x % 36;
                x /= 36;
                d
            } else {
                let d = tail % 36;
                tail /= 36;
                d
            };
            id.push(ALPHABET[digit as usize] as char);
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_numbers_give_distinct_ids_and_blocks_are_saved_first() {
        let mut ids = JobIds::new(7, 1);
        let all: std::collections::BTreeSet<String> = (0..5000).map(|_| ids.next_id()).collect();
        assert_eq!(all.len(), 5000);
        assert!(all.iter().all(|id| id.len() == 22 && id.starts_with("j-")));
        let mut ids = JobIds::new(7, 1);
        assert!(!ids.needs_reservation(), "without a state file nothing is reserved");
        ids.persist();
        assert!(ids.needs_reservation());
        ids.reserve();
        assert_eq!(ids.saved_next(), 1 + ID_BLOCK);
        assert!(!ids.needs_reservation());
    }
}
