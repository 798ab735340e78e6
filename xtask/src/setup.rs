//! Fetches and places what the build and the tests need, on a fresh Linux x86-64 machine with
//! only the package registries. Every step checks first and does nothing when already done.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{run, Result};

/// The LiteRT release the whole project is pinned to (its C API changes between minors).
pub const LITERT_VERSION: &str = "2.1.4";

/// One platform's `libLiteRt.so`: `ai_edge_litert/libLiteRt.so` from the
/// `ai-edge-litert==2.1.4` wheel for `platform`, with its SHA-256, placed in `.deps/<folder>/lib`.
pub struct Runtime {
    platform: &'static str,
    sha256: &'static str,
    folder: &'static str,
}

/// The host's runtime, where `.cargo/config.toml` points `LITERT_LIB_DIR`.
pub const X86_64: Runtime = Runtime {
    platform: "manylinux_2_27_x86_64",
    sha256: "c590f1124053ce6d2ceaef6d1174af15f8103a76872059414d18ff2e9cfaf681",
    folder: "litert-2.1.4",
};

/// The aarch64 runtime (XNNPACK's ARM kernels) the arm64 step links its tests against.
pub const AARCH64: Runtime = Runtime {
    platform: "manylinux_2_27_aarch64",
    sha256: "332b30e12a0708279c44e883639ac4caa435f18f6333fc4f35f8293a90ea9819",
    folder: "litert-2.1.4-aarch64",
};

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
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        return Err(
            "the host set-up supports Linux x86-64; for Android and iOS see android/ and ios/"
                .into(),
        );
    }
    litert_runtime(root, &X86_64)?;
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

/// Places `runtime`'s `libLiteRt.so` from the PyPI wheel `ai-edge-litert==2.1.4` in
/// `.deps/<folder>/lib` and returns that folder.
pub fn litert_runtime(root: &Path, runtime: &Runtime) -> Result<PathBuf> {
    let lib_dir = root.join(".deps").join(runtime.folder).join("lib");
    let so = lib_dir.join("libLiteRt.so");
    let stamp = lib_dir.join("libLiteRt.so.sha256");
    if so.exists()
        && fs::read_to_string(&stamp)
            .map(|s| s.trim() == runtime.sha256)
            .unwrap_or(false)
    {
        return Ok(lib_dir);
    }
    fs::create_dir_all(&lib_dir).map_err(|e| format!("create {}: {e}", lib_dir.display()))?;
    let wheels = cache_dir().join(format!("litert-{LITERT_VERSION}-wheel"));
    fs::create_dir_all(&wheels).map_err(|e| format!("create {}: {e}", wheels.display()))?;
    if find_wheel(&wheels, runtime.platform).is_none() {
        eprintln!(
            "setup: fetching ai-edge-litert=={LITERT_VERSION} for {} from PyPI (first run only)",
            runtime.platform
        );
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
            .args(["--platform", runtime.platform, "--python-version", "3.11"])
            .args(["--implementation", "cp", "-d"])
            .arg(&wheels)
            .arg(format!("ai-edge-litert=={LITERT_VERSION}")))?;
    }
    let wheel =
        find_wheel(&wheels, runtime.platform).ok_or("pip download left no ai_edge_litert wheel")?;
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
        .arg(runtime.sha256))?;
    fs::write(&stamp, runtime.sha256).map_err(|e| format!("write {}: {e}", stamp.display()))?;
    eprintln!(
        "setup: LiteRT {LITERT_VERSION} runtime ({}) placed at {}",
        runtime.platform,
        so.display()
    );
    Ok(lib_dir)
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

/// The cached `ai_edge_litert` wheel for `platform` (e.g. `manylinux_2_27_aarch64`).
fn find_wheel(dir: &Path, platform: &str) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(&format!("ai_edge_litert-{LITERT_VERSION}-"))
                    && n.ends_with(&format!("{platform}.whl"))
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
pub fn debian_packages(tools: &[&str], packages: &[&str]) -> Result<()> {
    if tools.iter().all(|t| on_path(t)) {
        return Ok(());
    }
    apt_install(packages)
}

/// Installs Debian's `packages` as root, or through `sudo -n`.
fn apt_install(packages: &[&str]) -> Result<()> {
    apt_install_from(None, packages)
}

/// Installs Debian's `packages`, from `release` (`apt-get -t`, e.g. a backports suite) when
/// given, as root or through `sudo -n`.
pub fn apt_install_from(release: Option<&str>, packages: &[&str]) -> Result<()> {
    eprintln!(
        "setup: installing Debian's {}{} (first run only)",
        packages.join(", "),
        release.map_or(String::new(), |r| format!(" from {r}"))
    );
    let mut install = vec!["-q", "install", "-y", "--no-install-recommends"];
    if let Some(r) = release {
        install.extend(["-t", r]);
    }
    install.extend(packages);
    as_root("apt-get", &["-q", "update"])
        .and_then(|_| as_root("apt-get", &install))
        .map_err(|e| {
            format!(
                "{e}\ninstall them yourself (`apt-get install {}`) and run again",
                packages.join(" ")
            )
        })
}

/// Adds Debian's `suite` (e.g. `bookworm-backports`) to apt's sources unless a source already
/// names it. Packages from a backports suite are only installed when asked for by name
/// (`apt-get -t`), so nothing else on the machine changes.
pub fn debian_backports(suite: &str) -> Result<()> {
    let mentions = |path: &Path| fs::read_to_string(path).is_ok_and(|t| t.contains(suite));
    let listed = mentions(Path::new("/etc/apt/sources.list"))
        || fs::read_dir("/etc/apt/sources.list.d")
            .is_ok_and(|d| d.flatten().any(|e| mentions(&e.path())));
    if listed {
        return Ok(());
    }
    let file = format!("/etc/apt/sources.list.d/{suite}.sources");
    eprintln!("setup: adding Debian's {suite} to apt's sources ({file})");
    let text = format!(
        "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: {suite}\nComponents: main\n\
         Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    );
    let tmp = std::env::temp_dir().join(format!("movinet-{suite}.sources"));
    fs::write(&tmp, text).map_err(|e| format!("write {}: {e}", tmp.display()))?;
    let placed = as_root("install", &["-m", "644", &tmp.display().to_string(), &file]);
    let _ = fs::remove_file(&tmp);
    placed
}

/// Runs `program` with `args` as root: directly when this is root, else through `sudo -n`.
fn as_root(program: &str, args: &[&str]) -> Result<()> {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut c = Command::new(if is_root { program } else { "sudo" });
    if !is_root {
        c.args(["-n", program]);
    }
    c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    run(&mut c)
}

/// Adds the rustup `targets` not installed yet (their standard libraries).
pub fn rust_targets(targets: &[&str]) -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup not found ({e}): install Rust with rustup"))?;
    let installed = String::from_utf8_lossy(&out.stdout);
    let missing: Vec<&str> = targets
        .iter()
        .copied()
        .filter(|t| !installed.lines().any(|l| l.trim() == *t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("setup: adding the Rust targets {}", missing.join(", "));
    run(Command::new("rustup")
        .args(["target", "add"])
        .args(&missing))
}
