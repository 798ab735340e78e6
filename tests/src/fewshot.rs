//! The few-shot clips of `../shared/fewshot` (five gym moves, for tests and measurements only:
//! never commit them nor anything made from them) and their embeddings, for the action-set
//! test (`tests/tests/actions.rs`) and the few-shot harness (`examples/fewshot.rs`).

use std::path::PathBuf;
use std::time::Duration;

use movinet::{Classifier, ClassifierOptions, Frame, Horizon, Model};

use crate::{shared_csv_columns, shared_dir, stream_rgb_file};

/// One clip of `fewshot.csv`: its class and path.
#[derive(Debug, Clone)]
pub struct FewshotClip {
    pub class: String,
    pub path: PathBuf,
}

impl FewshotClip {
    /// The file name, for messages.
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// `../shared/fewshot`.
pub fn fewshot_dir() -> PathBuf {
    shared_dir().join("fewshot")
}

/// The clips of `fewshot.csv` (`class,file,...`), in its order.
pub fn fewshot_clips() -> Vec<FewshotClip> {
    shared_csv_columns("fewshot/fewshot.csv", ["class", "file"])
        .into_iter()
        .map(|(class, file)| FewshotClip {
            class,
            path: fewshot_dir().join(file),
        })
        .collect()
}

/// The five classes, in the order `fewshot.csv` first names them.
pub fn fewshot_classes(clips: &[FewshotClip]) -> Vec<String> {
    let mut classes: Vec<String> = Vec::new();
    for c in clips {
        if !classes.contains(&c.class) {
            classes.push(c.class.clone());
        }
    }
    classes
}

/// What the model makes of a clip streamed at 5 fps: its embedding and logits at the end of
/// the clip over the whole clip (the horizon `all`), and after every frame with the live 2 s
/// horizon.
#[derive(Debug, Clone)]
pub struct ClipEmbeddings {
    /// The whole clip: the embedding after its last frame with the horizon `all`.
    pub clip: Vec<f32>,
    /// With the live horizon: (seconds into the clip, embedding) after every frame fed.
    pub live: Vec<(f64, Vec<f32>)>,
    /// The model's own logits over the whole clip.
    pub logits: Vec<f32>,
    /// The model's own logits after every frame with the live horizon (as `live`).
    pub live_logits: Vec<Vec<f32>>,
}

/// The classifier options the embeddings are taken with: the live defaults, with videos'
/// exact pacing (no tolerance), and `horizon`.
pub fn video_options(horizon: Horizon) -> ClassifierOptions {
    ClassifierOptions {
        horizon,
        pace_tolerance: 0.0,
        ..ClassifierOptions::default()
    }
}

/// Decodes a video once (ffmpeg) and streams it at 5 fps through two classifiers on `model`,
/// one with the horizon `all` and one with the live horizon: see [`ClipEmbeddings`].
pub fn clip_embeddings(model: &Model, path: &std::path::Path) -> ClipEmbeddings {
    let mut whole = Classifier::new(model, None, video_options(Horizon::All)).expect("classifier");
    let mut live = Classifier::new(model, None, video_options(Horizon::LIVE)).expect("classifier");
    let mut out = ClipEmbeddings {
        clip: Vec::new(),
        live: Vec::new(),
        logits: Vec::new(),
        live_logits: Vec::new(),
    };
    let mut first: Option<Duration> = None;
    stream_rgb_file(path, |rgb, w, h, ts| {
        let t = ts.expect("timestamped frames");
        let frame = Frame::rgb888(rgb, w, h, w * 3)
            .expect("RGB frame")
            .with_timestamp(t);
        if whole.push(&frame).expect("push").is_some() {
            whole.session().embedding_into(&mut out.clip);
            out.logits = whole.session().logits().to_vec();
        }
        if live.push(&frame).expect("push").is_some() {
            let start = *first.get_or_insert(t);
            let e = live
                .session()
                .embedding()
                .expect("the model exposes its embedding");
            out.live.push(((t - start).as_secs_f64(), e));
            out.live_logits.push(live.session().logits().to_vec());
        }
    });
    assert!(!out.clip.is_empty(), "{}: no frame fed", path.display());
    out
}

/// Decodes videos one after the other and hands every frame to `f` with its timestamp running
/// on across the cuts (each video starts where the previous one's container duration ends);
/// returns where each video starts and where the last ends, in seconds.
pub fn stream_files(paths: &[PathBuf], mut f: impl FnMut(&Frame<'_>)) -> (Vec<f64>, f64) {
    let mut cuts = Vec::new();
    let mut offset = Duration::ZERO;
    for path in paths {
        cuts.push(offset.as_secs_f64());
        stream_rgb_file(path, |rgb, w, h, ts| {
            let frame = Frame::rgb888(rgb, w, h, w * 3)
                .expect("RGB frame")
                .with_timestamp(offset + ts.expect("timestamped frames"));
            f(&frame);
        });
        offset += crate::duration(path);
    }
    (cuts, offset.as_secs_f64())
}

/// Records one example of an action from a video, as an app would from a camera: its frames
/// through an [`ActionRecorder`](movinet::ActionRecorder) with the videos' classifier options.
pub fn record_example(model: &Model, path: &std::path::Path) -> movinet::ActionExample {
    let mut recorder =
        movinet::ActionRecorder::new(model, &video_options(Horizon::LIVE)).expect("recorder");
    stream_rgb_file(path, |rgb, w, h, ts| {
        let frame = Frame::rgb888(rgb, w, h, w * 3)
            .expect("RGB frame")
            .with_timestamp(ts.expect("timestamped frames"));
        recorder.push(&frame).expect("push");
    });
    recorder.finish().expect("an example")
}
