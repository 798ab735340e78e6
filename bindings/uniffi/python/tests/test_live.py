"""The horizon option and the action events through the Python binding: `Horizon.ALL` is the
model as exported (the golden probabilities), the default bounded horizon follows a change of
action, and two real clips played one after the other give one event each, in order."""

import av
import numpy as np
import pytest

import movinet
from conftest import CLIPS, FRAME_US, GOLDEN_CLIPS, classifier, golden, rgb_frame

ARM_WRESTLING = CLIPS / "mmaction2_demo_arm_wrestling.mp4"
CARVING_ICE = CLIPS / "tfexamples_android_carving_ice.mp4"


def softmax(logits):
    e = np.exp(logits.astype(np.float64) - logits.max())
    return e / e.sum()


def test_the_defaults_are_the_live_horizon_and_the_core_event_options():
    for defaults in (movinet.default_classifier_options(), movinet.ClassifierOptions()):
        assert defaults.horizon is None  # the live default, 2 s
        e = defaults.events
        assert (np.float32(e.min_score), np.float32(e.keep_score), e.min_duration_ms, e.max_gap_ms) == (
            np.float32(0.65),
            np.float32(0.3),
            600,
            1000,
        )


def test_horizon_all_gives_the_golden_probabilities_and_the_default_does_not():
    frames, logits = golden(GOLDEN_CLIPS[0])
    cumulative = classifier(horizon=movinet.Horizon.ALL(), model_fps=None)
    live = classifier(model_fps=None)
    differs = 0
    for i, rgb in enumerate(frames):
        frame = rgb_frame(rgb, i * FRAME_US)
        cumulative.classify(frame)
        live.classify(frame)
        expected = softmax(logits[i])
        assert np.abs(np.array(cumulative.probabilities()) - expected).max() < 1e-5, i
        gap = np.abs(np.array(live.probabilities()) - expected).max()
        if i < 10:
            assert gap < 1e-5, f"frame {i}: a 2 s horizon leaves the first 10 frames alone"
        differs += gap > 1e-4
    assert differs > 0


def test_bad_horizons_and_event_options_are_option_errors():
    for options in [
        dict(horizon=movinet.Horizon.SECONDS(seconds=0.0)),
        dict(horizon=movinet.Horizon.SECONDS(seconds=float("nan"))),
        dict(horizon=movinet.Horizon.FRAMES(frames=0)),
        dict(events=movinet.EventOptions(min_score=1.5)),
        dict(events=movinet.EventOptions(min_score=float("nan"))),
        dict(events=movinet.EventOptions(keep_score=-0.5)),
    ]:
        with pytest.raises(movinet.MovinetError.InvalidOption) as e:
            classifier(**options)
        assert any(n in str(e.value) for n in ("horizon", "min_score", "keep_score")), str(e.value)
    # A keep score over the start score is no error: it acts as the start score.
    classifier(events=movinet.EventOptions(min_score=0.2))


def clip_frames(path):
    with av.open(str(path)) as container:
        for f in container.decode(video=0):
            yield f.to_ndarray(format="rgb24"), round(f.time * 1_000_000)


def test_two_clips_in_a_row_give_one_event_each_in_order(kinetics_labels):
    clf = classifier()
    changes, offset, cut_us = [], 0, None
    for path in (ARM_WRESTLING, CARVING_ICE):
        last = 0
        for rgb, ts in clip_frames(path):
            p = clf.classify(rgb_frame(rgb, offset + ts))
            last = ts
            if p is not None:
                changes.extend(p.events)
                current = clf.current_event()
                if current is not None:
                    assert current.end_us is None
        if cut_us is None:
            cut_us = offset + last + 40_000  # the arm-wrestling clip is 28 fps
        offset = cut_us
    final = clf.finish_event()
    assert final is not None and final.label == "carving ice" and final.end_us is not None
    assert clf.current_event() is None

    started = [c.event for c in changes if c.is_started()]
    ended = [c.event for c in changes if c.is_ended()] + [final]
    assert [e.label for e in started] == ["arm wrestling", "carving ice"], changes
    assert [e.label for e in ended] == ["arm wrestling", "carving ice"], changes
    wrestling, ice = ended
    assert wrestling.start_us < 3_000_000
    assert wrestling.end_us <= ice.start_us
    # The new label takes over within 2.5 s of the cut (measured: about 1 s).
    assert cut_us <= ice.start_us <= cut_us + 2_500_000, (cut_us, ice)
    for e in ended:
        assert 0.5 <= e.peak_score <= 1.0 and 0.0 < e.mean_score <= e.peak_score, e
        assert kinetics_labels[e.index] == e.label


def test_event_calls_after_close_raise_closed():
    clf = classifier()
    clf.close()
    with pytest.raises(movinet.MovinetError.Closed):
        clf.current_event()
    with pytest.raises(movinet.MovinetError.Closed):
        clf.finish_event()


class Recorder(movinet.EventListener):
    def __init__(self):
        self.changes = []

    def on_event(self, change):
        self.changes.append(change)


class Failing(movinet.EventListener):
    def on_event(self, change):
        raise RuntimeError("a listener bug")


def test_listeners_get_every_change_without_polling():
    clf = classifier()
    recorder, removed = Recorder(), Recorder()
    first = clf.add_event_listener(recorder)
    second = clf.add_event_listener(removed)
    clf.add_event_listener(Failing())  # its failures must not reach classify()
    assert first != second
    assert clf.remove_event_listener(second) and not clf.remove_event_listener(second)
    carried = []
    for rgb, ts in clip_frames(ARM_WRESTLING):
        p = clf.classify(rgb_frame(rgb, ts))
        if p is not None:
            carried.extend(p.events)
    final = clf.finish_event()
    assert final is not None and final.label == "arm wrestling"
    assert recorder.changes == carried + [movinet.EventChange.ENDED(event=final)]
    assert [c.is_started() for c in recorder.changes] == [True, False]
    assert removed.changes == []
    clf.close()
    assert not clf.remove_event_listener(first), "closing lets go of the listeners"
    with pytest.raises(movinet.MovinetError.Closed):
        clf.add_event_listener(Recorder())
