//! The team's data for the core's unit tests (the integration tests have `movinet_tests`).

/// The official A0 file: `$MOVINET_MODELS_DIR`, else the team's `../shared/models`.
pub fn a0_bytes() -> Vec<u8> {
    let dir = std::env::var_os("MOVINET_MODELS_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models"),
        std::path::PathBuf::from,
    );
    let path = dir.join("movinet_a0_stream_int8.tflite");
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (set MOVINET_MODELS_DIR, or run models/fetch.sh a0)",
            path.display()
        )
    })
}
