// Runs LiteRT without LD_LIBRARY_PATH: see core/build.rs. On the host this lets a JVM load the
// JNI library with System.load and find libLiteRt.so; on Android the app's lib dir serves.
fn main() {
    if let Ok(dir) = std::env::var("DEP_MOVINET_LITERT_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
    // Android 15+ devices may use 16 KB pages; Google Play requires 16 KB-aligned libraries.
    // .cargo/config.toml asks for it for every Android binary; this keeps it for a build
    // that overrides RUSTFLAGS. `cargo xtask elf` checks the result.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("android") {
        println!("cargo:rustc-link-arg=-Wl,-z,max-page-size=16384");
    }
}
