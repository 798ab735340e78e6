"""Frames through the binding: the golden clips as RGB, BGRA and NV12 (what iOS cameras give),
checked against the golden logits (Google's interpreter on the same frames) and each other.
Compared with the goldens, the classifiers keep the model's own cumulative horizon
(`Horizon.ALL`), which the goldens were made with.
"""

import numpy as np
import pytest

import movinet
from conftest import (
    FRAME_US,
    GOLDEN_CLIPS,
    bgra_frame,
    classifier,
    golden,
    nv12_frame,
    rgb_frame,
    run_clip,
    softmax,
)


def cumulative(**options):
    return classifier(horizon=movinet.Horizon.ALL(), **options)


@pytest.fixture(scope="module", params=GOLDEN_CLIPS)
def clip(request):
    frames, logits = golden(request.param)
    # The core on the plain RGB frames: the result the camera layouts must reproduce.
    rgb = run_clip(cumulative(), frames, rgb_frame)
    return request.param, frames, logits, rgb


def test_rgb_matches_the_golden_logits(clip):
    """The binding's RGB path is the core's: the probabilities after every frame are the
    softmax of the golden logits (which the core reproduces bit for bit)."""
    name, _, logits, rgb = clip
    want = softmax(logits.astype(np.float64))
    np.testing.assert_allclose(rgb, want, atol=1e-5, err_msg=name)
    assert (rgb.argmax(axis=1) == logits.argmax(axis=1)).all()


def test_bgra_is_exactly_rgb(clip):
    """BGRA with padded rows (an iOS 32BGRA buffer) is a lossless reordering of the same
    pixels: the same probabilities, bit for bit, after every frame."""
    name, frames, _, rgb = clip
    bgra = run_clip(cumulative(), frames, bgra_frame)
    np.testing.assert_array_equal(bgra, rgb, err_msg=name)


def test_nv12_gives_the_same_top1(clip, kinetics_labels):
    """NV12, BT.601 video range with padded rows (an iOS 420v buffer): chroma subsampling
    and 8-bit YUV change the pixels a little, so the probabilities move a little, but the
    top-1 after the clip is the core's on the RGB frames."""
    name, frames, _, rgb = clip
    nv12 = run_clip(cumulative(), frames, nv12_frame)
    want, got = rgb[-1].argmax(), nv12[-1].argmax()
    assert got == want, (
        f"{name}: NV12 top-1 {kinetics_labels[got]} ({nv12[-1][got]:.3f}), "
        f"RGB top-1 {kinetics_labels[want]} ({rgb[-1][want]:.3f})"
    )
    assert abs(nv12[-1][want] - rgb[-1][want]) < 0.1
    # The stream agrees on top-1 at almost every frame, not only the last.
    agree = (nv12.argmax(axis=1) == rgb.argmax(axis=1)).mean()
    assert agree >= 0.8, f"{name}: top-1 agrees on {agree:.0%} of frames"

    # Top-1 alone survives even a chroma swap on these clips; the layout is right only if
    # reading the buffer as NV12 video range comes closer to RGB than misreading it.
    def distance(probs):
        return np.abs(probs - rgb).sum(axis=1).mean()

    def misread(**change):
        def make(rgb_frame_, ts):
            frame = nv12_frame(rgb_frame_, ts)
            for k, v in change.items():
                setattr(frame, k, v)
            return frame

        return distance(run_clip(cumulative(), frames, make))

    ok = distance(nv12)
    assert ok < 0.1, f"{name}: mean L1 distance to RGB {ok:.3f}"
    assert ok < misread(format=movinet.PixelFormat.NV21), name
    assert ok < misread(yuv_range=movinet.YuvRange.FULL), name


def test_prediction_carries_labels_scores_and_timings(kinetics_labels):
    frames, logits = golden(GOLDEN_CLIPS[0])
    clf = cumulative(top_k=5)
    for i, rgb in enumerate(frames):
        p = clf.classify(rgb_frame(rgb, i * FRAME_US))
    assert [c.index for c in p.categories] == list(np.argsort(-logits[-1], kind="stable")[:5])
    assert [c.label for c in p.categories] == [kinetics_labels[c.index] for c in p.categories]
    assert p.categories[0].label == "carving ice"
    scores = [c.score for c in p.categories]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] <= scores[0] <= 1
    assert p.frame_index == len(frames) - 1 and p.model_frames == len(frames)
    assert p.timestamp_us == (len(frames) - 1) * FRAME_US
    t = p.timings
    assert t.inference_ms > 0 and t.preprocess_ms >= 0 and t.postprocess_ms >= 0
    assert t.total_ms >= t.inference_ms + t.preprocess_ms


def test_rotation_and_mirror_undo_a_rotated_buffer():
    """A buffer stored rotated (as camera sensors deliver portrait frames) with the rotation
    and mirror that make it upright gives exactly the upright frame's probabilities: the
    fields the Swift layer derives from the image orientation reach the core as meant."""
    frames, _ = golden(GOLDEN_CLIPS[1])
    frames = frames[:6]
    upright = run_clip(classifier(), frames, rgb_frame)
    cases = {
        # clockwise rotation that makes it upright, mirror, how the buffer was stored
        (90, False): lambda f: np.rot90(f, k=1),
        (180, False): lambda f: np.rot90(f, k=2),
        (270, False): lambda f: np.rot90(f, k=3),
        (0, True): lambda f: f[:, ::-1],
        # front camera in portrait: rotate 90 clockwise, then mirror
        (90, True): lambda f: np.rot90(f[:, ::-1], k=1),
    }
    for (rotation, mirror), stored in cases.items():
        got = run_clip(
            classifier(),
            frames,
            lambda f, ts: rgb_frame(np.ascontiguousarray(stored(f)), ts, rotation, mirror),
        )
        np.testing.assert_array_equal(got, upright, err_msg=f"rotation {rotation} mirror {mirror}")


def test_pacing_skips_frames_by_timestamp():
    """At the default 5 fps, frames 1/30 s apart are mostly paced out (None)."""
    frames, _ = golden(GOLDEN_CLIPS[0])
    clf = classifier()
    out = [clf.classify(rgb_frame(frames[i % len(frames)], i * 33_333)) for i in range(30)]
    kept = [i for i, p in enumerate(out) if p is not None]
    assert kept[0] == 0 and 5 <= len(kept) <= 6, kept
    stats = clf.pacer_stats()
    assert (stats.kept, stats.dropped) == (len(kept), 30 - len(kept))
    # Without timestamps (or with fps None) every frame is used.
    clf = classifier(fps=None)
    assert all(clf.classify(rgb_frame(frames[0], i * 33_333)) for i in range(5))


def test_reset_starts_a_new_stream():
    frames, logits = golden(GOLDEN_CLIPS[0])
    clf = classifier()
    for i, rgb in enumerate(frames[:10]):
        clf.classify(rgb_frame(rgb, i * FRAME_US))
    clf.reset()
    p = clf.classify(rgb_frame(frames[0], 0))
    assert p.model_frames == 1 and p.frame_index == 0
    np.testing.assert_allclose(clf.probabilities(), softmax(logits[0].astype(np.float64)), atol=1e-5)


def test_defaults_are_the_cores():
    """The records' default values (written in the binding) equal the core's defaults."""
    mine, core = movinet.ClassifierOptions(), movinet.default_classifier_options()
    for field in ("top_k", "fps", "pace_tolerance", "crop", "smoothing", "score_threshold", "threads", "horizon"):
        a, b = getattr(mine, field), getattr(core, field)
        if isinstance(a, float):
            assert np.float32(a) == np.float32(b), field
        else:
            assert a == b, field


def test_model_info_and_the_custom_model():
    from conftest import CUSTOM, CUSTOM_LABELS

    info = classifier().model_info()
    assert (info.input_width, info.input_height, info.num_classes) == (172, 172, 600)
    assert info.signature_key == "serving_default" and info.has_labels
    assert info.state_bytes == 684_000  # 11 stream buffers int8 (the load-time int8 pass)
    if not CUSTOM.exists():
        pytest.skip("no custom model")
    # A fine-tuned model with its own labels, from bytes (as an app asset would be).
    clf = movinet.MovinetClassifier.from_bytes(
        CUSTOM.read_bytes(), CUSTOM_LABELS.read_text(), movinet.ClassifierOptions(top_k=7)
    )
    info = clf.model_info()
    assert info.num_classes == 7 and info.signature_key == "call"
    frames, _ = golden(GOLDEN_CLIPS[0])
    p = clf.classify(rgb_frame(frames[0], 0))
    labels = CUSTOM_LABELS.read_text().splitlines()
    assert sorted(c.label for c in p.categories) == sorted(labels)
    assert abs(sum(c.score for c in p.categories) - 1) < 1e-4
