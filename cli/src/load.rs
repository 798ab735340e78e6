//! Loading the model and labels the user named, and the classifier options every command
//! shares.

use std::path::Path;

use movinet::{ClassifierOptions, Crop, Horizon, Labels, Model, ModelOptions};

use crate::quiet::Quiet;
use crate::resolve::{self, ModelFile};
use crate::{CropArg, ModelArgs};

/// A model ready to classify, with what the user should know about it.
pub struct Loaded {
    /// Always `Some` until dropped (see `Drop`).
    model: Option<Model>,
    pub labels: Option<Labels>,
    pub file: ModelFile,
}

impl Loaded {
    pub fn model(&self) -> &Model {
        self.model.as_ref().expect("model present until drop")
    }
}

impl Drop for Loaded {
    fn drop(&mut self) {
        // LiteRT logs when it frees the model: keep that off the user's stderr.
        let _quiet = Quiet::stderr();
        drop(self.model.take());
    }
}

/// A core option error as the command's usage error: the flag that set the option and its
/// value, then the core's reason (`--top 0: must be at least 1, got 0`), so that the user
/// reads the flag they typed, not the API's name for it.
fn usage(e: movinet::Error, flags: &[(&str, String)]) -> String {
    if let movinet::Error::InvalidOption { option, reason } = &e {
        if let Some((_, flag)) = flags.iter().find(|(o, _)| o == option) {
            return format!("{flag}: {reason}");
        }
    }
    e.to_string()
}

pub fn load(args: &ModelArgs, models_dir: Option<&Path>) -> Result<Loaded, String> {
    let options = ModelOptions {
        threads: args.threads,
        int8_io: !args.no_int8_io,
        ..ModelOptions::default()
    };
    let file = resolve::model(&args.model, models_dir)?;
    let model = {
        let _quiet = Quiet::stderr();
        Model::from_file(&file.path, &options)
    }
    .map_err(|e| match e {
        // `--threads 0` is the flag's fault, not the model file's.
        movinet::Error::InvalidOption { .. } => {
            usage(e, &[("threads", format!("--threads {}", args.threads))])
        }
        e => format!("{}: {e}", file.path.display()),
    })?;
    if file.synthetic {
        eprintln!(
            "movinet: warning: using {} — random weights, for speed tests only: its labels mean nothing",
            file.path.display()
        );
    }
    // Owned by `Loaded` from here on, so that an error below frees the model quietly too
    // (LiteRT logs when it frees one).
    let mut loaded = Loaded {
        model: Some(model),
        labels: None,
        file,
    };
    loaded.labels = resolve::labels(
        args.labels.as_deref(),
        &loaded.file,
        loaded.model().spec(),
        models_dir,
    )?;
    if loaded.labels.is_none() {
        eprintln!(
            "movinet: warning: no labels file with {} lines found; printing class indices",
            loaded.model().spec().num_classes
        );
    }
    Ok(loaded)
}

pub fn options(args: &ModelArgs, top: usize) -> Result<ClassifierOptions, String> {
    let fps = match args.fps.as_str() {
        "all" => None,
        v => match v.parse::<f32>() {
            Ok(f) if f > 0.0 && f.is_finite() => Some(f),
            _ => return Err(format!("--fps takes a positive number or `all`, not `{v}`")),
        },
    };
    let options = ClassifierOptions {
        top_k: top,
        model_fps: fps,
        horizon: horizon(args.horizon.as_deref())?,
        // Videos have exact timestamps: select frames on the reference's grid, no tolerance.
        pace_tolerance: 0.0,
        crop: match args.crop {
            CropArg::Center => Crop::CenterSquare,
            CropArg::Stretch => Crop::Stretch,
        },
        ..ClassifierOptions::default()
    };
    // The core's rule for each option (e.g. top_k at least 1), as a usage error naming the
    // flag that set it.
    options.validate().map_err(|e| {
        usage(
            e,
            &[
                ("top_k", format!("--top {top}")),
                ("model_fps", format!("--fps {}", args.fps)),
                (
                    "horizon",
                    format!("--horizon {}", args.horizon.as_deref().unwrap_or("")),
                ),
            ],
        )
    })?;
    Ok(options)
}

/// `--horizon SECONDS|all`; the apps' live default when not given.
pub fn horizon(arg: Option<&str>) -> Result<Horizon, String> {
    match arg {
        None => Ok(Horizon::LIVE),
        Some("all") => Ok(Horizon::All),
        Some(v) => match v.parse::<f32>() {
            Ok(s) if s > 0.0 && s.is_finite() => Ok(Horizon::Seconds(s)),
            _ => Err(format!(
                "--horizon takes a number of seconds above 0 or `all`, not `{v}`"
            )),
        },
    }
}
