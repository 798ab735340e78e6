"""``movinet.annotate(video, output, classifier)``: a video written back with the SDK's live view
drawn on every frame, what ``movinet classify --annotate`` writes, drawn by the same renderer
(:class:`movinet.Overlay`, the command's ``movinet-overlay``).

Each frame shows the current action (the event whose span covers the frame's time, or "no
action"), the top 3 of the latest prediction at or before it, and a strip along the bottom with
the events so far. Like the command, it classifies the clip first and draws in a second pass:
an event is dated from when its label became top, which is known only once the label has held.

Decoding and encoding are PyAV's (``pip install 'movinet[video]'``): H.264 from libx264 (preset
``veryfast``, CRF 20, the command's settings) in MP4 (MOV for a ``.mov`` name), every decoded
frame with its own timestamp. Unlike the command's file, the frames are written upright (a
phone video's display rotation is applied, not kept), odd sides are padded to even by
repeating the last row or column, and there is no subtitle track and no audio.
"""

import errno
import os

from . import video as _video

# What the command's --annotate takes too: H.264 in MP4, or in MOV for a .mov name.
_CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov"}


def _overlay_class():
    from . import _ffi

    overlay = getattr(_ffi, "Overlay", None)
    if overlay is None:  # pragma: no cover - a build without the `overlay` feature
        raise ImportError(
            "this movinet build has no overlay renderer: build the wheel (cargo xtask wheel), "
            "whose library has the `overlay` feature"
        )
    return overlay


def _checked_output(video, output):
    """The output path, and its container, if a file can be written there: checked before the
    clip is classified, as the command checks its outputs, so a mistyped name costs nothing."""
    output = os.fsdecode(os.fspath(output))
    container = _CONTAINERS.get(os.path.splitext(output)[1].lower())
    if container is None:
        raise ValueError(
            f"{output}: the annotated video is H.264 in MP4: give a file name ending in "
            ".mp4, .m4v or .mov"
        )
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, "its folder does not exist", output)
    if os.path.isdir(output):
        raise IsADirectoryError(errno.EISDIR, "a folder: give a file name", output)
    if os.path.exists(output) and os.path.samefile(output, video):
        raise ValueError(f"{output}: that is the input video; the output would overwrite it")
    return output, container


def annotate(video, output, classifier, *, progress=None):
    """Writes `video` (a path) to `output` (a path ending in .mp4, .m4v or .mov) with the live
    view of `classifier` drawn on every frame; returns what the classifier made of the clip (a
    :class:`movinet.video.ClipResult`: predictions, events).

    Before anything is classified, an input that is not a regular file is an ``OSError``
    (``FileNotFoundError``, ``IsADirectoryError``; a FIFO is never opened), and so is an output
    in a folder that does not exist; another file name ending, or the input itself as the
    output, is a ``ValueError``.

    `classifier` is any :class:`MovinetClassifier`; its options are used as they are (the
    bars are the first three of its ``top_k`` categories: the default, 3, fills them). It is
    reset first. The file is written under a
    temporary name beside `output` and renamed at the end, so a failed run leaves no `output`.
    `progress(frame, frames)`, if given, is called after each frame of each pass.
    """
    av = _video._av()
    import numpy as np

    from . import OverlayView

    overlay_class = _overlay_class()
    video = _video._video_file(video)
    output, container_format = _checked_output(video, output)
    clip = _video.classify_file(
        classifier, video, progress=None if progress is None else lambda n: progress(n, None)
    )
    if clip.frames_decoded == 0:
        raise ValueError(f"{video}: no video frames decoded")
    folder, name = os.path.split(os.path.abspath(output))
    partial = os.path.join(folder, f".{name}.part")
    times = [p.timestamp_us for p in clip.predictions]
    with av.open(video) as source:
        stream = source.streams.video[0]
        rate, time_base = stream.average_rate or stream.guessed_rate, stream.time_base
    try:
        with av.open(partial, "w", format=container_format) as sink:
            out = overlay = None
            latest = -1
            for i, decoded in enumerate(_video.frames(video)):
                rgb = decoded.av_frame.to_ndarray(format="rgb24")
                if decoded.turn:
                    rgb = np.rot90(rgb, k=-decoded.turn // 90)
                rgb = np.ascontiguousarray(rgb)
                height, width, _ = rgb.shape
                if overlay is None:
                    overlay = overlay_class(width, height)
                    out = sink.add_stream("libx264", rate=rate)
                    out.width, out.height = width + width % 2, height + height % 2
                    out.pix_fmt = "yuv420p"
                    # The encoder counts in the input's time base too: in its default, one
                    # over the average rate, frames 1/30 s apart can round to one tick.
                    out.time_base = out.codec_context.time_base = time_base
                    out.options = {"preset": "veryfast", "crf": "20"}
                while latest + 1 < len(times) and times[latest + 1] <= decoded.timestamp_us:
                    latest += 1
                view = OverlayView(
                    time_us=decoded.timestamp_us,
                    duration_us=clip.duration_us,
                    top=list(clip.predictions[latest].categories) if latest >= 0 else [],
                    events=clip.events,
                )
                drawn = np.frombuffer(overlay.draw(rgb, width * 3, 3, view), np.uint8)
                drawn = drawn.reshape(height, width, 3)
                if width % 2 or height % 2:
                    drawn = np.pad(drawn, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")
                frame = av.VideoFrame.from_ndarray(drawn, format="rgb24")
                frame.pts = decoded.av_frame.pts
                frame.time_base = decoded.av_frame.time_base
                for packet in out.encode(frame):
                    sink.mux(packet)
                if progress is not None:
                    progress(i + 1, clip.frames_decoded)
            for packet in out.encode():
                sink.mux(packet)
        os.replace(partial, output)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return clip

