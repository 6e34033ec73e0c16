//! The wall clock's whole seconds from the kernel's coarse clock (`CLOCK_REALTIME_COARSE`),
//! read through the C library: it uses the vDSO when the process has one and falls back to the
//! system call when not (under valgrind, which hides the vDSO from the program; rustix's own
//! vDSO reader faulted there).

#![allow(unsafe_code)]

/// Seconds since the Unix epoch, as of the last clock tick (at most a few milliseconds old);
/// 0 if the clock cannot be read.
pub fn coarse_unix_seconds() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid, writable `timespec` for the duration of the call, and
    // `CLOCK_REALTIME_COARSE` is a clock id every Linux since 2.6.32 knows; on an error the
    // call writes nothing and `now` stays zero.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut now) };
    if rc == 0 { u64::try_from(now.tv_sec).unwrap_or(0) } else { 0 }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_coarse_second_is_the_wall_clocks() {
        let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let coarse = super::coarse_unix_seconds();
        let after = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        // The coarse clock lags the precise one by at most a tick.
        assert!(before.saturating_sub(1) <= coarse && coarse <= after, "{before} {coarse} {after}");
    }
}
