//! litert-sys links libLiteRt but its rpath does not reach other crates' binaries. This
//! script bakes the library directory into the rpath of this crate's tests and benches, and
//! hands it on (`DEP_MOVINET_LITERT_LIB_DIR`) to crates that build binaries on top of us, so
//! nothing on the host needs LD_LIBRARY_PATH. Android and iOS load it their own way.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if let Ok(dir) = std::env::var("DEP_LITERT_LIB_DIR") {
        if os == "linux" || os == "macos" {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
            println!("cargo:litert_lib_dir={dir}");
        }
    }
}
