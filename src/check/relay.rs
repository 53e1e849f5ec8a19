//! The pieces' round trip: read in file order and worked by whichever thread is free, then settled in order by the calling thread.
//!
//! Every thread, the calling one included, takes the next piece of the file when it has
//! nothing else to do, and works it; the calling thread settles the worked pieces in file
//! order whenever the next one is ready, before it takes a piece of its own. So there are
//! as many threads as cores, and a thread wakes another only when that one was waiting,
//! where a thread that read, a pool that worked and a thread that settled woke each other
//! for every piece (those wake-ups were about a tenth of the CPU of a check). Only `alive`
//! pieces exist at once: the calling thread waits when the next piece is still being worked
//! and none is free, and the others when none is free.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Condvar, Mutex, MutexGuard};

/// What the threads share: the free pieces, the worked ones waiting for their turn, and
/// whether the input is over.
struct Queue<T, E> {
    free: Vec<T>,
    /// Pieces made so far (at most `alive`).
    made: usize,
    /// Worked pieces, by their number in file order.
    done: BTreeMap<u64, Result<T, E>>,
    /// The number of pieces the input had, once it ended (or failed, or the settling stopped).
    total: Option<u64>,
    /// Threads waiting on the condition.
    waiting: usize,
}

/// The reading end: the source and the number of the next piece.
struct Source<R> {
    read: R,
    next: u64,
    ended: bool,
}

struct Relay<R, T, E> {
    queue: Mutex<Queue<T, E>>,
    changed: Condvar,
    source: Mutex<Source<R>>,
    alive: usize,
}

/// Runs the pieces through `read` (one thread at a time, in file order), `work` (any
/// thread) and `settle` (the calling thread, in file order), with `threads` threads in all,
/// until the input ends or `read` or `settle` fails. A panic in `read` or `work` is settled
/// as `panicked()` and then goes on unwinding (out of this function, once the threads are joined).
pub fn run<T, E, R>(
    threads: usize,
    alive: usize,
    read: R,
    work: impl Fn(&mut T) + Sync,
    mut settle: impl FnMut(&mut T) -> Result<(), E>,
    panicked: impl Fn() -> E + Sync,
) -> Result<(), E>
where
    T: Default + Send,
    E: Send,
    R: FnMut(&mut T) -> Result<bool, E> + Send,
{
    let relay = Relay {
        queue: Mutex::new(Queue { free: Vec::new(), made: 0, done: BTreeMap::new(), total: None, waiting: 0 }),
        changed: Condvar::new(),
        source: Mutex::new(Source { read, next: 0, ended: false }),
        alive: alive.max(1),
    };
    let (relay, work, panicked) = (&relay, &work, &panicked);
    let mut own_panic = None;
    let settled = std::thread::scope(|scope| {
        // A thread more than there are pieces would only wait.
        for i in 1..threads.clamp(1, relay.alive) {
            let name = format!("smcplan-check-{i}");
            let spawned = std::thread::Builder::new().name(name).spawn_scoped(scope, move || {
                while let Some((seq, piece)) = relay.take(relay.lock(), false, panicked) {
                    if let Some(panic) = relay.work(seq, piece, work, panicked) {
                        std::panic::resume_unwind(panic);
                    }
                }
            });
            // Fewer threads only make the check slower.
            drop(spawned);
        }
        // However the settling ends, the other threads stop taking pieces.
        let _stop = Stop(relay);
        let mut next = 0;
        let mut queue = relay.lock();
        loop {
            if let Some(worked) = queue.done.remove(&next) {
                drop(queue);
                let mut piece = worked?;
                settle(&mut piece)?;
                next += 1;
                queue = relay.lock();
                queue.free.push(piece);
                relay.wake(&queue);
            } else if queue.total == Some(next) {
                return Ok(());
            } else if let Some((seq, piece)) = relay.take(queue, true, panicked) {
                // The pieces before this one are settled before its panic goes on.
                if let Some(panic) = relay.work(seq, piece, work, panicked) {
                    own_panic.get_or_insert(panic);
                }
                queue = relay.lock();
            } else {
                queue = relay.lock();
                if !queue.done.contains_key(&next) && queue.total != Some(next) {
                    queue = relay.wait(queue);
                }
            }
        }
    });
    if let Some(panic) = own_panic {
        std::panic::resume_unwind(panic);
    }
    settled
}

impl<R, T, E> Relay<R, T, E> {
    fn lock(&self) -> MutexGuard<'_, Queue<T, E>> {
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn wait<'q>(&self, mut queue: MutexGuard<'q, Queue<T, E>>) -> MutexGuard<'q, Queue<T, E>> {
        queue.waiting += 1;
        let mut queue = self.changed.wait(queue).unwrap_or_else(|poisoned| poisoned.into_inner());
        queue.waiting -= 1;
        queue
    }

    /// Wakes the threads waiting, if any (a wake-up is a system call).
    fn wake(&self, queue: &Queue<T, E>) {
        if queue.waiting > 0 {
            self.changed.notify_all();
        }
    }
}

impl<R, T, E> Relay<R, T, E>
where
    T: Default,
    R: FnMut(&mut T) -> Result<bool, E>,
{
    /// Reads the next piece into a free one, or `None` when the input is over; without
    /// `once`, waits for a piece to be free, else returns `None` at once when none is. A
    /// panic while reading ends the input (as `panicked()`) and goes on unwinding.
    fn take(&self, mut queue: MutexGuard<'_, Queue<T, E>>, once: bool, panicked: &impl Fn() -> E) -> Option<(u64, T)> {
        let mut piece = loop {
            if queue.total.is_some() {
                return None;
            }
            if let Some(piece) = queue.free.pop() {
                break piece;
            }
            if queue.made < self.alive {
                queue.made += 1;
                break T::default();
            }
            if once {
                return None;
            }
            queue = self.wait(queue);
        };
        drop(queue);
        let mut source = self.source.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let seq = source.next;
        if source.ended {
            drop(source);
            self.lock().free.push(piece);
            return None;
        }
        let read = std::panic::catch_unwind(AssertUnwindSafe(|| read_piece(&mut source.read, &mut piece)));
        let (failed, panic) = match read {
            Ok(Ok(true)) => {
                source.next += 1;
                return Some((seq, piece));
            }
            Ok(Ok(false)) => (None, None),
            Ok(Err(e)) => (Some(e), None),
            Err(panic) => (Some(panicked()), Some(panic)),
        };
        // The end is told while the source is still held, so that no thread that reads after
        // it can tell an end before it (without the failure of this piece).
        source.ended = true;
        let mut queue = self.lock();
        let total = seq + u64::from(failed.is_some());
        if let Some(e) = failed {
            queue.done.insert(seq, Err(e));
        }
        queue.free.push(piece);
        queue.total = Some(queue.total.map_or(total, |t| t.min(total)));
        self.wake(&queue);
        drop(queue);
        drop(source);
        if let Some(panic) = panic {
            std::panic::resume_unwind(panic);
        }
        None
    }

    /// Works a piece and hands it in; a panic is handed in as `panicked()`, and returned.
    fn work(&self, seq: u64, mut piece: T, work: &impl Fn(&mut T), panicked: &impl Fn() -> E) -> Option<Panic> {
        let worked = std::panic::catch_unwind(AssertUnwindSafe(|| work(&mut piece)));
        let mut queue = self.lock();
        queue.done.insert(seq, worked.as_ref().map(|()| piece).map_err(|_| panicked()));
        self.wake(&queue);
        worked.err()
    }
}

/// What a panic carries.
type Panic = Box<dyn std::any::Any + Send>;

/// Reads one piece (a function of its own, so that a profile tells reading from working).
#[inline(never)]
fn read_piece<T, E>(read: &mut impl FnMut(&mut T) -> Result<bool, E>, piece: &mut T) -> Result<bool, E> {
    read(piece)
}

/// Ends the input for every thread when the settling stops, however it stops.
struct Stop<'r, R, T, E>(&'r Relay<R, T, E>);

impl<R, T, E> Drop for Stop<'_, R, T, E> {
    fn drop(&mut self) {
        let mut queue = self.0.lock();
        queue.total = Some(0);
        self.0.wake(&queue);
    }
}

#[cfg(test)]
mod tests {
    use super::run;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A piece of the tests: its number as read, and as worked.
    #[derive(Default)]
    struct Piece {
        read: u64,
        worked: u64,
    }

    /// Runs `n` pieces; `fail_read` fails the read of that piece, `fail_settle` the settling.
    fn trip(
        threads: usize,
        alive: usize,
        n: u64,
        fail_read: Option<u64>,
        fail_settle: Option<u64>,
    ) -> (Vec<u64>, Result<(), String>, u64) {
        let reads = AtomicU64::new(0);
        let mut settled = Vec::new();
        let mut next = 0;
        let got = run(
            threads,
            alive,
            |piece: &mut Piece| {
                reads.fetch_add(1, Ordering::Relaxed);
                if Some(next) == fail_read {
                    return Err(format!("read {next}"));
                }
                piece.read = next;
                next += 1;
                Ok(piece.read < n)
            },
            // Uneven work, so that pieces are worked out of order.
            |piece| {
                for i in 0..(piece.read % 7) * 1000 {
                    std::hint::black_box(i);
                }
                piece.worked = piece.read;
            },
            |piece| {
                if Some(piece.read) == fail_settle {
                    return Err(format!("settle {}", piece.read));
                }
                settled.push(piece.worked);
                Ok(())
            },
            || "panicked".to_string(),
        );
        (settled, got, reads.load(Ordering::Relaxed))
    }

    #[test]
    fn every_piece_is_settled_once_in_file_order_whatever_thread_worked_it() {
        for threads in 1..=4 {
            for alive in 1..=5 {
                let (settled, got, _) = trip(threads, alive, 300, None, None);
                assert_eq!(got, Ok(()));
                assert_eq!(settled, (0..300).collect::<Vec<_>>(), "{threads} threads, {alive} alive");
            }
        }
        assert_eq!(trip(2, 6, 0, None, None).0, Vec::<u64>::new());
    }

    #[test]
    fn a_read_that_fails_ends_the_run_after_the_pieces_before_it() {
        for threads in 1..=3 {
            let (settled, got, _) = trip(threads, 4, 300, Some(120), None);
            assert_eq!(got, Err("read 120".to_string()));
            assert_eq!(settled, (0..120).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_settling_that_fails_stops_the_reading() {
        for threads in 1..=3 {
            let (settled, got, reads) = trip(threads, 4, 10_000, None, Some(50));
            assert_eq!(got, Err("settle 50".to_string()));
            assert_eq!(settled, (0..50).collect::<Vec<_>>());
            // No more than the pieces alive are read past the one that failed.
            assert!(reads <= 50 + 4, "{reads} reads");
        }
    }

    /// Runs 100 pieces on `threads` threads, the read of piece 30 panicking when
    /// `read_fails`, else the work of piece 40; whether the run panicked, and what it settled.
    fn panicking(threads: usize, read_fails: bool) -> (bool, Vec<u64>) {
        let settled = std::sync::Mutex::new(Vec::new());
        let caught = std::panic::catch_unwind(|| {
            let mut next = 0;
            run(
                threads,
                3,
                |piece: &mut Piece| {
                    assert!(!read_fails || next != 30, "the reader fails");
                    piece.read = next;
                    next += 1;
                    Ok::<bool, String>(piece.read < 100)
                },
                |piece| assert!(read_fails || piece.read != 40, "a worker fails"),
                |piece| {
                    settled.lock().unwrap().push(piece.read);
                    Ok(())
                },
                || "panicked".to_string(),
            )
        });
        (caught.is_err(), settled.into_inner().unwrap())
    }

    #[test]
    fn a_panic_while_working_is_settled_as_an_error_and_goes_on_unwinding() {
        // One thread: the calling thread's own panic; two: either thread's.
        for threads in 1..=2 {
            assert_eq!(panicking(threads, false), (true, (0..40).collect()));
        }
    }

    #[test]
    fn a_panic_while_reading_ends_the_input_and_goes_on_unwinding() {
        for threads in 1..=3 {
            let (panicked, settled) = panicking(threads, true);
            assert!(panicked && settled.len() <= 30, "{threads} threads: {settled:?}");
        }
    }
}
