//! Memory given back to the system once a large call is over.
//!
//! glibc keeps what a thread freed in that thread's arena (up to eight arenas per core), where
//! the next allocation may reuse it but the system never gets it back: after a report of tens of
//! thousands of contributions was assembled, or a large page of reports answered, the server's
//! resident set stays where the call took it. `malloc_trim` hands every arena's free pages back.
//! It walks all the arenas under their locks, taking some milliseconds, so it runs on a thread
//! of its own, never on the runtime's workers, and requests made while it runs become one more
//! trim, not one each.

use std::sync::{
    OnceLock,
    mpsc::{SyncSender, sync_channel},
};

/// A response at least this large is followed by a trim, whatever its method.
pub const LARGE_RESPONSE_BYTES: usize = 1 << 20;

/// Whether a method's work is large whatever its response: it assembles a report, or reads or
/// writes a whole file of rows. (ExportReport trims when its renderer stops, which may be after
/// its response is gone.)
pub fn is_large_work(method: &str) -> bool {
    matches!(
        method,
        "GenerateReport" | "FinalizeReport" | "DiffReports" | "ExportIati" | "Reconcile"
    ) || method.starts_with("Import")
}

/// Asks for the freed memory of every arena to be given back soon; returns at once.
pub fn give_back() {
    static TRIMMER: OnceLock<Option<SyncSender<()>>> = OnceLock::new();
    let trimmer = TRIMMER.get_or_init(|| {
        // One request waiting is enough: it is served after the trim that runs now.
        let (requests, waiting) = sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("malloc-trim".into())
            .spawn(move || {
                while waiting.recv().is_ok() {
                    trim();
                }
            })
            .ok()
            .map(|_| requests)
    });
    if let Some(requests) = trimmer {
        let _ = requests.try_send(());
    }
}

/// Gives the free pages of every arena back to the system, now, on this thread.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own arenas under their locks; it takes no pointer.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_work_is_named_by_method() {
        assert!(is_large_work("GenerateReport"));
        assert!(is_large_work("ImportContributions"));
        assert!(is_large_work("ImportIati"));
        assert!(!is_large_work("GetSession"));
        assert!(
            !is_large_work("ListReports"),
            "large only when its answer is"
        );
    }
}
