"""Python says what the command says (issue 23): labels found by the core's discovery rule,
`pathlib.Path` taken wherever a path goes, LiteRT's INFO lines routed to `logging` instead of
stderr, and errors that neither quote an array nor leak UniFFI's internals. Each case failed
before: `"460"`-style labels for a model with its labels beside it, `argument must be str, not
PosixPath`, six INFO lines per load, `'int' object has no attribute 'is_ALL'`, `format cannot be
'RGB888' (RGB888)`."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import movinet
from conftest import A0, CUSTOM, CUSTOM_LABELS, KINETICS_LABELS, classifier, rgb_frame

CATTLE = [line for line in CUSTOM_LABELS.read_text().splitlines() if line]


def top_labels(clf):
    p = clf.classify(rgb_frame(np.full((32, 32, 3), 90, np.uint8), ts_us=0))
    return [c.label for c in p.categories]


def test_labels_beside_the_model_are_found_by_the_cores_rule():
    """The fine-tuned model with `cattle7_labels.txt` beside it: the command names its classes,
    and so does Python now (MovinetModel, MovinetClassifier), by the same rule."""
    assert CUSTOM.exists(), f"the fine-tuned model is missing: {CUSTOM}"
    model = movinet.MovinetModel(str(CUSTOM))
    assert model.model_info().has_labels
    labels = top_labels(model.new_classifier(movinet.ClassifierOptions(top_k=7)))
    assert sorted(labels) == sorted(CATTLE)
    labels = top_labels(movinet.MovinetClassifier(str(CUSTOM), None, movinet.ClassifierOptions(top_k=7)))
    assert sorted(labels) == sorted(CATTLE)


def test_discovery_prefers_the_models_own_labels_and_skips_what_does_not_fit(tmp_path):
    """The rule is the core's: the `.txt` named after the model's first word first; a file with
    another class count is passed over; with none that fits, classes are named by index."""
    model = tmp_path / "cattle7_a0_stream_int8.tflite"
    shutil.copy(CUSTOM, model)
    (tmp_path / "aaa.txt").write_text("".join(f"other {i}\n" for i in range(7)))
    (tmp_path / "cattle7_wrong.txt").write_text("only\ntwo\n")
    (tmp_path / "cattle7_labels.txt").write_text(CUSTOM_LABELS.read_text())
    clf = movinet.MovinetClassifier(model, None, movinet.ClassifierOptions(top_k=7))
    assert sorted(top_labels(clf)) == sorted(CATTLE)
    (tmp_path / "cattle7_labels.txt").unlink()
    clf = movinet.MovinetClassifier(model, None, movinet.ClassifierOptions(top_k=7))
    assert sorted(top_labels(clf)) == sorted(f"other {i}" for i in range(7))
    (tmp_path / "aaa.txt").unlink()
    clf = movinet.MovinetClassifier(model, None, movinet.ClassifierOptions(top_k=7))
    assert not clf.model_info().has_labels
    assert sorted(top_labels(clf)) == [str(i) for i in range(7)]


def test_paths_may_be_pathlib_paths():
    for model in (A0, str(A0), os.fsencode(str(A0))):
        clf = movinet.MovinetClassifier(model, KINETICS_LABELS)
        assert clf.model_info().has_labels
    model = movinet.MovinetModel(A0, KINETICS_LABELS)
    assert model.model_info().num_classes == 600
    with pytest.raises(movinet.MovinetError.ModelNotFound) as info:
        movinet.MovinetModel(Path("/no/such/model.tflite"))
    assert str(info.value) == "model file not found: /no/such/model.tflite"
    with pytest.raises(TypeError) as info:
        movinet.MovinetModel(42)
    assert str(info.value) == "model_path must be a str or a path (pathlib.Path), got an int"
    # from_bytes takes bytes: a path there says where a path goes (it said "a bytes object is
    # required, not 'PosixPath'").
    for make in (movinet.MovinetModel.from_bytes, movinet.MovinetClassifier.from_bytes):
        for path, kind in ((A0, "a pathlib.PosixPath"), (str(A0), "a str")):
            with pytest.raises(TypeError) as info:
                make(path)
            assert str(info.value) == (
                f"from_bytes takes the model file's bytes, got {kind}: for a file, give its path "
                "to the constructor (MovinetModel(path), MovinetClassifier(path))"
            )


LOAD_AND_FREE = """
import logging, sys
import movinet
if sys.argv[2] == "debug":
    logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="%(name)s %(levelname)s %(message)s")
model = movinet.MovinetModel(sys.argv[1])
clf = model.new_classifier()
model.close()
clf.close()
own = movinet.MovinetClassifier(sys.argv[1])
del own
alive = movinet.MovinetModel(sys.argv[1])  # still open at exit
print("done")
"""


def run_python(code, *args):
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, check=True
    )


def test_litert_info_lines_go_to_logging_not_stderr():
    """Loads and frees, and a model still open when the interpreter exits: nothing on stderr;
    with logging at DEBUG, LiteRT's lines arrive as records of the `movinet.litert` logger."""
    quiet = run_python(LOAD_AND_FREE, str(A0), "quiet")
    assert quiet.stdout == "done\n"
    assert quiet.stderr == "", quiet.stderr
    shown = run_python(LOAD_AND_FREE, str(A0), "debug")
    records = [line for line in shown.stdout.splitlines() if line.startswith("movinet.litert DEBUG INFO: ")]
    assert len(records) >= 6, shown.stdout
    assert any("CPU accelerator registered" in r for r in records), shown.stdout
    assert shown.stderr == "", shown.stderr


def test_other_output_during_a_load_still_reaches_stderr(tmp_path):
    """What is not a LiteRT INFO line (here: an error LiteRT prints for a bad file, and a line
    written by the program) is written back to stderr."""
    code = """
import os, sys
import movinet
from movinet import _litert_log
with _litert_log.routed():
    os.write(2, b"WARNING: something LiteRT says\\nINFO: [x.cc:1] hidden\\n")
print("done")
"""
    out = run_python(code)
    assert out.stderr == "WARNING: something LiteRT says\n", out.stderr


def test_errors_neither_quote_arrays_nor_leak_internals():
    clf = classifier()
    cases = [
        (
            lambda: movinet.ClassifierOptions(horizon=2),
            "invalid option: horizon cannot be 2: expected a Horizon (Horizon.ALL(), "
            "Horizon.SECONDS(seconds=...), Horizon.FRAMES(frames=...)) or None",
        ),
        (
            lambda: movinet.ClassifierOptions(crop="center"),
            "invalid option: crop cannot be 'center': expected a Crop (Crop.CENTER_SQUARE(), "
            "Crop.STRETCH(), Crop.REGION(x=..., y=..., width=..., height=...)) or None",
        ),
        (
            lambda: movinet.ClassifierOptions(events=3),
            "invalid option: events cannot be 3: expected an EventOptions",
        ),
        (
            lambda: movinet.ClassifierOptions(top_k=-1),
            "invalid option: top_k cannot be -1: must be an integer from 0 to 4294967295",
        ),
    ]
    for make, message in cases:
        with pytest.raises(movinet.MovinetError.InvalidOption) as info:
            movinet.MovinetClassifier(A0, None, make())
        assert str(info.value) == message
    frame_cases = [
        (
            dict(format="RGB888"),
            "invalid frame: format cannot be 'RGB888': expected a PixelFormat (PixelFormat.RGB888, "
            "PixelFormat.RGBA8888, PixelFormat.BGRA8888, PixelFormat.NV21, PixelFormat.NV12, "
            "PixelFormat.I420, PixelFormat.YUV420888)",
        ),
        (
            dict(yuv_range="full"),
            "invalid frame: yuv_range cannot be 'full': expected a YuvRange (YuvRange.VIDEO, "
            "YuvRange.FULL) or None",
        ),
        (dict(width=-4), "invalid frame: width cannot be -4: must be an integer from 0 to 4294967295"),
        (dict(planes=[np.zeros((4, 4, 3), np.uint8)]), "invalid frame: planes[0] cannot be <a numpy.ndarray of uint8 items, shape (4, 4, 3)>: expected a Plane"),
    ]
    for fields, message in frame_cases:
        frame = dict(format=movinet.PixelFormat.RGB888, width=4, height=4, planes=[])
        frame.update(fields)
        with pytest.raises(movinet.MovinetError.InvalidFrame) as info:
            clf.classify(movinet.Frame(**frame))
        assert str(info.value) == message
    big = np.zeros((480, 640, 3), np.uint8)
    with pytest.raises(movinet.MovinetError.InvalidOption) as info:
        movinet.MovinetClassifier(A0, None, big)
    assert str(info.value) == (
        "invalid option: options must be a ClassifierOptions, got a numpy.ndarray of uint8 items, "
        "shape (480, 640, 3)"
    )
