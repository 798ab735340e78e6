//! Reading a file a caller named (a model, a labels file): regular files only, and never
//! more than a cap read, whatever size the file reports.
//!
//! A size check on `metadata().len()` is not enough: `/dev/zero` reports 0 bytes and never
//! ends (the reader ran until memory was gone), and a FIFO reports 0 and blocks every `open`
//! until a writer comes (for ever). Both can arrive by a symlink that automatic discovery
//! finds in a models folder. So the file is opened without blocking, checked on the opened
//! descriptor (no race with a path swapped in between) to be a regular file, and read through
//! a limit of cap + 1 bytes, the extra byte telling "too large" from "exactly the cap".

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Why a file could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    NotFound,
    /// A directory, FIFO, device or socket: what it is, for the message.
    NotRegular(&'static str),
    /// More than the cap (which it carries).
    TooLarge(u64),
    Io(io::Error),
}

/// [`ReadError::NotFound`] where a caller reports it as an I/O error: "no such file", not
/// Rust's "entity not found".
pub(crate) fn no_such_file() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "no such file")
}

/// Reads the regular file at `path` (after symlinks) if it holds at most `cap` bytes.
pub(crate) fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let file = open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ReadError::NotFound,
        _ => ReadError::Io(e),
    })?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(&meta)));
    }
    if meta.len() > cap {
        return Err(ReadError::TooLarge(cap));
    }
    // The size a regular file reports is only a hint (it may grow while it is read).
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge(cap));
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a
    // writer; it changes nothing for the regular files read afterwards.
    File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> io::Result<File> {
    File::open(path)
}

fn kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn dev_zero_is_refused_without_reading_it() {
        match read_regular(Path::new("/dev/zero"), 1 << 20) {
            Err(ReadError::NotRegular(k)) => assert_eq!(k, "a character device"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn at_most_cap_plus_one_bytes_are_read() {
        let dir = std::env::temp_dir().join(format!("movinet-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ten.txt");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_regular(&path, 10).unwrap(), b"0123456789");
        assert!(matches!(
            read_regular(&path, 9),
            Err(ReadError::TooLarge(9))
        ));
        assert!(matches!(
            read_regular(&dir, 10),
            Err(ReadError::NotRegular("a directory"))
        ));
        assert!(matches!(
            read_regular(&dir.join("missing"), 10),
            Err(ReadError::NotFound)
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
