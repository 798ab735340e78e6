"""The TF examples' Python pipeline, timed per frame: what `movinet-vs-python` compares the
`movinet` command with.

Google's interpreter (ai-edge-litert, the release the SDK pins), the reference preprocessing
(centre square crop, cv2.resize INTER_LINEAR, / 255 as float32: ../shared/reference), the
states carried from one frame to the next through the signature runner's dict, and the
examples' postprocessing (softmax, classes sorted by probability, the top 5; with numpy's
argsort where the examples' VideoClassifier sorts 600 Python objects, which favours Python).

Frames are decoded with PyAV before timing starts; each frame's time runs from the decoded
RGB frame to the top 5, as the `movinet` command's `total_p50` does.

Usage: python tf_examples_pipeline.py --model M [--threads N] [--fps 5|all] CLIP
Prints one JSON object: frames, p50_ms, mean_ms and the last top-1 index.
"""

import argparse
import json
import time

import av
import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--fps", default="all")
    ap.add_argument("clip")
    a = ap.parse_args()

    runner = Interpreter(model_path=a.model, num_threads=a.threads).get_signature_runner()
    inputs = runner.get_input_details()
    _, _, height, width, _ = inputs["image"]["shape"]

    container = av.open(a.clip)
    frames, times = [], []
    for f in container.decode(video=0):
        frames.append(f.to_ndarray(format="rgb24"))
        times.append(float(f.time) if f.time is not None else len(times) / 25.0)
    if a.fps == "all":
        picked = frames
    else:
        step, next_time, picked = 1.0 / float(a.fps), times[0], []
        for f, t in zip(frames, times):
            if t + 1e-6 >= next_time:
                picked.append(f)
                next_time += step

    def preprocess(frame):
        h, w = frame.shape[:2]
        s = min(h, w)
        y0, x0 = (h - s) // 2, (w - s) // 2
        x = cv2.resize(frame[y0:y0 + s, x0:x0 + s], (width, height), interpolation=cv2.INTER_LINEAR)
        return x[np.newaxis, np.newaxis].astype(np.float32) / 255.0

    states = {n: np.zeros(d["shape"], d["dtype"]) for n, d in inputs.items() if n != "image"}
    per_frame, top = [], None
    for frame in picked:
        t0 = time.perf_counter()
        out = runner(image=preprocess(frame), **states)
        logits = out.pop("logits")[0]
        states = out
        e = np.exp(logits - logits.max())
        p = e / e.sum()
        top = np.argsort(-p)[:5]
        per_frame.append((time.perf_counter() - t0) * 1000.0)
    steady = per_frame[1:] or per_frame
    print(json.dumps({
        "frames": len(per_frame),
        "p50_ms": float(np.median(steady)),
        "mean_ms": float(np.mean(steady)),
        "top1": int(top[0]),
    }))


if __name__ == "__main__":
    main()
