//! The Python wheel (`bindings/uniffi/pyproject.toml`): `pip install movinet-*.whl` gives
//! `import movinet`, the UniFFI module with its library and LiteRT's `libLiteRt.so` inside.
//!
//! * `cargo xtask wheel` builds it into `target/wheels/`.
//! * The `uniffi` step of `cargo xtask test` builds it, installs it into a fresh venv with only
//!   the tests' own requirements, and runs the Python tests there from outside the source tree,
//!   so they test what a user installs ([`test`]).
//!
//! How it is built: maturin (pinned in `bindings/uniffi/python/build-requirements.txt`,
//! installed into `.deps/wheel-tools`) compiles the cdylib, has the workspace's pinned
//! generator write the Python module (it finds it on PATH as `uniffi-bindgen`) and packs it
//! with `python/movinet`; then `auditwheel repair` (pinned there too) copies `libLiteRt.so`
//! into `movinet.libs/`, points the library's rpath at it, drops the build tree's absolute
//! rpath, strips both libraries and gives the wheel the manylinux tag their symbols allow.
//! maturin's own repair is not used: it patches the library in place through the hard link
//! cargo keeps in `target/release/deps`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::setup::{self, Env};
use crate::uniffi::{remove_dir, BINDGEN};
use crate::{cargo, run, Result};

const PYPROJECT_DIR: &str = "bindings/uniffi";
const BUILD_REQUIREMENTS: &str = "bindings/uniffi/python/build-requirements.txt";
const TEST_REQUIREMENTS: &str = "bindings/uniffi/python/test-requirements.txt";
const PYTHON_TESTS: &str = "bindings/uniffi/python/tests";

/// `cargo xtask wheel`: builds the wheel and says where it is.
pub fn command(root: &Path, env: &Env) -> Result<()> {
    let wheel = build(root, env)?;
    let size = fs::metadata(&wheel).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "wheel: {} ({:.2} MB); install it with `pip install {}` (`movinet[video]` adds PyAV)",
        wheel.display(),
        size as f64 / 1e6,
        wheel.display()
    );
    Ok(())
}

/// Builds the manylinux wheel into `target/wheels/`; returns its path.
pub fn build(root: &Path, env: &Env) -> Result<PathBuf> {
    let tools = setup::venv(
        &root.join(".deps").join("wheel-tools"),
        &root.join(BUILD_REQUIREMENTS),
        "the wheel tools (maturin, auditwheel)",
    )?;
    let tools_bin = tools
        .parent()
        .ok_or("the wheel tools' venv has no bin folder")?;
    let target = crate::target_dir(root);
    let work = target.join("wheel");

    // The pinned generator, where maturin looks for `uniffi-bindgen`.
    let mut c = cargo();
    c.args(["build", "--release", "-p", "movinet-uniffi-bindgen"]);
    env.apply(&mut c);
    run(&mut c)?;
    let shim = work.join("bin");
    fs::create_dir_all(&shim).map_err(|e| format!("create {}: {e}", shim.display()))?;
    let link = shim.join("uniffi-bindgen");
    let _ = fs::remove_file(&link);
    std::os::unix::fs::symlink(target.join("release").join(BINDGEN), &link)
        .map_err(|e| format!("link {}: {e}", link.display()))?;

    let raw = work.join("raw");
    remove_dir(&raw)?;
    let path = std::env::join_paths([shim.clone(), tools_bin.to_path_buf()].into_iter().chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .map_err(|e| format!("PATH: {e}"))?;
    let mut maturin = Command::new(tools_bin.join("maturin"));
    maturin
        .current_dir(root)
        .args(["build", "--release", "--manifest-path"])
        .arg(root.join(PYPROJECT_DIR).join("Cargo.toml"))
        .arg("--out")
        .arg(&raw);
    env.apply(&mut maturin);
    maturin.env("PATH", &path);
    run(&mut maturin)?;
    let unrepaired = only_wheel(&raw)?;

    let out = target.join("wheels");
    fs::create_dir_all(&out).map_err(|e| format!("create {}: {e}", out.display()))?;
    for old in wheels_in(&out)? {
        fs::remove_file(&old).map_err(|e| format!("remove {}: {e}", old.display()))?;
    }
    run(Command::new(tools_bin.join("auditwheel"))
        .args(["repair", "--strip", "--wheel-dir"])
        .arg(&out)
        .arg(&unrepaired)
        .env("PATH", &path))?;
    let wheel = only_wheel(&out)?;
    let name = wheel_name(&wheel);
    if !name.contains("-manylinux_") {
        return Err(format!(
            "{name}: auditwheel gave no manylinux tag to the wheel"
        ));
    }
    // What a reviewer checks: the tag auditwheel reads from the repaired wheel is its name's.
    run(Command::new(tools_bin.join("auditwheel"))
        .arg("show")
        .arg(&wheel))?;
    check_contents(&tools, &wheel)?;
    Ok(wheel)
}

/// The `uniffi` step's Python half: a fresh venv in `target/wheel/venv`, the wheel and the
/// tests' requirements installed into it from their files, and the Python tests run with it
/// from outside the source tree (working directory the venv, `PYTHONSAFEPATH`, no
/// `PYTHONPATH`), after checking that `import movinet` finds the installed package.
pub fn test(root: &Path, env: &Env, wheel: &Path) -> Result<()> {
    let target = crate::target_dir(root);
    let venv = target.join("wheel").join("venv");
    let python = setup::new_venv(&venv)?;
    let requirements = root.join(TEST_REQUIREMENTS);
    setup::pip_install(
        &python,
        &[wheel.as_os_str(), "-r".as_ref(), requirements.as_os_str()],
    )?;
    let outside = |c: &mut Command| {
        env.apply(c);
        c.current_dir(&venv)
            .env("PYTHONSAFEPATH", "1")
            .env_remove("PYTHONPATH");
    };
    let mut where_ = Command::new(&python);
    where_
        .arg(script(&target, "installed_check.py", INSTALLED_CHECK)?)
        .arg(&venv)
        .arg(root)
        .arg(wheel);
    outside(&mut where_);
    run(&mut where_)?;
    let mut pytest = Command::new(&python);
    pytest
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(root.join(PYTHON_TESTS));
    outside(&mut pytest);
    run(&mut pytest)
}

/// Fails unless `import movinet` finds the package inside the venv and nothing from the
/// source tree is on `sys.path`; prints the wheel's size and the installed size.
const INSTALLED_CHECK: &str = r#"
import os, sys, sysconfig
venv, repo, wheel = (os.path.realpath(p) for p in sys.argv[1:4])
import movinet
where = os.path.realpath(movinet.__file__)
if not where.startswith(venv + os.sep):
    sys.exit(f"import movinet found {where}, not the wheel installed in {venv}")
under = lambda path, top: os.path.realpath(path).startswith(top + os.sep)
inside = [p for p in sys.path if p and under(p, repo) and not under(p, venv)]
if inside:
    sys.exit(f"the source tree is on sys.path: {inside}")
site = sysconfig.get_paths()["platlib"]
size = sum(os.path.getsize(os.path.join(d, f))
           for top in ("movinet", "movinet.libs") for d, _, fs in os.walk(os.path.join(site, top))
           for f in fs)
print(f"wheel: movinet {movinet.__version__} from {os.path.dirname(where)}; "
      f"wheel {os.path.getsize(wheel) / 1e6:.2f} MB, installed {size / 1e6:.2f} MB")
"#;

/// Fails unless the wheel holds the package, the generated module, its library, the bundled
/// LiteRT, the typing marker and the third-party notices, each once.
fn check_contents(python: &Path, wheel: &Path) -> Result<()> {
    const SCRIPT: &str = r#"
import collections, fnmatch, sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
twice = [n for n, k in collections.Counter(names).items() if k > 1]
if twice:
    sys.exit(f"the wheel holds these twice: {twice}")
for pattern in ("movinet/__init__.py", "movinet/__main__.py", "movinet/py.typed",
                "movinet/THIRD_PARTY_NOTICES.txt",
                "movinet/_uniffi/__init__.py", "movinet/_uniffi/movinet.py",
                "movinet/_uniffi/libmovinet_ffi.so", "movinet.libs/libLiteRt-*.so"):
    if not fnmatch.filter(names, pattern):
        sys.exit(f"the wheel has no {pattern}: {sorted(names)}")
"#;
    let script = script(
        &crate::target_dir(&crate::repo_root()),
        "wheel_contents.py",
        SCRIPT,
    )?;
    run(Command::new(python).arg(script).arg(wheel))
}

/// `text` written to `target/wheel/<name>`, to run with a Python (rather than echo a script
/// as a `-c` argument).
fn script(target: &Path, name: &str, text: &str) -> Result<PathBuf> {
    let path = target.join("wheel").join(name);
    fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
    Ok(path)
}

fn wheel_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn wheels_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).map_err(|e| format!("read {}: {e}", dir.display()))?;
    Ok(entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = wheel_name(p);
            name.starts_with("movinet-") && name.ends_with(".whl")
        })
        .collect())
}

fn only_wheel(dir: &Path) -> Result<PathBuf> {
    let mut found = wheels_in(dir)?;
    match found.len() {
        1 => Ok(found.remove(0)),
        n => Err(format!(
            "expected one movinet wheel in {}, found {n}",
            dir.display()
        )),
    }
}
