//! Items made on a thread of their own and used on the calling one, handed over in batches
//! through a bounded channel: the two overlap, and memory holds a few batches at most.

use std::sync::mpsc;

/// Items in one batch.
const BATCH: usize = 4096;
/// Batches made and not yet used, at most.
const AHEAD: usize = 4;

/// Runs `make` on a new thread, which gives each item to its `emit` (false: the user has
/// stopped, make no more), while `use_all` takes the items in order on this thread. When
/// `use_all` returns early, `make` is told at the next batch it hands over (its `emit` says stop),
/// and is waited for.
pub fn overlapped<T: Send, R>(
    make: impl FnOnce(&mut dyn FnMut(T) -> bool) + Send,
    use_all: impl FnOnce(&mut dyn Iterator<Item = T>) -> R,
) -> R {
    let (tx, rx) = mpsc::sync_channel::<Vec<T>>(AHEAD);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let mut open = true;
            make(&mut |item| {
                batch.push(item);
                if batch.len() == BATCH {
                    open = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_ok();
                }
                open
            });
            if open && !batch.is_empty() {
                let _ = tx.send(batch);
            }
        });
        // The receiver is dropped on return, which stops the maker at its next batch.
        let mut items = rx.into_iter().flatten();
        use_all(&mut items)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_arrives_in_order() {
        let n = BATCH * 3 + 17;
        let got: Vec<usize> = overlapped(
            |emit| {
                for i in 0..n {
                    if !emit(i) {
                        return;
                    }
                }
            },
            |items| items.collect(),
        );
        assert_eq!(got, (0..n).collect::<Vec<_>>());
    }

    #[test]
    fn a_user_that_stops_early_stops_the_maker() {
        let made = std::sync::atomic::AtomicUsize::new(0);
        let first: Vec<usize> = overlapped(
            |emit| {
                for i in 0.. {
                    made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if !emit(i) {
                        return;
                    }
                }
            },
            |items| items.take(3).collect(),
        );
        assert_eq!(first, [0, 1, 2]);
        // The maker ran at most the batches the channel holds, the one it was filling, and
        // the one it sent when the user had already gone.
        assert!(made.load(std::sync::atomic::Ordering::Relaxed) <= BATCH * (AHEAD + 3));
    }
}
