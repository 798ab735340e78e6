"""What a caller can do wrong at the UniFFI boundary: None and wrongly typed buffers, numbers
out of range, broken model bytes, a close racing classify. Each is a Python exception and the
interpreter (and the classifier, unless closed) carries on. Short planes, bad strides and use
after close are in test_errors.py."""

import ctypes
import threading
import time

import numpy as np
import pytest

import movinet
from conftest import A0, classifier, rgb_frame

RGB = np.zeros((4, 4, 3), np.uint8)


def frame(**fields):
    base = dict(
        format=movinet.PixelFormat.RGB888,
        width=4,
        height=4,
        planes=[movinet.Plane(data=RGB.tobytes(), row_stride=12, pixel_stride=3)],
        yuv_range=movinet.YuvRange.VIDEO,
    )
    base.update(fields)
    return movinet.Frame(**base)


@pytest.fixture(scope="module")
def clf():
    return classifier(fps=None)


def still_works(clf):
    assert clf.classify(rgb_frame(RGB)) is not None


@pytest.mark.parametrize(
    "data", [None, [1, 2, 3], "abc", 48, np.zeros((4, 4, 3), np.uint8), bytearray(48), memoryview(bytes(48))]
)
def test_plane_data_that_is_not_bytes(clf, data):
    # None, lists and str fail UniFFI's type check (TypeError); buffer objects other than bytes
    # fail in its ctypes lowering (ctypes.ArgumentError). Never a crash, never bytes misread.
    with pytest.raises(Exception) as info:
        clf.classify(frame(planes=[movinet.Plane(data=data, row_stride=12, pixel_stride=3)]))
    assert isinstance(info.value, (TypeError, ctypes.ArgumentError)), repr(info.value)
    still_works(clf)


@pytest.mark.parametrize(
    "fields",
    [
        dict(width=-1),
        dict(height=2**32),
        dict(rotation_degrees=2**40),
        dict(timestamp_us=2**70),
        dict(format=None),
        dict(format=7),
        dict(planes=None),
        dict(planes=[None]),
        dict(planes=[movinet.Plane(data=bytes(48), row_stride=-12, pixel_stride=3)]),
    ],
)
def test_values_the_record_cannot_hold(clf, fields):
    with pytest.raises((ValueError, TypeError, AttributeError)):
        clf.classify(frame(**fields))
    still_works(clf)


def test_broken_model_bytes():
    full = A0.read_bytes()
    flipped = bytearray(full)
    flipped[3] ^= 0x80  # the root table's offset now points past the end
    cases = {
        b"": "not a TensorFlow Lite model: the file is empty",
        bytes([8, 0, 0, 0]) + b"TFL3" + bytes(4): "model file is truncated or corrupt",
        full[:4096]: "model file is truncated or corrupt",
        bytes(flipped): "model file is truncated or corrupt",
    }
    for data, message in cases.items():
        with pytest.raises(movinet.MovinetError.InvalidModel) as info:
            movinet.MovinetClassifier.from_bytes(data, None, movinet.ClassifierOptions())
        assert str(info.value).startswith(message), str(info.value)
    with pytest.raises(TypeError):
        movinet.MovinetClassifier.from_bytes(None, None, movinet.ClassifierOptions())


def test_close_racing_classify():
    rgb = np.random.default_rng(1).integers(0, 256, (172, 172, 3), np.uint8)
    total = 0
    for round in range(10):
        clf = classifier(fps=None)
        start = threading.Barrier(5)
        outcomes = []

        def worker():
            start.wait()
            ran = 0
            while True:
                try:
                    assert clf.classify(rgb_frame(rgb)) is not None
                    ran += 1
                except movinet.MovinetError.Closed as e:
                    outcomes.append((ran, str(e)))
                    return

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        start.wait()
        time.sleep(0.003 * round)
        clf.close()
        for t in threads:
            t.join(60)
        assert len(outcomes) == 4, outcomes
        assert all(message == "used after close" for _, message in outcomes)
        assert clf.is_closed()
        total += sum(ran for ran, _ in outcomes)
    assert total > 0, "no classify ran before a close"
