"""`python -m movinet classify` (the package's small command line, decoding with PyAV) on the
shared clips: the same labels and events as the SDK's defaults give, a phone video stored
rotated classified upright, and errors as one line and exit code 2."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import A0, CLIPS

CARVING_ICE = CLIPS / "tfexamples_android_carving_ice.mp4"
ARM_WRESTLING = CLIPS / "mmaction2_demo_arm_wrestling.mp4"


def python_m(*args, check=True):
    out = subprocess.run(
        [sys.executable, "-m", "movinet", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
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
    assert first["input"] == str(missing) and "No such file" in first["error"]
    assert second["top"][0]["label"] == "carving ice"  # the good input is still classified
    out = python_m("classify", CARVING_ICE, "--model", tmp_path / "nope.tflite", check=False)
    assert out.returncode == 2
    assert out.stderr == f"python -m movinet: model file not found: {tmp_path / 'nope.tflite'}\n"
    out = python_m("classify", CARVING_ICE, "--model", A0, "--top", "0", check=False)
    assert (out.returncode, out.stderr) == (2, "python -m movinet: --top must be at least 1, got 0\n")
