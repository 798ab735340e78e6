//! Class names, one per line; line i names logit i.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::files::{no_such_file, read_regular, ReadError};
use crate::spec::ModelSpec;

/// Largest labels file accepted.
const MAX_LABELS_BYTES: u64 = 16 << 20;

/// Class names, line i naming logit i (checked: non-empty UTF-8 lines, no duplicates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    names: Vec<String>,
    source: Option<PathBuf>,
}

impl Labels {
    /// Reads a labels file (UTF-8, one label per line, `\n` or `\r\n`): a regular file (not
    /// a FIFO or device) of at most 16 MB.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = read_regular(path, MAX_LABELS_BYTES).map_err(|e| match e {
            ReadError::NotFound => io(no_such_file()),
            ReadError::NotRegular(kind) => {
                Error::InvalidLabels(format!("{} is {kind}, not a labels file", path.display()))
            }
            ReadError::TooLarge(cap) => Error::InvalidLabels(format!(
                "{} is larger than {} MB, too large for a labels file",
                path.display(),
                cap >> 20
            )),
            ReadError::Io(source) => io(source),
        })?;
        let mut labels = Self::from_bytes(&bytes, &path.display().to_string())?;
        labels.source = Some(path.to_path_buf());
        Ok(labels)
    }

    /// Parses the bytes of a labels file (one that is not a file on disk: an Android asset, a
    /// download) by the rules of [`Labels::from_file`]: UTF-8, then [`Labels::parse`].
    /// `source` names it in messages.
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Self> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| Error::InvalidLabels(format!("{source} is not UTF-8 text")))?;
        Self::parse(text).map_err(|e| match e {
            Error::InvalidLabels(m) => Error::InvalidLabels(format!("{source}: {m}")),
            other => other,
        })
    }

    /// Automatic discovery, for a model that came without labels: of the file names in a
    /// folder, the ones that may be the model's labels, in the order to try them. Those are
    /// the `.txt` files; the ones that start with the model file's first word (`cattle7_` for
    /// `cattle7_a0_stream_int8.tflite`) come first, then the others, each group in name
    /// order. The first that reads as labels (by [`Labels::from_file`]'s rules) with one label
    /// per class of the model is the one. Every binding and the command apply this rule: on
    /// files with [`Labels::discover`], and on other listings (Android assets) by reading each
    /// candidate with [`Labels::from_bytes`] until one fits.
    pub fn candidates<'a>(
        model_file_name: &str,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Vec<&'a str> {
        let prefix = Self::discovery_prefix(model_file_name);
        let mut out: Vec<&str> = names.into_iter().filter(|n| n.ends_with(".txt")).collect();
        out.sort_by_key(|n| (!prefix.is_some_and(|p| n.starts_with(p)), *n));
        out
    }

    /// The model file's first word (`cattle7`), or `None` when its name has no `_` before
    /// the extension.
    fn discovery_prefix(model_file_name: &str) -> Option<&str> {
        let stem = Path::new(model_file_name)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(model_file_name);
        let end = stem.find('_')?;
        (end > 0).then(|| &model_file_name[..end])
    }

    /// Discovery on files (see [`Labels::candidates`]): the labels beside the model file at
    /// `model`, else in `more_dirs` in turn, with `classes` labels. Candidates that start with
    /// the model's first word come first whichever folder they are in. Files that cannot be
    /// read as labels (a FIFO, a device, not UTF-8, a blank line, another class count) are
    /// passed over without blocking.
    pub fn discover(model: &Path, more_dirs: &[PathBuf], classes: usize) -> Option<Self> {
        let model_name = model.file_name()?.to_str()?;
        let mut dirs: Vec<PathBuf> = model.parent().map(Path::to_path_buf).into_iter().collect();
        for d in more_dirs {
            if !dirs.contains(d) {
                dirs.push(d.clone());
            }
        }
        let prefix = Self::discovery_prefix(model_name);
        let mut found: Vec<(bool, usize, String)> = Vec::new();
        for (i, dir) in dirs.iter().enumerate() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir.as_path()
            };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let names: Vec<String> = entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .collect();
            for name in Self::candidates(model_name, names.iter().map(String::as_str)) {
                let later = !prefix.is_some_and(|p| name.starts_with(p));
                found.push((later, i, name.to_string()));
            }
        }
        found.sort();
        found.into_iter().find_map(|(_, i, name)| {
            let labels = Self::from_file(dirs[i].join(&name)).ok()?;
            (labels.len() == classes).then(|| {
                log::debug!("labels: {}", dirs[i].join(&name).display());
                labels
            })
        })
    }

    /// Parses labels text. A UTF-8 byte order mark at the start (which some Windows editors
    /// write) is not part of the first label. A final empty line (trailing newline) is
    /// ignored; any other empty line is an error, since it would shift every later label by
    /// one.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut names: Vec<String> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
            .collect();
        if names.last().is_some_and(|l| l.is_empty()) {
            names.pop();
        }
        if names.is_empty() {
            return Err(Error::InvalidLabels("no labels".into()));
        }
        if let Some(i) = names.iter().position(|l| l.trim().is_empty()) {
            return Err(Error::InvalidLabels(format!("line {} is empty", i + 1)));
        }
        Ok(Self {
            names,
            source: None,
        })
    }

    /// Reads a labels file and checks it names exactly the model's classes.
    pub fn from_file_for(path: impl AsRef<Path>, spec: &ModelSpec) -> Result<Self> {
        let labels = Self::from_file(path)?;
        labels.check(spec)?;
        Ok(labels)
    }

    /// Fails unless there is one label per class of the model.
    pub fn check(&self, spec: &ModelSpec) -> Result<()> {
        if self.names.len() != spec.num_classes {
            return Err(Error::LabelCountMismatch {
                path: self
                    .source
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("<labels>")),
                found: self.names.len(),
                expected: spec.num_classes,
            });
        }
        Ok(())
    }

    /// How many labels.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The label of class `index`.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.names.get(index).map(String::as_str)
    }

    /// Index of a label, exact match.
    pub fn index_of(&self, label: &str) -> Option<usize> {
        self.names.iter().position(|l| l == label)
    }

    /// All labels, in class order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The file the labels were read from, if they came from one.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_follow_the_file_rules() {
        let l = Labels::from_bytes("\u{feff}a\r\nb\n".as_bytes(), "x.txt").unwrap();
        assert_eq!(l.names(), ["a", "b"]);
        let blank = Labels::from_bytes(b"a\n\nb\n", "x.txt").unwrap_err();
        assert_eq!(blank.to_string(), "labels: x.txt: line 2 is empty");
        let latin1 = Labels::from_bytes(b"caf\xe9\n", "x.txt").unwrap_err();
        assert_eq!(latin1.to_string(), "labels: x.txt is not UTF-8 text");
        assert_eq!(latin1.kind(), crate::ErrorKind::InvalidLabels);
    }

    #[test]
    fn candidates_are_text_files_the_models_own_first() {
        let names = [
            "kinetics600_labels.txt",
            "cattle7_labels.txt",
            "cattle7_a0_stream_int8.tflite",
            "README.md",
            "cattle7.txt",
            "a.txt",
        ];
        assert_eq!(
            Labels::candidates("cattle7_a0_stream_int8.tflite", names),
            [
                "cattle7.txt",
                "cattle7_labels.txt",
                "a.txt",
                "kinetics600_labels.txt"
            ]
        );
        // No first word: name order only.
        assert_eq!(
            Labels::candidates("model.tflite", ["b.txt", "model_labels.txt", "a.txt"]),
            ["a.txt", "b.txt", "model_labels.txt"]
        );
        assert_eq!(
            Labels::candidates("_x.tflite", ["b.txt", "_a.txt"]),
            ["_a.txt", "b.txt"]
        );
    }

    #[test]
    fn discovery_passes_over_files_that_are_not_the_labels() {
        let dir = std::env::temp_dir().join(format!("movinet-labels-{}", std::process::id()));
        let other = dir.join("more");
        std::fs::create_dir_all(&other).unwrap();
        let model = dir.join("m_a0.tflite");
        std::fs::write(&model, b"not read").unwrap();
        // Tried first (the model's first word), each refused by a rule.
        std::fs::write(dir.join("m_a_blank.txt"), b"a\n\nc\n").unwrap();
        std::fs::write(dir.join("m_b_latin1.txt"), b"a\nb\nc\xe9\n").unwrap();
        std::fs::write(dir.join("m_c_two.txt"), b"a\nb\n").unwrap();
        std::fs::create_dir(dir.join("m_d_dir.txt")).unwrap();
        // A later candidate that fits.
        std::fs::write(dir.join("z.txt"), "\u{feff}x\ny\nz\n").unwrap();
        let found = Labels::discover(&model, &[], 3).unwrap();
        assert_eq!(found.names(), ["x", "y", "z"]);
        assert_eq!(found.source(), Some(dir.join("z.txt").as_path()));
        // The model's own first word wins across folders.
        std::fs::write(other.join("m_labels.txt"), b"p\nq\nr\n").unwrap();
        let found = Labels::discover(&model, std::slice::from_ref(&other), 3).unwrap();
        assert_eq!(found.names(), ["p", "q", "r"]);
        assert!(Labels::discover(&model, &[other], 4).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
