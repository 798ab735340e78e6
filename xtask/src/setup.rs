//! Fetches and places what the build and the tests need, on a fresh Linux x86-64 machine with
//! only the package registries. Every step checks first and does nothing when already done.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{run, Result};

/// The LiteRT release the whole project is pinned to (its C API changes between minors).
pub const LITERT_VERSION: &str = "2.1.4";
/// SHA-256 of `ai_edge_litert/libLiteRt.so` inside the `ai-edge-litert==2.1.4` manylinux
/// x86-64 wheel.
const LITERT_SO_SHA256: &str = "c590f1124053ce6d2ceaef6d1174af15f8103a76872059414d18ff2e9cfaf681";

/// Environment the later steps run with.
pub struct Env {
    vars: Vec<(String, String)>,
}

impl Env {
    pub fn apply(&self, cmd: &mut Command) {
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
    }
}

pub fn all(root: &Path) -> Result<Env> {
    litert_runtime(root)?;
    ffmpeg()?;
    maven()?;
    let venv_python = reference_venv(root)?;
    let mut vars = vec![(
        "MOVINET_PYTHON".to_string(),
        venv_python.display().to_string(),
    )];
    if env::var_os("MOVINET_MODELS_DIR").is_none() {
        if let Some(dir) = default_models_dir(root) {
            vars.push(("MOVINET_MODELS_DIR".to_string(), dir.display().to_string()));
        }
    }
    Ok(Env { vars })
}

/// `models/` when the fetch script has filled it, else the team's `../shared/models`.
fn default_models_dir(root: &Path) -> Option<PathBuf> {
    let own = root.join("models");
    if own.join("movinet_a0_stream_int8.tflite").exists() {
        return Some(own);
    }
    let shared = root.join("../shared/models");
    shared
        .join("movinet_a0_stream_int8.tflite")
        .exists()
        .then(|| shared.canonicalize().unwrap_or(shared))
}

/// Where `.cargo/config.toml` points `LITERT_LIB_DIR`.
pub fn litert_lib_dir(root: &Path) -> PathBuf {
    root.join(".deps")
        .join(format!("litert-{LITERT_VERSION}"))
        .join("lib")
}

fn cache_dir() -> PathBuf {
    if let Some(d) = env::var_os("MOVINET_CACHE_DIR") {
        return PathBuf::from(d);
    }
    let base = env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(env::temp_dir);
    base.join("movinet")
}

/// Places `libLiteRt.so` from the PyPI wheel `ai-edge-litert==2.1.4` in `.deps/`.
fn litert_runtime(root: &Path) -> Result<()> {
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        return Err(
            "the host set-up supports Linux x86-64; for Android and iOS see android/ and ios/"
                .into(),
        );
    }
    let lib_dir = litert_lib_dir(root);
    let so = lib_dir.join("libLiteRt.so");
    let stamp = lib_dir.join("libLiteRt.so.sha256");
    if so.exists()
        && fs::read_to_string(&stamp)
            .map(|s| s.trim() == LITERT_SO_SHA256)
            .unwrap_or(false)
    {
        return Ok(());
    }
    fs::create_dir_all(&lib_dir).map_err(|e| format!("create {}: {e}", lib_dir.display()))?;
    let wheels = cache_dir().join(format!("litert-{LITERT_VERSION}-wheel"));
    fs::create_dir_all(&wheels).map_err(|e| format!("create {}: {e}", wheels.display()))?;
    let have_wheel = find_wheel(&wheels).is_some();
    if !have_wheel {
        eprintln!("setup: fetching ai-edge-litert=={LITERT_VERSION} from PyPI (first run only)");
        // The wheel is per CPython version, but libLiteRt.so inside is plain C; ask for one
        // fixed platform and version so the download works whatever python3 this machine has.
        run(Command::new(python())
            .args([
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
            ])
            .args([
                "--platform",
                "manylinux_2_27_x86_64",
                "--python-version",
                "3.11",
            ])
            .args(["--implementation", "cp", "-d"])
            .arg(&wheels)
            .arg(format!("ai-edge-litert=={LITERT_VERSION}")))?;
    }
    let wheel = find_wheel(&wheels).ok_or("pip download left no ai_edge_litert wheel")?;
    let script = r#"
import hashlib, sys, zipfile, os
wheel, dest, want = sys.argv[1:4]
data = zipfile.ZipFile(wheel).read("ai_edge_litert/libLiteRt.so")
got = hashlib.sha256(data).hexdigest()
if got != want:
    sys.exit(f"libLiteRt.so in {wheel} has sha256 {got}, expected {want}")
tmp = dest + ".tmp"
open(tmp, "wb").write(data)
os.chmod(tmp, 0o755)
os.replace(tmp, dest)
"#;
    run(Command::new(python())
        .args(["-c", script])
        .arg(&wheel)
        .arg(&so)
        .arg(LITERT_SO_SHA256))?;
    fs::write(&stamp, LITERT_SO_SHA256).map_err(|e| format!("write {}: {e}", stamp.display()))?;
    eprintln!(
        "setup: LiteRT {LITERT_VERSION} runtime placed at {}",
        so.display()
    );
    Ok(())
}

/// A Python venv with the reference pipeline's tools (numpy, OpenCV, PyAV) for the tests
/// that compare against it. Reinstalled only when the requirements file changes.
fn reference_venv(root: &Path) -> Result<PathBuf> {
    let reqs = root
        .join("tests")
        .join("reference")
        .join("requirements.txt");
    venv(
        &root.join(".deps").join("venv"),
        &reqs,
        "the reference Python environment",
    )
}

/// The venv at `dir` with the pinned `requirements` installed from PyPI; its python. Made
/// again only when the requirements file changes (a stamp in the venv remembers it).
pub fn venv(dir: &Path, requirements: &Path, what: &str) -> Result<PathBuf> {
    let python = dir.join("bin").join("python");
    let wanted = fs::read_to_string(requirements)
        .map_err(|e| format!("read {}: {e}", requirements.display()))?;
    let stamp = dir.join("requirements.installed");
    if python.exists() && fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(python);
    }
    eprintln!("setup: creating {what} in {}", dir.display());
    let python = new_venv(dir)?;
    pip_install(&python, &["-r".as_ref(), requirements.as_os_str()])?;
    fs::write(&stamp, wanted).map_err(|e| format!("write {}: {e}", stamp.display()))?;
    Ok(python)
}

/// A new venv at `dir` (over whatever was there); its python.
pub fn new_venv(dir: &Path) -> Result<PathBuf> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("remove {}: {e}", dir.display()))
        }
        _ => {}
    }
    run(Command::new(python()).args(["-m", "venv"]).arg(dir))?;
    Ok(dir.join("bin").join("python"))
}

/// `pip install` into the venv of `python`, quietly.
pub fn pip_install(python: &Path, args: &[&std::ffi::OsStr]) -> Result<()> {
    run(Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(args))
}

fn find_wheel(dir: &Path) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(&format!("ai_edge_litert-{LITERT_VERSION}-")) && n.ends_with(".whl")
            })
        })
}

pub fn python() -> String {
    env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

fn on_path(tool: &str) -> bool {
    Command::new(tool)
        .arg("-version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

/// FFmpeg: the `movinet` command decodes in process through its libraries (`ffmpeg-sys-next`
/// finds them with pkg-config and generates their bindings with libclang), and the tests make
/// and check clips with the `ffmpeg` and `ffprobe` commands.
fn ffmpeg() -> Result<()> {
    debian_packages(&["ffmpeg", "ffprobe"], &["ffmpeg"])?;
    if ffmpeg_libraries_present() {
        return Ok(());
    }
    apt_install(&[
        "pkg-config",
        "libavformat-dev",
        "libavcodec-dev",
        "libswscale-dev",
        "libavutil-dev",
        "libclang-dev",
    ])
}

/// FFmpeg's development files (through pkg-config) and a libclang for bindgen.
fn ffmpeg_libraries_present() -> bool {
    let pkg_config = Command::new("pkg-config")
        .args([
            "--exists",
            "libavformat",
            "libavcodec",
            "libswscale",
            "libavutil",
        ])
        .status()
        .is_ok_and(|s| s.success());
    let has_libclang = |dir: &Path| {
        fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("libclang") && name.contains(".so")
            })
        })
    };
    let libclang = env::var_os("LIBCLANG_PATH").is_some()
        || has_libclang(Path::new("/usr/lib/x86_64-linux-gnu"))
        || fs::read_dir("/usr/lib").is_ok_and(|entries| {
            entries.flatten().any(|e| {
                e.file_name().to_string_lossy().starts_with("llvm-")
                    && has_libclang(&e.path().join("lib"))
            })
        });
    pkg_config && libclang
}

/// Maven and a JDK run the Kotlin API's host tests (`android/jvm-tests`). The Maven plugins
/// and JUnit come from Maven Central on the first run.
fn maven() -> Result<()> {
    debian_packages(&["mvn", "javac"], &["maven", "openjdk-17-jdk-headless"])
}

/// valgrind runs the short leak check of `cargo xtask test`.
pub fn valgrind() -> Result<()> {
    debian_packages(&["valgrind"], &["valgrind"])
}

/// Installs Debian's `packages` (as root, or through `sudo -n`) unless every one of `tools`
/// already runs.
fn debian_packages(tools: &[&str], packages: &[&str]) -> Result<()> {
    if tools.iter().all(|t| on_path(t)) {
        return Ok(());
    }
    apt_install(packages)
}

/// Installs Debian's `packages` as root, or through `sudo -n`.
fn apt_install(packages: &[&str]) -> Result<()> {
    eprintln!(
        "setup: installing Debian's {} (first run only)",
        packages.join(", ")
    );
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut c = Command::new(if is_root { "apt-get" } else { "sudo" });
        if !is_root {
            c.args(["-n", "apt-get"]);
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut c)
    };
    let install = [
        &["-q", "install", "-y", "--no-install-recommends"][..],
        packages,
    ]
    .concat();
    apt(&["-q", "update"])
        .and_then(|_| apt(&install))
        .map_err(|e| {
            format!(
                "{e}\ninstall them yourself (`apt-get install {}`) and run again",
                packages.join(" ")
            )
        })
}
