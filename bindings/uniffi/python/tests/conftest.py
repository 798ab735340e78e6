"""Shared set-up of the Python binding tests: where the team's data is, and frame builders.

The tests import whichever ``movinet`` Python finds: in CI (``cargo xtask test uniffi``), the
wheel installed into a fresh venv, with nothing from the source tree on the path; while
working, the source tree's package after ``cargo xtask uniffi``, with
``PYTHONPATH=bindings/uniffi/python``. Data comes from ``../shared`` beside the repository
(``MOVINET_SHARED_DIR``, ``MOVINET_MODELS_DIR`` override it, as for the Rust tests).
"""

import os
from pathlib import Path

import numpy as np
import pytest

import movinet

REPO = Path(__file__).resolve().parents[4]

SHARED = Path(os.environ.get("MOVINET_SHARED_DIR", REPO.parent / "shared"))
MODELS = Path(os.environ.get("MOVINET_MODELS_DIR", SHARED / "models"))
A0 = MODELS / "movinet_a0_stream_int8.tflite"
KINETICS_LABELS = MODELS / "kinetics600_labels.txt"
CUSTOM = MODELS / "custom" / "cattle7_a0_stream_int8.tflite"
CUSTOM_LABELS = MODELS / "custom" / "cattle7_labels.txt"
GOLDEN = SHARED / "golden"
CLIPS = SHARED / "clips"

# The golden clips: 5 fps frames already centre-cropped and resized to 172x172 (RGB uint8).
GOLDEN_CLIPS = ["a0int8_carving_ice_android_fps5_crop", "a0int8_arm_wrestling_fps5_crop"]
FRAME_US = 200_000  # 5 fps


def pytest_report_header(config):
    return f"movinet {movinet.__version__} from {Path(movinet.__file__).parent}"


def pytest_configure(config):
    missing = [p for p in (A0, KINETICS_LABELS, GOLDEN, CLIPS) if not p.exists()]
    if missing:
        raise pytest.UsageError(f"test data missing: {', '.join(map(str, missing))}")


@pytest.fixture(scope="session")
def kinetics_labels():
    return KINETICS_LABELS.read_text().splitlines()


def golden(name):
    """The frames (uint8 [N, 172, 172, 3] RGB) and logits ([N, 600]) of a golden clip."""
    return np.load(GOLDEN / f"{name}_frames_u8.npy"), np.load(GOLDEN / f"{name}_logits.npy")


MODEL_OPTIONS = {"threads", "model_sha256", "int8_io"}


def classifier(**options):
    """An A0 classifier with the Kinetics labels; `options` override ClassifierOptions (and
    ModelOptions for `threads`, `model_sha256`, `int8_io`)."""
    model = {k: options.pop(k) for k in MODEL_OPTIONS & options.keys()}
    return movinet.MovinetClassifier(
        str(A0),
        str(KINETICS_LABELS),
        movinet.ClassifierOptions(**options),
        movinet.ModelOptions(**model),
    )


def padded(rows, row_stride):
    """The rows of a 2-D uint8 array laid out with `row_stride` bytes per row, like a camera
    buffer's bytesPerRow; the padding is garbage (0xAB), so reading it would show."""
    h, w = rows.shape
    out = np.full((h, row_stride), 0xAB, np.uint8)
    out[:, :w] = rows
    return out.tobytes()


def stride_for(row_bytes, align=64):
    """A row stride with padding, as CoreVideo and Android allocate them."""
    return (row_bytes + align) // align * align + align


def rgb_frame(rgb, ts_us=None, orientation=1):
    """A packed RGB frame over the array's own bytes, read in place: the plane's row stride is
    the array's (a PyAV frame's `to_ndarray()` is a view with padded rows)."""
    h, w, _ = rgb.shape
    return movinet.Frame(
        format=movinet.PixelFormat.RGB888,
        width=w,
        height=h,
        planes=[movinet.Plane(data=rgb, row_stride=rgb.strides[0], pixel_stride=3)],
        orientation=orientation,
        timestamp_us=ts_us,
    )


def bgra_frame(rgb, ts_us=None):
    """RGB -> a padded BGRA buffer (iOS kCVPixelFormatType_32BGRA)."""
    h, w, _ = rgb.shape
    bgra = np.empty((h, w, 4), np.uint8)
    bgra[..., 0], bgra[..., 1], bgra[..., 2], bgra[..., 3] = rgb[..., 2], rgb[..., 1], rgb[..., 0], 255
    stride = stride_for(4 * w)
    return movinet.Frame(
        format=movinet.PixelFormat.BGRA8888,
        width=w,
        height=h,
        planes=[movinet.Plane(data=padded(bgra.reshape(h, 4 * w), stride), row_stride=stride, pixel_stride=4)],
        yuv_range=movinet.YuvRange.VIDEO,
        timestamp_us=ts_us,
    )


# Luma weights (Kr, Kb) of the two colour matrices (ITU-R BT.601-7 and BT.709-6).
LUMA = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722)}


def rgb_to_nv12(rgb, matrix="bt601"):
    """Video-range NV12 of an RGB image (even size) with the given matrix, from the standards'
    definition (Y = Kr R + Kg G + Kb B; Cb, Cr scaled differences; 219 and 224 levels around 16
    and 128): the Y plane [h, w] and the interleaved UV plane [h/2, w] (U, V, U, V, ...), chroma
    averaged over 2x2 blocks."""
    kr, kb = LUMA[matrix]
    kg = 1 - kr - kb
    f = rgb.astype(np.float64) / 255
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    luma = kr * r + kg * g + kb * b
    y = 16 + 219 * luma
    u = 128 + 224 * (b - luma) / (2 * (1 - kb))
    v = 128 + 224 * (r - luma) / (2 * (1 - kr))
    h, w = y.shape
    sub = lambda c: c.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))  # noqa: E731
    uv = np.stack([sub(u), sub(v)], axis=-1).reshape(h // 2, w)
    q = lambda a: np.clip(np.rint(a), 0, 255).astype(np.uint8)  # noqa: E731
    return q(y), q(uv)


def nv12_of(y, uv, width, height, row_stride=None, **fields):
    """An NV12 frame over a Y plane and an interleaved UV plane (any buffers of bytes), both
    with rows `row_stride` bytes apart (the width by default); `fields` go to the Frame."""
    stride = width if row_stride is None else row_stride
    return movinet.Frame(
        format=movinet.PixelFormat.NV12,
        width=width,
        height=height,
        planes=[
            movinet.Plane(data=y, row_stride=stride, pixel_stride=1),
            movinet.Plane(data=uv, row_stride=stride, pixel_stride=2),
        ],
        **fields,
    )


def nv12_frame(rgb, ts_us=None, matrix="bt601"):
    """RGB -> a padded NV12 buffer, video range (iOS 420v), tagged with its matrix."""
    h, w, _ = rgb.shape
    y, uv = rgb_to_nv12(rgb, matrix)
    stride = stride_for(w)
    return nv12_of(
        padded(y, stride),
        padded(uv, stride),
        w,
        h,
        stride,
        yuv_range=movinet.YuvRange.VIDEO,
        color_matrix=movinet.ColorMatrix.BT709 if matrix == "bt709" else movinet.ColorMatrix.BT601,
        timestamp_us=ts_us,
    )


def run_clip(clf, frames, make_frame):
    """Feeds every frame (5 fps timestamps); returns the probabilities after each."""
    probs = []
    for i, rgb in enumerate(frames):
        prediction = clf.classify(make_frame(rgb, i * FRAME_US))
        assert prediction is not None, f"frame {i} was paced out"
        assert prediction.model_frames == i + 1
        probs.append(np.asarray(clf.probabilities(), np.float32))
    return np.stack(probs)


def softmax(logits):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
