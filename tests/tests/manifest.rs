//! `models/manifest.toml` pins the official files' SHA-256, and the samples pass the same
//! pins to `model_sha256`: the digests here are the files' real ones (the team's copies in
//! `../shared/models`), unknown ones are left empty rather than invented, and the samples
//! carry each known model digest.

use std::path::Path;

use movinet::{Model, ModelOptions};
use movinet_tests::models_dir;
use sha2::{Digest, Sha256};

/// `(kind, file, sha256, the entry's text)` for each `[[model]]` and `[[labels]]` entry.
fn entries(manifest: &str) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for block in manifest.split("\n[[").skip(1) {
        let kind = block.split("]]").next().unwrap_or("").to_string();
        let field = |name: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name} = \"")))
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or("")
                .to_string()
        };
        out.push((kind, field("file"), field("sha256"), block.to_string()));
    }
    out
}

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn the_manifest_pins_the_real_files_and_the_samples_pass_the_pins() {
    let manifest = std::fs::read_to_string(repo().join("models/manifest.toml")).unwrap();
    let android = std::fs::read_to_string(
        repo().join("android/sample/src/main/kotlin/dev/movinet/sample/MainActivity.kt"),
    )
    .unwrap();
    let ios =
        std::fs::read_to_string(repo().join("ios/Sample/Sources/ModelCatalog.swift")).unwrap();
    let entries = entries(&manifest);
    assert_eq!(entries.len(), 4, "a0, a1, a2 and the labels");
    let mut checked = 0;
    for (kind, file, sha256, text) in &entries {
        if sha256.is_empty() {
            // Not downloadable here: said so, not invented.
            assert!(text.contains("checksum not known here"), "{file}: {text}");
            continue;
        }
        assert_eq!(sha256.len(), 64, "{file}");
        let path = models_dir().join(file);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(&hex(&Sha256::digest(&bytes)), sha256, "{file}");
        if kind == "model" {
            // What the SDK computes and accepts, and what the samples pin.
            let summary = Model::verify_file(&path, &ModelOptions::default()).unwrap();
            assert_eq!(&summary.sha256, sha256);
            let pinned = ModelOptions {
                model_sha256: Some(sha256.clone()),
                ..ModelOptions::default()
            };
            Model::from_file(&path, &pinned).unwrap();
            assert!(
                android.contains(&format!("\"{file}\" to \"{sha256}\"")),
                "android/sample does not pin {file}"
            );
            assert!(
                ios.contains(&format!("\"{file}\": \"{sha256}\"")),
                "ios/Sample does not pin {file}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 2, "the A0 model and the labels have known digests");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
