//! [`Previous`]: installing a signal handler over whatever was there, and chaining to it. The
//! `SIGBUS` guard ([`super::mmap`]) and the lease's `SIGIO` handler ([`super::lease`]) both do.
//!
//! # Safety
//!
//! `sigaction(2)` is called with a zeroed, then filled, struct. The action it replaced is kept
//! as plain data, written once before our handler can run and only read afterwards, and is
//! called only from our handler for the same signal, with the arguments the kernel gave it:
//! what the kernel would have done had we not been installed.

#![allow(unsafe_code)]

/// A handler that takes the signal's `siginfo` (`SA_SIGINFO`).
pub(super) type Handler = extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void);

/// The action that was installed for a signal before ours.
pub(super) struct Previous(libc::sigaction);
// SAFETY: see the module docs.
unsafe impl Sync for Previous {}
unsafe impl Send for Previous {}

impl Previous {
    /// Installs `handler` for `signal` with `flags` (and `SA_SIGINFO`): the action it replaced,
    /// or `None` when `sigaction` refused.
    pub(super) fn install(signal: libc::c_int, handler: Handler, flags: libc::c_int) -> Option<Previous> {
        // SAFETY: see the module docs.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = handler as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | flags;
            libc::sigemptyset(&mut action.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            (libc::sigaction(signal, &action, &mut old) == 0).then_some(Previous(old))
        }
    }

    /// Calls the replaced action's handler, from ours, with the kernel's arguments; false when
    /// it was the default action or "ignore" (nothing to call).
    pub(super) fn chain(&self, signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) -> bool {
        let handler = self.0.sa_sigaction;
        if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
            return false;
        }
        // SAFETY: `handler` is the address of the function the replaced action installed, of
        // the type its flags say; see the module docs.
        unsafe {
            if self.0.sa_flags & libc::SA_SIGINFO != 0 {
                let f: Handler = std::mem::transmute(handler);
                f(signal, info, context);
            } else {
                let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
                f(signal);
            }
        }
        true
    }
}
