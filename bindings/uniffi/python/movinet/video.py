"""Video files through a classifier, decoded by PyAV (``pip install movinet[video]``).

PyAV carries its own FFmpeg, so any file FFmpeg reads works. Frames are offered to pacing by
their timestamps first, and only the frames pacing keeps are converted (to RGB, as the
``movinet`` command and the reference pipeline convert them) and handed over, in place. A
rotated phone video is turned upright by the core, from the display rotation PyAV reads.
"""

import errno
import os
import stat
from dataclasses import dataclass, field
from typing import Iterator, List

from . import Frame, MovinetClassifier, PixelFormat, Plane

# A clockwise turn (degrees) -> the EXIF orientation that asks the core for it.
_EXIF_FOR_TURN = {0: 1, 90: 6, 180: 3, 270: 8}


def _av():
    try:
        import av
    except ImportError as e:
        raise ImportError(
            "reading videos needs PyAV: pip install 'movinet[video]' (or pip install av)"
        ) from e
    return av


def _video_file(path) -> str:
    """`path` (``str``, ``bytes`` or ``pathlib.Path``) as a string, if it names a regular file
    (after symlinks), as the ``movinet`` command reads its inputs. Anything else is refused
    before PyAV opens it: opening a FIFO blocks until a writer comes, and a device never ends."""
    path = os.fsdecode(os.fspath(path))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "no such file", path) from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "a folder, not a video file", path)
    if not stat.S_ISREG(mode):
        raise OSError(
            errno.EINVAL,
            "not a regular file (a FIFO, device or socket is never read): give a video file",
            path,
        )
    return path


@dataclass
class DecodedFrame:
    """One decoded frame: its PyAV frame, its time on the clip (microseconds from the first
    frame's) and the clockwise turn that shows it upright."""

    av_frame: object
    timestamp_us: int
    turn: int


def frames(path, *, upright_turn=True) -> Iterator[DecodedFrame]:
    """The video frames of the file at `path`, in order, with their timestamps (from the first
    frame's) and the clockwise turn (0, 90, 180, 270) its display rotation asks for (0 when
    `upright_turn` is False)."""
    path = _video_file(path)
    av = _av()
    try:
        container = av.open(path)
    except av.error.InvalidDataError as e:
        raise ValueError(f"{path}: not a video FFmpeg can decode ({e.strerror})") from None
    with container:
        if not container.streams.video:
            raise ValueError(f"{path}: no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        first = None
        for frame in container.decode(stream):
            if frame.time is None:
                continue
            us = round(frame.time * 1_000_000)
            first = us if first is None else first
            turn = (-int(getattr(frame, "rotation", 0) or 0)) % 360 if upright_turn else 0
            yield DecodedFrame(frame, us - first, turn if turn in _EXIF_FOR_TURN else 0)


def rgb_frame(decoded: DecodedFrame) -> Frame:
    """The classifier's Frame over the RGB pixels of a decoded frame (read in place), with its
    timestamp and the orientation that turns it upright."""
    rgb = decoded.av_frame.to_ndarray(format="rgb24")
    height, width, _ = rgb.shape
    return Frame(
        format=PixelFormat.RGB888,
        width=width,
        height=height,
        planes=[Plane(data=rgb, row_stride=rgb.strides[0], pixel_stride=3)],
        orientation=_EXIF_FOR_TURN[decoded.turn],
        timestamp_us=decoded.timestamp_us,
    )


@dataclass
class ClipResult:
    """What a classifier made of one clip: every prediction (with the time of its frame), the
    action events in order (the last one ended at the end of the clip), and counts."""

    predictions: list = field(default_factory=list)
    events: list = field(default_factory=list)
    frames_decoded: int = 0
    duration_us: int = 0
    turn: int = 0

    @property
    def top(self) -> List:
        """The categories of the last prediction (the clip's label with the `Horizon.ALL()`
        horizon), best first."""
        return list(self.predictions[-1].categories) if self.predictions else []


def classify_file(classifier: MovinetClassifier, path, *, upright=True, progress=None) -> ClipResult:
    """Runs `classifier` over the video at `path` from a new stream (its pacing keeps about 5
    frames a second by their timestamps) and ends the event under way at the end.
    `progress(frames_decoded)`, if given, is called after every frame."""
    classifier.reset()
    result = ClipResult()
    last_us, interval_us = 0, 0
    for decoded in frames(path, upright_turn=upright):
        result.frames_decoded += 1
        result.turn = decoded.turn
        if decoded.timestamp_us > last_us:
            interval_us = decoded.timestamp_us - last_us
        last_us = max(last_us, decoded.timestamp_us)
        if classifier.pace(decoded.timestamp_us):
            prediction = classifier.classify(rgb_frame(decoded))
            if prediction is not None:
                result.predictions.append(prediction)
                result.events += [change.event for change in prediction.events if change.is_ENDED()]
        if progress is not None:
            progress(result.frames_decoded)
    ended = classifier.finish_event()
    if ended is not None:
        result.events.append(ended)
    result.duration_us = last_us + interval_us
    return result

