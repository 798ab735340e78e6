"""`python -m movinet classify` (the package's small command line, decoding with PyAV) on the
shared clips: the same labels and events as the SDK's defaults give, a phone video stored
rotated classified upright, and errors as one line and exit code 2."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import A0, CLIPS

CARVING_ICE = CLIPS / "tfexamples_android_carving_ice.mp4"
ARM_WRESTLING = CLIPS / "mmaction2_demo_arm_wrestling.mp4"
RPI_CARVING_ICE = CLIPS / "tfexamples_rpi_carving_ice.mp4"


def python_m(*args, check=True, timeout=300):
    out = subprocess.run(
        [sys.executable, "-m", "movinet", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert out.returncode == 0, out.stderr
    return out


def reports(out):
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_classify_prints_the_clip_label_and_its_event():
    out = python_m("classify", CARVING_ICE, "--model", A0)
    lines = out.stdout.splitlines()
    assert lines[0] == f"{CARVING_ICE}  (34 of 200 frames fed at 5 fps)"
    assert lines[1] == "  top classes at the end:" and lines[2].startswith("  1. carving ice ")
    assert lines[7] == "  action events:" and "carving ice" in lines[8]
    # The command's columns: start and end right-aligned in 7, then the label in 40.
    assert re.fullmatch(r"  [ \d]{5}\.\d – [ \d]{5}\.\d s  carving ice {29} peak \d\.\d\d  mean \d\.\d\d", lines[8]), lines[8]
    assert out.stderr == ""  # LiteRT's INFO lines stay in logging
    (report,) = reports(python_m("classify", CARVING_ICE, "--model", A0, "--json"))
    assert report["frames_decoded"] == 200 and report["frames_fed"] == 34
    assert report["top"][0]["label"] == "carving ice" and report["top"][0]["score"] > 0.9
    assert [e["label"] for e in report["events"]] == ["carving ice"]
    assert 0.5 <= report["events"][0]["start_s"] <= 1.5


def test_a_phone_video_stored_rotated_is_classified_upright(tmp_path):
    """As a phone stores a portrait recording: the pixels turned (losslessly) and a display
    rotation saying how to show them. The core turns the frames back: the same frames reach
    the model as from the original."""
    if shutil.which("ffmpeg") is None:
        pytest.fail("ffmpeg is needed to make the rotated clip (cargo xtask setup installs it)")
    sideways, tagged = tmp_path / "sideways.mp4", tmp_path / "tagged.mp4"
    for args in (
        ["-i", ARM_WRESTLING, "-vf", "transpose=clock", "-c:v", "libx264", "-qp", "0",
         "-preset", "ultrafast", sideways],
        ["-i", sideways, "-c", "copy", "-metadata:s:v", "rotate=90", tagged],
    ):
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *map(str, args)], check=True)
    want, got = (
        reports(python_m("classify", clip, "--model", A0, "--json"))[0]
        for clip in (ARM_WRESTLING, tagged)
    )
    assert (want["rotation"], got["rotation"]) == (0, 270)
    assert got["top"][0]["label"] == want["top"][0]["label"] == "arm wrestling"
    assert abs(got["top"][0]["score"] - want["top"][0]["score"]) < 1e-5


def test_errors_are_one_line_and_exit_code_2(tmp_path):
    missing = tmp_path / "missing.mp4"
    out = python_m("classify", missing, CARVING_ICE, "--model", A0, "--json", check=False)
    assert out.returncode == 2
    first, second = reports(out)
    assert first == {"input": str(missing), "error": f"{missing}: no such file"}
    assert second["top"][0]["label"] == "carving ice"  # the good input is still classified
    out = python_m("classify", CARVING_ICE, "--model", tmp_path / "nope.tflite", check=False)
    assert out.returncode == 2
    assert out.stderr == f"python -m movinet: model file not found: {tmp_path / 'nope.tflite'}\n"
    out = python_m("classify", CARVING_ICE, "--model", A0, "--top", "0", check=False)
    assert (out.returncode, out.stderr) == (2, "python -m movinet: --top must be at least 1, got 0\n")


def test_unreadable_inputs_and_outputs_are_one_line_each(tmp_path):
    """No traceback and no errno: each bad input is one line (and its JSON object), a FIFO is
    refused without blocking, and annotate's errors are one line with exit code 2."""
    fifo, folder, empty = tmp_path / "fifo.mp4", tmp_path / "folder", tmp_path / "empty.mp4"
    os.mkfifo(fifo)
    folder.mkdir()
    empty.write_bytes(b"")
    audio = tmp_path / "audio.m4a"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(RPI_CARVING_ICE), "-vn", "-c:a", "copy",
         str(audio)],
        check=True,
    )
    out = python_m("classify", fifo, folder, empty, audio, "--model", A0, "--json",
                   check=False, timeout=60)
    want = [
        f"{fifo}: not a regular file (a FIFO, device or socket is never read): give a video file",
        f"{folder}: a folder, not a video file",
        f"{empty}: not a video FFmpeg can decode (Invalid data found when processing input)",
        f"{audio}: no video stream",
    ]
    assert out.returncode == 2
    assert out.stderr.splitlines() == want
    assert [r["error"] for r in reports(out)] == want
    out = python_m("annotate", RPI_CARVING_ICE, tmp_path / "seen.avi", "--model", A0, check=False)
    assert (out.returncode, out.stdout) == (2, "")
    assert out.stderr == (
        f"python -m movinet: {tmp_path / 'seen.avi'}: the annotated video is H.264 in MP4: "
        "give a file name ending in .mp4, .m4v or .mov\n"
    )


@pytest.mark.parametrize(
    "flag, value, says",
    [
        ("--fps", "0", "--fps: must be a number above 0 and at most 1000, got 0"),
        ("--threads", "0", "--threads: must be between 1 and 64, got 0"),
        ("--horizon", "1e9", "--horizon: must be at most 3355443 s at 5 fps, got 1000000000 s"),
        ("--horizon", "-1", "--horizon: must be a number of seconds above 0, got -1"),
    ],
)
def test_an_option_out_of_range_names_its_flag(flag, value, says, capsys):
    """As the movinet command names them: the flag typed, not the API's `model_fps`."""
    from movinet.__main__ import main

    assert main(["classify", str(CARVING_ICE), "--model", str(A0), flag, value]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"python -m movinet: {says}\n")
