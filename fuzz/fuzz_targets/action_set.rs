//! `ActionSet::from_bytes` on arbitrary bytes, with A0 as the model: a typed error of the kind
//! `InvalidActionSet`, or a set that saves and reads back the same and scores a frame. Never a
//! panic, never an allocation a count in the file asks for before the bytes are there.
//!
//! Each input is tried three ways, so that the fuzzer gets past the file's checks to its
//! contents: as the whole file; with its SHA-256 appended (the digest a writer seals the file
//! with); and as the body after a valid header for A0 (magic, version, A0's digest and sizes),
//! sealed.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use movinet::{ActionSet, Error, Model, ModelOptions};
use sha2::{Digest, Sha256};

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = std::env::var_os("MOVINET_MODELS_DIR").map_or_else(
            || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models"),
            std::path::PathBuf::from,
        );
        Model::from_file(dir.join("movinet_a0_stream_int8.tflite"), &ModelOptions::default())
            .expect("A0 (set MOVINET_MODELS_DIR)")
    })
}

fn sealed(mut body: Vec<u8>) -> Vec<u8> {
    let digest = Sha256::digest(&body);
    body.extend_from_slice(&digest);
    body
}

/// The header of an action-set file for `model`, up to its action count.
fn header(model: &Model) -> Vec<u8> {
    let mut h = b"MOVINETA".to_vec();
    h.extend_from_slice(&movinet::actions::FILE_VERSION.to_le_bytes());
    let sha = model.sha256();
    h.extend((0..32).map(|i| u8::from_str_radix(&sha[2 * i..2 * i + 2], 16).unwrap()));
    let width = model.spec().embedding.as_ref().expect("A0's embedding").width;
    h.extend_from_slice(&(width as u32).to_le_bytes());
    h.extend_from_slice(&(model.spec().num_classes as u32).to_le_bytes());
    h
}

fuzz_target!(|data: &[u8]| {
    let model = model();
    let mut with_header = header(model);
    with_header.extend_from_slice(data);
    for bytes in [data.to_vec(), sealed(data.to_vec()), sealed(with_header)] {
        match ActionSet::from_bytes(&bytes, model) {
            Ok(set) => {
                assert!(!set.is_empty());
                let again = ActionSet::from_bytes(&set.to_bytes().unwrap(), model).unwrap();
                assert_eq!(again, set);
                let spec = model.spec();
                let width = spec.embedding.as_ref().unwrap().width;
                let scores = set.scores(&vec![0.5; width], &vec![0.0; spec.num_classes]);
                assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{scores:?}");
            }
            Err(Error::InvalidActionSet(m)) => assert!(!m.is_empty()),
            Err(Error::ActionSetModelMismatch { .. }) => {}
            Err(other) => panic!("unexpected error kind: {other:?}"),
        }
    }
});
