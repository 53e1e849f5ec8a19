//! Zeroed memory for the conflict table, mapped with all its pages in place.
//!
//! The table is written at random, so a million-row batch would otherwise take a page
//! fault for each of its tens of thousands of pages while the batch stage waits. The
//! mapping is populated up front instead, in one call. (2 MiB pages were tried: they save
//! TLB misses, but the kernel compacts memory to find them, which cost more, up to
//! 0.1 s a run here.)

use memmap2::{MmapMut, MmapOptions};
use std::ops::{Deref, DerefMut};

/// The key's low and high halves, then the line.
pub type Slot = [u32; 3];

/// `len` zeroed slots in an anonymous mapping.
pub struct Slots {
    map: MmapMut,
    len: usize,
}

impl Slots {
    pub fn zeroed(len: usize) -> Slots {
        let bytes = std::mem::size_of::<Slot>() * len.max(1);
        let map = MmapOptions::new().len(bytes).populate().map_anon().unwrap_or_else(|_| {
            std::alloc::handle_alloc_error(std::alloc::Layout::array::<Slot>(len).expect("table size"))
        });
        Slots { map, len }
    }
}

impl Deref for Slots {
    type Target = [Slot];
    fn deref(&self) -> &[Slot] {
        bytemuck::cast_slice(&self.map[..std::mem::size_of::<Slot>() * self.len])
    }
}

impl DerefMut for Slots {
    fn deref_mut(&mut self) -> &mut [Slot] {
        bytemuck::cast_slice_mut(&mut self.map[..std::mem::size_of::<Slot>() * self.len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_and_writable() {
        let mut slots = Slots::zeroed(100_000);
        assert_eq!(slots.len(), 100_000);
        assert!(slots.iter().all(|s| *s == [0; 3]));
        slots[99_999] = [1, 2, 3];
        assert_eq!(slots[99_999], [1, 2, 3]);
    }
}
