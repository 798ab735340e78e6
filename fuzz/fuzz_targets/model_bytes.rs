//! `Model::from_bytes` on arbitrary bytes (seeded with the real model files, see
//! `fuzz/seed-corpus.sh`): a typed error, or a model whose session runs a frame. Never a
//! crash. A crash inside libLiteRt.so (uninstrumented C++) is a finding about the runtime
//! that our pre-validation (`core/src/flatbuffer.rs`, `core/src/shapes.rs`) may need to catch
//! first.

#![no_main]

use libfuzzer_sys::fuzz_target;
use movinet::{Error, Model, ModelOptions};

fuzz_target!(|data: &[u8]| {
    match Model::from_bytes(data, &ModelOptions::default()) {
        Ok(model) => {
            let spec = model.spec();
            assert!(spec.height > 0 && spec.width > 0 && spec.num_classes > 0);
            let mut session = model.new_session().expect("session of an accepted model");
            let frame = vec![0.5f32; spec.input_len()];
            if let Ok(logits) = session.run(&frame) {
                assert_eq!(logits.len(), spec.num_classes);
            }
        }
        Err(
            Error::NotTflite(m)
            | Error::CorruptModel(m)
            | Error::NoImageInput(m)
            | Error::NoLogitsOutput(m),
        ) => assert!(!m.is_empty()),
        Err(
            Error::NoSignature
            | Error::UnmatchedState { .. }
            | Error::UnexpectedInput { .. }
            | Error::UnsupportedOperator { .. }
            | Error::Runtime { .. },
        ) => {}
        Err(other) => panic!("unexpected error kind: {other:?}"),
    }
});
