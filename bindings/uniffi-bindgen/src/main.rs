//! The workspace's pinned `uniffi-bindgen` (see `Cargo.toml`).
fn main() {
    uniffi::uniffi_bindgen_main()
}
