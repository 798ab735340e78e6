//! Writing the annotated video in process, through the FFmpeg libraries the decoder uses:
//! H.264 from libx264 (Debian's libavcodec is built with it), the events as a `mov_text`
//! subtitle track, in MP4 (or MOV). Each frame keeps its timestamp and duration, the stream
//! its time base, frame rate, colour description and display rotation.
//!
//! The file is written beside its final name (`.NAME.part`) and renamed once complete, so a
//! failed or interrupted run leaves no half-written video under the name the user gave.

use std::collections::HashMap;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::ptr;

use ff::ffi;
use ff::format::Pixel;
use ffmpeg_next as ff;
use movinet::Rotation;

use crate::decode::Colour;
use crate::timeline::EventReport;

/// x264's constant-quality setting (20: visually clean on the shared clips) and its speed
/// preset. `veryfast`, measured on the 1080p shared clip (72 frames) on the 2-core VM: about
/// half `medium`'s encoding time per frame, and a smaller file at this CRF (733 kB against
/// 852 kB); `ultrafast` encodes in about two thirds of `veryfast`'s time, but into 2.4 times
/// the bytes.
const CRF: &str = "20";
const PRESET: &str = "veryfast";

/// The subtitle track's time base: milliseconds, as subtitle files count.
const SUBTITLE_TIME_BASE: (i32, i32) = (1, 1000);

/// A minimal ASS header: the `mov_text` encoder reads its styles from one.
const ASS_HEADER: &str =
    "[Script Info]\r\nScriptType: v4.00+\r\nPlayResX: 384\r\nPlayResY: 288\r\n\r\n\
[V4+ Styles]\r\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, \
BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, \
Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\r\nStyle: Default,Arial,16,\
&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0\r\n\r\n[Events]\r\nFormat: \
Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\r\n";

/// The stream to write: frames as stored (the display rotation goes in the container).
pub struct VideoSpec {
    pub width: usize,
    pub height: usize,
    pub time_base: ff::Rational,
    pub avg_frame_rate: ff::Rational,
    pub real_frame_rate: ff::Rational,
    pub rotation: Rotation,
    pub colour: Colour,
}

/// An MP4 being written.
pub struct Writer {
    output: Option<ff::format::context::Output>,
    video: ff::encoder::Video,
    video_index: usize,
    subtitles: ff::encoder::Subtitle,
    subtitle_index: usize,
    scaler: ff::software::scaling::Context,
    yuv: ff::frame::Video,
    /// The input frame padded to the encoder's even size (4:2:0 needs one).
    padded: Vec<u8>,
    width: usize,
    height: usize,
    time_base: ff::Rational,
    /// Each frame's duration by its timestamp, for its packet (x264 does not carry it).
    durations: HashMap<i64, i64>,
    last_pts: Option<i64>,
    part: PathBuf,
    path: PathBuf,
}

fn err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

/// `.NAME.part` beside `path`.
fn part_path(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}.part"))
}

/// The container for `path`'s extension: `mov` for .mov, else `mp4`.
fn container(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("mov") => "mov",
        _ => "mp4",
    }
}

impl Writer {
    /// Opens the encoders and the file (under its `.part` name, removed again if anything
    /// fails here).
    pub fn create(path: &Path, spec: &VideoSpec) -> Result<Self, String> {
        let part = part_path(path);
        Self::open(path, part.clone(), spec).inspect_err(|_| {
            let _ = std::fs::remove_file(&part);
        })
    }

    fn open(path: &Path, part: PathBuf, spec: &VideoSpec) -> Result<Self, String> {
        // `file:` + the absolute path: the name is never read as another protocol.
        let abs = std::path::absolute(&part).map_err(|e| err("output path", e))?;
        let mut url = b"file:".to_vec();
        url.extend_from_slice(abs.as_os_str().as_bytes());
        let url = String::from_utf8(url)
            .map_err(|_| "the output path is not UTF-8, which FFmpeg's writer needs".to_string())?;
        if url.contains('\0') {
            return Err("the output path contains a NUL byte".into());
        }
        let mut output = ff::format::output_as(&url, container(path))
            .map_err(|e| err(&format!("cannot create {}", part.display()), e))?;
        let (width, height) = (spec.width + spec.width % 2, spec.height + spec.height % 2);
        let global_header = output
            .format()
            .flags()
            .contains(ff::format::Flags::GLOBAL_HEADER);

        // H.264.
        let x264 = ff::encoder::find_by_name("libx264").ok_or(
            "this FFmpeg has no libx264 encoder (Debian's libavcodec59 has it: apt-get install libavcodec59)",
        )?;
        let mut context = ff::codec::context::Context::new_with_codec(x264);
        if global_header {
            context.set_flags(ff::codec::Flags::GLOBAL_HEADER);
        }
        let mut video = context
            .encoder()
            .video()
            .map_err(|e| err("H.264 encoder", e))?;
        video.set_width(width as u32);
        video.set_height(height as u32);
        video.set_format(Pixel::YUV420P);
        video.set_time_base(spec.time_base);
        let rate = if spec.avg_frame_rate.numerator() > 0 && spec.avg_frame_rate.denominator() > 0 {
            Some(spec.avg_frame_rate)
        } else {
            None
        };
        video.set_frame_rate(rate);
        video.set_colorspace(spec.colour.space);
        video.set_color_range(spec.colour.range);
        video.set_color_primaries(spec.colour.primaries);
        video.set_color_transfer_characteristic(spec.colour.transfer);
        let mut options = ff::Dictionary::new();
        options.set("preset", PRESET);
        options.set("crf", CRF);
        let video = video
            .open_as_with(x264, options)
            .map_err(|e| err("cannot open the H.264 encoder", e))?;

        // mov_text subtitles.
        let mov_text = ff::encoder::find(ff::codec::Id::MOV_TEXT)
            .ok_or("this FFmpeg has no mov_text subtitle encoder")?;
        let mut context = ff::codec::context::Context::new_with_codec(mov_text);
        if global_header {
            context.set_flags(ff::codec::Flags::GLOBAL_HEADER);
        }
        context.set_time_base(SUBTITLE_TIME_BASE);
        set_subtitle_header(&mut context)?;
        let subtitles = context
            .encoder()
            .subtitle()
            .map_err(|e| err("subtitle encoder", e))?
            .open_as(mov_text)
            .map_err(|e| err("cannot open the mov_text encoder", e))?;

        let mut stream = output
            .add_stream(x264)
            .map_err(|e| err("video stream", e))?;
        stream.set_parameters(&video);
        stream.set_time_base(spec.time_base);
        if let Some(r) = rate {
            stream.set_avg_frame_rate(r);
        }
        if spec.real_frame_rate.numerator() > 0 && spec.real_frame_rate.denominator() > 0 {
            stream.set_rate(spec.real_frame_rate);
        }
        let video_index = stream.index();
        set_display_rotation(&mut stream, spec.rotation)?;

        let mut stream = output
            .add_stream(mov_text)
            .map_err(|e| err("subtitle stream", e))?;
        stream.set_parameters(&subtitles);
        stream.set_time_base(SUBTITLE_TIME_BASE);
        let mut metadata = ff::Dictionary::new();
        metadata.set("handler_name", "movinet action events");
        metadata.set("language", "und");
        stream.set_metadata(metadata);
        let subtitle_index = stream.index();

        let mut options = ff::Dictionary::new();
        // The index first, so that players and browsers start before the whole file loads.
        options.set("movflags", "+faststart");
        output
            .write_header_with(options)
            .map_err(|e| err(&format!("cannot write {}", part.display()), e))?;

        let mut scaler = ff::software::scaling::Context::get(
            Pixel::RGB24,
            width as u32,
            height as u32,
            Pixel::YUV420P,
            width as u32,
            height as u32,
            ff::software::scaling::Flags::BICUBIC,
        )
        .map_err(|e| err("RGB to YUV conversion", e))?;
        set_rgb_to_yuv(&mut scaler, spec.colour);
        Ok(Self {
            output: Some(output),
            video,
            video_index,
            subtitles,
            subtitle_index,
            scaler,
            yuv: ff::frame::Video::new(Pixel::YUV420P, width as u32, height as u32),
            padded: vec![0; width * height * 3],
            width,
            height,
            time_base: spec.time_base,
            durations: HashMap::new(),
            last_pts: None,
            part,
            path: path.to_path_buf(),
        })
    }

    fn output(&mut self) -> Result<&mut ff::format::context::Output, String> {
        self.output
            .as_mut()
            .ok_or_else(|| "the output is closed".to_string())
    }

    /// Encodes one packed RGB24 frame of the spec's size (as stored), shown from `pts` (the
    /// stream's time base, from 0) for `duration`.
    pub fn frame(
        &mut self,
        rgb: &[u8],
        width: usize,
        height: usize,
        pts: i64,
        duration: i64,
    ) -> Result<(), String> {
        if width + width % 2 != self.width || height + height % 2 != self.height {
            return Err(format!(
                "a {width}x{height} frame in a {}x{} video: the size changed midway",
                self.width, self.height
            ));
        }
        if rgb.len() != width * height * 3 {
            return Err("frame shorter than its size".into());
        }
        pad_into(
            rgb,
            width,
            height,
            &mut self.padded,
            self.width,
            self.height,
        );
        // Timestamps must rise for the encoder; a repeated one moves up by one tick.
        let pts = match self.last_pts {
            Some(last) if pts <= last => last + 1,
            _ => pts,
        };
        self.last_pts = Some(pts);
        self.durations.insert(pts, duration);
        // SAFETY: a frame this writer allocated; the encoder may still hold a reference to
        // its last buffers, in which case libav gives it new ones.
        if unsafe { ffi::av_frame_make_writable(self.yuv.as_mut_ptr()) } < 0 {
            return Err("out of memory".into());
        }
        let stride = [(self.width * 3) as i32];
        let src = [self.padded.as_ptr()];
        // SAFETY: the scaler was made for RGB24 in and YUV420P out at this size; `src` holds
        // `height` rows of `stride` bytes, and `yuv` was allocated for the output size.
        let r = unsafe {
            let dst = (*self.yuv.as_mut_ptr()).data.as_ptr();
            let dst_stride = (*self.yuv.as_mut_ptr()).linesize.as_ptr();
            ffi::sws_scale(
                self.scaler.as_mut_ptr(),
                src.as_ptr(),
                stride.as_ptr(),
                0,
                self.height as i32,
                dst,
                dst_stride,
            )
        };
        if r <= 0 {
            return Err("cannot convert a frame to YUV".into());
        }
        self.yuv.set_pts(Some(pts));
        self.video
            .send_frame(&self.yuv)
            .map_err(|e| err("H.264 encoder", e))?;
        self.drain_video()
    }

    /// Writes the packets the encoder has ready.
    fn drain_video(&mut self) -> Result<(), String> {
        let mut packet = ff::Packet::empty();
        loop {
            match self.video.receive_packet(&mut packet) {
                Ok(()) => {}
                Err(ff::Error::Eof) => return Ok(()),
                Err(ff::Error::Other { errno }) if errno == libc::EAGAIN => return Ok(()),
                Err(e) => return Err(err("H.264 encoder", e)),
            }
            if let Some(d) = packet.pts().and_then(|p| self.durations.remove(&p)) {
                packet.set_duration(d);
            }
            let (index, from) = (self.video_index, self.time_base);
            let output = self.output()?;
            let to = output
                .stream(index)
                .map(|s| s.time_base())
                .ok_or("no video stream")?;
            packet.set_stream(index);
            packet.rescale_ts(from, to);
            packet
                .write_interleaved(output)
                .map_err(|e| err("cannot write a video packet", e))?;
        }
    }

    /// Flushes the encoder, writes the events as subtitles (ending by `end_s`, the video's
    /// end, so that the file lasts as long as its video) and the file's index, and gives the
    /// file its name.
    pub fn finish(mut self, events: &[EventReport], end_s: f64) -> Result<PathBuf, String> {
        self.video.send_eof().map_err(|e| err("H.264 encoder", e))?;
        self.drain_video()?;
        for e in events {
            self.subtitle(&e.label, e.start_s, e.end_s.min(end_s))?;
        }
        let mut output = self.output.take().ok_or("the output is closed")?;
        output
            .write_trailer()
            .map_err(|e| err(&format!("cannot finish {}", self.part.display()), e))?;
        // Closes the file before it is renamed.
        drop(output);
        std::fs::rename(&self.part, &self.path).map_err(|e| {
            format!(
                "cannot rename {} to {}: {e}",
                self.part.display(),
                self.path.display()
            )
        })?;
        Ok(self.path.clone())
    }

    /// One event as one `mov_text` sample: its label from its start to its end.
    fn subtitle(&mut self, label: &str, start_s: f64, end_s: f64) -> Result<(), String> {
        let start = (start_s * 1000.0).round() as i64;
        let end = ((end_s * 1000.0).round() as i64).max(start + 1);
        let text = ass_dialogue(label);
        let mut buf = vec![0u8; text.as_bytes().len() * 4 + 1024];
        // SAFETY: the AVSubtitle and its one rect are allocated with libav's allocator and
        // freed by avsubtitle_free; the encoder writes at most `buf.len()` bytes.
        let written = unsafe {
            let mut sub: ffi::AVSubtitle = std::mem::zeroed();
            sub.format = 1; // text
            sub.start_display_time = 0;
            sub.end_display_time = (end - start) as u32;
            sub.pts = start * 1000; // AV_TIME_BASE, microseconds
            let rects = ffi::av_mallocz(std::mem::size_of::<*mut ffi::AVSubtitleRect>())
                as *mut *mut ffi::AVSubtitleRect;
            let rect = ffi::av_mallocz(std::mem::size_of::<ffi::AVSubtitleRect>())
                as *mut ffi::AVSubtitleRect;
            if rects.is_null() || rect.is_null() {
                ffi::av_free(rects.cast());
                ffi::av_free(rect.cast());
                return Err("out of memory".into());
            }
            (*rect).type_ = ffi::AVSubtitleType::SUBTITLE_ASS;
            (*rect).ass = ffi::av_strdup(text.as_ptr());
            *rects = rect;
            sub.rects = rects;
            sub.num_rects = 1;
            let n = ffi::avcodec_encode_subtitle(
                self.subtitles.as_mut_ptr(),
                buf.as_mut_ptr(),
                buf.len() as i32,
                &sub,
            );
            ffi::avsubtitle_free(&mut sub);
            n
        };
        if written < 0 {
            return Err(err("mov_text encoder", ff::Error::from(written)));
        }
        let mut packet = ff::Packet::copy(&buf[..written as usize]);
        packet.set_pts(Some(start));
        packet.set_dts(Some(start));
        packet.set_duration(end - start);
        packet.set_stream(self.subtitle_index);
        let index = self.subtitle_index;
        let output = self.output()?;
        let to = output
            .stream(index)
            .map(|s| s.time_base())
            .ok_or("no subtitle stream")?;
        packet.rescale_ts(SUBTITLE_TIME_BASE, to);
        packet
            .write_interleaved(output)
            .map_err(|e| err("cannot write a subtitle packet", e))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Not finished: close and remove the partial file.
        if let Some(output) = self.output.take() {
            drop(output);
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

/// An ASS dialogue line for `label` (what the `mov_text` encoder takes), without the
/// characters ASS would read as markup or line breaks.
fn ass_dialogue(label: &str) -> CString {
    let text: String = label
        .chars()
        .map(|c| match c {
            '{' => '(',
            '}' => ')',
            '\\' => '/',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    // No NUL is left: it is a control character.
    CString::new(format!("0,0,Default,,0,0,0,,{text}")).unwrap_or_default()
}

/// Copies `rgb` (`width` x `height`) into `out` (`out_w` x `out_h`, at most one larger each
/// way), repeating the last column and row.
fn pad_into(rgb: &[u8], width: usize, height: usize, out: &mut [u8], out_w: usize, out_h: usize) {
    let row = width * 3;
    for y in 0..out_h {
        let src = &rgb[y.min(height - 1) * row..][..row];
        let dst = &mut out[y * out_w * 3..][..out_w * 3];
        dst[..row].copy_from_slice(src);
        if out_w > width {
            dst[row..].copy_from_slice(&src[row - 3..]);
        }
    }
}

/// Gives the encoder the ASS header the `mov_text` encoder parses its style from.
fn set_subtitle_header(context: &mut ff::codec::context::Context) -> Result<(), String> {
    let bytes = ASS_HEADER.as_bytes();
    // SAFETY: the header is handed to the codec context in a buffer from libav's allocator
    // (with a terminating NUL), which the context frees.
    unsafe {
        let buf = ffi::av_mallocz(bytes.len() + 1) as *mut u8;
        if buf.is_null() {
            return Err("out of memory".into());
        }
        ptr::copy_nonoverlapping(bytes.as_ptr(), buf, bytes.len());
        let c = context.as_mut_ptr();
        (*c).subtitle_header = buf;
        (*c).subtitle_header_size = bytes.len() as i32;
    }
    Ok(())
}

/// The display matrix players turn the frames by: `av_display_rotation_set` takes the
/// clockwise angle (`av_display_rotation_get`, which the decoder reads, gives the
/// counter-clockwise one).
fn set_display_rotation(
    stream: &mut ff::format::stream::StreamMut<'_>,
    rotation: Rotation,
) -> Result<(), String> {
    if rotation == Rotation::Deg0 {
        return Ok(());
    }
    // SAFETY: side data of a stream of an output not yet started; libav allocates the nine
    // int32 values and `av_display_rotation_set` fills them.
    unsafe {
        let data = ffi::av_stream_new_side_data(
            stream.as_mut_ptr(),
            ffi::AVPacketSideDataType::AV_PKT_DATA_DISPLAYMATRIX,
            9 * std::mem::size_of::<i32>(),
        );
        if data.is_null() {
            return Err("out of memory".into());
        }
        ffi::av_display_rotation_set(data as *mut i32, f64::from(rotation.degrees()));
    }
    Ok(())
}

/// The RGB to YUV matrix and range of the source frames, as the decoder read them
/// (unspecified: BT.601, limited range, the decoder's default too).
fn set_rgb_to_yuv(s: &mut ff::software::scaling::Context, colour: Colour) {
    let space: ffi::AVColorSpace = colour.space.into();
    // SAFETY: a live scaler; the coefficient tables are static libswscale data.
    unsafe {
        let table = ffi::sws_getCoefficients(space as i32);
        let rgb = ffi::sws_getCoefficients(ffi::SWS_CS_DEFAULT);
        ffi::sws_setColorspaceDetails(
            s.as_mut_ptr(),
            rgb,
            1,
            table,
            i32::from(colour.range == ff::color::Range::JPEG),
            0,
            1 << 16,
            1 << 16,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_sizes_are_padded_with_their_edge() {
        // 3x1 -> 4x2.
        let rgb = [1, 1, 1, 2, 2, 2, 3, 3, 3];
        let mut out = vec![0; 4 * 2 * 3];
        pad_into(&rgb, 3, 1, &mut out, 4, 2);
        assert_eq!(out[..12], [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3]);
        assert_eq!(out[12..], out[..12]);
    }

    #[test]
    fn labels_cannot_inject_ass_markup() {
        let d = ass_dialogue("a{\\b1}b\nc\0d");
        assert_eq!(d.to_str().unwrap(), "0,0,Default,,0,0,0,,a(/b1)b c d");
    }
}
