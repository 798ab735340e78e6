//! `movinet models`: every model file found, with what it looks like.

use std::path::Path;

use crate::check::{self, Outcome};
use crate::resolve;

pub fn models(models_dir: Option<&Path>) -> Result<bool, String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut found = 0;
    for dir in resolve::search_dirs(models_dir) {
        let mut files = Vec::new();
        for d in [dir.clone(), dir.join("synthetic"), dir.join("custom")] {
            if let Ok(rd) = std::fs::read_dir(&d) {
                files.extend(
                    rd.flatten()
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|e| e == "tflite")),
                );
            }
        }
        files.sort();
        for path in files {
            let key = path.canonicalize().unwrap_or_else(|_| path.clone());
            if !seen.insert(key) {
                continue;
            }
            found += 1;
            if found == 1 {
                // The header once there is a model under it: with none, only the error.
                println!(
                    "{:<50} {:>5} {:>7} {:>6} {:>12}  {:<16} path",
                    "model", "res", "classes", "states", "state bytes", "signature"
                );
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // In a child process: a model that crashes LiteRT must not end the listing.
            match check::in_child(&path, None, 0, models_dir) {
                Outcome::Loaded(s) => println!(
                    "{:<50} {:>5} {:>7} {:>6} {:>12}  {:<16} {}",
                    name,
                    s.height,
                    s.classes,
                    s.states,
                    s.state_bytes,
                    s.signature,
                    path.display()
                ),
                Outcome::Failed(e) => println!("{name:<50} (unusable: {e})  {}", path.display()),
                Outcome::Crashed { how, .. } => println!(
                    "{name:<50} (unusable: loading it {how})  {}",
                    path.display()
                ),
            }
        }
    }
    if found == 0 {
        eprintln!(
            "movinet: no models found: {}",
            resolve::not_found_advice(models_dir, "")
        );
        return Ok(false);
    }
    Ok(true)
}
