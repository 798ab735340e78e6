"""numpy frames are checked against the plane they claim to be (issue 23): an array's item type,
shape and strides must be the plane's declared layout, or the call is InvalidFrame saying what
was expected; an array that is the plane is read in place. Before, only the byte count was
checked: a (3, 48, 64) array, a transposed view, int8 and bool arrays all gave a prediction."""

import numpy as np
import pytest

import movinet
from conftest import classifier, nv12_of, rgb_frame

W, H = 64, 48
RGB = np.random.default_rng(23).integers(0, 256, (H, W, 3), np.uint8)


def rgb888(data, row_stride=3 * W):
    return movinet.Frame(
        format=movinet.PixelFormat.RGB888,
        width=W,
        height=H,
        planes=[movinet.Plane(data=data, row_stride=row_stride, pixel_stride=3)],
    )


@pytest.fixture(scope="module")
def clf():
    return classifier(model_fps=None)


@pytest.fixture(scope="module")
def want(clf):
    clf.reset()
    clf.classify(rgb888(RGB.tobytes()))
    return clf.probabilities()


def refused(clf, data, row_stride=3 * W):
    with pytest.raises(movinet.MovinetError.InvalidFrame) as info:
        clf.classify(rgb888(data, row_stride))
    message = str(info.value)
    # The message describes the array; it never quotes its pixels.
    assert "array(" not in message and "..." not in message and len(message) < 600, message
    return message


def test_arrays_that_are_not_the_plane_are_refused_saying_what_was_expected(clf):
    expected = (
        "the RGB888 pixel plane takes a uint8 array of shape (48, 64, 3) with strides (192, 3, 1)"
    )
    for data in (
        RGB.transpose(2, 0, 1).copy(),  # channels first, (3, 48, 64): the same byte count
        RGB.transpose(1, 0, 2),  # a transposed view, (64, 48, 3)
        RGB.reshape(H, W * 3)[:, ::-1],  # a flipped view
        RGB.reshape(W, H, 3),  # the right bytes, the wrong shape
        RGB[:, :, :2].copy(),  # two channels
        RGB.reshape(-1)[::2],  # every other byte
    ):
        message = refused(clf, data)
        assert message.startswith(f"invalid frame: plane 0 data is an array of shape {data.shape}")
        if data.strides[-1] > 0 and all(s >= 0 for s in data.strides):
            assert expected in message, message
    assert "negative strides" in refused(clf, RGB[::-1])
    # The padded rows of a view declared with the unpadded row stride are not the plane.
    padded = np.zeros((H, W + 8, 3), np.uint8)
    padded[:, :W] = RGB
    assert expected in refused(clf, padded[:, :W])


@pytest.mark.parametrize("dtype, name", [(np.int8, "int8"), (np.bool_, "bool"), (np.uint16, "uint16")])
def test_items_that_are_not_bytes_are_refused(clf, dtype, name):
    message = refused(clf, RGB.astype(dtype))
    assert message.startswith(f"invalid frame: plane 0 data must be bytes (uint8 items), got a numpy.ndarray of {name} items, shape (48, 64, 3)"), message


@pytest.mark.parametrize("dtype, name", [(np.float32, "float32"), (np.float64, "float64")])
def test_a_float_image_is_told_how_to_become_bytes(clf, dtype, name):
    """The model's own input is floats in [0, 1]; a frame is bytes, and the message says how."""
    message = refused(clf, (RGB / 255).astype(dtype))
    assert message == (
        f"invalid frame: plane 0 data must be bytes (uint8 items), got a numpy.ndarray of {name} "
        "items, shape (48, 64, 3) (convert it: numpy.clip(a * 255, 0, 255).round()"
        ".astype(numpy.uint8) for an image in [0, 1], or a.astype(numpy.uint8) for one in 0-255)"
    )


def test_arrays_that_are_the_plane_are_read_in_place_bit_for_bit(clf, want):
    padded = np.zeros((H + 2, W * 3 + 64), np.uint8)
    padded[:H, : W * 3] = RGB.reshape(H, W * 3)
    for data, row_stride in (
        (RGB, 3 * W),  # C-contiguous (h, w, 3)
        (np.ascontiguousarray(RGB.reshape(H, W * 3)), 3 * W),  # whole rows
        (padded[:H, : W * 3].reshape(H, W, 3), padded.strides[0]),  # a view with the plane's strides
        (padded[:H], padded.strides[0]),  # whole padded rows
    ):
        clf.reset()
        assert clf.classify(rgb888(data, row_stride)) is not None
        assert clf.probabilities() == want, (data.shape, data.strides)
    # A read-only array (a frame from a decoder) is read in place too.
    frozen = RGB.copy()
    frozen.flags.writeable = False
    clf.reset()
    clf.classify(rgb888(frozen))
    assert clf.probabilities() == want
    # More rows than the frame has is not the plane either.
    assert "whole rows of shape (48, n)" in refused(clf, padded, padded.strides[0])


def test_yuv_planes_as_arrays():
    """NV12 as a (h, w) Y array and a (h/2, w/2, 2) UV array, or as whole rows, is the same
    frame as its bytes; a UV plane given as (h/2, w) pairs of the wrong kind is refused."""
    clf = classifier(model_fps=None)
    y = np.random.default_rng(1).integers(16, 236, (H, W), np.uint8)
    uv = np.random.default_rng(2).integers(16, 241, (H // 2, W // 2, 2), np.uint8)

    def nv12(y_data, uv_data):
        return nv12_of(y_data, uv_data, W, H)

    clf.classify(nv12(y.tobytes(), uv.tobytes()))
    want = clf.probabilities()
    for y_data, uv_data in ((y, uv), (y, uv.reshape(H // 2, W)), (y.reshape(-1), uv)):
        clf.reset()
        clf.classify(nv12(y_data, uv_data))
        assert clf.probabilities() == want
    with pytest.raises(movinet.MovinetError.InvalidFrame) as info:
        clf.classify(nv12(y, uv.transpose(1, 0, 2)))
    assert "the NV12 UV plane takes a uint8 array of shape (24, 32, 2) with strides (64, 2, 1)" in str(info.value)
    with pytest.raises(movinet.MovinetError.InvalidFrame) as info:
        clf.classify(nv12(y.T, uv))
    assert "the NV12 Y plane takes a uint8 array of shape (48, 64) with strides (64, 1)" in str(info.value)


def test_frames_that_are_not_frames_never_quote_the_array(clf):
    """Handing an array where a Frame goes says what it is, not the array's repr."""
    with pytest.raises(movinet.MovinetError.InvalidFrame) as info:
        clf.classify(np.zeros((480, 640, 3), np.uint8))
    assert str(info.value).startswith(
        "invalid frame: classify takes a movinet.Frame, got a numpy.ndarray of uint8 items, "
        "shape (480, 640, 3)"
    ), str(info.value)
    assert "[[" not in str(info.value)
    # rgb_frame (the tests' helper) uses the array's own row stride: the usual way to hand over
    # a decoder's padded frame.
    assert clf.classify(rgb_frame(RGB)) is not None
