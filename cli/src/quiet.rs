//! LiteRT 2.1.4 logs INFO lines to stderr when it creates and destroys its environment, and
//! its `libLiteRt.so` exports no way to raise the log level (the environment's min-severity
//! option is not honoured either). A command-line tool must keep stderr for its own messages,
//! so the CLI points fd 2 at /dev/null while LiteRT loads or frees a model. `RUST_LOG=debug`
//! keeps LiteRT's lines.

use std::fs::File;
use std::os::fd::AsRawFd;

/// While alive, stderr goes to /dev/null.
pub struct Quiet {
    saved: Option<i32>,
}

impl Quiet {
    pub fn stderr() -> Self {
        if log::log_enabled!(log::Level::Debug) {
            return Self { saved: None };
        }
        let Ok(null) = File::options().write(true).open("/dev/null") else {
            return Self { saved: None };
        };
        // SAFETY: plain descriptor calls; on any failure stderr is left as it was.
        let saved = unsafe {
            let saved = libc::dup(2);
            if saved >= 0 && libc::dup2(null.as_raw_fd(), 2) < 0 {
                libc::close(saved);
                -1
            } else {
                saved
            }
        };
        Self {
            saved: (saved >= 0).then_some(saved),
        }
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        if let Some(fd) = self.saved {
            // SAFETY: `fd` is the duplicate of the original stderr made in `stderr()`.
            unsafe {
                libc::dup2(fd, 2);
                libc::close(fd);
            }
        }
    }
}
