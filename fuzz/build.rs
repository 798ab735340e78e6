// Runs LiteRT without LD_LIBRARY_PATH: see core/build.rs.
fn main() {
    if let Ok(dir) = std::env::var("DEP_MOVINET_LITERT_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
