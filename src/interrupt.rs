//! SIGINT and SIGTERM as a request to stop: the run stops taking reports,
//! removes its staging directory and leaves the previous output as it was.
//!
//! The handlers only set flags (all a signal handler may safely do); the
//! pipeline polls them between reports. A second signal while the first is
//! being honoured gets the default action (the process dies at once), for
//! the case where stopping itself hangs: what a killed run leaves is
//! cleaned by the next one.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Whether, and by which signal, the run was asked to stop.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    signal: Arc<AtomicUsize>,
}

pub const SIGINT: i32 = signal_hook::consts::SIGINT;
pub const SIGTERM: i32 = signal_hook::consts::SIGTERM;

impl Interrupt {
    /// A flag no signal sets (library use, tests): [`Interrupt::request`]
    /// still can.
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// Handlers for SIGINT and SIGTERM that set this flag.
    pub fn install() -> std::io::Result<Interrupt> {
        let interrupt = Interrupt::new();
        let armed = Arc::new(AtomicBool::new(false));
        for signal in [SIGINT, SIGTERM] {
            // Registered before the flag: on the first signal `armed` is
            // still false, on the second it is true.
            signal_hook::flag::register_conditional_default(signal, Arc::clone(&armed))?;
            signal_hook::flag::register(signal, Arc::clone(&armed))?;
            signal_hook::flag::register_usize(
                signal,
                Arc::clone(&interrupt.signal),
                signal as usize,
            )?;
        }
        Ok(interrupt)
    }

    /// Asks the run to stop as if `signal` had arrived.
    pub fn request(&self, signal: i32) {
        self.signal.store(signal as usize, Ordering::SeqCst);
    }

    /// The signal that asked the run to stop, if one did.
    pub fn received(&self) -> Option<i32> {
        match self.signal.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s as i32),
        }
    }
}

/// The conventional exit status of a process stopped by `signal`.
pub fn exit_status(signal: i32) -> u8 {
    (128 + signal).clamp(0, 255) as u8
}

/// The signal's name, for the log.
pub fn name(signal: i32) -> String {
    match signal {
        SIGINT => "SIGINT".into(),
        SIGTERM => "SIGTERM".into(),
        s => format!("signal {s}"),
    }
}
