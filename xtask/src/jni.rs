//! The JNI bridge (`bindings/jni`) and its Kotlin side, kept one.
//!
//! The native methods are declared once, in `bindings/jni/src/bridge.rs`; the
//! `movinet-jni-kotlin` tool of that crate renders the Kotlin they imply (`NativeBridge.kt`,
//! `MovinetExceptions.kt`).
//!
//! * `cargo xtask jni` writes the Kotlin into the Android library: run it after changing the
//!   declarations, and commit what it writes.
//! * `cargo xtask test` (the `jvm` step, before Maven) and `cargo xtask jni --check` run
//!   [`check`]: the checked-in Kotlin
//!   must be what the declarations render, and the built library must export exactly one
//!   `Java_dev_movinet_NativeBridge_*` function per `external fun` of it. Either difference
//!   fails the run, naming the first line or function that differs.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::setup::Env;
use crate::{cargo, elf, run, Result};

/// Where the generated Kotlin lives.
pub const KOTLIN_DIR: &str = "android/movinet/src/main/kotlin/dev/movinet";
const PREFIX: &str = "Java_dev_movinet_NativeBridge_";

/// Builds the host JNI library and its Kotlin tool (release, as the tests use them). Selected
/// from the whole workspace with its examples, so that the dependencies get the features the
/// rust step's `cargo test --workspace` gave them and its build is reused (`-p movinet-jni`
/// resolves fewer features and compiled the core and a dozen crates again).
pub fn build(root: &Path, env: &Env) -> Result<()> {
    let mut c = cargo();
    c.args([
        "build",
        "--release",
        "--workspace",
        "--lib",
        "--examples",
        "--bin",
        "movinet-jni-kotlin",
    ]);
    env.apply(&mut c);
    run(&mut c)?;
    let _ = root;
    Ok(())
}

fn tool(target: &Path, mode: &str, root: &Path) -> Command {
    let mut c = Command::new(target.join("release/movinet-jni-kotlin"));
    c.arg(mode).arg(root.join(KOTLIN_DIR));
    c
}

/// `cargo xtask jni`: writes the Kotlin the declarations render.
pub fn command(root: &Path, env: &Env, target: &Path) -> Result<()> {
    build(root, env)?;
    run(&mut tool(target, "--write", root))
}

/// The drift check: the Kotlin in the repository, and the library's exports, against the
/// declarations.
pub fn check(root: &Path, target: &Path) -> Result<()> {
    run(&mut tool(target, "--check", root))?;
    let kotlin = std::fs::read_to_string(root.join(KOTLIN_DIR).join("NativeBridge.kt"))
        .map_err(|e| format!("NativeBridge.kt: {e}"))?;
    let lib = target.join("release/libmovinet_jni.so");
    let bytes = std::fs::read(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
    let exported: BTreeSet<String> = elf::exported_symbols(&bytes)?
        .into_iter()
        .filter_map(|s| s.strip_prefix(PREFIX).map(str::to_string))
        .collect();
    compare_exports(&external_funs(&kotlin), &exported)?;
    eprintln!(
        "jni: {KOTLIN_DIR} is what bindings/jni declares, and the library exports its {} native methods",
        exported.len()
    );
    Ok(())
}

/// The names of the `external fun`s of a Kotlin file.
fn external_funs(kotlin: &str) -> BTreeSet<String> {
    kotlin
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("external fun "))
        .filter_map(|rest| rest.split('(').next())
        .map(str::to_string)
        .collect()
}

fn compare_exports(declared: &BTreeSet<String>, exported: &BTreeSet<String>) -> Result<()> {
    let missing: Vec<&String> = declared.difference(exported).collect();
    let extra: Vec<&String> = exported.difference(declared).collect();
    if missing.is_empty() && extra.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the JNI library and NativeBridge.kt disagree: declared in Kotlin but not exported {missing:?}; \
         exported but not declared {extra:?} (declare every native method in bindings/jni/src/bridge.rs, \
         then `cargo xtask jni`)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_native_method_outside_the_declarations_is_caught() {
        let kotlin = "internal object NativeBridge {\n    external fun version(): String\n    \
                      external fun classify(\n        classifier: Long,\n    ): Int\n}\n";
        let declared = external_funs(kotlin);
        assert_eq!(
            declared,
            BTreeSet::from(["classify".to_string(), "version".to_string()])
        );
        let same = declared.clone();
        assert!(compare_exports(&declared, &same).is_ok());
        let mut extra = same.clone();
        extra.insert("handWritten".into());
        let e = compare_exports(&declared, &extra).unwrap_err();
        assert!(
            e.contains(r#"exported but not declared ["handWritten"]"#),
            "{e}"
        );
        let e = compare_exports(&declared, &BTreeSet::from(["version".to_string()])).unwrap_err();
        assert!(
            e.contains(r#"declared in Kotlin but not exported ["classify"]"#),
            "{e}"
        );
    }
}
