//! The workspace's pinned `uniffi-bindgen`, as the binary `movinet-uniffi-bindgen` (see
//! `Cargo.toml`).
fn main() {
    uniffi::uniffi_bindgen_main()
}
