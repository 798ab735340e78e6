// Runs LiteRT without LD_LIBRARY_PATH: see core/build.rs. On the host this lets Python's ctypes
// load the cdylib and find libLiteRt.so; on iOS the app links LiteRt.framework instead.
fn main() {
    if let Ok(dir) = std::env::var("DEP_MOVINET_LITERT_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
