"""What a caller can do wrong at the UniFFI boundary: planes that are not buffers of bytes,
numbers a record cannot hold, broken model bytes, a close racing classify. Each is a
`MovinetError` of the kind it concerns (a frame's: `InvalidFrame`, an option's: `InvalidOption`)
and the interpreter (and the classifier, unless closed) carries on. Short planes, bad strides
and use after close are in test_errors.py."""

import array
import threading
import time

import numpy as np
import pytest

import movinet
from conftest import A0, classifier, rgb_frame

RGB = np.arange(4 * 4 * 3, dtype=np.uint8).reshape(4, 4, 3)


def frame(**fields):
    base = dict(
        format=movinet.PixelFormat.RGB888,
        width=4,
        height=4,
        planes=[movinet.Plane(data=RGB.tobytes(), row_stride=12, pixel_stride=3)],
    )
    base.update(fields)
    return movinet.Frame(**base)


@pytest.fixture(scope="module")
def clf():
    return classifier(model_fps=None)


def still_works(clf):
    assert clf.classify(rgb_frame(RGB)) is not None


def test_plane_data_takes_any_buffer_of_bytes(clf):
    """bytes, bytearray, memoryview, array.array and numpy uint8 arrays (contiguous, whole rows,
    or a strided view declared with its own strides) are the same plane: the same
    probabilities, bit for bit."""
    clf.reset()
    clf.classify(frame())
    want = clf.probabilities()
    padded = np.zeros((4, 5, 3), np.uint8)
    padded[:, :4] = RGB
    for data, row_stride in (
        (RGB.tobytes(), 12),
        (bytearray(RGB.tobytes()), 12),
        (memoryview(RGB.tobytes()), 12),
        (memoryview(bytearray(RGB.tobytes()))[0:48], 12),
        (array.array("B", RGB.tobytes()), 12),
        (RGB, 12),
        (RGB.reshape(-1), 12),
        (RGB.reshape(4, 12), 12),  # whole rows of bytes
        (padded[:, :4], 15),  # a view into padded rows: read in place at their stride
        (padded.reshape(4, 15), 15),  # the padded rows themselves
    ):
        clf.reset()
        clf.classify(frame(planes=[movinet.Plane(data=data, row_stride=row_stride, pixel_stride=3)]))
        assert clf.probabilities() == want, (type(data), row_stride)


@pytest.mark.parametrize(
    "data",
    [None, [1, 2, 3], "abc", 48, 4.0, np.zeros((4, 4, 3), np.float32), array.array("H", [0] * 24)],
)
def test_plane_data_that_is_not_bytes_is_an_invalid_frame(clf, data):
    # Lists, str and None hold no bytes; float32 and 16-bit arrays hold other items, which
    # read as bytes would be a different image.
    with pytest.raises(movinet.MovinetError.InvalidFrame) as info:
        clf.classify(frame(planes=[movinet.Plane(data=data, row_stride=12, pixel_stride=3)]))
    assert str(info.value).startswith("invalid frame: plane 0 data must "), str(info.value)
    still_works(clf)


def test_a_frame_of_layouts_takes_the_bytes_beside_it(clf):
    layout = frame(planes=[movinet.PlaneLayout(row_stride=12, pixel_stride=3)])
    clf.reset()
    clf.classify(frame())
    want = clf.probabilities()
    clf.reset()
    assert clf.classify(layout, RGB) is not None
    assert clf.probabilities() == want
    with pytest.raises(movinet.MovinetError.InvalidFrame) as info:
        clf.classify(layout)
    assert str(info.value) == (
        "invalid frame: plane 0 has no bytes: give it as Plane(data=...) or as plane0="
    )
    with pytest.raises(movinet.MovinetError.InvalidFrame) as info:
        clf.classify(layout, RGB, b"", b"x")
    assert str(info.value) == "invalid frame: plane 2 has 1 bytes but the frame describes 1 plane(s)"
    still_works(clf)


@pytest.mark.parametrize(
    "fields, name",
    [
        (dict(width=-1), "width"),
        (dict(height=2**32), "height"),
        (dict(orientation=-6), "orientation"),
        (dict(orientation=2**40), "orientation"),
        (dict(timestamp_us=2**70), "timestamp_us"),
        (dict(width="4"), "width"),
        (dict(format=None), "format"),
        (dict(format=7), "format"),
        (dict(yuv_range="full"), "yuv_range"),
        (dict(color_matrix=709), "color_matrix"),
        (dict(planes=None), "planes"),
        (dict(planes=[None]), "planes[0]"),
        (dict(planes=[movinet.Plane(data=bytes(48), row_stride=-12, pixel_stride=3)]), "planes[0].row_stride"),
        (dict(planes=[movinet.Plane(data=bytes(48), row_stride=12, pixel_stride=2**33)]), "planes[0].pixel_stride"),
    ],
)
def test_values_a_frame_cannot_hold_are_invalid_frames(clf, fields, name):
    with pytest.raises(movinet.MovinetError.InvalidFrame) as info:
        clf.classify(frame(**fields))
    assert str(info.value).startswith(f"invalid frame: {name} cannot be "), str(info.value)
    still_works(clf)
    with pytest.raises(movinet.MovinetError.InvalidFrame):
        clf.classify("not a frame")


def test_pace_takes_only_timestamps_it_can_carry(clf):
    for bad in (-1, 2**63, 2**70, "0"):
        with pytest.raises(movinet.MovinetError.InvalidFrame):
            clf.pace(bad)
    assert clf.pace(None) and clf.pace(0)


def int_fields(record):
    """Names of a record's integer fields, read from the generated constructor's annotations:
    a field added to the Rust record is tested here without editing the test."""
    import inspect

    return [
        p.name
        for p in inspect.signature(record.__init__).parameters.values()
        if p.kind is p.KEYWORD_ONLY and "int" in str(p.annotation)
    ]


def test_every_integer_option_out_of_range_is_an_invalid_option():
    cases = []
    for name in int_fields(movinet.ClassifierOptions):
        cases += [(name, movinet.ClassifierOptions(**{name: v}), None) for v in (-1, 2**32)]
    for name in int_fields(movinet.EventOptions):
        events = [movinet.EventOptions(**{name: v}) for v in (-1, 2**32)]
        cases += [(f"events.{name}", movinet.ClassifierOptions(events=e), None) for e in events]
    for name in int_fields(movinet.ModelOptions):
        cases += [(name, None, movinet.ModelOptions(**{name: v})) for v in (-1, 2**64)]
    assert {c[0] for c in cases} >= {"top_k", "threads", "events.min_duration_ms", "events.max_gap_ms"}
    for name, options, model_options in cases:
        make = [
            lambda: movinet.MovinetClassifier(str(A0), None, options or movinet.ClassifierOptions(), model_options),
            lambda: movinet.MovinetClassifier.from_bytes(b"", None, options or movinet.ClassifierOptions(), model_options),
        ]
        if model_options is None:
            model = movinet.MovinetModel(str(A0))
            make.append(lambda: model.new_classifier(options))
        else:
            make.append(lambda: movinet.MovinetModel(str(A0), None, model_options))
        for call in make:
            with pytest.raises(movinet.MovinetError.InvalidOption) as info:
                call()
            e = info.value
            assert e.option == name and str(e).startswith(f"invalid option: {name} cannot be "), str(e)
            assert e.camel_case_message.startswith(
                f"invalid option: {movinet.spell_option(name, movinet.NameCase.CAMEL)} cannot be "
            )
    for bad in (
        movinet.ClassifierOptions(horizon=movinet.Horizon.FRAMES(frames=-3)),
        movinet.ClassifierOptions(crop=movinet.Crop.REGION(x=0, y=0, width=2**32, height=1)),
        movinet.ClassifierOptions(smoothing="0.5"),
    ):
        with pytest.raises(movinet.MovinetError.InvalidOption):
            movinet.MovinetClassifier(str(A0), None, bad)
    with pytest.raises(movinet.MovinetError.InvalidOption):
        movinet.MovinetClassifier(str(A0), None, "top_k=3")


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
        for buffer in (data, bytearray(data), np.frombuffer(data, np.uint8)):
            with pytest.raises(movinet.MovinetError.InvalidModel) as info:
                movinet.MovinetClassifier.from_bytes(buffer, None, movinet.ClassifierOptions())
            assert str(info.value).startswith(message), str(info.value)
    # Not bytes at all: a wrong argument, as for any Python call.
    with pytest.raises(TypeError):
        movinet.MovinetClassifier.from_bytes(None, None, movinet.ClassifierOptions())


def test_close_racing_classify():
    rgb = np.random.default_rng(1).integers(0, 256, (172, 172, 3), np.uint8)
    total = 0
    for round in range(10):
        clf = classifier(model_fps=None)
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
