//! Class names, one per line; line i names logit i.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::files::{read_regular, ReadError};
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
            ReadError::NotFound => io(std::io::ErrorKind::NotFound.into()),
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
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::InvalidLabels(format!("{} is not UTF-8 text", path.display())))?;
        let mut labels = Self::parse(&text).map_err(|e| match e {
            Error::InvalidLabels(m) => Error::InvalidLabels(format!("{}: {m}", path.display())),
            other => other,
        })?;
        labels.source = Some(path.to_path_buf());
        Ok(labels)
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
