//! Shared helpers for the integration tests (`tests/tests/*.rs`, each a test binary Cargo
//! finds by itself): where the team's data lives, and a reader for the golden `.npy` files.
//!
//! The data is not in the repository: models come from `MOVINET_MODELS_DIR` (default
//! `../shared/models`; `models/fetch.sh` downloads the official ones), clips and golden logits
//! from `MOVINET_SHARED_DIR` (default `../shared` beside the repository).

use std::path::{Path, PathBuf};

use movinet::{Labels, Model, ModelOptions};

pub mod fewshot;
pub mod live;

/// `../shared` beside the repository (override with `MOVINET_SHARED_DIR`).
pub fn shared_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("MOVINET_SHARED_DIR") {
        return PathBuf::from(d);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// The models folder: `MOVINET_MODELS_DIR`, else `../shared/models`.
pub fn models_dir() -> PathBuf {
    std::env::var_os("MOVINET_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| shared_dir().join("models"))
}

/// Where the test data comes from, for failure messages.
const DATA_HINT: &str = "the tests read models from MOVINET_MODELS_DIR (default ../shared/models \
     beside the repository; models/fetch.sh downloads the official ones) and clips and golden \
     logits from MOVINET_SHARED_DIR (default ../shared)";

/// Panics with what failed, the path, and where the data should come from.
fn missing_data(what: &str, path: &Path, e: impl std::fmt::Display) -> ! {
    panic!("{what} {}: {e}\n({DATA_HINT})", path.display())
}

/// The official A0 stream int8 model's path.
pub fn a0_path() -> PathBuf {
    models_dir().join("movinet_a0_stream_int8.tflite")
}

/// The official A0 model, loaded with the default options.
pub fn a0() -> Model {
    a0_with(&ModelOptions::default())
}

/// The official A0 model, loaded with `options`.
pub fn a0_with(options: &ModelOptions) -> Model {
    load_model(&a0_path(), options)
}

/// A model the tests need, loaded with `options`; a failure names the path and where the
/// test data comes from.
pub fn load_model(path: &Path, options: &ModelOptions) -> Model {
    Model::from_file(path, options).unwrap_or_else(|e| missing_data("could not load", path, e))
}

/// The Kinetics-600 labels beside the official models.
pub fn kinetics_labels() -> Labels {
    let path = models_dir().join("kinetics600_labels.txt");
    Labels::from_file(&path).unwrap_or_else(|e| missing_data("could not read the labels", &path, e))
}

/// A golden clip: the uint8 frames fed and the logits after every frame.
pub struct Golden {
    pub frames: Vec<u8>,
    pub n: usize,
    pub height: usize,
    pub width: usize,
    pub logits: Vec<f32>,
    pub classes: usize,
}

impl Golden {
    /// `name` is the file stem, e.g. `a0int8_carving_ice_android_fps5_crop`.
    pub fn load(name: &str) -> Self {
        let dir = shared_dir().join("golden");
        let (fshape, frames) = read_npy(&dir.join(format!("{name}_frames_u8.npy")), "|u1");
        let (lshape, logits) = read_npy(&dir.join(format!("{name}_logits.npy")), "<f4");
        assert_eq!(fshape.len(), 4);
        assert_eq!(lshape.len(), 2);
        assert_eq!(fshape[0], lshape[0]);
        Self {
            frames,
            n: fshape[0],
            height: fshape[1],
            width: fshape[2],
            logits: logits
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            classes: lshape[1],
        }
    }

    pub fn carving_ice() -> Self {
        Self::load("a0int8_carving_ice_android_fps5_crop")
    }

    pub fn arm_wrestling() -> Self {
        Self::load("a0int8_arm_wrestling_fps5_crop")
    }

    /// Frame i as the model input: `u8 / 255.0`, exactly as the reference fed it.
    pub fn input(&self, i: usize) -> Vec<f32> {
        let n = self.height * self.width * 3;
        self.frames[i * n..(i + 1) * n]
            .iter()
            .map(|&v| v as f32 / 255.0)
            .collect()
    }

    pub fn logits(&self, i: usize) -> &[f32] {
        &self.logits[i * self.classes..(i + 1) * self.classes]
    }
}

/// xorshift64 from a fixed seed: the same "random" numbers on every run (test bytes, orders),
/// without a dependency. Yields the state after each step.
pub struct Xorshift(u64);

impl Xorshift {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_add(0x9E37_79B9_7F4A_7C15))
    }
}

impl Iterator for Xorshift {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        Some(x)
    }
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

pub fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
        .expect("non-empty")
}

/// Reads a C-order `.npy` array of the given dtype; returns its shape and raw bytes.
pub fn read_npy(path: &Path, descr: &str) -> (Vec<usize>, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| missing_data("could not read", path, e));
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{} is not .npy", path.display());
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).expect("header");
    assert!(header.contains(&format!("'descr': '{descr}'")), "{header}");
    assert!(header.contains("'fortran_order': False"), "{header}");
    let shape_txt = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .expect("shape");
    let shape: Vec<usize> = shape_txt
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("dim"))
        .collect();
    (shape, bytes[start + header_len..].to_vec())
}

// ---------------------------------------------------------------------------------------------
// Video clips, decoded by ffmpeg for the tests (the CLI has its own decoder).

/// A clip decoded to packed RGB24 with each frame's presentation time.
pub struct Clip {
    pub name: String,
    pub width: usize,
    pub height: usize,
    /// `width * height * 3` bytes per frame.
    pub frames: Vec<Vec<u8>>,
    /// From the stream's timestamps (`pts`, else the best-effort timestamp) and time base.
    pub timestamps: Vec<Option<std::time::Duration>>,
}

pub fn clip_path(name: &str) -> PathBuf {
    shared_dir().join("clips").join(name)
}

fn run_tool(cmd: &mut std::process::Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (ffmpeg and ffprobe must be on PATH)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `(width, height)` and every frame's timestamp, from ffprobe.
pub fn probe(path: &Path) -> (usize, usize, Vec<Option<std::time::Duration>>) {
    let text = |args: &[&str]| {
        let mut cmd = std::process::Command::new("ffprobe");
        cmd.args(["-v", "error", "-select_streams", "v:0"])
            .args(args)
            .arg(path);
        String::from_utf8(run_tool(&mut cmd)).expect("ffprobe output is text")
    };
    let stream = text(&[
        "-show_entries",
        "stream=width,height,time_base",
        "-of",
        "csv=p=0",
    ]);
    let fields: Vec<&str> = stream.trim().split(',').collect();
    let (width, height) = (fields[0].parse().unwrap(), fields[1].parse().unwrap());
    let (num, den): (u64, u64) = fields[2]
        .split_once('/')
        .map(|(n, d)| (n.parse().unwrap(), d.parse().unwrap()))
        .expect("time base");
    let frames = text(&[
        "-show_entries",
        "frame=pts,best_effort_timestamp",
        "-of",
        "csv",
    ]);
    let times = frames
        .lines()
        .filter_map(|l| l.strip_prefix("frame,"))
        .map(|l| {
            let mut f = l.split(',');
            let (pts, best) = (f.next(), f.next());
            [pts, best]
                .into_iter()
                .flatten()
                .find_map(|v| v.parse::<i64>().ok())
                .map(|t| {
                    let ns = i128::from(t) * 1_000_000_000 * i128::from(num) / i128::from(den);
                    std::time::Duration::from_nanos(ns.try_into().expect("timestamp >= 0"))
                })
        })
        .collect();
    (width, height, times)
}

/// libswscale's flags for its exact C path, the same bits on every CPU: `ffmpeg -cpuflags 0`
/// gives other RGB than the default on the same machine, so the default's SIMD paths may
/// differ between machines. The live-label tests and the event sweep decode with these
/// ([`stream_rgb`]), and the tests that re-encode clips scale with them.
pub const SWS_FLAGS: &str = "bicubic+accurate_rnd+bitexact+full_chroma_int";

/// ffmpeg's output arguments for raw RGB24 on stdout, one frame per decoded frame, converted
/// as the `ffmpeg` command converts by default: as PyAV (the reference pipeline's decoder,
/// which made the golden frames) and the command's own decoder do on the same machine.
const RGB24_TO_STDOUT: [&str; 7] = [
    "-fps_mode",
    "passthrough",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgb24",
    "-",
];

/// [`RGB24_TO_STDOUT`] converted by libswscale's exact C path ([`SWS_FLAGS`]).
const RGB24_EXACT_TO_STDOUT: [&str; 9] = [
    "-fps_mode",
    "passthrough",
    "-sws_flags",
    SWS_FLAGS,
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgb24",
    "-",
];

/// Decodes up to `max_frames` frames (all when `None`) of a shared clip to RGB24 with ffmpeg,
/// one output frame per decoded frame.
pub fn decode_rgb(name: &str, max_frames: Option<usize>) -> Clip {
    let path = clip_path(name);
    let (width, height, mut timestamps) = probe(&path);
    let mut cmd = std::process::Command::new("ffmpeg");
    cmd.args(["-v", "error", "-i"]).arg(&path);
    if let Some(n) = max_frames {
        cmd.args(["-frames:v", &n.to_string()]);
    }
    cmd.args(RGB24_TO_STDOUT);
    let raw = run_tool(&mut cmd);
    let size = width * height * 3;
    assert_eq!(raw.len() % size, 0, "{name}: partial frame");
    let frames: Vec<Vec<u8>> = raw.chunks_exact(size).map(<[u8]>::to_vec).collect();
    match max_frames {
        Some(n) => timestamps.truncate(n.min(timestamps.len())),
        None => assert_eq!(
            frames.len(),
            timestamps.len(),
            "{name}: ffmpeg and ffprobe disagree"
        ),
    }
    assert_eq!(frames.len(), timestamps.len(), "{name}: frame count");
    Clip {
        name: name.to_string(),
        width,
        height,
        frames,
        timestamps,
    }
}

/// Streams a shared clip's frames through `f` as ffmpeg decodes them (RGB24, one call per
/// decoded frame, with the frame's timestamp), without holding the whole clip in memory.
/// Returns the number of frames. Converted by libswscale's exact path ([`SWS_FLAGS`]): the
/// same frames on every CPU, so the live-label figures are the same on every machine.
pub fn stream_rgb(
    name: &str,
    f: impl FnMut(&[u8], usize, usize, Option<std::time::Duration>),
) -> usize {
    stream_rgb_file(&clip_path(name), f)
}

/// [`stream_rgb`] for any video file.
pub fn stream_rgb_file(
    path: &Path,
    mut f: impl FnMut(&[u8], usize, usize, Option<std::time::Duration>),
) -> usize {
    use std::io::Read;
    let name = path.display();
    let (width, height, timestamps) = probe(path);
    let mut child = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(path)
        .args(RGB24_EXACT_TO_STDOUT)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run ffmpeg: {e} (it must be on PATH)"));
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut frame = vec![0u8; width * height * 3];
    let mut n = 0;
    while stdout.read_exact(&mut frame).is_ok() {
        f(&frame, width, height, timestamps.get(n).copied().flatten());
        n += 1;
    }
    assert!(
        child.wait().expect("ffmpeg").success(),
        "{name}: ffmpeg failed"
    );
    assert_eq!(n, timestamps.len(), "{name}: ffmpeg and ffprobe disagree");
    n
}

/// A shared clip's duration from its container (ffprobe's `format=duration`).
pub fn clip_duration(name: &str) -> std::time::Duration {
    duration(&clip_path(name))
}

/// A video file's duration from its container (ffprobe's `format=duration`).
pub fn duration(path: &Path) -> std::time::Duration {
    let out = run_tool(
        std::process::Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-show_entries",
                "format=duration",
                "-of",
                "csv=p=0",
            ])
            .arg(path),
    );
    let secs: f64 = String::from_utf8_lossy(&out)
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{}: duration: {e}", path.display()));
    std::time::Duration::from_secs_f64(secs)
}

/// The shared clips and their expected labels, from `clips.csv` (`file,expected_label,...`).
pub fn clip_list() -> Vec<(String, String)> {
    shared_csv_columns("clips/clips.csv", ["file", "expected_label"])
}

/// The first two cells of each row of a CSV under `../shared` (`relative` to it), trimmed,
/// after its header row; `names` name the two columns in a failure.
pub fn shared_csv_columns(relative: &str, names: [&str; 2]) -> Vec<(String, String)> {
    let path = shared_dir().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut f = l.splitn(3, ',');
            let mut cell = |name: &str| {
                f.next()
                    .unwrap_or_else(|| panic!("{}: a row without `{name}`: {l}", path.display()))
                    .trim()
                    .to_string()
            };
            let first = cell(names[0]);
            (first, cell(names[1]))
        })
        .collect()
}

/// The frame indices a golden file was made from (its `.json`'s `frame_indices`).
pub fn golden_frame_indices(name: &str) -> Vec<usize> {
    let path = shared_dir().join("golden").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let list = text
        .split("\"frame_indices\"")
        .nth(1)
        .and_then(|s| s.split_once('['))
        .and_then(|(_, s)| s.split_once(']'))
        .map(|(s, _)| s)
        .expect("frame_indices");
    list.split(',')
        .map(|v| v.trim().parse().expect("index"))
        .collect()
}

/// The Python of the reference venv: `MOVINET_PYTHON`, else `.deps/venv/bin/python`.
pub fn python() -> PathBuf {
    std::env::var_os("MOVINET_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.deps/venv/bin/python"))
}

/// How much of a long test to run: the environment variable `name` (`cargo xtask test arm64`
/// sets a few, so that a sample runs under emulation; see `xtask/src/arm64.rs`), else
/// `default`, the whole test. A value that is not a positive number fails the test.
pub fn test_size(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => match v.trim().parse() {
            Ok(n) if n > 0 => {
                eprintln!("{name}={n}: a sample of the test (the whole test: {default})");
                n
            }
            _ => panic!("{name}={v:?} is not a positive number"),
        },
        Err(_) => default,
    }
}

/// Runs `tests/reference/<script>` with the reference venv's Python and `args`; panics with
/// what failed (the venv missing, the script failing).
pub fn run_reference(script: &str, args: &[&std::ffi::OsStr]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reference")
        .join(script);
    let status = std::process::Command::new(python())
        .arg(&script)
        .args(args)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} (cargo xtask setup makes the venv): {e}",
                python().display()
            )
        });
    assert!(status.success(), "{} failed", script.display());
}

// ---------------------------------------------------------------------------------------------
// BT.601 YUV 4:2:0 made from RGB in the tests.

/// Planar 4:2:0 (video range BT.601): `y` is `width x height`, `u` and `v` are
/// `ceil(width/2) x ceil(height/2)`, all unpadded.
pub struct Yuv420 {
    pub width: usize,
    pub height: usize,
    pub y: Vec<u8>,
    pub u: Vec<u8>,
    pub v: Vec<u8>,
}

impl Yuv420 {
    pub fn chroma_size(&self) -> (usize, usize) {
        (self.width.div_ceil(2), self.height.div_ceil(2))
    }

    /// NV21's interleaved V, U plane with `row_stride` bytes a row (padding 0).
    pub fn vu_interleaved(&self, row_stride: usize) -> Vec<u8> {
        self.interleaved(row_stride, false)
    }

    /// NV12's interleaved U, V plane with `row_stride` bytes a row.
    pub fn uv_interleaved(&self, row_stride: usize) -> Vec<u8> {
        self.interleaved(row_stride, true)
    }

    fn interleaved(&self, row_stride: usize, u_first: bool) -> Vec<u8> {
        let (cw, ch) = self.chroma_size();
        let mut out = vec![0u8; row_stride * ch];
        for r in 0..ch {
            for c in 0..cw {
                let (a, b) = (self.u[r * cw + c], self.v[r * cw + c]);
                let (first, second) = if u_first { (a, b) } else { (b, a) };
                out[r * row_stride + 2 * c] = first;
                out[r * row_stride + 2 * c + 1] = second;
            }
        }
        out
    }
}

/// Copies `rows` rows of `row_bytes` bytes into rows of `stride` bytes; the last row is left
/// unpadded, as Android's planes often are.
pub fn pad_rows(data: &[u8], row_bytes: usize, rows: usize, stride: usize) -> Vec<u8> {
    let mut out = vec![0xA5u8; stride * (rows - 1) + row_bytes];
    for r in 0..rows {
        out[r * stride..r * stride + row_bytes]
            .copy_from_slice(&data[r * row_bytes..(r + 1) * row_bytes]);
    }
    out
}

const KY: f64 = 255.0 / 219.0;
const KC: f64 = 255.0 / 224.0;
/// BT.601 (Kr 0.299, Kb 0.114) full-range chroma coefficients.
const KR_V: f64 = 1.402;
const KG_U: f64 = 0.344136;
const KG_V: f64 = 0.714136;
const KB_U: f64 = 1.772;

/// The RGB (unrounded, unclamped) that video-range Y, U, V decode to.
pub fn bt601_rgb(y: f64, u: f64, v: f64) -> [f64; 3] {
    let (y, u, v) = (KY * (y - 16.0), KC * (u - 128.0), KC * (v - 128.0));
    [y + KR_V * v, y - KG_U * u - KG_V * v, y + KB_U * u]
}

/// RGB24 to 4:2:0 BT.601 video range. U and V are the means over each 2x2 block, and each Y
/// is kept within the range that decodes inside the RGB cube with its block's chroma (for
/// the rare very saturated blocks where no integer Y fits, the block's chroma is moved
/// towards grey until one does). So the picture a YUV frame carries ([`Yuv420::to_rgb`])
/// never needs clamping: the YUV and RGB descriptions of it are the same picture.
pub fn rgb_to_yuv420(rgb: &[u8], width: usize, height: usize) -> Yuv420 {
    let px = |x: usize, y: usize| {
        let i = (y * width + x) * 3;
        [rgb[i], rgb[i + 1], rgb[i + 2]].map(f64::from)
    };
    let luma = |[r, g, b]: [f64; 3]| 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0;
    let cb = |[r, g, b]: [f64; 3]| 128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0;
    let cr = |[r, g, b]: [f64; 3]| 128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0;
    // Integer Y values that decode inside the cube with chroma (u, v).
    let y_range = |u: f64, v: f64| {
        let (mut lo, mut hi) = (0.0f64, 255.0f64);
        for c0 in bt601_rgb(16.0, u, v) {
            lo = lo.max(16.0 - c0 / KY);
            hi = hi.min(16.0 + (255.0 - c0) / KY);
        }
        // A little inside, so that float noise cannot push a decode out.
        (lo + 1e-6).ceil()..=(hi - 1e-6).floor()
    };
    let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
    let (mut u, mut v) = (vec![0u8; cw * ch], vec![0u8; cw * ch]);
    let mut y = vec![0u8; width * height];
    for by in 0..ch {
        for bx in 0..cw {
            let block: Vec<(usize, usize)> = (2 * by..(2 * by + 2).min(height))
                .flat_map(|yy| (2 * bx..(2 * bx + 2).min(width)).map(move |xx| (xx, yy)))
                .collect();
            let n = block.len() as f64;
            let mean = |f: &dyn Fn([f64; 3]) -> f64| {
                block.iter().map(|&(x, y)| f(px(x, y))).sum::<f64>() / n
            };
            let (mut uu, mut vv) = (mean(&cb).round(), mean(&cr).round());
            let mut range = y_range(uu, vv);
            while range.is_empty() {
                uu += (128.0 - uu).signum();
                vv += (128.0 - vv).signum();
                range = y_range(uu, vv);
            }
            u[by * cw + bx] = uu as u8;
            v[by * cw + bx] = vv as u8;
            for &(xx, yy) in &block {
                let l = luma(px(xx, yy)).round().clamp(*range.start(), *range.end());
                y[yy * width + xx] = l as u8;
            }
        }
    }
    Yuv420 {
        width,
        height,
        y,
        u,
        v,
    }
}

impl Yuv420 {
    /// The RGB24 picture this frame carries: each pixel decoded with its block's chroma,
    /// rounded and clamped.
    pub fn to_rgb(&self) -> Vec<u8> {
        let (cw, _) = self.chroma_size();
        let mut out = Vec::with_capacity(self.width * self.height * 3);
        for yy in 0..self.height {
            for xx in 0..self.width {
                let c = (yy / 2) * cw + xx / 2;
                let rgb = bt601_rgb(
                    f64::from(self.y[yy * self.width + xx]),
                    f64::from(self.u[c]),
                    f64::from(self.v[c]),
                );
                out.extend(rgb.map(|x| x.round().clamp(0.0, 255.0) as u8));
            }
        }
        out
    }
}

pub mod tflite;
