"""Pacing before the frame: `pace(timestamp_us)` says whether the classifier will keep a frame
before it is built or copied, and `classify` never disagrees with it; frames cross in place.

How much a frame costs to hand over (time per 1080p frame) is measured by
`benches/python/uniffi_frames.py`; here the behaviour and the Python-side copies are checked."""

import tracemalloc

import numpy as np

import movinet
from conftest import GOLDEN_CLIPS, classifier, golden, rgb_frame

CAMERA_US = 33_333  # a 30 fps camera


def test_pacing_first_gives_what_classifying_every_frame_gives():
    """A camera at 30 fps for 8 s, then a seek back: asking `pace` first and classifying only
    the frames it keeps gives the same predictions (probabilities bit for bit, frame indices,
    model frames), the same pacing counts, and never a frame `pace` kept that `classify` left
    out, as giving every frame to `classify`."""
    frames, _ = golden(GOLDEN_CLIPS[0])
    stamps = [i * CAMERA_US for i in range(240)] + [i * CAMERA_US for i in range(30)]
    for tolerance in (0.1, 0.0):
        every = classifier(pace_tolerance=tolerance)
        asked = classifier(pace_tolerance=tolerance)
        kept = 0
        for i, ts in enumerate(stamps):
            frame = rgb_frame(frames[i % len(frames)], ts)
            want = every.classify(frame)
            if not asked.pace(ts):
                assert want is None, f"frame {i}: pace left out a frame classify keeps"
                continue
            got = asked.classify(frame)
            assert got is not None and want is not None, f"frame {i}: pace and classify disagree"
            assert (got.frame_index, got.model_frames, got.timestamp_us) == (
                want.frame_index,
                want.model_frames,
                want.timestamp_us,
            )
            assert asked.probabilities() == every.probabilities(), f"frame {i}"
            kept += 1
        assert asked.pacer_stats() == every.pacer_stats()
        assert asked.pacer_stats().kept == kept and kept >= 45
        assert asked.pacer_stats().dropped == len(stamps) - kept


def test_pace_keeps_frames_without_timestamps_and_unpaced_streams():
    assert all(classifier().pace(None) for _ in range(3))
    clf = classifier(model_fps=None)
    assert all(clf.pace(i) for i in range(0, 100_000, 1000))
    assert clf.pacer_stats().dropped == 0


def python_bytes_allocated(call):
    """Peak bytes Python allocates during `call()`."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_frames_cross_without_a_copy_from_bytes_numpy_and_strided_views():
    """A 1080p BGRA frame (8.3 MB): given as `bytes`, as a numpy array, or as a view into a
    padded buffer whose strides are the plane's, Python allocates nothing the size of a frame:
    the core reads the caller's memory in place (numpy arrays were copied once in C order
    before, and UniFFI's by-value records copied a frame three times). All three give the same
    probabilities, bit for bit."""
    w, h = 1920, 1080
    pixels = np.random.default_rng(3).integers(0, 256, (h, w, 4), np.uint8)
    padded = np.zeros((h, w * 4 + 256), np.uint8)
    padded[:, : w * 4] = pixels.reshape(h, w * 4)
    view = padded[:, : w * 4].reshape(h, w, 4)  # strides (w * 4 + 256, 4, 1)
    assert not view.flags.c_contiguous
    clf = classifier(model_fps=None)

    def frame(data, row_stride):
        return movinet.Frame(
            format=movinet.PixelFormat.BGRA8888,
            width=w,
            height=h,
            planes=[movinet.Plane(data=data, row_stride=row_stride, pixel_stride=4)],
        )

    cases = {
        "bytes": frame(pixels.tobytes(), w * 4),
        "numpy": frame(pixels, w * 4),
        "strided view": frame(view, w * 4 + 256),
    }
    clf.classify(cases["bytes"])  # warm up
    probabilities = {}
    for name, f in cases.items():
        clf.reset()
        allocated = python_bytes_allocated(lambda: clf.classify(f))
        print(f"Python allocations per 1080p BGRA frame from {name}: {allocated} bytes")
        assert allocated < 100_000, name
        probabilities[name] = clf.probabilities()
    assert probabilities["numpy"] == probabilities["bytes"]
    assert probabilities["strided view"] == probabilities["bytes"]
