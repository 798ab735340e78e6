//! The files `classify` writes beside its report (`--plot`, `--srt`, `--vtt`, `--annotate`),
//! planned for every input and checked before anything is decoded: a name the format cannot
//! take, a folder that does not exist or cannot be written, or an output that would
//! overwrite an input is a usage error up front, not a failure after minutes of work.
//!
//! With several inputs each output's name gets the input's name appended (`out-clip.srt`).
//! Two inputs of the same name in different folders would get the same file; the second one's
//! gets a number (`out-clip-2.srt`) rather than overwriting the first's.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A kind of output file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Plot,
    Srt,
    Vtt,
    Annotate,
}

impl Kind {
    pub fn flag(self) -> &'static str {
        match self {
            Self::Plot => "--plot",
            Self::Srt => "--srt",
            Self::Vtt => "--vtt",
            Self::Annotate => "--annotate",
        }
    }

    /// The extension given to a derived name when the user's has none.
    fn extension(self) -> &'static str {
        match self {
            Self::Plot => "png",
            Self::Srt => "srt",
            Self::Vtt => "vtt",
            Self::Annotate => "mp4",
        }
    }

    /// Extensions the writer can honour (any for subtitles, which are text).
    fn accepts(self, path: &Path) -> Result<(), &'static str> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match (self, ext.as_deref()) {
            (Self::Plot, Some("png")) => Ok(()),
            (Self::Plot, _) => Err("the plot is a PNG: give a file name ending in .png"),
            (Self::Annotate, Some("mp4" | "m4v" | "mov")) => Ok(()),
            (Self::Annotate, _) => Err(
                "the annotated video is H.264 with a mov_text subtitle track: give a file name ending in .mp4, .m4v or .mov",
            ),
            (Self::Srt | Self::Vtt, _) => Ok(()),
        }
    }
}

/// Every input's output files, by kind.
pub struct Plan {
    per_input: Vec<Vec<(Kind, PathBuf)>>,
}

impl Plan {
    /// Where input number `i` writes its `kind` output, if asked for.
    pub fn path(&self, i: usize, kind: Kind) -> Option<&Path> {
        self.per_input
            .get(i)?
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, p)| p.as_path())
    }
}

/// A path's identity for comparisons: canonical when it exists, else its folder's canonical
/// path and its name.
fn identity(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (abs.parent(), abs.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .unwrap_or_else(|_| dir.to_path_buf())
            .join(name),
        _ => abs,
    }
}

/// `out`, or with several inputs `out`'s stem, `-`, the input's stem, and `out`'s extension
/// (the kind's when it has none); then `-2`, `-3`, ... while `taken` holds the name.
fn derive(
    out: &Path,
    input: &Path,
    several: bool,
    kind: Kind,
    taken: &HashSet<PathBuf>,
) -> PathBuf {
    if !several {
        return out.to_path_buf();
    }
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| kind.extension().into());
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| kind.extension().into());
    let clip = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = format!("{stem}-{clip}");
    let mut path = out.with_file_name(format!("{base}.{ext}"));
    let mut n = 2;
    while taken.contains(&identity(&path)) {
        path = out.with_file_name(format!("{base}-{n}.{ext}"));
        n += 1;
    }
    path
}

/// Plans and checks every output of every input (see the module's doc).
pub fn plan(inputs: &[PathBuf], outputs: &[(Kind, &Path)]) -> Result<Plan, String> {
    let several = inputs.len() > 1;
    let input_ids: Vec<PathBuf> = inputs.iter().map(|p| identity(p)).collect();
    // A file named by two flags (`--srt x --vtt x`) would hold only the last one written.
    for (i, (a, pa)) in outputs.iter().enumerate() {
        for (b, pb) in &outputs[i + 1..] {
            if identity(pa) == identity(pb) {
                return Err(format!(
                    "{} and {} both name {}: give each its own file",
                    a.flag(),
                    b.flag(),
                    pa.display()
                ));
            }
        }
    }
    let mut taken: HashSet<PathBuf> = HashSet::new();
    let mut per_input = vec![Vec::new(); inputs.len()];
    for &(kind, out) in outputs {
        kind.accepts(out)
            .map_err(|why| format!("{} {}: {why}", kind.flag(), out.display()))?;
        for (i, input) in inputs.iter().enumerate() {
            let path = derive(out, input, several, kind, &taken);
            let id = identity(&path);
            if input_ids.contains(&id) {
                return Err(format!(
                    "{} {}: that is an input; the output would overwrite it",
                    kind.flag(),
                    path.display()
                ));
            }
            check_writable(&path)
                .map_err(|why| format!("{} {}: {why}", kind.flag(), path.display()))?;
            taken.insert(id);
            per_input[i].push((kind, path));
        }
    }
    Ok(Plan { per_input })
}

/// Fails unless a file can be written at `out`, without changing what is there: an existing
/// file is opened for writing (not truncated), a new one is created and removed again.
fn check_writable(out: &Path) -> Result<(), String> {
    match std::fs::metadata(out) {
        Ok(m) if !m.is_file() => Err("exists and is not a regular file".into()),
        Ok(_) => std::fs::OpenOptions::new()
            .write(true)
            .open(out)
            .map(drop)
            .map_err(|e| io_reason(&e)),
        Err(_) => std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(out)
            .and_then(|_| std::fs::remove_file(out))
            .map_err(|e| io_reason(&e)),
    }
}

/// An I/O error in words, without Rust's debug text.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            "its folder does not exist (No such file or directory)".into()
        }
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("movinet-outputs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("a")).unwrap();
        std::fs::create_dir_all(d.join("b")).unwrap();
        d
    }

    #[test]
    fn inputs_of_the_same_name_get_numbered_files() {
        let d = scratch("same");
        let inputs = [
            d.join("a/clip.mp4"),
            d.join("b/clip.mp4"),
            d.join("b/other.mkv"),
        ];
        let srt = d.join("events.srt");
        let mp4 = d.join("seen.mp4");
        let plan = plan(&inputs, &[(Kind::Srt, &srt), (Kind::Annotate, &mp4)]).unwrap();
        let name = |i, k| {
            plan.path(i, k)
                .unwrap()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(name(0, Kind::Srt), "events-clip.srt");
        assert_eq!(name(1, Kind::Srt), "events-clip-2.srt");
        assert_eq!(name(2, Kind::Srt), "events-other.srt");
        assert_eq!(name(1, Kind::Annotate), "seen-clip-2.mp4");
        assert!(plan.path(0, Kind::Plot).is_none());
        // Checking left nothing behind.
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 2);
    }

    #[test]
    fn an_output_over_an_input_or_another_output_is_refused() {
        let d = scratch("clash");
        let input = d.join("a/clip.mp4");
        std::fs::write(&input, b"x").unwrap();
        let e = plan(std::slice::from_ref(&input), &[(Kind::Annotate, &input)])
            .err()
            .unwrap();
        assert!(e.contains("that is an input"), "{e}");
        let x = d.join("x.txt");
        let e = plan(
            std::slice::from_ref(&input),
            &[(Kind::Srt, &x), (Kind::Vtt, &x)],
        )
        .err()
        .unwrap();
        assert!(e.starts_with("--srt and --vtt both name "), "{e}");
        let e = plan(
            std::slice::from_ref(&input),
            &[(Kind::Annotate, &d.join("out.avi"))],
        )
        .err()
        .unwrap();
        assert!(e.contains("ending in .mp4, .m4v or .mov"), "{e}");
    }
}
