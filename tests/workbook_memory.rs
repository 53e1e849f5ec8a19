//! A workbook costs memory by the cells it holds, not by how far apart they are: the
//! reader's peak allocation, counted by this test binary's allocator, stays within a bound
//! set by the cells present for sparse sheets whose cells reach the sheet's far corner.

use proptest::prelude::*;
use rust_xlsxwriter::Workbook;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes held now and the most held since the last reset.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; only counts are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                let now = HELD.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                HELD.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most the reader held above what was held before it, reading `path`.
fn peak_of_reading(path: &std::path::Path) -> usize {
    let before = HELD.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let read = smcplan::inventory::sheet::read(path, None);
    let peak = PEAK.load(Ordering::Relaxed) - before;
    drop(read);
    peak
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_peak_follows_the_cells_present(
        far in proptest::collection::vec((2u32..1_048_576, 0u16..16_384), 0..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sparse.xlsx");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["RegionId", "SourceId", "Name", "ImageName", "SystemDiskSize"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
            sheet.write_string(1, c as u16, format!("v{c}")).unwrap();
        }
        for (row, col) in &far {
            sheet.write_string(*row, *col, "x").unwrap();
        }
        book.save(&path).unwrap();
        let peak = peak_of_reading(&path);
        // The zip's buffers and the widest row (16,384 fields) at most, once a row: a few
        // megabytes, where the sheet's corners would ask for hundreds of gigabytes.
        let bound = (1 << 20) + far.len() * (1 << 20);
        prop_assert!(peak <= bound, "{} far cells: the reader held {peak} bytes at its peak (bound {bound})", far.len());
    }
}
