"""Ways to bound the cumulative head pool of MoViNet-A0 between frames, compared on the shared
clips: Google's interpreter (ai-edge-litert, as ../shared/reference/ref_stream.py), the stream
states carried by hand and rewritten between frames by each scheme.

    .deps/venv/bin/python scripts/horizon_schemes.py [--models-dir ../shared/models]

For each scheme: the lowest segment top-1 over the concatenations of
tests/src/live.rs (from 3 s after each cut), the median and largest time from a cut until the
new label is top-1 for good, and the 12 clips alone (top-1, top-5 of the last prediction). The
SDK's scheme is `ema` (core/src/horizon.rs); the others are what it was chosen over. This
script is the exploration behind that choice; `cargo run --release -p movinet-tests --example
live_sweep` measures the SDK itself.

Schemes (N or K in frames at 5 fps):
  all         the model's own cumulative average
  reset N     zero every state when the count reaches N
  halve N f   when the count reaches N, scale the sum and the count by f (0.5: halve)
  naive K     constant count: each frame sum <- sum_out * (K-1)/K, count <- K-1
  box N       exact sliding window of the last N frames (each frame's contribution kept)
  ema K       the SDK's: a running mean kept outside the model from each frame's exact
              contribution (the sum written minus the sum read, as the int8 input saw it),
              fed back as (K-1) * mean on the int8 grid with count K-1
"""

import argparse
import collections
import csv
import os

import av
import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("MOVINET_SHARED_DIR", os.path.join(ROOT, "..", "shared"))

ap = argparse.ArgumentParser()
ap.add_argument("--models-dir", default=os.environ.get("MOVINET_MODELS_DIR", os.path.join(SHARED, "models")))
a = ap.parse_args()

labels = [l.rstrip("\n") for l in open(os.path.join(a.models_dir, "kinetics600_labels.txt"))]
it = Interpreter(model_path=os.path.join(a.models_dir, "movinet_a0_stream_int8.tflite"), num_threads=1)
runner = it.get_signature_runner()
inputs = runner.get_input_details()
SUM, COUNT = "state_head_pool_buffer", "state_head_pool_frame_count"
# The int8 grid the head's ADD reads the sum through (the QUANTIZE after the state input);
# core/src/horizon.rs reads it from the graph.
SCALE, ZERO = 0.5742605328559875, -128


def grid(x):
    return (np.clip(np.round(x / SCALE) + ZERO, -128, 127) - ZERO) * SCALE


rows = list(csv.DictReader(open(os.path.join(SHARED, "clips", "clips.csv"))))
expected = {r["file"]: r["expected_label"] for r in rows}
CONCATENATIONS = [
    ["mmaction2_test_video_structuralize.mp4", "mmaction2_tests_data_test.mp4", "tfexamples_android_carving_ice.mp4"],
    ["mmaction2_demo_arm_wrestling.mp4", "decord_flipping_a_pancake.mkv", "paddlevideo_horse_riding.gif"],
    ["decord_flipping_a_pancake.mkv", "tfexamples_rpi_carving_ice.mp4", "mmaction2_demo_arm_wrestling.mp4",
     "mmaction2_tests_data_test.mp4"],
    ["paddlevideo_horse_riding.gif", "mmaction2_test_video_structuralize.mp4", "tfexamples_android_carving_ice.mp4",
     "mmaction2_demo_arm_wrestling.mp4"],
]

_clips = {}


def clip(name):
    """Centre-cropped 172x172 RGB frames, their times and the container's duration."""
    if name not in _clips:
        with av.open(os.path.join(SHARED, "clips", name)) as c:
            s = c.streams.video[0]
            frames, times = [], []
            for f in c.decode(video=0):
                x = f.to_ndarray(format="rgb24")
                h, w = x.shape[:2]
                m = min(h, w)
                y0, x0 = (h - m) // 2, (w - m) // 2
                frames.append(cv2.resize(x[y0:y0 + m, x0:x0 + m], (172, 172), interpolation=cv2.INTER_LINEAR))
                times.append(float(f.time) if f.time is not None else len(times) / float(s.average_rate or 25))
            duration = c.duration / 1e6 if c.duration else times[-1]
        _clips[name] = (frames, times, duration)
    return _clips[name]


def timeline(files, fps=5.0):
    """The frames a 5 fps pacer keeps from the clips played one after the other."""
    seq, cuts, offset = [], [], 0.0
    for f in files:
        frames, times, duration = clip(f)
        cuts.append(offset)
        seq += [(frames[i], offset + t) for i, t in enumerate(times)]
        offset += duration
    kept, nxt = [], 0.0
    for frame, t in seq:
        if t + 1e-6 >= nxt:
            kept.append((frame, t))
            nxt += 1 / fps
    return kept, cuts, offset


def zeros():
    return {n: np.zeros(d["shape"], d["dtype"]) for n, d in inputs.items() if n != "image"}


class Scheme:
    def __init__(self, kind, n=None, f=0.5):
        self.kind, self.n, self.f = kind, n, f
        self.mean, self.history = None, collections.deque()

    def __str__(self):
        return self.kind if self.n is None else f"{self.kind} {self.n}" + (f" f={self.f}" if self.kind == "halve" and self.f != 0.5 else "")

    def after(self, read, out):
        """`read`: the states the run read; `out`: what it wrote. Returns the next run's."""
        k, n = self.kind, self.n
        s, c = out[SUM], int(out[COUNT][0])
        count = lambda v: np.array([v], np.int32)
        if k == "all":
            return out
        if k == "reset":
            return zeros() if c >= n else out
        if k == "halve":
            if c >= n:
                c2 = max(1, int(round(c * self.f)))
                out[SUM], out[COUNT] = s * (c2 / c), count(c2)
            return out
        if k == "naive":
            if c >= n:
                out[SUM], out[COUNT] = s * ((n - 1) / c), count(n - 1)
            return out
        if k == "box":
            self.history.append(s - grid(read[SUM]))
            while len(self.history) > n - 1:
                self.history.popleft()
            if c >= n - 1:
                out[SUM], out[COUNT] = np.sum(self.history, axis=0), count(len(self.history))
            return out
        if k == "ema":
            if self.mean is None:
                if c < n:
                    return out
                self.mean = s / c
            else:
                self.mean += (s - grid(read[SUM]) - self.mean) / n
            out[SUM], out[COUNT] = grid((n - 1) * self.mean), count(n - 1)
            return out
        raise ValueError(k)


def run(kept, scheme):
    states, probabilities = zeros(), []
    for frame, _ in kept:
        out = runner(image=frame[None, None].astype(np.float32) / 255.0, **states)
        logits = out.pop("logits")[0].astype(np.float64)
        states = scheme.after(states, out)
        p = np.exp(logits - logits.max())
        probabilities.append(p / p.sum())
    return np.array(probabilities)


def follow(files, make):
    kept, cuts, end = timeline(files)
    top = run(kept, make()).argmax(1)
    times = np.array([t for _, t in kept])
    want = [labels.index(expected[f]) for f in files]
    bounds = cuts + [end]
    right = counted = 0
    latencies = []
    for k, label in enumerate(want):
        late = (times >= bounds[k] + 3) & (times < bounds[k + 1])
        right += int((top[late] == label).sum())
        counted += int(late.sum())
        if k > 0:
            seg = np.where((times >= bounds[k]) & (times < bounds[k + 1]))[0]
            good = top[seg] == label
            j = next((j for j in range(len(seg)) if good[j:].all()), None)
            latencies.append(times[seg[j]] - bounds[k] if j is not None else float("inf"))
    return right / counted, latencies


def whole_clips(make):
    top1 = top5 = 0
    for r in rows:
        kept, _, _ = timeline([r["file"]])
        p = run(kept, make())[-1]
        rank = 1 + int((p > p[labels.index(r["expected_label"])]).sum())
        top1 += rank == 1
        top5 += rank <= 5
    return top1, top5


def secs(x):
    return f"{x:.1f}" if np.isfinite(x) else "never"


SCHEMES = [("all",), ("reset", 10), ("reset", 16)]
SCHEMES += [("halve", n) for n in (8, 10, 12, 16, 20)] + [("halve", 12, 0.75), ("halve", 16, 0.75)]
SCHEMES += [("naive", k) for k in (6, 8, 12)]
SCHEMES += [("box", n) for n in (8, 10, 12, 16)]
SCHEMES += [("ema", k) for k in (5, 8, 10, 12, 15)]

print(f"{'scheme':<16} {'segment top-1':>14} {'median (s)':>11} {'max (s)':>8} {'12 clips':>11}")
for spec in SCHEMES:
    make = lambda: Scheme(*spec)
    segment, latencies = [], []
    for files in CONCATENATIONS:
        s, l = follow(files, make)
        segment.append(s)
        latencies += l
    t1, t5 = whole_clips(make)
    print(f"{str(make()):<16} {min(segment):>14.2f} {secs(np.median(latencies)):>11} "
          f"{secs(max(latencies)):>8} {f'{t1}/12, {t5}/12':>11}", flush=True)
