//! What `classify` and `eval` say on stderr while they work, besides errors and warnings
//! (which always print): progress, and notes such as "subtitles written to ...".
//!
//! - On a terminal, progress is a spinner or bar that erases itself.
//! - Elsewhere (a pipe, a CI log), `classify` prints a line per second of video and `eval` a
//!   line per clip, unless stdout is for a program (`--json`): then none.
//! - `--quiet`: neither progress nor notes.

use std::io::IsTerminal;

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    Off,
    /// A spinner or bar on the terminal, erased when done.
    Bar,
    /// Plain lines.
    Lines,
}

/// What to say besides errors and warnings.
#[derive(Clone, Copy, Debug)]
pub struct Chatter {
    pub progress: Progress,
    /// "... written to PATH" lines.
    pub notes: bool,
}

impl Chatter {
    pub fn new(quiet: bool, json: bool) -> Self {
        let progress = if quiet {
            Progress::Off
        } else if std::io::stderr().is_terminal() {
            Progress::Bar
        } else if json {
            Progress::Off
        } else {
            Progress::Lines
        };
        Self {
            progress,
            notes: !quiet,
        }
    }

    /// A note on stderr, unless quiet.
    pub fn note(&self, msg: &str) {
        if self.notes {
            eprintln!("movinet: {msg}");
        }
    }
}
