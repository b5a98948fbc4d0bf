//! Work on the thread pool alongside work that holds this thread: the next rows are scored or
//! formatted while the last ones are written, so that no core waits on the other's writing.

/// `work` run on the thread pool while `meanwhile` runs on this thread (which it may hold to,
/// as a writer not shared between threads): both results. Called from a thread of the pool,
/// that thread takes `work` back if no other has begun it.
pub(crate) fn alongside<T: Send, M>(
    work: impl FnOnce() -> T + Send,
    meanwhile: impl FnOnce() -> M,
) -> (T, M) {
    let mut done = None;
    let other = rayon::in_place_scope(|scope| {
        scope.spawn(|_| done = Some(work()));
        meanwhile()
    });
    (
        done.expect("a scope returns once the work it spawned is done"),
        other,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_run_and_both_results_come_back_from_inside_and_outside_the_pool() {
        let mut written = Vec::new();
        let (sum, ()) = alongside(|| (1..=100).sum::<u64>(), || written.push("meanwhile"));
        assert_eq!((sum, written), (5050, vec!["meanwhile"]));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        // On a pool of one thread, busy with `meanwhile`, the work is taken back at the end.
        let (len, doubled) = pool.install(|| alongside(|| "work".len(), || 21 * 2));
        assert_eq!((len, doubled), (4, 42));
    }
}
