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


def test_frames_cross_without_a_copy_from_bytes_and_with_one_from_numpy():
    """A 1080p BGRA frame (8.3 MB): given as `bytes`, Python allocates nothing the size of a
    frame (the core reads the bytes in place); as a numpy array, one frame (one copy in C
    order). UniFFI's by-value records copied a frame three times."""
    w, h = 1920, 1080
    pixels = np.random.default_rng(3).integers(0, 256, (h, w * 4), np.uint8)
    clf = classifier(model_fps=None)

    def frame(data):
        return movinet.Frame(
            format=movinet.PixelFormat.BGRA8888,
            width=w,
            height=h,
            planes=[movinet.Plane(data=data, row_stride=w * 4, pixel_stride=4)],
        )

    as_bytes, as_numpy = frame(pixels.tobytes()), frame(pixels)
    clf.classify(as_bytes)  # warm up
    from_bytes = python_bytes_allocated(lambda: clf.classify(as_bytes))
    from_numpy = python_bytes_allocated(lambda: clf.classify(as_numpy))
    print(f"Python allocations per 1080p BGRA frame: bytes {from_bytes}, numpy {from_numpy}")
    assert from_bytes < 100_000
    assert pixels.nbytes <= from_numpy < pixels.nbytes + 100_000
