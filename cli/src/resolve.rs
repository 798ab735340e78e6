//! Finding models and labels: names (`a0`, `a1`, `a2`) resolve through `--models-dir`, then
//! `MOVINET_MODELS_DIR`, then the repository's `models/`; anything else is a path.

use std::path::{Path, PathBuf};

use movinet::{Labels, ModelSpec};

/// Official model names and their file names (as `models/fetch.sh` saves them).
pub const NAMES: &[&str] = &["a0", "a1", "a2"];

/// Where named models are looked up, in order.
pub fn search_dirs(models_dir: Option<&Path>) -> Vec<PathBuf> {
    sources(models_dir).into_iter().map(|(d, _)| d).collect()
}

/// The folders searched and what named each.
fn sources(models_dir: Option<&Path>) -> Vec<(PathBuf, &'static str)> {
    let mut dirs = Vec::new();
    if let Some(d) = models_dir {
        dirs.push((d.to_path_buf(), "--models-dir"));
    }
    if let Some(d) = std::env::var_os("MOVINET_MODELS_DIR") {
        dirs.push((PathBuf::from(d), "MOVINET_MODELS_DIR"));
    }
    dirs.push((
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../models"),
        "the repository's models/",
    ));
    dirs
}

/// Why no model was found, and what to do: each folder searched (saying which are missing
/// and what named them), then the fix that applies (a folder given that does not exist is
/// the thing to correct, not a variable to set).
pub fn not_found_advice(models_dir: Option<&Path>, fetch: &str) -> String {
    let dirs = sources(models_dir);
    let listed: Vec<String> = dirs
        .iter()
        .map(|(d, from)| {
            let missing = if d.is_dir() { "" } else { ": no such folder" };
            format!("{} ({from}{missing})", d.display())
        })
        .collect();
    let missing_given: Vec<&str> = dirs
        .iter()
        .filter(|(d, from)| !d.is_dir() && !from.starts_with("the repository"))
        .map(|(_, from)| *from)
        .collect();
    let fix = if missing_given.is_empty() {
        format!("run models/fetch.sh{fetch}, or point --models-dir or MOVINET_MODELS_DIR at a folder of models")
    } else {
        format!(
            "check {} (it names a folder that does not exist), or run models/fetch.sh{fetch}",
            missing_given.join(" and ")
        )
    };
    format!("searched {}; {fix}", listed.join(", "))
}

/// A resolved model file, and whether it is a random-weight stand-in.
pub struct ModelFile {
    pub path: PathBuf,
    pub display_name: String,
    pub synthetic: bool,
}

pub fn model(arg: &str, models_dir: Option<&Path>) -> Result<ModelFile, String> {
    let lower = arg.to_ascii_lowercase();
    if NAMES.contains(&lower.as_str()) {
        let dirs = search_dirs(models_dir);
        // `exists`, not `is_file`: a FIFO or a link to a device under the model's name is
        // reported by the core's reader ("... is a FIFO (named pipe), not a model file")
        // rather than passed over.
        for dir in &dirs {
            let p = dir.join(format!("movinet_{lower}_stream_int8.tflite"));
            if p.exists() {
                return Ok(ModelFile {
                    path: p,
                    display_name: lower,
                    synthetic: false,
                });
            }
        }
        for dir in &dirs {
            let p = dir
                .join("synthetic")
                .join(format!("movinet_{lower}_stream_int8_synthetic.tflite"));
            if p.exists() {
                return Ok(ModelFile {
                    path: p,
                    display_name: format!("{lower} (synthetic)"),
                    synthetic: true,
                });
            }
        }
        return Err(format!(
            "model `{lower}` not found: {}",
            not_found_advice(models_dir, &format!(" {lower}"))
        ));
    }
    let path = PathBuf::from(arg);
    if path.exists() {
        // Whether it is a regular file the core's reader says, in its own words.
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| arg.into());
        return Ok(ModelFile {
            path,
            display_name: name,
            synthetic: false,
        });
    }
    // What reads as a path (a folder in it, or a model file's extension) is a file that is
    // not there, not an unknown model name.
    let looks_like_a_path = arg.contains(std::path::MAIN_SEPARATOR)
        || Path::new(arg)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("tflite"));
    if looks_like_a_path {
        return Err(format!("model file not found: {arg} (no such file)"));
    }
    Err(format!(
        "unknown model `{arg}`: use a0, a1, a2 or the path of a .tflite file"
    ))
}

/// The labels for a model: `--labels` if given; else the core's discovery
/// (`Labels::discover`, the rule the Kotlin and Swift bindings apply too): a `.txt` beside the
/// model (or in the search dirs) that reads as labels with exactly one per class, preferring
/// one whose name shares the model file's first word (`cattle7_labels.txt` for
/// `cattle7_a0_stream_int8.tflite`). A `.txt` that is a FIFO or a link to `/dev/zero` is passed
/// over.
pub fn labels(
    explicit: Option<&Path>,
    model: &ModelFile,
    spec: &ModelSpec,
    models_dir: Option<&Path>,
) -> Result<Option<Labels>, String> {
    if let Some(p) = explicit {
        return Labels::from_file_for(p, spec)
            .map(Some)
            .map_err(|e| e.to_string());
    }
    // The core's discovery rule, shared with the bindings: the model's folder, then the
    // models folders.
    Ok(Labels::discover(
        &model.path,
        &search_dirs(models_dir),
        spec.num_classes,
    ))
}
