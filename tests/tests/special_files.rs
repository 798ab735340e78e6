//! Special files named as a model or labels file, directly or through a symlink in a models
//! folder: `/dev/zero` (reports 0 bytes and never ends), a FIFO (reports 0 bytes and blocks
//! every open until a writer comes), a directory, files over the size caps. The core reads
//! only regular files and never more than its cap + 1 bytes; each case is a typed error at
//! once. Also: labels with a UTF-8 byte order mark.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use movinet::{Error, Labels, Model, ModelOptions};
use movinet_tests::{a0, a0_path, kinetics_labels, models_dir};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("movinet-special-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

/// Runs `f` on another thread and fails the test if it has not returned within 10 s (a reader
/// blocked on a FIFO would never return; the thread is then left behind).
fn within_seconds<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what} blocked for 10 s"))
}

#[test]
fn dev_zero_is_not_a_model() {
    let err = Model::from_file("/dev/zero", &ModelOptions::default()).unwrap_err();
    assert!(matches!(err, Error::NotTflite(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "not a TensorFlow Lite model: /dev/zero is a character device, not a model file"
    );
    // Through a symlink named like a model in a models folder.
    let dir = temp_dir("zero-model");
    let link = dir.join("movinet_a0_stream_int8.tflite");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let err = Model::from_file(&link, &ModelOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "not a TensorFlow Lite model: {} is a character device, not a model file",
            link.display()
        )
    );
    assert!(matches!(
        Model::verify_file(&link, &ModelOptions::default()),
        Err(Error::NotTflite(_))
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_fifo_is_not_a_model_and_does_not_block() {
    let dir = temp_dir("fifo-model");
    let fifo = dir.join("model.tflite");
    mkfifo(&fifo);
    let path = fifo.clone();
    let err = within_seconds("loading a FIFO", move || {
        Model::from_file(&path, &ModelOptions::default()).unwrap_err()
    });
    assert_eq!(
        err.to_string(),
        format!(
            "not a TensorFlow Lite model: {} is a FIFO (named pipe), not a model file",
            fifo.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn special_files_are_not_labels() {
    let dir = temp_dir("labels");
    let fifo = dir.join("labels.txt");
    mkfifo(&fifo);
    let zero = dir.join("zero_labels.txt");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let spec = a0().spec().clone();
    for (path, kind) in [
        (fifo.clone(), "a FIFO (named pipe)"),
        (zero.clone(), "a character device"),
        (PathBuf::from("/dev/zero"), "a character device"),
        (dir.clone(), "a directory"),
    ] {
        let p = path.clone();
        let s = spec.clone();
        let err = within_seconds("reading labels", move || {
            Labels::from_file_for(&p, &s).unwrap_err()
        });
        assert!(matches!(err, Error::InvalidLabels(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("labels: {} is {kind}, not a labels file", path.display())
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn files_over_the_caps_are_refused_unread() {
    let dir = temp_dir("caps");
    // Sparse files: their size is declared, their blocks are never written.
    let big_model = dir.join("big.tflite");
    std::fs::File::create(&big_model)
        .unwrap()
        .set_len((512 << 20) + 1)
        .unwrap();
    let err = Model::from_file(&big_model, &ModelOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "not a TensorFlow Lite model: {} is larger than any MoViNet model (over 512 MB)",
            big_model.display()
        )
    );
    let big_labels = dir.join("big.txt");
    std::fs::File::create(&big_labels)
        .unwrap()
        .set_len((16 << 20) + 1)
        .unwrap();
    let err = Labels::from_file(&big_labels).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "labels: {} is larger than 16 MB, too large for a labels file",
            big_labels.display()
        )
    );
    // Exactly the cap is read (16 MB of 'a' lines would be one label per line: the size
    // alone is not refused).
    let at_cap = dir.join("at_cap.txt");
    let line = "a\n".repeat((16 << 20) / 2);
    std::fs::write(&at_cap, &line).unwrap();
    assert_eq!(Labels::from_file(&at_cap).unwrap().len(), (16 << 20) / 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_label() {
    let expected = kinetics_labels();
    assert_eq!(expected.get(0), Some("abseiling"));
    // Parsed text.
    let text = std::fs::read_to_string(models_dir().join("kinetics600_labels.txt")).unwrap();
    let parsed = Labels::parse(&format!("\u{feff}{text}")).unwrap();
    assert_eq!(parsed.names(), expected.names());
    // A file written by an editor that adds one, with Windows line ends.
    let dir = temp_dir("bom");
    let path = dir.join("labels.txt");
    let crlf = text.replace('\n', "\r\n");
    std::fs::write(&path, [&b"\xef\xbb\xbf"[..], crlf.as_bytes()].concat()).unwrap();
    let from_file = Labels::from_file_for(&path, a0().spec()).unwrap();
    assert_eq!(from_file.names(), expected.names());
    // Only one mark, only at the start: a second one is part of the label (and so is one
    // elsewhere), as the text says.
    let twice = Labels::parse("\u{feff}\u{feff}a\nb").unwrap();
    assert_eq!(twice.names(), ["\u{feff}a", "b"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_model_through_a_symlink_to_a_regular_file_still_loads() {
    let dir = temp_dir("link");
    let link = dir.join("a0.tflite");
    std::os::unix::fs::symlink(a0_path(), &link).unwrap();
    let model = Model::from_file(&link, &ModelOptions::default()).unwrap();
    assert_eq!(model.spec().num_classes, 600);
    std::fs::remove_dir_all(&dir).unwrap();
}
