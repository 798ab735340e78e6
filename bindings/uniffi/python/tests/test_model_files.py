"""Model and labels files an app should not trust blindly: the expected SHA-256 option, special
files (a device, a FIFO) given as a model or labels path, and labels with a byte order mark.
Every case is a MovinetError with the core's message, before any byte reaches LiteRT."""

import hashlib
import os

import numpy as np
import pytest

import movinet
from conftest import A0, KINETICS_LABELS, classifier, rgb_frame

A0_SHA256 = hashlib.sha256(A0.read_bytes()).hexdigest()


def test_the_right_digest_loads_the_model():
    clf = classifier(model_sha256=A0_SHA256)
    assert clf.model_info().num_classes == 600
    # Upper-case hexadecimal is the same digest.
    assert classifier(model_sha256=A0_SHA256.upper()).model_info().num_classes == 600
    # From bytes too.
    clf = movinet.MovinetClassifier.from_bytes(
        A0.read_bytes(), None, movinet.ClassifierOptions(), movinet.ModelOptions(model_sha256=A0_SHA256)
    )
    assert clf.model_info().signature_key == "serving_default"


def test_another_file_is_a_digest_mismatch():
    wrong = "00" * 32
    with pytest.raises(movinet.MovinetError.ModelDigestMismatch) as info:
        classifier(model_sha256=wrong)
    assert str(info.value) == (
        f"model file does not have the expected SHA-256 (expected {wrong}, got {A0_SHA256}): "
        "corrupted, truncated or replaced"
    )
    # A download cut short: the bytes LiteRT would have been given differ from the pinned file.
    cut = A0.read_bytes()[:-1000]
    with pytest.raises(movinet.MovinetError.ModelDigestMismatch) as info:
        movinet.MovinetClassifier.from_bytes(
            cut, None, movinet.ClassifierOptions(), movinet.ModelOptions(model_sha256=A0_SHA256)
        )
    assert f"got {hashlib.sha256(cut).hexdigest()}" in str(info.value)


def test_a_malformed_digest_is_an_invalid_option():
    for bad in ("", "abc", A0_SHA256 + "0", "g" * 64, A0_SHA256[:-1] + " "):
        with pytest.raises(movinet.MovinetError.InvalidOption) as info:
            classifier(model_sha256=bad)
        assert str(info.value).startswith(
            "invalid option: model_sha256 must be 64 hexadecimal digits"
        ), str(info.value)


def test_a_device_is_neither_a_model_nor_labels():
    with pytest.raises(movinet.MovinetError.InvalidModel) as info:
        movinet.MovinetClassifier("/dev/zero", None, movinet.ClassifierOptions())
    assert str(info.value) == (
        "not a TensorFlow Lite model: /dev/zero is a character device, not a model file"
    )
    with pytest.raises(movinet.MovinetError.InvalidLabels) as info:
        movinet.MovinetClassifier(str(A0), "/dev/zero", movinet.ClassifierOptions())
    assert str(info.value) == "labels: /dev/zero is a character device, not a labels file"


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "labels.txt"
    os.mkfifo(fifo)
    # Nobody ever writes to it: a reader that opened it would wait for ever.
    with pytest.raises(movinet.MovinetError.InvalidLabels) as info:
        movinet.MovinetClassifier(str(A0), str(fifo), movinet.ClassifierOptions())
    assert str(info.value) == f"labels: {fifo} is a FIFO (named pipe), not a labels file"
    model = tmp_path / "model.tflite"
    os.mkfifo(model)
    with pytest.raises(movinet.MovinetError.InvalidModel) as info:
        movinet.MovinetClassifier(str(model), None, movinet.ClassifierOptions())
    assert "is a FIFO (named pipe), not a model file" in str(info.value)


def test_labels_with_a_byte_order_mark(tmp_path):
    # Some Windows editors start UTF-8 text with U+FEFF; it is not part of the first label.
    labels = tmp_path / "bom.txt"
    labels.write_bytes(b"\xef\xbb\xbf" + KINETICS_LABELS.read_bytes())
    options = movinet.ClassifierOptions(top_k=600, model_fps=None)
    from_file = movinet.MovinetClassifier(str(A0), str(labels), options)
    from_text = movinet.MovinetClassifier.from_bytes(
        A0.read_bytes(), "\ufeff" + KINETICS_LABELS.read_text(), options
    )
    frame = rgb_frame(np.full((172, 172, 3), 128, np.uint8))
    for clf in (from_file, from_text):
        names = {c.label for c in clf.classify(frame).categories}
        assert "abseiling" in names
        assert not any(n.startswith("\ufeff") for n in names)


def test_int8_io_off_keeps_the_probabilities_and_quadruples_the_state():
    """`ModelOptions(int8_io=False)` runs the graph as exported (float32 stream states): four
    times the state memory, and the same probabilities bit for bit after every frame."""
    from conftest import golden, run_clip

    frames, _ = golden("a0int8_carving_ice_android_fps5_crop")
    runs = {}
    for int8_io in (True, False):
        clf = classifier(int8_io=int8_io, horizon=movinet.Horizon.ALL())
        runs[int8_io] = (clf.model_info().state_bytes, run_clip(clf, frames, rgb_frame))
        clf.close()
    assert (runs[True][0], runs[False][0]) == (684_000, 2_696_832)
    np.testing.assert_array_equal(runs[True][1], runs[False][1])
