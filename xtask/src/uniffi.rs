//! The UniFFI bindings (`bindings/uniffi`): build the host library, generate the Python module
//! and the Swift sources from it with the workspace's pinned `uniffi-bindgen`, check that the
//! Swift checked into `ios/` is what the library generates.
//!
//! * `cargo xtask uniffi` rewrites `ios/Sources/MovinetFFI/` from the current library (built
//!   without the `overlay` feature, as the XCFramework is) and places the Python module
//!   (`bindings/uniffi/python/movinet/_uniffi/`, from the library with it, as the wheel's): run
//!   it after changing the exported API, and commit the Swift it writes.
//! * `cargo xtask test` runs [`check_swift`]: the same generation, but the Swift goes to a
//!   scratch folder and any difference from `ios/` fails the run. The Python module is tested
//!   as users get it, from the wheel (`wheel.rs`).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::setup::Env;
use crate::{cargo, run, Result};

/// The library's file stem (`[lib] name` of `bindings/uniffi/Cargo.toml`).
const LIB_NAME: &str = "movinet_ffi";
/// What the Swift generator names its outputs (`bindings/uniffi/uniffi.toml`).
const SWIFT_SOURCE: &str = "MovinetFFI.swift";
const SWIFT_FFI_MODULE: &str = "MovinetRustFFI";
/// Where the generated Swift lives in the Swift package.
const SWIFT_DIR: &str = "ios/Sources/MovinetFFI";
/// Where the generated module goes in the Python package (`module-name` of
/// `bindings/uniffi/pyproject.toml`, so the source tree and the wheel look alike).
const PYTHON_GENERATED: &str = "bindings/uniffi/python/movinet/_uniffi";
/// The pinned generator's binary (`bindings/uniffi-bindgen`).
pub const BINDGEN: &str = "movinet-uniffi-bindgen";

/// `cargo xtask uniffi`: regenerate the checked-in Swift, and the Python module in the source
/// tree (from the library with the `overlay` feature, as the wheel's).
pub fn command(root: &Path, env: &Env) -> Result<()> {
    let lib = build(root, env, &[])?;
    let swift = root.join(SWIFT_DIR);
    generate_swift(root, &lib, &swift)?;
    eprintln!("uniffi: Swift bindings written to {}", swift.display());
    let lib = build(root, env, &["--features", "overlay"])?;
    python_module(root, &lib)
}

/// The Swift half of the `uniffi` step of `cargo xtask test`: generate the Swift from the
/// library, check that `ios/` holds exactly that, check the XCFramework's header packaging.
/// (The Python half builds, installs and tests the wheel: `wheel.rs`.)
pub fn check_swift(root: &Path, env: &Env) -> Result<()> {
    let lib = build(root, env, &[])?;
    let fresh = target_dir(root).join("uniffi").join("swift-check");
    generate_swift(root, &lib, &fresh)?;
    compare_dirs(&root.join(SWIFT_DIR), &fresh)?;
    eprintln!("uniffi: {SWIFT_DIR} matches the bindings generated from the library");
    xcframework_headers(
        root,
        &target_dir(root).join("uniffi").join("xcframework-headers"),
    )
}

/// Runs the header packaging of `ios/build-xcframework.sh` (the one step of it that needs no
/// Mac) on the checked-in module map and header, and checks what an Xcode 26 app needs: the
/// module map at the root of `Headers/`, pointing at the header in its own folder, with no
/// `use` declarations (uniffi-rs issue 2917).
fn xcframework_headers(root: &Path, out: &Path) -> Result<()> {
    remove_dir(out)?;
    let mut c = Command::new("bash");
    c.arg(root.join("ios/build-xcframework.sh"))
        .arg("--package-headers")
        .arg(root.join(SWIFT_DIR).join("include"))
        .arg(out);
    run(&mut c)?;
    let map = std::fs::read_to_string(out.join("module.modulemap"))
        .map_err(|e| format!("packaged module map: {e}"))?;
    let header = "MovinetRustFFI/MovinetRustFFI.h";
    if !out.join(header).is_file() || !map.contains(&format!("header \"{header}\"")) {
        return Err(format!(
            "packaged headers: {header} missing or not in the module map:\n{map}"
        ));
    }
    if map.lines().any(|l| l.trim_start().starts_with("use ")) {
        return Err(format!(
            "packaged module map keeps `use` declarations:\n{map}"
        ));
    }
    eprintln!("uniffi: the XCFramework's packaged module map is what Xcode 26 accepts");
    Ok(())
}

fn target_dir(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_absolute() { d } else { root.join(d) })
        .unwrap_or_else(|| root.join("target"))
}

fn cdylib_file() -> String {
    if cfg!(target_os = "macos") {
        format!("lib{LIB_NAME}.dylib")
    } else {
        format!("lib{LIB_NAME}.so")
    }
}

/// Builds the host cdylib (with cargo arguments `features`) and the pinned bindgen (release,
/// like the test step, so the dependencies are shared); returns the library's path. Two cargo runs, not one: built alone,
/// the library's dependencies get the features maturin's build of it gives them (`wheel.rs`),
/// so the wheel reuses them instead of compiling the core again.
fn build(root: &Path, env: &Env, features: &[&str]) -> Result<PathBuf> {
    for (package, extra) in [
        ("movinet-uniffi", features),
        ("movinet-uniffi-bindgen", &[]),
    ] {
        let mut c = cargo();
        c.args(["build", "--release", "-p", package]).args(extra);
        env.apply(&mut c);
        run(&mut c)?;
    }
    let lib = target_dir(root).join("release").join(cdylib_file());
    if !lib.exists() {
        return Err(format!("the build left no {}", lib.display()));
    }
    Ok(lib)
}

/// Runs the pinned `uniffi-bindgen generate` (library mode; unformatted, so the output does not
/// depend on which formatters a machine has). It reads `bindings/uniffi/uniffi.toml` through
/// `cargo metadata`, hence the workspace as working directory.
fn bindgen(root: &Path, lib: &Path, language: &str, out: &Path) -> Result<()> {
    let exe = target_dir(root)
        .join("release")
        .join(format!("{BINDGEN}{}", env::consts::EXE_SUFFIX));
    run(Command::new(exe)
        .current_dir(root)
        .args(["generate", "--library"])
        .arg(lib)
        .args(["--language", language, "--no-format", "--out-dir"])
        .arg(out))
}

/// `movinet.py` and a copy of the library in the Python package's `_uniffi` subpackage (all
/// git-ignored), with the `__init__.py` maturin writes there in the wheel.
fn python_module(root: &Path, lib: &Path) -> Result<()> {
    let pkg = root.join(PYTHON_GENERATED);
    bindgen(root, lib, "python", &pkg)?;
    let init = pkg.join("__init__.py");
    fs::write(&init, "from .movinet import *  # NOQA\n")
        .map_err(|e| format!("write {}: {e}", init.display()))?;
    let dest = pkg.join(cdylib_file());
    // Replace, never overwrite in place: a running Python may have the old file mapped.
    let tmp = pkg.join(format!(".{}.tmp", cdylib_file()));
    fs::copy(lib, &tmp).map_err(|e| format!("copy {} to {}: {e}", lib.display(), tmp.display()))?;
    fs::rename(&tmp, &dest).map_err(|e| format!("place {}: {e}", dest.display()))?;
    eprintln!("uniffi: Python module placed in {}", pkg.display());
    Ok(())
}

/// Generates the Swift bindings into `dest`, laid out as the Swift package and the XCFramework
/// script take them: `MovinetFFI.swift`, and `include/` with the C header and the module map
/// (`module.modulemap`, the name clang looks for in an XCFramework's headers).
fn generate_swift(root: &Path, lib: &Path, dest: &Path) -> Result<()> {
    let raw = target_dir(root).join("uniffi").join("swift-raw");
    remove_dir(&raw)?;
    bindgen(root, lib, "swift", &raw)?;
    remove_dir(dest)?;
    let include = dest.join("include");
    fs::create_dir_all(&include).map_err(|e| format!("create {}: {e}", include.display()))?;
    for (from, to) in [
        (raw.join(SWIFT_SOURCE), dest.join(SWIFT_SOURCE)),
        (
            raw.join(format!("{SWIFT_FFI_MODULE}.h")),
            include.join(format!("{SWIFT_FFI_MODULE}.h")),
        ),
        (
            raw.join(format!("{SWIFT_FFI_MODULE}.modulemap")),
            include.join("module.modulemap"),
        ),
    ] {
        fs::rename(&from, &to)
            .map_err(|e| format!("move {} to {}: {e}", from.display(), to.display()))?;
    }
    let left: Vec<_> = fs::read_dir(&raw)
        .map_err(|e| format!("read {}: {e}", raw.display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if !left.is_empty() {
        return Err(format!(
            "uniffi-bindgen wrote files this step does not place: {left:?} (update xtask/src/uniffi.rs)"
        ));
    }
    Ok(())
}

pub fn remove_dir(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("remove {}: {e}", dir.display())),
    }
}

/// Every file under `dir`, as paths relative to it, sorted.
fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("read {}: {e}", dir.display())),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out)?;
            } else {
                out.push(path.strip_prefix(base).unwrap_or(&path).to_path_buf());
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Fails unless `checked_in` and `fresh` hold the same files with the same bytes; shows a
/// unified diff of each difference where `diff` is available.
fn compare_dirs(checked_in: &Path, fresh: &Path) -> Result<()> {
    let (a, b) = (files(checked_in)?, files(fresh)?);
    let mut problems = Vec::new();
    for f in a.iter().filter(|f| !b.contains(f)) {
        problems.push(format!("{} is not generated any more", f.display()));
    }
    for f in b.iter().filter(|f| !a.contains(f)) {
        problems.push(format!("{} is missing", f.display()));
    }
    for f in a.iter().filter(|f| b.contains(f)) {
        let (old, new) = (checked_in.join(f), fresh.join(f));
        let read = |p: &Path| fs::read(p).map_err(|e| format!("read {}: {e}", p.display()));
        if read(&old)? != read(&new)? {
            problems.push(format!("{} differs", f.display()));
            // Only for the reader: the comparison above decides.
            let _ = Command::new("diff").arg("-u").arg(&old).arg(&new).status();
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the Swift bindings in {SWIFT_DIR} are not what the library generates:\n  {}\n\
         run `cargo xtask uniffi` and commit {SWIFT_DIR}",
        problems.join("\n  ")
    ))
}
