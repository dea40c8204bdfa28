//! Line buffers handed back for reuse. The JSONL reader reads each line
//! into a buffer that becomes the record's text (no copy), and a worker
//! thread parses and drops it. Dropped there, the memory went back to the
//! allocator on another thread, and the reader kept touching fresh pages:
//! on a 2,000-trip file every line's pages were faulted in, and the page
//! faults were the reading thread's largest cost (docs/PERFORMANCE.md,
//! step 63). [`InputRecord::into_trajectory`](super::InputRecord) gives
//! the parsed line's buffer back here and the reader takes it again.
//!
//! Process-wide and bounded: at most [`MAX_POOLED_BYTES`] of capacity is
//! held, so a library user who never reads again holds at most that. The
//! contents are cleared before reuse, so nothing of one record reaches
//! another, and the output does not depend on which buffer a line gets.

use std::sync::Mutex;

/// The most buffer capacity the pool holds, bytes: a few of the batch's
/// default 8 MiB windows of input (the reader takes buffers back as fast as
/// the workers give them).
pub(crate) const MAX_POOLED_BYTES: usize = 32 << 20;

/// Buffers given back, and the sum of their capacities.
static POOL: Mutex<(Vec<Vec<u8>>, usize)> = Mutex::new((Vec::new(), 0));

/// An empty buffer of at least `capacity` bytes: one given back, if any
/// (grown if it is smaller), else a new one.
pub(crate) fn take(capacity: usize) -> Vec<u8> {
    let reused = POOL.lock().ok().and_then(|mut pool| {
        let buf = pool.0.pop()?;
        pool.1 -= buf.capacity();
        Some(buf)
    });
    match reused {
        Some(mut buf) => {
            buf.clear();
            buf.reserve(capacity);
            buf
        }
        None => Vec::with_capacity(capacity),
    }
}

/// Gives `buf` back for reuse; it is dropped if the pool is full.
pub(crate) fn give(buf: Vec<u8>) {
    if let Ok(mut pool) = POOL.lock()
        && pool.1 + buf.capacity() <= MAX_POOLED_BYTES
    {
        pool.1 += buf.capacity();
        pool.0.push(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_comes_back_empty_and_large_enough() {
        let mut buf = take(10);
        buf.extend_from_slice(b"secret line");
        give(buf);
        // Whatever buffer comes out (tests share the pool), it is empty and
        // holds the capacity asked for.
        let again = take(100);
        assert!(again.is_empty());
        assert!(again.capacity() >= 100);
    }

    #[test]
    fn the_pool_holds_at_most_its_bound() {
        for _ in 0..3 {
            give(Vec::with_capacity(MAX_POOLED_BYTES / 2 + 1));
        }
        let held = POOL.lock().unwrap().1;
        assert!(held <= MAX_POOLED_BYTES, "{held}");
    }
}
