"""`movinet.annotate()`: a concatenation of two shared clips written back with the live view
drawn by the command's renderer (`movinet.Overlay`), decoded again and checked: every frame
with its timestamp, the action box changing on the frame each event starts and nowhere else,
and the box's pixels those of the renderer's own drawing of that frame."""

import os
import subprocess
import sys

import numpy as np
import pytest

import movinet
from conftest import A0, CLIPS, KINETICS_LABELS

ARM_WRESTLING = CLIPS / "mmaction2_demo_arm_wrestling.mp4"
CARVING_ICE = CLIPS / "tfexamples_android_carving_ice.mp4"
# 131 frames of 172x172 in time base 1/15360, 512 ticks apart, with an average frame rate of
# 134144/4533 (29.59 fps): a frame interval the rate's own time base cannot hold.
RPI_CARVING_ICE = CLIPS / "tfexamples_rpi_carving_ice.mp4"
W, H = 320, 240


@pytest.fixture(scope="module")
def concatenation(tmp_path_factory):
    """Arm wrestling (10 s) then carving ice (6.7 s), both at 320x240 and 30 fps, losslessly
    encoded (so the decoded input frames are exactly what annotate drew on)."""
    path = tmp_path_factory.mktemp("annotate") / "two.mp4"
    graph = (
        f"[0:v]scale={W}:{H},setsar=1,fps=30[a];[1:v]scale={W}:{H},setsar=1,fps=30[b];"
        "[a][b]concat=n=2:v=1[v]"
    )
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(ARM_WRESTLING), "-i", str(CARVING_ICE),
         "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-qp", "0",
         "-preset", "ultrafast", "-pix_fmt", "yuv444p", str(path)],
        check=True,
    )
    return path


def decoded(path):
    """Every frame of a video: (pts in seconds, RGB array)."""
    import av

    with av.open(str(path)) as container:
        return [(f.time, f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]


def test_annotated_concatenation(tmp_path, concatenation):
    clf = movinet.MovinetClassifier(A0, KINETICS_LABELS)
    out = tmp_path / "annotated.mp4"
    clip = movinet.annotate(concatenation, out, clf)
    assert [e.label for e in clip.events] == ["arm wrestling", "carving ice"], clip.events
    source, annotated = decoded(concatenation), decoded(out)

    # Every frame, each with its own timestamp.
    assert len(annotated) == len(source) == clip.frames_decoded == 500
    assert [t for t, _ in annotated] == [t for t, _ in source]

    box = movinet.Overlay(W, H).layout().action
    assert box.width > 0 and box.height > 0

    def region(rgb):
        return rgb[box.y : box.y + box.height, box.x : box.x + box.width].astype(np.int16)

    def changed(a, b):
        """The share of the box's pixels that moved by more than 64 in some channel."""
        return float((np.abs(region(b) - region(a)).max(axis=2) > 64).mean())

    # From one frame to the next the box changes at an event's start (another label, another
    # colour) or end and nowhere else: elsewhere it is the same opaque box up to the encoder's noise.
    # Measured on this clip: 0.12 of the box at the second event's start, at most 0.0006
    # elsewhere; the bound 0.02 is 30 times the noise and a sixth of the change.
    change = [0.0] + [changed(a, b) for (_, a), (_, b) in zip(annotated, annotated[1:])]
    t0 = annotated[0][0]
    starts = [
        next(i for i, (t, _) in enumerate(annotated) if round((t - t0) * 1e6) >= e.start_us)
        for e in clip.events
    ]
    overlay = movinet.Overlay(W, H)
    nothing = movinet.OverlayView(time_us=0, duration_us=clip.duration_us, top=[], events=[])
    for start in starts:
        if start == 0:
            # An event from the first frame: its box is not the "no action" one.
            plain = np.frombuffer(overlay.draw(source[0][1].copy(), W * 3, 3, nothing), np.uint8)
            assert changed(plain.reshape(H, W, 3), annotated[0][1]) > 0.02
        else:
            # On the frame the event starts (or the next, for a start between two frames).
            assert max(change[start], change[min(start + 1, len(change) - 1)]) > 0.02, (
                start,
                change[start - 2 : start + 3],
            )
    # An event's end (where its label was last held clearly) may leave a gap before the next
    # starts: the box turns to "no action" there.
    ends = [
        next((i for i, (t, _) in enumerate(annotated) if round((t - t0) * 1e6) >= e.end_us), 0)
        for e in clip.events
        if e.end_us is not None
    ]
    quiet = [c for i, c in enumerate(change) if all(abs(i - s) > 1 for s in starts + ends)]
    assert max(quiet) < 0.02, max(quiet)
    # Outside the overlay's boxes the frames are the input's (re-encoded at CRF 20).
    t, first = annotated[0]
    middle = slice(box.y + box.height + 80, H - 30)
    assert float(np.abs(first[middle].astype(int) - source[0][1][middle].astype(int)).mean()) < 4


def test_the_box_is_the_renderers_drawing(tmp_path, concatenation):
    """The action box of an annotated frame is what `Overlay.draw` draws on the input frame
    for the same view (the box is opaque: its pixels depend on the action alone)."""
    clf = movinet.MovinetClassifier(A0, KINETICS_LABELS)
    out = tmp_path / "annotated.mp4"
    clip = movinet.annotate(concatenation, out, clf)
    source, annotated = decoded(concatenation), decoded(out)
    overlay = movinet.Overlay(W, H)
    box = overlay.layout().action
    i = 400  # in the carving-ice event
    time_us = round(source[i][0] * 1e6) - round(source[0][0] * 1e6)
    view = movinet.OverlayView(time_us=time_us, duration_us=clip.duration_us, top=[], events=clip.events)
    drawn = np.frombuffer(overlay.draw(source[i][1].copy(), W * 3, 3, view), np.uint8).reshape(H, W, 3)
    got = annotated[i][1][box.y : box.y + box.height, box.x : box.x + box.width].astype(int)
    want = drawn[box.y : box.y + box.height, box.x : box.x + box.width].astype(int)
    assert float(np.abs(got - want).mean()) < 4


def test_a_clip_whose_frame_rate_is_not_its_frame_interval(tmp_path):
    """The frames keep their own timestamps whatever the stream's average rate: encoded in the
    rate's time base (4533/134144 s), two frames 1/30 s apart fell on the same tick and the
    muxer refused the file ("non monotonically increasing dts")."""
    clf = movinet.MovinetClassifier(A0, KINETICS_LABELS)
    out = tmp_path / "annotated.mp4"
    clip = movinet.annotate(RPI_CARVING_ICE, out, clf)
    source, annotated = decoded(RPI_CARVING_ICE), decoded(out)
    assert len(annotated) == len(source) == clip.frames_decoded == 131
    assert [t for t, _ in annotated] == [t for t, _ in source]


def test_inputs_and_outputs_are_checked_before_classifying(tmp_path):
    """What cannot be read or written fails at once, with nothing left behind: the classifier
    here is closed, so an error found only after classifying would be `Closed`."""
    clf = movinet.MovinetClassifier(A0, KINETICS_LABELS)
    clf.close()
    fifo, folder, copy = tmp_path / "fifo.mp4", tmp_path / "folder.mp4", tmp_path / "copy.mp4"
    os.mkfifo(fifo)
    folder.mkdir()
    copy.write_bytes(RPI_CARVING_ICE.read_bytes())
    good = tmp_path / "out.mp4"
    cases = [
        (tmp_path / "missing.mp4", good, FileNotFoundError, "no such file"),
        (fifo, good, OSError, "not a regular file (a FIFO, device or socket is never read)"),
        (folder, good, IsADirectoryError, "a folder, not a video file"),
        (copy, tmp_path / "out.avi", ValueError, "give a file name ending in .mp4, .m4v or .mov"),
        (copy, tmp_path / "no" / "out.mp4", FileNotFoundError, "its folder does not exist"),
        (copy, folder, IsADirectoryError, "a folder: give a file name"),
        (copy, copy, ValueError, "that is the input video; the output would overwrite it"),
    ]
    for video, output, kind, says in cases:
        with pytest.raises(kind) as e:
            movinet.annotate(video, output, clf)
        assert says in str(e.value), (video, output, e.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.mp4", "fifo.mp4", "folder.mp4"]
    assert copy.read_bytes() == RPI_CARVING_ICE.read_bytes()


def test_without_pyav_the_error_says_what_to_install():
    code = (
        "import sys; sys.modules['av'] = None; import movinet\n"
        "clf = movinet.MovinetClassifier(sys.argv[1])\n"
        "try:\n"
        "    movinet.annotate(sys.argv[2], 'out.mp4', clf)\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(A0), str(RPI_CARVING_ICE)],
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert "pip install 'movinet[video]'" in out.stdout, out


def test_overlay_refuses_bad_buffers():
    overlay = movinet.Overlay(W, H)
    view = movinet.OverlayView(time_us=0, duration_us=1, top=[], events=[])
    with pytest.raises(movinet.MovinetError.InvalidFrame):
        overlay.draw(np.zeros((H, W, 3), np.uint8)[:, ::2], W * 3, 3, view)
    with pytest.raises(movinet.MovinetError.InvalidFrame):
        overlay.draw(bytes(10), W * 3, 3, view)
    with pytest.raises(movinet.MovinetError.InvalidFrame):
        overlay.draw(bytes(W * H * 3), W * 3, 2, view)
