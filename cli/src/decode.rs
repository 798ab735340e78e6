//! Video, GIF and image decoding in process, through FFmpeg's libraries (libavformat,
//! libavcodec, libswscale: Debian's `libav*-dev` packages, through `ffmpeg-next`).
//!
//! Why a library and not a child `ffmpeg`: a file name never becomes a command-line option,
//! timestamps, rotation and decode errors come from the decoder's own structures instead of
//! its log, and a frame size is refused before a byte is decoded. The name is still a URL to
//! libavformat (`file:two.mp4`, `pipe:0`), so every input is opened as `file:` + its absolute
//! path with only the `file` protocol allowed.
//!
//! Frames come out as packed RGB24, converted by libswscale the way the `ffmpeg` command's
//! format conversion does it (and so PyAV's `to_ndarray("rgb24")`, the reference pipeline's
//! decoder): bit for bit the same on the shared clips.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::Once;
use std::time::Duration;

use ff::ffi;
use ff::format::Pixel;
use ff::software::scaling;
use ffmpeg_next as ff;
use movinet::frame::MAX_DIMENSION;
use movinet::Rotation;

/// Image files a folder input may hold, decoded in name order as consecutive frames.
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "bmp", "webp", "tif", "tiff"];

/// Video files a user may put in a folder expecting the command to find them: named in the
/// error about a folder without images.
const VIDEO_EXTENSIONS: &[&str] = &[
    "mp4", "m4v", "mov", "mkv", "webm", "avi", "gif", "mpg", "mpeg", "ts", "wmv", "flv", "3gp",
];

/// Why a folder with no images cannot be classified, with a hint when it holds videos.
fn no_images(path: &Path, entries: &[PathBuf]) -> String {
    let mut videos: Vec<String> = entries
        .iter()
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        })
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let mut why = format!(
        "folder holds no images ({}); a folder is read as the frames of one video",
        IMAGE_EXTENSIONS.join(", ")
    );
    if !videos.is_empty() {
        videos.sort();
        let n = videos.len();
        let shown = videos
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = if n > 3 { ", ..." } else { "" };
        why += &format!(
            ". It holds {n} video{} ({shown}{more}): give {} as inputs, e.g. {}/*",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" },
            path.display()
        );
    }
    why
}

/// The largest frame the command decodes: 8K UHD (7680x4320, 33 megapixels; each side at
/// most the core's `MAX_DIMENSION`). Refused from the container's header before decoding,
/// and given to the decoder as its own bound for sizes the header does not state.
pub const MAX_PIXELS: usize = 7680 * 4320;

/// Read errors in a row after which the rest of a file is given up as unreadable.
const MAX_READ_ERRORS_IN_A_ROW: usize = 64;

/// One decoded frame, tightly packed RGB24, as stored (not rotated).
pub struct DecodedFrame {
    pub rgb: Vec<u8>,
    pub width: usize,
    pub height: usize,
    /// Presentation time from the start of the file; `None` for a folder of images.
    pub timestamp: Option<Duration>,
    /// Clockwise rotation that shows the frame upright (from the file's display matrix or
    /// `rotate` tag; `Deg0` with autorotation off).
    pub rotation: Rotation,
    /// The frame's own timestamp (best effort) in the stream's time base, as stored; `None`
    /// for a folder of images or a frame without one.
    pub pts: Option<i64>,
    /// How long the frame shows, in the stream's time base (0 when the file does not say).
    pub duration: i64,
}

/// What an encoder needs to write a video stream back like the one decoded.
#[derive(Debug, Clone, Copy)]
pub struct StreamInfo {
    /// The stream's time base, the unit of [`DecodedFrame::pts`].
    pub time_base: ff::Rational,
    /// Its average frame rate (0/0 when unknown) and the rate of its time stamps.
    pub avg_frame_rate: ff::Rational,
    pub real_frame_rate: ff::Rational,
    /// The file's start in the stream's time base: timestamps minus this count from 0, as
    /// [`DecodedFrame::timestamp`] does.
    pub start_pts: i64,
    /// The rotation the container asks players to show the frames with, whatever
    /// autorotation says.
    pub rotation: Option<Rotation>,
}

/// The colour description of the frames last decoded (FFmpeg's `AVColor*` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    pub space: ff::color::Space,
    pub range: ff::color::Range,
    pub primaries: ff::color::Primaries,
    pub transfer: ff::color::TransferCharacteristic,
}

/// What went wrong while decoding an input that did open: the command warns and reports it.
#[derive(Debug, Default, Clone)]
pub struct DecodeStats {
    pub frames_decoded: usize,
    /// Frames the container says the stream has, when it says (MP4, MOV, AVI do; GIF, MKV
    /// and raw streams do not).
    pub frames_expected: Option<u64>,
    /// Packets the container marks to be decoded but not shown (`AV_PKT_FLAG_DISCARD`: the
    /// samples before or after an edit list's span, as in a video trimmed without re-encoding):
    /// the decoder drops their frames, and they are not missing.
    pub frames_discarded: u64,
    /// Packets that could not be read, packets or frames the decoder refused, and frames it
    /// marked as corrupt or concealed.
    pub decode_errors: usize,
    /// The first of those errors, for the warning line.
    pub first_error: Option<String>,
    /// How long the container says the video is, in seconds, when it says.
    pub declared_duration: Option<f64>,
    /// Timestamp of the last frame decoded, in seconds from the start.
    pub last_timestamp: Option<f64>,
}

impl DecodeStats {
    fn error(&mut self, what: impl Into<String>) {
        self.decode_errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(what.into());
        }
    }

    /// The frames the container lists to be shown: those it lists, less those it marks to be
    /// discarded.
    pub fn frames_to_show(&self) -> Option<u64> {
        self.frames_expected
            .map(|e| e.saturating_sub(self.frames_discarded))
    }

    /// Whether the user should be told: errors, fewer frames than the container lists to be
    /// shown, or (where it lists none, as Matroska) frames that stop well before its declared
    /// duration.
    pub fn incomplete(&self) -> bool {
        self.decode_errors > 0
            || self
                .frames_to_show()
                .is_some_and(|e| (self.frames_decoded as u64) < e)
            || self.ends_early().is_some()
    }

    /// `(last frame's time, declared duration)` when the frames stop short of the duration by
    /// more than a second and 10% (audio may outlast the video by a little; not by that).
    fn ends_early(&self) -> Option<(f64, f64)> {
        let declared = self.declared_duration?;
        let last = self.last_timestamp.unwrap_or(0.0);
        (self.frames_expected.is_none() && declared - last > (0.1 * declared).max(1.0))
            .then_some((last, declared))
    }

    /// One line for the warning, e.g. "51 of 131 frames decoded; 2 decode errors (first: ...)".
    pub fn summary(&self) -> String {
        let mut s = match self.frames_to_show() {
            Some(e) => format!("{} of {e} frames decoded", self.frames_decoded),
            None => format!("{} frames decoded", self.frames_decoded),
        };
        if let Some((last, declared)) = self.ends_early() {
            s += &format!(", up to {last:.1} s of the {declared:.1} s the file declares");
        }
        if self.decode_errors > 0 {
            s += &format!(
                "; {} decode error{}",
                self.decode_errors,
                if self.decode_errors == 1 { "" } else { "s" }
            );
            if let Some(first) = &self.first_error {
                s += &format!(" (first: {first})");
            }
        }
        s
    }
}

/// Anything that stops an input from being decoded at all, as one line for the user.
#[derive(Debug)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

type Result<T> = std::result::Result<T, DecodeError>;

fn fail<T>(path: &Path, why: impl std::fmt::Display) -> Result<T> {
    Err(DecodeError(format!("{}: {why}", path.display())))
}

/// The frames of one input (a video or GIF file, or a folder of images).
pub enum Source {
    Video(Box<VideoDecoder>),
    Images {
        files: Vec<PathBuf>,
        next: usize,
        autorotate: bool,
        stats: DecodeStats,
    },
}

impl Source {
    /// Opens a regular file or a folder of images. Anything else (a FIFO, a device, a
    /// socket) is refused without being opened, so the command never blocks on it.
    pub fn open(path: &Path, autorotate: bool) -> Result<Self> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return fail(path, "no such file or folder")
            }
            Err(e) => return fail(path, e),
        };
        if meta.is_dir() {
            let entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| DecodeError(format!("{}: {e}", path.display())))?
                .flatten()
                .map(|e| e.path())
                .collect();
            let mut files: Vec<PathBuf> = entries
                .iter()
                .filter(|p| {
                    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
                    })
                })
                .cloned()
                .collect();
            files.sort();
            if files.is_empty() {
                return fail(path, no_images(path, &entries));
            }
            return Ok(Self::Images {
                files,
                next: 0,
                autorotate,
                stats: DecodeStats::default(),
            });
        }
        Ok(Self::Video(Box::new(VideoDecoder::open(path, autorotate)?)))
    }

    pub fn stats(&self) -> &DecodeStats {
        match self {
            Self::Video(v) => &v.stats,
            Self::Images { stats, .. } => stats,
        }
    }
}

impl Iterator for Source {
    type Item = DecodedFrame;

    fn next(&mut self) -> Option<DecodedFrame> {
        match self {
            Self::Video(v) => v.next(),
            Self::Images {
                files,
                next,
                autorotate,
                stats,
            } => loop {
                let file = files.get(*next)?;
                *next += 1;
                // An image that does not decode is an error of the folder, not its end.
                match VideoDecoder::open(file, *autorotate) {
                    Ok(mut d) => {
                        let frame = d.next();
                        let name = file.file_name().unwrap_or_default().to_string_lossy();
                        // The image's own errors, named after it.
                        if let Some(first) = d.stats.first_error.take() {
                            stats.error(format!("{name}: {first}"));
                            stats.decode_errors += d.stats.decode_errors - 1;
                        }
                        match frame {
                            Some(mut f) => {
                                f.timestamp = None;
                                f.pts = None;
                                stats.frames_decoded += 1;
                                return Some(f);
                            }
                            None if d.stats.decode_errors == 0 => {
                                stats.error(format!("{name}: no image decoded"))
                            }
                            None => {}
                        }
                    }
                    Err(e) => stats.error(e.0),
                }
            },
        }
    }
}

/// libavformat + libavcodec decoding the best video stream of one file.
pub struct VideoDecoder {
    input: ff::format::context::Input,
    decoder: ff::decoder::Video,
    stream_index: usize,
    /// Seconds per timestamp unit.
    time_base: f64,
    /// The file's start time in seconds, subtracted from every timestamp.
    start: Option<f64>,
    frame_rate: f64,
    info: StreamInfo,
    rotation: Option<Rotation>,
    autorotate: bool,
    frame: ff::frame::Video,
    rgb: ff::frame::Video,
    scaler: Option<(scaling::Context, ScalerKey)>,
    sent_eof: bool,
    read_errors_in_a_row: usize,
    pub stats: DecodeStats,
}

/// What the scaler was built for: a stream may change size or format midway.
#[derive(PartialEq, Eq, Clone, Copy)]
struct ScalerKey {
    format: Pixel,
    width: u32,
    height: u32,
    colorspace: i32,
    full_range: bool,
}

/// Fills `ffmpeg-next`'s error texts, and quiets libav: it logs to stderr by default, and
/// the command keeps stderr for its own lines (`RUST_LOG=debug` lets libav's messages through).
fn init_libav() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = ff::init();
        let level = if log::log_enabled!(log::Level::Debug) {
            ff::util::log::Level::Info
        } else {
            ff::util::log::Level::Quiet
        };
        ff::util::log::set_level(level);
    });
}

/// A dictionary of libav options.
struct Options(*mut ffi::AVDictionary);

impl Options {
    fn new(pairs: &[(&str, &str)]) -> Self {
        let mut d = ptr::null_mut();
        for (k, v) in pairs {
            // Fixed ASCII keys and values without NUL bytes.
            if let (Ok(k), Ok(v)) = (CString::new(*k), CString::new(*v)) {
                // SAFETY: `d` is null or a dictionary this function made.
                unsafe { ffi::av_dict_set(&mut d, k.as_ptr(), v.as_ptr(), 0) };
            }
        }
        Self(d)
    }
}

impl Drop for Options {
    fn drop(&mut self) {
        // SAFETY: null or a dictionary owned by self (libav may have replaced it).
        unsafe { ffi::av_dict_free(&mut self.0) };
    }
}

/// The `file:` URL of `path`: the name cannot be read as another protocol or as options.
fn file_url(path: &Path) -> Result<CString> {
    let abs = std::path::absolute(path).or_else(|e| fail(path, e))?;
    let mut bytes = b"file:".to_vec();
    bytes.extend_from_slice(abs.as_os_str().as_bytes());
    CString::new(bytes).or_else(|_| fail(path, "file name contains a NUL byte"))
}

fn frame_size_error(width: i32, height: i32) -> Option<String> {
    let (w, h) = (width.max(0) as usize, height.max(0) as usize);
    (w > MAX_DIMENSION || h > MAX_DIMENSION || w.saturating_mul(h) > MAX_PIXELS).then(|| {
        format!(
            "{w}x{h} frames are larger than this command decodes (at most {} megapixels, {MAX_DIMENSION} a side)",
            MAX_PIXELS / 1_000_000
        )
    })
}

impl VideoDecoder {
    pub fn open(path: &Path, autorotate: bool) -> Result<Self> {
        init_libav();
        let meta = std::fs::metadata(path).or_else(|e| fail(path, e))?;
        if !meta.is_file() {
            return fail(
                path,
                "not a regular file (a FIFO, device or socket is never read): give a video file",
            );
        }
        let url = file_url(path)?;
        let mut ctx: *mut ffi::AVFormatContext = ptr::null_mut();
        {
            // Only local files, also for what a playlist-like format would open; an image's
            // name is never a numbered-sequence pattern.
            let mut opts =
                Options::new(&[("protocol_whitelist", "file"), ("pattern_type", "none")]);
            // SAFETY: `ctx` is null and receives a context owned from here on; `opts` is a
            // valid dictionary pointer that libav may replace.
            let r = unsafe {
                ffi::avformat_open_input(&mut ctx, url.as_ptr(), ptr::null(), &mut opts.0)
            };
            if r < 0 {
                return fail(
                    path,
                    format!(
                        "not a video or image FFmpeg can decode ({})",
                        ff::Error::from(r)
                    ),
                );
            }
        }
        // SAFETY: `ctx` is an open input; `Input` closes it on drop.
        let mut input = unsafe { ff::format::context::Input::wrap(ctx) };
        if input.format().name() == "tty" {
            // libavformat renders plain text files (`.txt`) as video: not a video here.
            return fail(path, "not a video or image FFmpeg can decode (a text file)");
        }
        // The header's frame size, before anything is decoded (a 154-byte GIF can declare
        // 16000x16000).
        for s in input.streams() {
            let p = s.parameters();
            // SAFETY: the parameters of a stream of the open input.
            let (w, h) = unsafe { ((*p.as_ptr()).width, (*p.as_ptr()).height) };
            let cover = s
                .disposition()
                .contains(ff::format::stream::Disposition::ATTACHED_PIC);
            if p.medium() == ff::media::Type::Video && !cover {
                if let Some(why) = frame_size_error(w, h) {
                    return fail(path, why);
                }
            }
        }
        find_stream_info(&mut input).or_else(|e| {
            fail(
                path,
                format!("not a video or image FFmpeg can decode ({e})"),
            )
        })?;
        let stream = input
            .streams()
            .best(ff::media::Type::Video)
            .ok_or_else(|| DecodeError(format!("{}: no video stream", path.display())))?;
        let stream_index = stream.index();
        let tb = stream.time_base();
        let time_base = if tb.denominator() != 0 {
            f64::from(tb.numerator()) / f64::from(tb.denominator())
        } else {
            0.0
        };
        let rate = stream.avg_frame_rate();
        let frame_rate = match f64::from(rate) {
            r if r.is_finite() && r > 0.0 => r,
            _ => 25.0,
        };
        let frames_expected = u64::try_from(stream.frames()).ok().filter(|&n| n > 0);
        // SAFETY: the open input's context.
        let format_start = unsafe { (*input.as_ptr()).start_time };
        let start = if format_start != ffi::AV_NOPTS_VALUE {
            Some(format_start as f64 / f64::from(ffi::AV_TIME_BASE))
        } else if stream.start_time() != ffi::AV_NOPTS_VALUE {
            Some(stream.start_time() as f64 * time_base)
        } else {
            None
        };
        // SAFETY: as above.
        let format_duration = unsafe { (*input.as_ptr()).duration };
        let declared_duration = if stream.duration() > 0 && time_base > 0.0 {
            Some(stream.duration() as f64 * time_base)
        } else if format_duration > 0 {
            Some(format_duration as f64 / f64::from(ffi::AV_TIME_BASE))
        } else {
            None
        };
        let rotation = stream_rotation(&stream);
        let info = StreamInfo {
            time_base: tb,
            avg_frame_rate: stream.avg_frame_rate(),
            real_frame_rate: stream.rate(),
            start_pts: if format_start != ffi::AV_NOPTS_VALUE {
                // SAFETY: plain arithmetic on rationals.
                unsafe { ffi::av_rescale_q(format_start, ffi::AV_TIME_BASE_Q, tb.into()) }
            } else if stream.start_time() != ffi::AV_NOPTS_VALUE {
                stream.start_time()
            } else {
                0
            },
            rotation,
        };
        let mut context = ff::codec::context::Context::from_parameters(stream.parameters())
            .or_else(|e| fail(path, e))?;
        // One decoding thread: with FFmpeg 5.1's frame threads a concealed H.264 frame loses
        // its error flags (the `corrupt.mp4` test), and concealment itself differs by thread
        // count, so a damaged clip's result would depend on the machine.
        // SAFETY: a codec context not yet opened; plain fields.
        unsafe {
            let c = context.as_mut_ptr();
            (*c).max_pixels = MAX_PIXELS as i64;
            (*c).thread_count = 1;
        }
        let decoder = context.decoder().video().or_else(|e| {
            fail(
                path,
                format!(
                    "cannot decode its video ({e}; codec {:?})",
                    stream_codec(&input, stream_index)
                ),
            )
        })?;
        if let Some(why) = frame_size_error(decoder.width() as i32, decoder.height() as i32) {
            return fail(path, why);
        }
        Ok(Self {
            input,
            decoder,
            stream_index,
            time_base,
            start,
            frame_rate,
            info,
            rotation,
            autorotate,
            frame: ff::frame::Video::empty(),
            rgb: ff::frame::Video::empty(),
            scaler: None,
            sent_eof: false,
            read_errors_in_a_row: 0,
            stats: DecodeStats {
                frames_expected,
                declared_duration,
                ..DecodeStats::default()
            },
        })
    }

    /// The decoded frame in `self.frame` as packed RGB24.
    fn convert(&mut self) -> std::result::Result<DecodedFrame, String> {
        let f = &self.frame;
        let key = ScalerKey {
            format: f.format(),
            width: f.width(),
            height: f.height(),
            // SAFETY: a decoded frame; plain fields.
            colorspace: unsafe { (*f.as_ptr()).colorspace as i32 },
            full_range: f.color_range() == ff::color::Range::JPEG,
        };
        if let Some(why) = frame_size_error(key.width as i32, key.height as i32) {
            return Err(why);
        }
        if key.width == 0 || key.height == 0 {
            return Err("empty frame".into());
        }
        if self.scaler.as_ref().map(|(_, k)| *k) != Some(key) {
            let mut s = scaling::Context::get(
                key.format,
                key.width,
                key.height,
                Pixel::RGB24,
                key.width,
                key.height,
                scaling::Flags::BICUBIC,
            )
            .map_err(|e| format!("cannot convert {:?} frames to RGB ({e})", key.format))?;
            set_colorspace(&mut s, key);
            self.scaler = Some((s, key));
            self.rgb = ff::frame::Video::empty();
        }
        let Some((scaler, _)) = self.scaler.as_mut() else {
            return Err("no scaler".into());
        };
        scaler
            .run(&self.frame, &mut self.rgb)
            .map_err(|e| format!("cannot convert a frame to RGB ({e})"))?;
        let (w, h) = (key.width as usize, key.height as usize);
        let stride = self.rgb.stride(0);
        let data = self.rgb.data(0);
        let mut rgb = Vec::with_capacity(w * h * 3);
        for row in 0..h {
            let line = data
                .get(row * stride..row * stride + w * 3)
                .ok_or("converted frame shorter than its size")?;
            rgb.extend_from_slice(line);
        }
        let rotation = if self.autorotate {
            self.rotation
                .or_else(|| frame_rotation(&self.frame))
                .unwrap_or_default()
        } else {
            Rotation::Deg0
        };
        Ok(DecodedFrame {
            rgb,
            width: w,
            height: h,
            timestamp: Some(self.timestamp()),
            rotation,
            pts: self.frame.timestamp().or(self.frame.pts()),
            duration: self.frame.packet().duration,
        })
    }

    /// The stream's time base, frame rates, start and display rotation.
    pub fn info(&self) -> StreamInfo {
        self.info
    }

    /// The colour description of the frame last decoded.
    pub fn colour(&self) -> Colour {
        let f = &self.frame;
        Colour {
            space: f.color_space(),
            range: f.color_range(),
            primaries: f.color_primaries(),
            transfer: f.color_transfer_characteristic(),
        }
    }

    /// The frame's presentation time from the start of the file: its best-effort timestamp
    /// in the stream's time base, else its place at the stream's frame rate.
    fn timestamp(&self) -> Duration {
        let seconds = match self.frame.timestamp().or(self.frame.pts()) {
            Some(ts) if self.time_base > 0.0 => {
                ts as f64 * self.time_base - self.start.unwrap_or(0.0)
            }
            _ => self.stats.frames_decoded as f64 / self.frame_rate,
        };
        Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or_default()
    }

    fn error(&mut self, what: impl std::fmt::Display) {
        self.stats.error(what.to_string());
    }
}

impl Iterator for VideoDecoder {
    type Item = DecodedFrame;

    fn next(&mut self) -> Option<DecodedFrame> {
        loop {
            match self.decoder.receive_frame(&mut self.frame) {
                Ok(()) => {
                    let corrupt = self.frame.is_corrupt() || self.frame.has_decode_errors();
                    match self.convert() {
                        Ok(f) => {
                            self.stats.frames_decoded += 1;
                            self.stats.last_timestamp = f.timestamp.map(|t| t.as_secs_f64());
                            if corrupt {
                                let n = self.stats.frames_decoded;
                                self.error(format!("frame {n} decoded with errors"));
                            }
                            return Some(f);
                        }
                        Err(e) => self.error(e),
                    }
                    continue;
                }
                Err(ff::Error::Eof) => return None,
                Err(ff::Error::Other { errno }) if errno == libc::EAGAIN => {}
                Err(e) => {
                    self.error(e);
                    continue;
                }
            }
            if self.sent_eof {
                // Drained, yet neither a frame nor the end: nothing more will come.
                return None;
            }
            let mut packet = ff::Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) => {
                    self.read_errors_in_a_row = 0;
                    if packet.stream() != self.stream_index {
                        continue;
                    }
                    // SAFETY: a packet just read; a plain field.
                    if unsafe { (*ff::packet::Ref::as_ptr(&packet)).flags }
                        & ffi::AV_PKT_FLAG_DISCARD
                        != 0
                    {
                        self.stats.frames_discarded += 1;
                    }
                    if let Err(e) = self.decoder.send_packet(&packet) {
                        self.error(e);
                    }
                }
                Err(ff::Error::Eof) => self.end_of_input(),
                Err(e) => {
                    self.error(format!("cannot read: {e}"));
                    self.read_errors_in_a_row += 1;
                    if self.read_errors_in_a_row >= MAX_READ_ERRORS_IN_A_ROW {
                        self.end_of_input();
                    }
                }
            }
        }
    }
}

impl VideoDecoder {
    fn end_of_input(&mut self) {
        self.sent_eof = true;
        if let Err(e) = self.decoder.send_eof() {
            self.error(e);
        }
    }
}

/// `avformat_find_stream_info` with the decoders bounded to `MAX_PIXELS` (it decodes a few
/// frames of streams whose header does not state everything).
fn find_stream_info(input: &mut ff::format::context::Input) -> std::result::Result<(), ff::Error> {
    let streams = input.nb_streams() as usize;
    let mut opts: Vec<Options> = (0..streams)
        .map(|_| Options::new(&[("max_pixels", &MAX_PIXELS.to_string())]))
        .collect();
    let mut raw: Vec<*mut ffi::AVDictionary> = opts.iter().map(|o| o.0).collect();
    // SAFETY: one dictionary per stream, as the call expects; libav may replace them, and the
    // (possibly new) pointers are handed back to `opts` to be freed.
    let r = unsafe { ffi::avformat_find_stream_info(input.as_mut_ptr(), raw.as_mut_ptr()) };
    for (o, p) in opts.iter_mut().zip(raw) {
        o.0 = p;
    }
    if r < 0 {
        Err(ff::Error::from(r))
    } else {
        Ok(())
    }
}

fn stream_codec(input: &ff::format::context::Input, index: usize) -> Option<ff::codec::Id> {
    input.stream(index).map(|s| s.parameters().id())
}

/// Tells libswscale the frame's colour matrix and range, as the `ffmpeg` command's scale
/// filter does (unspecified: BT.601, limited range).
fn set_colorspace(s: &mut scaling::Context, key: ScalerKey) {
    // SAFETY: a live scaler; the coefficient tables are static libswscale data.
    unsafe {
        let table = ffi::sws_getCoefficients(key.colorspace);
        let rgb = ffi::sws_getCoefficients(ffi::SWS_CS_DEFAULT);
        ffi::sws_setColorspaceDetails(
            s.as_mut_ptr(),
            table,
            i32::from(key.full_range),
            rgb,
            1,
            0,
            1 << 16,
            1 << 16,
        );
    }
}

/// The clockwise rotation of a display matrix (libavutil's angle is counter-clockwise), when
/// it is a multiple of 90 degrees within 2 degrees (what the `ffmpeg` command applies too).
fn matrix_rotation(matrix: &[u8]) -> Option<Rotation> {
    if matrix.len() < 36 {
        return None;
    }
    let m: Vec<i32> = matrix[..36]
        .chunks_exact(4)
        .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    // SAFETY: nine int32 values, as libavutil reads.
    let ccw = unsafe { ffi::av_display_rotation_get(m.as_ptr()) };
    degrees_rotation(-ccw)
}

fn degrees_rotation(clockwise: f64) -> Option<Rotation> {
    if !clockwise.is_finite() {
        return None;
    }
    let right = (clockwise / 90.0).round() * 90.0;
    if (clockwise - right).abs() > 2.0 {
        return None;
    }
    Rotation::from_degrees(right.rem_euclid(360.0) as i32).ok()
}

/// The rotation the container stores for the stream: display-matrix side data, else the
/// older `rotate` tag (degrees clockwise).
fn stream_rotation(stream: &ff::format::stream::Stream<'_>) -> Option<Rotation> {
    stream
        .side_data()
        .find(|d| d.kind() == ff::codec::packet::side_data::Type::DisplayMatrix)
        .and_then(|d| matrix_rotation(d.data()))
        .or_else(|| {
            stream
                .metadata()
                .get("rotate")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .and_then(degrees_rotation)
        })
}

/// A display matrix the decoder attached to the frame (H.264 display-orientation messages,
/// and newer FFmpeg versions' copy of the container's).
fn frame_rotation(frame: &ff::frame::Video) -> Option<Rotation> {
    frame
        .side_data(ff::frame::side_data::Type::DisplayMatrix)
        .and_then(|d| matrix_rotation(d.data()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use movinet_tests::{clip_path, decode_rgb};

    const CLIPS: &[&str] = &[
        "decord_flipping_a_pancake.mkv",
        "kinetics-i3d_v_CricketShot_g04_c01_rgb.gif",
        "mmaction2_demo_arm_wrestling.mp4",
        "mmaction2_demo_skeleton.mp4",
        "mmaction2_test_video_structuralize.mp4",
        "mmaction2_tests_data_test.mp4",
        "paddlevideo_example_archery.avi",
        "paddlevideo_example_tennis_7.gif",
        "paddlevideo_horse_riding.gif",
        "tfexamples_android_carving_ice.mp4",
        "tfexamples_android_example_video01.mp4",
        "tfexamples_rpi_carving_ice.mp4",
    ];

    /// The in-process decoder gives the `ffmpeg` command's RGB24 frames bit for bit, with the
    /// same timestamps, on every shared clip (the first 60 frames of each).
    #[test]
    fn frames_and_timestamps_equal_the_ffmpeg_command() {
        for name in CLIPS {
            let want = decode_rgb(name, Some(60));
            let mut source = Source::open(&clip_path(name), true).unwrap();
            // Times count from the file's start, as the `ffmpeg` command's do (the pancake
            // clip's audio starts 7 ms before its video).
            let start = format_start(name);
            let got: Vec<DecodedFrame> = source.by_ref().take(want.frames.len()).collect();
            assert_eq!(got.len(), want.frames.len(), "{name}");
            for (i, (g, w)) in got.iter().zip(&want.frames).enumerate() {
                assert_eq!((g.width, g.height), (want.width, want.height), "{name}");
                assert!(g.rgb == *w, "{name}: frame {i} differs from ffmpeg's");
                assert_eq!(g.rotation, Rotation::Deg0, "{name}");
                let want_t = want.timestamps[i].unwrap().as_secs_f64() - start;
                let got_t = g.timestamp.unwrap().as_secs_f64();
                assert!(
                    (got_t - want_t).abs() < 1e-6,
                    "{name}: frame {i} at {got_t} s, ffprobe says {want_t} s"
                );
            }
            assert_eq!(source.stats().decode_errors, 0, "{name}");
        }
    }

    fn format_start(name: &str) -> f64 {
        let out = std::process::Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-show_entries",
                "format=start_time",
                "-of",
                "csv=p=0",
            ])
            .arg(clip_path(name))
            .output()
            .expect("run ffprobe");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0.0)
    }

    #[test]
    fn display_matrix_angles_become_clockwise_rotations() {
        assert_eq!(degrees_rotation(90.0), Some(Rotation::Deg90));
        assert_eq!(degrees_rotation(-90.0), Some(Rotation::Deg270));
        assert_eq!(degrees_rotation(181.5), Some(Rotation::Deg180));
        assert_eq!(degrees_rotation(-360.0), Some(Rotation::Deg0));
        assert_eq!(degrees_rotation(45.0), None);
        assert_eq!(degrees_rotation(f64::NAN), None);
        // The matrix FFmpeg writes for a `rotate=90` tag (ffprobe: "rotation=90", libavutil's
        // counter-clockwise angle): the `ffmpeg` command turns such frames 90 degrees
        // counter-clockwise, which is 270 clockwise.
        let m: Vec<u8> = [0i32, -65536, 0, 65536, 0, 0, 0, 0, 1 << 30]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        assert_eq!(matrix_rotation(&m), Some(Rotation::Deg270));
        assert_eq!(matrix_rotation(&m[..35]), None);
    }

    #[test]
    fn frame_size_limit() {
        assert!(frame_size_error(7680, 4320).is_none());
        assert!(frame_size_error(4320, 7680).is_none());
        assert!(frame_size_error(16000, 16000).is_some());
        assert!(frame_size_error(16385, 2).is_some());
        assert!(frame_size_error(8000, 4400).is_some());
    }
}
