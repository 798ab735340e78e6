"""One model, many streams: `MovinetModel` loads and compiles a model once, `new_classifier`
makes streams that share it, each with only its own state; closing the model under its
classifiers is safe."""

import json
import os
import subprocess
import sys

import pytest

import movinet
from conftest import A0, FRAME_US, GOLDEN_CLIPS, KINETICS_LABELS, golden, rgb_frame


def test_streams_on_one_model_are_independent_and_exact():
    """Three streams on one model, fed two clips interleaved frame by frame, give what a
    classifier with a model of its own gives on each clip, bit for bit."""
    model = movinet.MovinetModel(str(A0), str(KINETICS_LABELS))
    info = model.model_info()
    assert (info.num_classes, info.has_labels, info.state_bytes) == (600, True, 684_000)
    clips = [golden(name)[0][:8] for name in GOLDEN_CLIPS] + [golden(GOLDEN_CLIPS[0])[0][:8]]
    shared = [model.new_classifier(movinet.ClassifierOptions(top_k=5)) for _ in clips]
    own = [
        movinet.MovinetClassifier(str(A0), str(KINETICS_LABELS), movinet.ClassifierOptions(top_k=5))
        for _ in clips
    ]
    for i in range(8):
        for frames, a, b in zip(clips, shared, own):
            pa = a.classify(rgb_frame(frames[i], i * FRAME_US))
            pb = b.classify(rgb_frame(frames[i], i * FRAME_US))
            assert pa.categories == pb.categories
            assert a.probabilities() == b.probabilities()
    assert shared[0].probabilities() != shared[1].probabilities()
    assert shared[0].probabilities() == shared[2].probabilities()
    assert shared[0].model_info() == info


MEMORY_SCRIPT = """
import json, sys
import numpy as np
import movinet

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

a0 = sys.argv[1]
frame = movinet.Frame(format=movinet.PixelFormat.RGB888, width=172, height=172,
                      planes=[movinet.Plane(data=bytes(172 * 172 * 3), row_stride=516, pixel_stride=3)])
warm = movinet.MovinetClassifier(a0)
warm.classify(frame)
before = rss_mb()
own = [movinet.MovinetClassifier(a0) for _ in range(3)]
for c in own:
    c.classify(frame)
per_own_model = (rss_mb() - before) / 3
before = rss_mb()
model = movinet.MovinetModel(a0)
fifty = [model.new_classifier() for _ in range(50)]
for c in fifty:
    c.classify(frame)
print(json.dumps({"per_own_model": per_own_model, "shared": rss_mb() - before,
                  "state_bytes": model.model_info().state_bytes}))
"""


def test_fifty_classifiers_on_one_model_cost_their_state_not_fifty_models():
    """Fifty classifiers made from one model grow the process by one model plus their own
    stream state (two buffers of it each), not by fifty models. Measured in a fresh process:
    memory freed by earlier tests would hide the growth."""
    env = dict(os.environ)  # the same movinet as this process (installed, or PYTHONPATH)
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(A0)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    m = json.loads(out.strip().splitlines()[-1])
    state_mb = 2 * m["state_bytes"] / 2**20
    print(
        f"one classifier with its own model: {m['per_own_model']:.1f} MB; one model + 50 "
        f"classifiers on it: {m['shared']:.1f} MB ({state_mb:.2f} MB of state each)"
    )
    assert m["per_own_model"] > 4 * state_mb, "a model is much larger than a stream's state"
    assert m["shared"] < 1.5 * m["per_own_model"] + 50 * state_mb * 1.3
    assert m["shared"] < 50 * m["per_own_model"] / 4


def test_closing_the_model_leaves_its_classifiers_working():
    frames, _ = golden(GOLDEN_CLIPS[1])
    model = movinet.MovinetModel.from_bytes(A0.read_bytes(), KINETICS_LABELS.read_text())
    a, b = model.new_classifier(), model.new_classifier()
    model.close()
    model.close()  # twice is fine
    assert model.is_closed()
    with pytest.raises(movinet.MovinetError.Closed):
        model.new_classifier()
    assert model.model_info().num_classes == 600  # still answers
    reference = movinet.MovinetClassifier(str(A0), str(KINETICS_LABELS))
    for i, rgb in enumerate(frames[:6]):
        for c in (a, b, reference):
            c.classify(rgb_frame(rgb, i * FRAME_US))
    assert a.probabilities() == reference.probabilities() == b.probabilities()
    a.close()
    b.classify(rgb_frame(frames[6], 6 * FRAME_US))
    assert b.pacer_stats().kept == 7


def test_model_errors_are_typed():
    with pytest.raises(movinet.MovinetError.ModelNotFound):
        movinet.MovinetModel("/no/such/model.tflite")
    with pytest.raises(movinet.MovinetError.InvalidLabels):
        movinet.MovinetModel.from_bytes(A0.read_bytes(), "a\nb\n")
    with pytest.raises(movinet.MovinetError.ModelDigestMismatch):
        movinet.MovinetModel(str(A0), None, movinet.ModelOptions(model_sha256="00" * 32))
    with pytest.raises(movinet.MovinetError.InvalidOption):
        movinet.MovinetModel(str(A0)).new_classifier(movinet.ClassifierOptions(top_k=0))
