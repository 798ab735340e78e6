//! Video, GIF and image decoding through Debian's FFmpeg, over a pipe: `ffprobe` for the
//! size, `ffmpeg` for raw RGB24 frames on stdout and each frame's timestamp from the
//! `showinfo` filter on stderr. Frames come out exactly as PyAV's `to_ndarray("rgb24")`
//! gives them (checked on the shared clips), without autorotation, like the reference.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::JoinHandle;
use std::time::Duration;

/// Image files a folder input may hold, decoded in name order as consecutive frames.
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "bmp", "webp", "tif", "tiff"];

/// One decoded frame, tightly packed RGB24.
pub struct DecodedFrame {
    pub rgb: Vec<u8>,
    pub width: usize,
    pub height: usize,
    /// Presentation time from the container; `None` for a folder of images.
    pub timestamp: Option<Duration>,
}

/// Anything that went wrong opening or decoding an input, as one line for the user.
#[derive(Debug)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

type Result<T> = std::result::Result<T, DecodeError>;

/// The frames of one input (a video or GIF file, or a folder of images).
pub enum Source {
    Video(VideoDecoder),
    Images { files: Vec<PathBuf>, next: usize },
}

impl Source {
    pub fn open(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(DecodeError(format!(
                "{}: no such file or folder",
                path.display()
            )));
        }
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| DecodeError(format!("{}: {e}", path.display())))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
                    })
                })
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(DecodeError(format!(
                    "{}: folder holds no images ({})",
                    path.display(),
                    IMAGE_EXTENSIONS.join(", ")
                )));
            }
            return Ok(Self::Images { files, next: 0 });
        }
        Ok(Self::Video(VideoDecoder::open(path)?))
    }
}

impl Iterator for Source {
    type Item = Result<DecodedFrame>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Video(v) => v.next(),
            Self::Images { files, next } => {
                let file = files.get(*next)?;
                *next += 1;
                Some(VideoDecoder::open(file).and_then(|mut d| {
                    d.next()
                        .unwrap_or_else(|| {
                            Err(DecodeError(format!("{}: no image decoded", file.display())))
                        })
                        .map(|mut f| {
                            f.timestamp = None;
                            f
                        })
                }))
            }
        }
    }
}

/// A running `ffmpeg` decoding one file.
pub struct VideoDecoder {
    path: PathBuf,
    child: Child,
    stdout: ChildStdout,
    width: usize,
    height: usize,
    timestamps: Receiver<f64>,
    log: Option<JoinHandle<Vec<String>>>,
    done: bool,
}

impl VideoDecoder {
    pub fn open(path: &Path) -> Result<Self> {
        let (width, height) = probe_size(path)?;
        let mut child = Command::new("ffmpeg")
            .args([
                "-hide_banner",
                "-nostdin",
                "-nostats",
                "-loglevel",
                "info",
                "-noautorotate",
                "-i",
            ])
            .arg(path)
            .args([
                "-map",
                "0:v:0",
                "-fps_mode",
                "passthrough",
                "-vf",
                "showinfo",
            ])
            .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                DecodeError(format!(
                    "cannot run ffmpeg ({e}); install FFmpeg (`cargo xtask setup`)"
                ))
            })?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| DecodeError("ffmpeg stdout".into()))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| DecodeError("ffmpeg stderr".into()))?;
        let (tx, timestamps) = mpsc::channel();
        // showinfo prints one line per frame, before the frame reaches stdout.
        let log = std::thread::spawn(move || {
            let mut other = Vec::new();
            for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                if line.contains("Parsed_showinfo") {
                    if let Some(t) = field(&line, "pts_time:").and_then(|v| v.parse::<f64>().ok()) {
                        let _ = tx.send(t);
                    }
                } else if !line.starts_with(' ')
                    && !line.starts_with("Input #")
                    && !line.starts_with("Output #")
                    && !line.starts_with("Stream mapping")
                    && !line.starts_with("Press [q]")
                {
                    other.push(line);
                }
            }
            other
        });
        Ok(Self {
            path: path.to_path_buf(),
            child,
            stdout,
            width,
            height,
            timestamps,
            log: Some(log),
            done: false,
        })
    }

    fn finish(&mut self) -> Option<Result<DecodedFrame>> {
        self.done = true;
        let status = self.child.wait().ok();
        let log = self
            .log
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        match status {
            Some(s) if s.success() => None,
            _ => Some(Err(DecodeError(format!(
                "{}: ffmpeg failed: {}",
                self.path.display(),
                log.last().map(String::as_str).unwrap_or("no message")
            )))),
        }
    }
}

impl Iterator for VideoDecoder {
    type Item = Result<DecodedFrame>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut rgb = vec![0u8; self.width * self.height * 3];
        let mut filled = 0;
        while filled < rgb.len() {
            match self.stdout.read(&mut rgb[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Some(Err(DecodeError(format!("{}: {e}", self.path.display())))),
            }
        }
        if filled == 0 {
            return self.finish();
        }
        if filled < rgb.len() {
            self.finish();
            return Some(Err(DecodeError(format!(
                "{}: last frame cut short ({filled} of {} bytes)",
                self.path.display(),
                rgb.len()
            ))));
        }
        let timestamp = self
            .timestamps
            .recv_timeout(Duration::from_secs(5))
            .ok()
            .filter(|t| t.is_finite() && *t >= 0.0)
            .map(Duration::from_secs_f64);
        Some(Ok(DecodedFrame {
            rgb,
            width: self.width,
            height: self.height,
            timestamp,
        }))
    }
}

impl Drop for VideoDecoder {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Width and height of the first video stream, or a clear error for anything else.
fn probe_size(path: &Path) -> Result<(usize, usize)> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=width,height:format=format_name",
            "-of",
            "default=nw=1",
        ])
        .arg(path)
        .output()
        .map_err(|e| {
            DecodeError(format!(
                "cannot run ffprobe ({e}); install FFmpeg (`cargo xtask setup`)"
            ))
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .map(str::trim)
    };
    let dim = |key: &str| {
        value(key)
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&v| v > 0)
    };
    // FFmpeg renders plain text files as video through its `tty` demuxer: not a video here.
    let is_text = value("format_name") == Some("tty");
    match (
        out.status.success() && !is_text,
        dim("width"),
        dim("height"),
    ) {
        (true, Some(w), Some(h)) => Ok((w, h)),
        _ => {
            let why = String::from_utf8_lossy(&out.stderr);
            let why = why.lines().last().unwrap_or("").trim();
            Err(DecodeError(format!(
                "{}: not a video or image FFmpeg can decode{}",
                path.display(),
                if why.is_empty() {
                    String::new()
                } else {
                    format!(" ({why})")
                }
            )))
        }
    }
}

fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(key)? + key.len();
    line[start..].split_whitespace().next()
}
