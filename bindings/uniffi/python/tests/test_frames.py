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
    LUMA,
    GOLDEN_CLIPS,
    bgra_frame,
    classifier,
    golden,
    nv12_frame,
    nv12_of,
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


# EXIF orientation (tag 0x0112, = iOS CGImagePropertyOrientation's raw values), as the EXIF
# standard defines each value: which side of the upright image the stored 0th row is, and which
# side the stored 0th column is.
EXIF_ROW_COLUMN = {
    1: ("top", "left"),
    2: ("top", "right"),
    3: ("bottom", "right"),
    4: ("bottom", "left"),
    5: ("left", "top"),
    6: ("right", "top"),
    7: ("right", "bottom"),
    8: ("left", "bottom"),
}


def stored_with_orientation(upright, value):
    """The buffer a camera stores for the upright image `upright` with EXIF orientation
    `value`, built from the definition above (not from a rotation table)."""
    row, column = EXIF_ROW_COLUMN[value]
    if row in ("top", "bottom"):
        # Stored rows are the upright rows.
        stored = upright if row == "top" else upright[::-1]
        stored = stored if column == "left" else stored[:, ::-1]
    else:
        # Stored rows are the upright columns: stored[i, j] = upright[j, i], then flipped.
        stored = np.swapaxes(upright, 0, 1)
        stored = stored if row == "left" else stored[::-1]
        stored = stored if column == "top" else stored[:, ::-1]
    return np.ascontiguousarray(stored)


def test_every_exif_orientation_turns_its_buffer_upright():
    """Must show: a buffer stored with each of the 8 EXIF orientations, given with that
    `orientation` (what the Swift layer passes as `CGImagePropertyOrientation.rawValue`), gives
    exactly the upright frame's probabilities after every frame: the core's mapping, through
    the binding, agrees with the EXIF definition."""
    frames, _ = golden(GOLDEN_CLIPS[1])
    # A non-square crop of the clip, so that a missing transpose would show.
    frames = frames[:4, 10:150, :]
    upright = run_clip(classifier(crop=movinet.Crop.STRETCH()), frames, rgb_frame)
    for value in range(1, 9):
        got = run_clip(
            classifier(crop=movinet.Crop.STRETCH()),
            frames,
            lambda f, ts: rgb_frame(stored_with_orientation(f, value), ts, orientation=value),
        )
        np.testing.assert_array_equal(got, upright, err_msg=f"EXIF orientation {value}")
    # And the wrong one does not: 6 (a back camera in portrait) read as 8 is upside down.
    wrong = run_clip(
        classifier(crop=movinet.Crop.STRETCH()),
        frames,
        lambda f, ts: rgb_frame(stored_with_orientation(f, 6), ts, orientation=8),
    )
    assert np.abs(wrong - upright).max() > 1e-3


def decode_video_range(y, cb, cr, matrix):
    """RGB levels (float) of video-range Y, Cb, Cr samples, by the definition in ITU-R BT.601-7
    and BT.709-6: E'Y = (Y - 16) / 219, E'Cb = (Cb - 128) / 224, E'Cr = (Cr - 128) / 224,
    R = E'Y + 2 (1 - Kr) E'Cr, B = E'Y + 2 (1 - Kb) E'Cb, G = (E'Y - Kr R - Kb B) / Kg."""
    kr, kb = LUMA[matrix]
    ey, ecb, ecr = (y - 16) / 219, (cb - 128) / 224, (cr - 128) / 224
    r = ey + 2 * (1 - kr) * ecr
    b = ey + 2 * (1 - kb) * ecb
    g = (ey - kr * r - kb * b) / (1 - kr - kb)
    return 255 * np.stack([r, g, b], axis=-1)


def yuv_frames_and_their_rgb(matrix, count=4, size=172):
    """NV12 frames at the model's size (so the resize is the identity) with a textured Y and
    one chroma pair per frame (so chroma interpolation is exact), and the RGB the standard
    decodes them to. Y samples whose RGB would land within 0.02 of a rounding boundary (or
    outside 0..255) are moved, so any correct conversion rounds to exactly these levels."""
    rng = np.random.default_rng(709 if matrix == "bt709" else 601)
    chroma = [(100, 150), (150, 110), (140, 140), (115, 105)]
    out = []
    for i in range(count):
        cb, cr = chroma[i % len(chroma)]
        y = rng.integers(60, 190, (size, size)).astype(np.float64)
        for _ in range(40):
            levels = decode_video_range(y, cb, cr, matrix)
            frac = levels - np.floor(levels)
            bad = ((np.abs(frac - 0.5) < 0.02) | (levels < 0.5) | (levels > 254.5)).any(axis=-1)
            if not bad.any():
                break
            y[bad] += np.where(y[bad] < 125, 1, -1)
        assert not bad.any()
        uv = np.tile(np.array([cb, cr], np.uint8), (size // 2, size // 2))
        out.append((y.astype(np.uint8), uv, np.rint(levels).astype(np.uint8)))
    return out


def test_bt601_and_bt709_frames_give_what_the_standards_decode():
    """Must show: NV12 buffers encoded with BT.709 (what iOS HD presets deliver, tagged in
    `kCVImageBufferYCbCrMatrixKey`) given as `ColorMatrix.BT709`, and BT.601 ones given as
    `BT601` or with no matrix (the core's default), give exactly the probabilities of the RGB
    frames the standards decode them to, after every frame; read with the other matrix they
    do not. The binding hands the matrix to the core, and the core's conversion is the
    standard's."""
    for matrix, tag in (
        ("bt709", movinet.ColorMatrix.BT709),
        ("bt601", movinet.ColorMatrix.BT601),
        ("bt601", None),
    ):
        other = movinet.ColorMatrix.BT601 if matrix == "bt709" else movinet.ColorMatrix.BT709
        yuv, as_other, rgb = cumulative(), cumulative(), cumulative()
        differs = False
        for i, (y, uv, levels) in enumerate(yuv_frames_and_their_rgb(matrix)):
            size = y.shape[0]

            def nv12(color_matrix):
                return nv12_of(
                    y, uv, size, size, color_matrix=color_matrix, timestamp_us=i * FRAME_US
                )

            yuv.classify(nv12(tag))
            as_other.classify(nv12(other))
            rgb.classify(rgb_frame(levels, i * FRAME_US))
            assert yuv.probabilities() == rgb.probabilities(), f"{matrix} as {tag}, frame {i}"
            differs |= as_other.probabilities() != rgb.probabilities()
        assert differs, f"{matrix} read as {other} gave the same probabilities"


def test_pacing_skips_frames_by_timestamp():
    """At the default 5 fps, frames 1/30 s apart are mostly paced out (None)."""
    frames, _ = golden(GOLDEN_CLIPS[0])
    clf = classifier()
    out = [clf.classify(rgb_frame(frames[i % len(frames)], i * 33_333)) for i in range(30)]
    kept = [i for i, p in enumerate(out) if p is not None]
    assert kept[0] == 0 and 5 <= len(kept) <= 6, kept
    stats = clf.pacer_stats()
    assert (stats.kept, stats.dropped) == (len(kept), 30 - len(kept))
    # Without timestamps (or with model_fps None) every frame is used.
    clf = classifier(model_fps=None)
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


def same(a, b):
    """Equal as the Rust side holds them (f32 fields round-trip through float32)."""
    if isinstance(a, float) or isinstance(b, float):
        return np.float32(a) == np.float32(b)
    if hasattr(a, "__dict__") and hasattr(b, "__dict__") and type(a) is type(b):
        return vars(a).keys() == vars(b).keys() and all(same(vars(a)[k], vars(b)[k]) for k in vars(a))
    return a == b


def test_defaults_are_the_cores():
    """Must show: `ClassifierOptions()` and `ModelOptions()`, whose defaults are literals in the
    generated Python, equal the core's `Default`s field by field (`default_*_options()` come
    from the core), nested event options included."""
    for mine, core in (
        (movinet.ClassifierOptions(), movinet.default_classifier_options()),
        (movinet.ModelOptions(), movinet.default_model_options()),
        (movinet.EventOptions(), movinet.default_classifier_options().events),
    ):
        assert vars(mine).keys() == vars(core).keys()
        for field in vars(mine):
            assert same(getattr(mine, field), getattr(core, field)), (type(mine).__name__, field)
    core = movinet.default_classifier_options()
    assert (core.top_k, np.float32(core.model_fps), np.float32(core.pace_tolerance)) == (3, 5.0, np.float32(0.1))
    assert core.crop is None and core.horizon is None  # the core's centre crop and 2 s horizon
    model = movinet.default_model_options()
    assert (model.threads, model.model_sha256, model.int8_io) == (1, None, True)


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
