//! Ctrl-C and SIGTERM: the first stops the run at the next chunk, or the sink at its
//! next row group while it finishes the tables (temporary files are removed, exit code
//! 130); a second exits at once.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Result;

pub fn interrupt_flag() -> Result<Arc<AtomicBool>> {
    let interrupted = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, interrupted.clone())?;
        signal_hook::flag::register(sig, interrupted.clone())?;
    }
    Ok(interrupted)
}

/// Raises `flag` too on SIGINT and SIGTERM (the sink's own stop flag).
pub fn forward_to(flag: &Arc<AtomicBool>) -> Result<()> {
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(flag))?;
    }
    Ok(())
}
