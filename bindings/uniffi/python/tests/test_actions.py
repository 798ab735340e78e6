"""Custom actions through the Python binding: examples recorded from numpy frames (the golden
clips' 172x172 RGB frames at 5 fps stand in for a camera), a set saved and loaded, a classifier
that names the set's actions; and every misuse as its typed error (the same cases the Rust
tests and the command cover: another model's set, damaged files, empty sets, short examples,
bad names, bad frames, closed recorders)."""

import numpy as np
import pytest

import movinet
from conftest import A0, CUSTOM, FRAME_US, GOLDEN_CLIPS, golden, rgb_frame

CARVING, ARM = GOLDEN_CLIPS


@pytest.fixture(scope="module")
def model():
    return movinet.MovinetModel(str(A0))


def record(model, frames, start=0):
    """One example from `frames` (uint8 [N, H, W, 3]) through an ActionRecorder."""
    recorder = movinet.ActionRecorder(model)
    for i, rgb in enumerate(frames):
        assert recorder.record(rgb_frame(rgb, (start + i) * FRAME_US))
    assert recorder.frames() == len(frames)
    return recorder.finish()


@pytest.fixture(scope="module")
def two_actions(model):
    """carving and arm wrestling, two examples each (the two halves of each golden clip)."""
    actions = movinet.ActionSet(model)
    for name, clip in [("carving", CARVING), ("arm wrestling", ARM)]:
        frames, _ = golden(clip)
        half = len(frames) // 2
        actions.add(name, record(model, frames[:half]))
        actions.add(name, record(model, frames[half:], half))
    return actions


def test_a_recorded_set_is_saved_loaded_and_names_the_actions(model, two_actions, tmp_path):
    assert two_actions.names() == ["carving", "arm wrestling"]
    assert two_actions.examples("carving") == 2
    assert two_actions.examples("nothing") == 0
    path = tmp_path / "two.actions"
    two_actions.save(str(path))
    loaded = movinet.ActionSet.load(str(path), model)
    assert loaded.names() == two_actions.names()
    assert loaded.to_bytes() == path.read_bytes() == two_actions.to_bytes()
    # From bytes of any buffer (here a numpy array of the file).
    again = movinet.ActionSet.from_bytes(np.frombuffer(path.read_bytes(), np.uint8), model)
    assert again.model_sha256() == loaded.model_sha256()

    clf = model.new_classifier()
    clf.set_actions(loaded)
    assert clf.action_names() == ["carving", "arm wrestling"]
    frames, _ = golden(ARM)
    changes = []
    for i, rgb in enumerate(frames):
        p = clf.classify(rgb_frame(rgb, i * FRAME_US))
        changes.extend(p.events)
    assert [c.label for c in p.categories] == ["arm wrestling", "carving"]
    assert p.categories[0].score > 0.9
    assert len(clf.probabilities()) == 2
    started = [c.event.label for c in changes if isinstance(c, movinet.EventChange.STARTED)]
    assert started == ["arm wrestling"]
    # Back to the model's 600 classes.
    clf.set_actions(None)
    assert clf.action_names() == []
    clf.classify(rgb_frame(frames[0], len(frames) * FRAME_US))
    assert len(clf.probabilities()) == 600


def test_another_models_set_and_damaged_files_are_invalid_action_sets(model, two_actions, tmp_path):
    good = two_actions.to_bytes()
    custom = movinet.MovinetModel(str(CUSTOM))
    with pytest.raises(movinet.MovinetError.InvalidActionSet) as e:
        movinet.ActionSet.from_bytes(good, custom)
    assert "made with another model" in str(e.value)
    with pytest.raises(movinet.MovinetError.InvalidActionSet):
        custom.new_classifier().set_actions(two_actions)
    for bad, why in [
        (good[: len(good) // 2], "truncated or damaged"),
        (good[:-1] + bytes([good[-1] ^ 1]), "truncated or damaged"),
        (b"", "empty"),
        (b"GIF89a" + bytes(100), "not an action-set file"),
    ]:
        with pytest.raises(movinet.MovinetError.InvalidActionSet) as e:
            movinet.ActionSet.from_bytes(bad, model)
        assert why in str(e.value), str(e.value)
    with pytest.raises(movinet.MovinetError.Io):
        movinet.ActionSet.load(str(tmp_path / "missing.actions"), model)
    with pytest.raises(movinet.MovinetError.InvalidActionSet) as e:
        movinet.ActionSet.load(str(tmp_path), model)
    assert "a directory" in str(e.value)


def test_empty_sets_short_examples_and_bad_names_are_refused(model):
    empty = movinet.ActionSet(model)
    with pytest.raises(movinet.MovinetError.InvalidActionSet):
        empty.to_bytes()
    with pytest.raises(movinet.MovinetError.InvalidActionSet):
        model.new_classifier().set_actions(empty)
    frames, _ = golden(CARVING)
    with pytest.raises(movinet.MovinetError.InvalidActionSet) as e:
        record(model, frames[:4])
    assert "at least 1 s" in str(e.value)
    example = record(model, frames[:6])
    assert example.live_frames() == 1
    for name in ["", " squat", "a\nb", "x" * 101]:
        with pytest.raises(movinet.MovinetError.InvalidActionSet):
            empty.add(name, example)
        with pytest.raises(movinet.MovinetError.InvalidActionSet):
            movinet.check_action_name(name)
    movinet.check_action_name("squat")
    assert not empty.remove("squat")


def test_recorder_misuse_is_typed_errors(model):
    with pytest.raises(movinet.MovinetError.InvalidOption):
        movinet.ActionRecorder(model, movinet.ClassifierOptions(top_k=-1))
    recorder = movinet.ActionRecorder(model)
    frames, _ = golden(CARVING)
    short = movinet.Frame(
        format=movinet.PixelFormat.RGB888,
        width=172,
        height=172,
        planes=[movinet.Plane(data=frames[0][:10], row_stride=516, pixel_stride=3)],
    )
    with pytest.raises(movinet.MovinetError.InvalidFrame):
        recorder.record(short)  # 10 rows of bytes for 172
    bad = movinet.Frame(
        format=movinet.PixelFormat.RGB888,
        width=-1,
        height=4,
        planes=[movinet.Plane(data=b"", row_stride=3, pixel_stride=3)],
    )
    with pytest.raises(movinet.MovinetError.InvalidFrame):
        recorder.record(bad)
    recorder.close()
    recorder.close()
    with pytest.raises(movinet.MovinetError.Closed):
        recorder.record(rgb_frame(frames[0], 0))
    with pytest.raises(movinet.MovinetError.Closed):
        recorder.finish()
    model_closed = movinet.MovinetModel(str(A0))
    model_closed.close()
    with pytest.raises(movinet.MovinetError.Closed):
        movinet.ActionSet(model_closed)


def test_a_classifier_records_an_example_while_it_classifies(model, two_actions):
    frames, _ = golden(CARVING)
    clf = model.new_classifier()
    with pytest.raises(movinet.MovinetError.InvalidActionSet):
        clf.finish_example()
    clf.start_example()
    assert clf.example_frames() == 0
    for i, rgb in enumerate(frames):
        assert clf.classify(rgb_frame(rgb, i * FRAME_US)) is not None
    assert clf.example_frames() == len(frames)
    example = clf.finish_example()
    assert clf.example_frames() is None
    # The same example an ActionRecorder makes of the same frames: the same file bytes once
    # added to a set.
    a, b = movinet.ActionSet(model), movinet.ActionSet(model)
    a.add("carving", example)
    b.add("carving", record(model, frames))
    assert a.to_bytes() == b.to_bytes()


def test_a_teacher_records_three_clips_with_the_live_classifier(model):
    """The sample apps' flow: name, three short clips recorded by the live classifier, commit."""
    carving, _ = golden(CARVING)
    arm, _ = golden(ARM)
    frames = np.concatenate([carving, arm])
    clf = model.new_classifier()
    with pytest.raises(movinet.MovinetError.InvalidActionSet):
        movinet.ActionTeacher(" bad", clf)
    teacher = movinet.ActionTeacher("ice and arms", clf)
    assert teacher.name() == "ice and arms"
    actions = movinet.ActionSet(model)
    with pytest.raises(movinet.MovinetError.InvalidActionSet):
        teacher.commit(actions)
    t = 0
    for clip in range(3):
        progress = teacher.start_clip(clf)
        assert (progress.clips_done, progress.recording, progress.done) == (clip, True, False)
        while progress.recording:
            clf.classify(rgb_frame(frames[t % len(frames)], t * FRAME_US))
            t += 1
            progress = teacher.after_frame(clf)
        assert progress.clips_done == clip + 1
    # Three clips of 3 s at 5 fps.
    assert t == 45 and progress.done
    assert clf.example_frames() is None
    teacher.commit(actions)
    assert (actions.names(), actions.examples("ice and arms")) == (["ice and arms"], 3)
    clf.set_actions(actions)


def test_what_a_new_user_sees_reprs_and_messages_name_the_action_objects(
    model, two_actions, tmp_path
):
    assert repr(two_actions).startswith(
        "<ActionSet 2 actions: 'carving' (2), 'arm wrestling' (2); model sha256 "
    ), repr(two_actions)
    assert repr(movinet.ActionSet(model)).startswith("<ActionSet 0 actions; model sha256 ")
    frames, _ = golden(CARVING)
    recorder = movinet.ActionRecorder(model)
    for i, rgb in enumerate(frames[:6]):
        recorder.record(rgb_frame(rgb, i * FRAME_US))
    assert repr(recorder) == "<ActionRecorder 6 frames recorded, open>"
    assert repr(recorder.finish()) == "<ActionExample 1 live frames>"
    with pytest.raises(movinet.MovinetError.InvalidFrame) as e:
        recorder.record(frames[0])  # the pixels without their Frame
    assert str(e.value).startswith("invalid frame: record takes a movinet.Frame"), str(e.value)
    recorder.close()
    assert repr(recorder) == "<ActionRecorder closed>"
    teacher = movinet.ActionTeacher("squat", model.new_classifier())
    assert repr(teacher) == "<ActionTeacher 'squat'>"
    # A classifier on a set names its actions, not the model's 600 classes.
    clf = model.new_classifier()
    assert ", 600 classes, " in repr(clf), repr(clf)
    clf.set_actions(two_actions)
    assert ", 2 actions ('carving', 'arm wrestling'), " in repr(clf), repr(clf)
    clf.close()
    assert repr(clf).endswith(", 600 classes, signature 'serving_default', closed>"), repr(clf)
    # A path where the file's bytes go: the way to read the file, not a model's.
    path = tmp_path / "two.actions"
    two_actions.save(path)
    with pytest.raises(TypeError, match=r"use ActionSet\.load\(path, model\)"):
        movinet.ActionSet.from_bytes(path, model)
    # Saving where the file cannot go is a write that failed, not a read.
    with pytest.raises(movinet.MovinetError.Io, match="^cannot write "):
        two_actions.save(tmp_path / "no-such-folder" / "two.actions")
