//! Custom actions (the core's `actions`) behind handles: action sets, the examples a
//! classifier records (`startExample` / `finishExample`), and a classifier's action set.
//! Frames reach a recording through the classifier's own `classify`, so nothing here reads a
//! frame.

use jni::objects::{JByteArray, JFloatArray};
use jni::sys::{jboolean, jbyteArray, jint, jintArray, jlong, jobjectArray, jstring};
use jni::Env;

use movinet::{ActionExample, ActionSet, ActionTeacher, TeachProgress};

use crate::bridge as args;
use crate::error::BridgeResult;
use crate::registry::Registry;
use crate::{required_string, string_array, to_jint, CLASSIFIERS, MODELS};

/// Open action sets.
static ACTION_SETS: Registry<ActionSet> = Registry::new("ActionSet");

/// Recorded examples not yet closed (an example added to a set is copied into it).
static EXAMPLES: Registry<ActionExample> = Registry::new("ActionExample");

/// "Teach an action" flows under way.
static TEACHERS: Registry<ActionTeacher> = Registry::new("ActionTeacher");

fn model_of(handle: jlong) -> BridgeResult<movinet::Model> {
    MODELS.with(handle, |m| Ok(m.clone()))
}

pub(crate) fn new_action_set(_: &mut Env<'_>, a: args::NewActionSet<'_>) -> BridgeResult<jlong> {
    let set = ActionSet::new(&model_of(a.model)?)?;
    Ok(ACTION_SETS.insert(set))
}

pub(crate) fn load_action_set(
    env: &mut Env<'_>,
    a: args::LoadActionSet<'_>,
) -> BridgeResult<jlong> {
    let path = required_string(env, &a.path, "action-set path")?;
    let set = ActionSet::load(&path, &model_of(a.model)?)?;
    Ok(ACTION_SETS.insert(set))
}

pub(crate) fn action_set_from_bytes(
    env: &mut Env<'_>,
    a: args::ActionSetFromBytes<'_>,
) -> BridgeResult<jlong> {
    if a.bytes.is_null() {
        return Err(crate::BridgeError::illegal_argument(
            "action-set bytes are null",
        ));
    }
    let bytes = env.convert_byte_array(&a.bytes)?;
    let set = ActionSet::from_bytes(&bytes, &model_of(a.model)?)?;
    Ok(ACTION_SETS.insert(set))
}

pub(crate) fn add_action_example(
    env: &mut Env<'_>,
    a: args::AddActionExample<'_>,
) -> BridgeResult<()> {
    let name = required_string(env, &a.name, "action name")?;
    let example = EXAMPLES.with(a.example, |e| Ok(e.clone()))?;
    ACTION_SETS.with(a.set, |s| Ok(s.add(&name, example)?))
}

pub(crate) fn remove_action(
    env: &mut Env<'_>,
    a: args::RemoveAction<'_>,
) -> BridgeResult<jboolean> {
    let name = required_string(env, &a.name, "action name")?;
    ACTION_SETS.with(a.set, |s| Ok(s.remove(&name)))
}

pub(crate) fn action_names(
    env: &mut Env<'_>,
    a: args::ActionNames<'_>,
) -> BridgeResult<jobjectArray> {
    let names = ACTION_SETS.with(a.set, |s| Ok(s.names()))?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    string_array(env, &names)
}

pub(crate) fn action_examples(
    env: &mut Env<'_>,
    a: args::ActionExamples<'_>,
) -> BridgeResult<jint> {
    let name = required_string(env, &a.name, "action name")?;
    to_jint(ACTION_SETS.with(a.set, |s| Ok(s.examples(&name)))?)
}

pub(crate) fn action_set_model_sha256(
    env: &mut Env<'_>,
    a: args::ActionSetModelSha256<'_>,
) -> BridgeResult<jstring> {
    let sha = ACTION_SETS.with(a.set, |s| Ok(s.model_sha256()))?;
    Ok(jni::objects::JString::new(env, sha)?.into_raw())
}

pub(crate) fn save_action_set(env: &mut Env<'_>, a: args::SaveActionSet<'_>) -> BridgeResult<()> {
    let path = required_string(env, &a.path, "action-set path")?;
    ACTION_SETS.with(a.set, |s| Ok(s.save(&path)?))
}

pub(crate) fn action_set_to_bytes(
    env: &mut Env<'_>,
    a: args::ActionSetToBytes<'_>,
) -> BridgeResult<jbyteArray> {
    let bytes = ACTION_SETS.with(a.set, |s| Ok(s.to_bytes()?))?;
    let array: JByteArray<'_> = env.byte_array_from_slice(&bytes)?;
    Ok(array.into_raw())
}

pub(crate) fn close_action_set(
    _: &mut Env<'_>,
    a: args::CloseActionSet<'_>,
) -> BridgeResult<jboolean> {
    Ok(ACTION_SETS.remove(a.set))
}

pub(crate) fn check_action_name(
    env: &mut Env<'_>,
    a: args::CheckActionName<'_>,
) -> BridgeResult<()> {
    let name = required_string(env, &a.name, "action name")?;
    Ok(ActionSet::check_name(&name)?)
}

pub(crate) fn set_actions(_: &mut Env<'_>, a: args::SetActions<'_>) -> BridgeResult<()> {
    // 0 is "no set": back to the model's classes.
    let set = match a.set {
        0 => None,
        h => Some(ACTION_SETS.with(h, |s| Ok(s.clone()))?),
    };
    CLASSIFIERS.with(a.classifier, |c| Ok(c.set_actions(set)?))
}

pub(crate) fn start_example(_: &mut Env<'_>, a: args::StartExample<'_>) -> BridgeResult<()> {
    CLASSIFIERS.with(a.classifier, |c| Ok(c.start_example()?))
}

pub(crate) fn example_frames(_: &mut Env<'_>, a: args::ExampleFrames<'_>) -> BridgeResult<jlong> {
    let frames = CLASSIFIERS.with(a.classifier, |c| Ok(c.example_frames()))?;
    Ok(frames.map_or(-1, |n| jlong::try_from(n).unwrap_or(jlong::MAX)))
}

pub(crate) fn finish_example(_: &mut Env<'_>, a: args::FinishExample<'_>) -> BridgeResult<jlong> {
    let example = CLASSIFIERS.with(a.classifier, |c| Ok(c.finish_example()?))?;
    Ok(EXAMPLES.insert(example))
}

pub(crate) fn example_live_frames(
    _: &mut Env<'_>,
    a: args::ExampleLiveFrames<'_>,
) -> BridgeResult<jint> {
    to_jint(EXAMPLES.with(a.example, |e| Ok(e.live_frames()))?)
}

pub(crate) fn close_example(_: &mut Env<'_>, a: args::CloseExample<'_>) -> BridgeResult<jboolean> {
    Ok(EXAMPLES.remove(a.example))
}

pub(crate) fn open_action_handles(
    env: &mut Env<'_>,
    _: args::OpenActionHandles<'_>,
) -> BridgeResult<jintArray> {
    let counts = [
        to_jint(ACTION_SETS.len())?,
        to_jint(EXAMPLES.len())?,
        to_jint(TEACHERS.len())?,
    ];
    let array = jni::objects::JIntArray::new(env, counts.len())?;
    array.set_region(env, 0, &counts)?;
    Ok(array.into_raw())
}

pub(crate) fn new_action_teacher(
    env: &mut Env<'_>,
    a: args::NewActionTeacher<'_>,
) -> BridgeResult<jlong> {
    let name = required_string(env, &a.name, "action name")?;
    let teacher = CLASSIFIERS.with(a.classifier, |c| Ok(ActionTeacher::new(&name, c)?))?;
    Ok(TEACHERS.insert(teacher))
}

/// Writes a teacher's progress in the order of `bridge::TEACH_SLOTS`.
fn write_progress(env: &mut Env<'_>, out: &JFloatArray<'_>, p: TeachProgress) -> BridgeResult<()> {
    let values = [
        p.clips_done as f32,
        p.clips as f32,
        p.clip_fraction,
        if p.recording { 1.0 } else { 0.0 },
    ];
    const _: () = assert!(crate::bridge::TEACH_SLOTS.len() == 4);
    if out.len(env)? < values.len() {
        return Err(crate::BridgeError::illegal_argument(format!(
            "out must hold {} values",
            values.len()
        )));
    }
    out.set_region(env, 0, &values)?;
    Ok(())
}

pub(crate) fn teach_start_clip(env: &mut Env<'_>, a: args::TeachStartClip<'_>) -> BridgeResult<()> {
    let p = TEACHERS.with(a.teacher, |t| {
        CLASSIFIERS.with(a.classifier, |c| Ok(t.start_clip(c)?))
    })?;
    write_progress(env, &a.out, p)
}

pub(crate) fn teach_after_frame(
    env: &mut Env<'_>,
    a: args::TeachAfterFrame<'_>,
) -> BridgeResult<()> {
    let p = TEACHERS.with(a.teacher, |t| {
        CLASSIFIERS.with(a.classifier, |c| Ok(t.after_frame(c)?))
    })?;
    write_progress(env, &a.out, p)
}

pub(crate) fn teach_commit(_: &mut Env<'_>, a: args::TeachCommit<'_>) -> BridgeResult<()> {
    TEACHERS.with(a.teacher, |t| ACTION_SETS.with(a.set, |s| Ok(t.commit(s)?)))
}

pub(crate) fn close_action_teacher(
    _: &mut Env<'_>,
    a: args::CloseActionTeacher<'_>,
) -> BridgeResult<jboolean> {
    Ok(TEACHERS.remove(a.teacher))
}
