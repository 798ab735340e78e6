"""Every failure arrives as movinet.MovinetError, the subclass of its kind (one per kind of the
core, same names), with the core's message, never as a crash or a UniFFI internal error. The
tests assert the kind first; the messages are the core's, options named as Python names them."""

import numpy as np
import pytest

import movinet
from conftest import A0, MODELS, classifier, rgb_frame


def raises(kind, message, call):
    """`call()` raises MovinetError.<kind> whose message is exactly `message`."""
    with pytest.raises(movinet.MovinetError) as info:
        call()
    assert type(info.value) is getattr(movinet.MovinetError, kind), repr(info.value)
    assert str(info.value) == message


def nv12(width, height, y_len, y_stride, uv_len, uv_stride, uv_pixel_stride=2):
    return movinet.Frame(
        format=movinet.PixelFormat.NV12,
        width=width,
        height=height,
        planes=[
            movinet.Plane(data=bytes(y_len), row_stride=y_stride, pixel_stride=1),
            movinet.Plane(data=bytes(uv_len), row_stride=uv_stride, pixel_stride=uv_pixel_stride),
        ],
        yuv_range=movinet.YuvRange.VIDEO,
    )


@pytest.fixture(scope="module")
def clf():
    return classifier()


def test_bad_model_path():
    raises(
        "ModelNotFound",
        "model file not found: /no/such/model.tflite",
        lambda: movinet.MovinetClassifier("/no/such/model.tflite", None, movinet.ClassifierOptions()),
    )


def test_not_a_model(tmp_path):
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"this is not a flatbuffer at all" * 4)
    with pytest.raises(movinet.MovinetError.InvalidModel) as info:
        movinet.MovinetClassifier(str(junk), None, movinet.ClassifierOptions())
    assert str(info.value).startswith("not a TensorFlow Lite model: ")


def test_wrong_labels(tmp_path):
    # The 7 cattle labels for the 600-class model.
    seven = MODELS / "custom" / "cattle7_labels.txt"
    raises(
        "InvalidLabels",
        f"labels file {seven} has 7 labels but the model has 600 classes",
        lambda: movinet.MovinetClassifier(str(A0), str(seven), movinet.ClassifierOptions()),
    )
    gap = tmp_path / "gap.txt"
    gap.write_text("a\n\nb\n")
    raises(
        "InvalidLabels",
        f"labels: {gap}: line 2 is empty",
        lambda: movinet.MovinetClassifier(str(A0), str(gap), movinet.ClassifierOptions()),
    )
    raises(
        "InvalidLabels",
        "labels file <labels> has 2 labels but the model has 600 classes",
        lambda: movinet.MovinetClassifier.from_bytes(A0.read_bytes(), "a\nb\n", movinet.ClassifierOptions()),
    )
    with pytest.raises(movinet.MovinetError.Io) as info:
        movinet.MovinetClassifier(str(A0), str(tmp_path / "none.txt"), movinet.ClassifierOptions())
    assert str(info.value).startswith(f"cannot read {tmp_path / 'none.txt'}: ")


def test_short_planes(clf):
    # 640x480 NV12: Y needs 479 * 640 + 640 bytes, UV 239 * 640 + 640.
    raises(
        "InvalidFrame",
        "invalid frame: NV12 Y plane has 307199 bytes but 640x480 samples with row stride 640 "
        "and pixel stride 1 need 307200",
        lambda: clf.classify(nv12(640, 480, 640 * 480 - 1, 640, 640 * 240, 640)),
    )
    raises(
        "InvalidFrame",
        "invalid frame: NV12 UV plane has 100 bytes but 320x240 samples with row stride 640 "
        "and pixel stride 2 need 153600",
        lambda: clf.classify(nv12(640, 480, 640 * 480, 640, 100, 640)),
    )
    raises(
        "InvalidFrame",
        "invalid frame: NV12 takes 2 plane(s) (Y, UV), got 1",
        lambda: clf.classify(
            movinet.Frame(
                format=movinet.PixelFormat.NV12,
                width=4,
                height=4,
                planes=[movinet.Plane(data=bytes(16), row_stride=4, pixel_stride=1)],
                yuv_range=movinet.YuvRange.VIDEO,
            )
        ),
    )


def test_bad_strides(clf):
    raises(
        "InvalidFrame",
        "invalid frame: NV12 Y plane: row stride 600 is less than one row of 640 samples (640 bytes)",
        lambda: clf.classify(nv12(640, 480, 640 * 480, 600, 640 * 240, 640)),
    )
    raises(
        "InvalidFrame",
        "invalid frame: NV12 UV plane: pixel stride must be 2, got 1",
        lambda: clf.classify(nv12(640, 480, 640 * 480, 640, 640 * 240, 640, uv_pixel_stride=1)),
    )
    rgb = np.zeros((4, 4, 3), np.uint8)
    bad = rgb_frame(rgb)
    bad.planes[0].row_stride = 11
    raises(
        "InvalidFrame",
        "invalid frame: RGB888 pixel plane: row stride 11 is less than one row of 4 samples (12 bytes)",
        lambda: clf.classify(bad),
    )
    # Strides that overflow the address space are refused, not wrapped.
    huge = rgb_frame(rgb)
    huge.planes[0].row_stride = 2**32 - 1
    with pytest.raises(movinet.MovinetError.InvalidFrame):
        clf.classify(huge)


def test_bad_size_orientation_and_timestamp(clf):
    rgb = np.zeros((4, 4, 3), np.uint8)
    zero = rgb_frame(rgb)
    zero.width = 0
    raises(
        "InvalidFrame",
        "invalid frame: width and height must be between 1 and 16384, got 0x4",
        lambda: clf.classify(zero),
    )
    for orientation in (0, 9, 90):
        raises(
            "InvalidFrame",
            f"invalid frame: orientation must be an EXIF orientation from 1 to 8, got {orientation}",
            lambda: clf.classify(rgb_frame(rgb, orientation=orientation)),
        )
    raises(
        "InvalidFrame",
        "invalid frame: timestamp must not be negative, got -1 microseconds",
        lambda: clf.classify(rgb_frame(rgb, ts_us=-1)),
    )


def test_bad_options():
    raises(
        "InvalidOption",
        "invalid option: top_k must be at least 1, got 0",
        lambda: classifier(top_k=0),
    )
    raises(
        "InvalidOption",
        "invalid option: threads must be between 1 and 64, got 0",
        lambda: classifier(threads=0),
    )
    raises(
        "InvalidOption",
        "invalid option: model_fps must be a number above 0 and at most 1000, got 0",
        lambda: classifier(model_fps=0.0),
    )


def test_invalid_options_name_the_option_in_each_naming():
    """One error serves Python and Swift: `message` names the option as Python does, the
    `camel_case_message` Swift shows as Swift does, both spelled by the core; `option` is the
    Rust and Python name."""
    with pytest.raises(movinet.MovinetError.InvalidOption) as info:
        classifier(events=movinet.EventOptions(min_score=2.0))
    e = info.value
    assert e.option == "events.min_score"
    assert str(e) == e.message == "invalid option: events.min_score must be between 0 and 1, got 2"
    assert e.camel_case_message == "invalid option: events.minScore must be between 0 and 1, got 2"
    with pytest.raises(movinet.MovinetError.InvalidOption) as info:
        classifier(top_k=0)
    assert (info.value.option, info.value.camel_case_message) == (
        "top_k",
        "invalid option: topK must be at least 1, got 0",
    )
    assert movinet.spell_option("model_sha256", movinet.NameCase.CAMEL) == "modelSha256"
    assert movinet.spell_option("model_sha256", movinet.NameCase.SNAKE) == "model_sha256"


def test_closed_classifier_fails_cleanly():
    clf = classifier()
    assert not clf.is_closed()
    clf.close()
    clf.close()  # twice is fine
    assert clf.is_closed()
    frame = rgb_frame(np.zeros((4, 4, 3), np.uint8))
    for call in (
        lambda: clf.classify(frame),
        lambda: clf.pace(0),
        clf.reset,
        clf.probabilities,
        clf.pacer_stats,
    ):
        raises("Closed", "used after close", call)
    assert clf.model_info().num_classes == 600


def test_every_core_error_kind_is_its_own_movinet_error():
    """The core's kinds (`ErrorKind::ALL`), one exception class each, of the same name."""
    kinds = movinet.error_kind_names()
    assert kinds == [
        "ModelNotFound",
        "Io",
        "InvalidModel",
        "ModelDigestMismatch",
        "InvalidLabels",
        "InvalidFrame",
        "InvalidOption",
        "Runtime",
        "Closed",
        "InvalidActionSet",
    ]
    classes = [getattr(movinet.MovinetError, kind) for kind in kinds]
    assert len(set(classes)) == len(kinds)
    for kind, cls in zip(kinds, classes):
        assert issubclass(cls, movinet.MovinetError) and cls.__name__ == kind
    # Nothing else: every subclass is one of the core's kinds.
    others = {
        name
        for name, value in vars(movinet.MovinetError).items()
        if isinstance(value, type) and issubclass(value, movinet.MovinetError)
    }
    assert others == set(kinds)
