//! Zeroed memory for the conflict table, mapped with all its pages in place.
//!
//! The table is written at random, so a million-row batch would otherwise take a page
//! fault for each of its tens of thousands of pages while the batch stage waits. The
//! mapping is populated up front instead, in one call. (2 MiB pages were tried: they save
//! TLB misses, but the kernel compacts memory to find them, which cost more, up to
//! 0.1 s a run here.)

use memmap2::{MmapMut, MmapOptions};
use std::ops::{Deref, DerefMut};

/// `len` zeroed slots of type `T` in an anonymous mapping.
pub struct Slots<T> {
    map: MmapMut,
    len: usize,
    slot: std::marker::PhantomData<T>,
}

impl<T: bytemuck::Pod> Slots<T> {
    pub fn zeroed(len: usize) -> Slots<T> {
        let bytes = std::mem::size_of::<T>() * len.max(1);
        let map = MmapOptions::new().len(bytes).populate().map_anon().unwrap_or_else(|_| {
            std::alloc::handle_alloc_error(std::alloc::Layout::array::<T>(len).expect("table size"))
        });
        Slots { map, len, slot: std::marker::PhantomData }
    }
}

impl<T: bytemuck::Pod> Deref for Slots<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        bytemuck::cast_slice(&self.map[..std::mem::size_of::<T>() * self.len])
    }
}

impl<T: bytemuck::Pod> DerefMut for Slots<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        bytemuck::cast_slice_mut(&mut self.map[..std::mem::size_of::<T>() * self.len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_and_writable() {
        let mut slots = Slots::<[u32; 3]>::zeroed(100_000);
        assert_eq!(slots.len(), 100_000);
        assert!(slots.iter().all(|s| *s == [0; 3]));
        slots[99_999] = [1, 2, 3];
        assert_eq!(slots[99_999], [1, 2, 3]);
    }
}
