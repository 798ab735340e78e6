//! Every invalid model or labels file gets its typed error and a message a user understands;
//! nothing panics. The odd model files are made here from the real A0 file.

use std::path::PathBuf;

use movinet::{Error, Labels, Model, ModelOptions};
use movinet_tests::{a0, a0_path, models_dir};

fn a0_bytes() -> Vec<u8> {
    std::fs::read(a0_path()).unwrap()
}

fn load(bytes: &[u8]) -> Error {
    Model::from_bytes(bytes, &ModelOptions::default()).expect_err("must be refused")
}

/// Replaces the first flatbuffer string `from` (length-prefixed, NUL-terminated) by `to`,
/// which must have the same length.
fn rename_string(bytes: &mut [u8], from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let mut pat = (from.len() as u32).to_le_bytes().to_vec();
    pat.extend_from_slice(from.as_bytes());
    pat.push(0);
    let at = bytes
        .windows(pat.len())
        .position(|w| w == pat)
        .unwrap_or_else(|| panic!("string {from} not in the model"));
    bytes[at + 4..at + 4 + to.len()].copy_from_slice(to.as_bytes());
}

/// Clears field `field` of the flatbuffer's root table (the Model), as if never written.
fn drop_root_field(bytes: &mut [u8], field: usize) {
    let root = u32::from_le_bytes(bytes[0..4].try_into().unwrap()) as usize;
    let soffset = i32::from_le_bytes(bytes[root..root + 4].try_into().unwrap());
    let vtable = (root as i64 - soffset as i64) as usize;
    let vtable_len = u16::from_le_bytes(bytes[vtable..vtable + 2].try_into().unwrap()) as usize;
    let entry = vtable + 4 + 2 * field;
    assert!(entry + 2 <= vtable + vtable_len);
    bytes[entry..entry + 2].copy_from_slice(&[0, 0]);
}

#[test]
fn missing_model_file() {
    let err = Model::from_file("/nonexistent/a0.tflite", &ModelOptions::default()).unwrap_err();
    assert!(matches!(err, Error::ModelNotFound { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "model file not found: /nonexistent/a0.tflite"
    );
}

#[test]
fn a_directory_is_not_a_model() {
    let err = Model::from_file(models_dir(), &ModelOptions::default()).unwrap_err();
    assert!(matches!(err, Error::NotTflite(_)), "{err:?}");
    assert!(err.to_string().contains("is a directory"), "{err}");
}

#[test]
fn not_a_tflite_flatbuffer() {
    for bytes in [
        std::fs::read(models_dir().join("kinetics600_labels.txt")).unwrap(),
        std::fs::read(movinet_tests::shared_dir().join("clips/tfexamples_android_carving_ice.mp4"))
            .unwrap(),
        vec![0u8; 3],
        Vec::new(),
    ] {
        let err = load(&bytes);
        assert!(matches!(err, Error::NotTflite(_)), "{err:?}");
        assert!(
            err.to_string().starts_with("not a TensorFlow Lite model"),
            "{err}"
        );
    }
}

#[test]
fn truncated_model_files() {
    let full = a0_bytes();
    for len in [
        8,
        100,
        4096,
        full.len() / 2,
        full.len() - 1000,
        full.len() - 1,
    ] {
        let err = load(&full[..len]);
        assert!(
            matches!(err, Error::CorruptModel(_) | Error::NotTflite(_)),
            "{len} bytes: {err:?}"
        );
        assert!(
            err.to_string().contains("truncated or corrupt"),
            "{len} bytes: {err}"
        );
    }
}

#[test]
fn model_without_signature() {
    let mut bytes = a0_bytes();
    drop_root_field(&mut bytes, 7); // Model.signature_defs
    let err = load(&bytes);
    assert!(matches!(err, Error::NoSignature), "{err:?}");
    assert!(err.to_string().contains("no signature"), "{err}");
}

#[test]
fn model_without_image_input() {
    let mut bytes = a0_bytes();
    rename_string(&mut bytes, "image", "frame");
    let err = load(&bytes);
    assert!(matches!(err, Error::NoImageInput(_)), "{err:?}");
    assert!(err.to_string().contains("no input named `image`"), "{err}");
}

#[test]
fn model_without_logits_output() {
    let mut bytes = a0_bytes();
    rename_string(&mut bytes, "logits", "scores");
    let err = load(&bytes);
    assert!(matches!(err, Error::NoLogitsOutput(_)), "{err:?}");
    assert!(
        err.to_string().contains("no output named `logits`"),
        "{err}"
    );
}

#[test]
fn state_output_without_matching_input() {
    let mut bytes = a0_bytes();
    rename_string(
        &mut bytes,
        "state_head_pool_buffer",
        "state_head_pool_buffeX",
    );
    let err = load(&bytes);
    match err {
        Error::UnmatchedState { ref name } => assert!(name.starts_with("state_head_pool_buffe")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn zero_threads_is_refused() {
    let err = Model::from_file(
        a0_path(),
        &ModelOptions {
            threads: 0,
            ..ModelOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidOption { .. }), "{err:?}");
}

#[test]
fn wrong_input_size_is_refused() {
    let model = a0();
    let mut s = model.new_session().unwrap();
    let err = s.run(&[0.0; 10]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InputSize {
                got: 10,
                expected: 88752,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "input has 10 values but the model takes 88752 (172x172x3)"
    );
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("movinet-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

#[test]
fn labels_of_the_wrong_length_are_refused() {
    let model = a0();
    let lines: String = (0..599).map(|i| format!("class {i}\n")).collect();
    let path = temp_file("short_labels.txt", lines.as_bytes());
    let err = Labels::from_file_for(&path, model.spec()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LabelCountMismatch {
                found: 599,
                expected: 600,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("has 599 labels but the model has 600 classes"),
        "{err}"
    );
}

#[test]
fn bad_labels_files() {
    let err = Labels::from_file("/nonexistent/labels.txt").unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    let empty = temp_file("empty.txt", b"");
    assert!(matches!(
        Labels::from_file(&empty).unwrap_err(),
        Error::InvalidLabels(_)
    ));
    let gap = temp_file("gap.txt", b"a\n\nb\n");
    let err = Labels::from_file(&gap).unwrap_err();
    assert!(err.to_string().contains("line 2 is empty"), "{err}");
    let binary = temp_file("binary.txt", &[0xff, 0xfe, 0x00, 0x41]);
    assert!(matches!(
        Labels::from_file(&binary).unwrap_err(),
        Error::InvalidLabels(_)
    ));
    // CRLF files are fine
    let crlf = temp_file("crlf.txt", b"a\r\nb\r\n");
    assert_eq!(Labels::from_file(&crlf).unwrap().names(), ["a", "b"]);
}
