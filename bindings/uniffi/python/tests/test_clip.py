"""A real clip decoded frame by frame, handed over as the decoder's own buffers (row strides
with padding) in the layouts iOS cameras give: the carving-ice clip must come out carving
ice, whatever the layout."""

import av
import pytest

import movinet
from conftest import CLIPS, classifier

CARVING_ICE = CLIPS / "tfexamples_android_carving_ice.mp4"


def decoded(path, pix_fmt):
    """(frame, timestamp in microseconds) of every frame, converted by FFmpeg to pix_fmt."""
    with av.open(str(path)) as container:
        for f in container.decode(video=0):
            yield f.reformat(format=pix_fmt), round(f.time * 1_000_000)


def planes(frame, pixel_strides):
    # PyAV's planes have the buffer protocol: they are a Plane's data as they are.
    return [
        movinet.Plane(data=p, row_stride=p.line_size, pixel_stride=s)
        for p, s in zip(frame.planes, pixel_strides)
    ]


LAYOUTS = {
    # format, FFmpeg pixel format, pixel stride per plane
    "NV12": (movinet.PixelFormat.NV12, "nv12", [1, 2]),
    "BGRA": (movinet.PixelFormat.BGRA8888, "bgra", [4]),
    "I420": (movinet.PixelFormat.I420, "yuv420p", [1, 1, 1]),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_carving_ice_is_top1(layout):
    fmt, pix_fmt, strides = LAYOUTS[layout]
    # fps 5 with tolerance 0: the reference pipeline's choice of frames from a video.
    clf = classifier(top_k=5, pace_tolerance=0.0)
    last, fed = None, 0
    for frame, ts in decoded(CARVING_ICE, pix_fmt):
        p = clf.classify(
            movinet.Frame(
                format=fmt,
                width=frame.width,
                height=frame.height,
                planes=planes(frame, strides),
                timestamp_us=ts,
            )
        )
        if p is not None:
            last, fed = p, fed + 1
    assert fed == 34, "5 fps of a 6.7 s clip, as the reference picks them"
    top = last.categories[0]
    assert top.label == "carving ice", [(c.label, round(c.score, 3)) for c in last.categories]
    assert top.score > 0.6  # the upstream Android test's bar for this clip
