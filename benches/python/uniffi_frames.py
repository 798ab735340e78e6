"""What a camera frame costs to hand to the classifier through the UniFFI binding (the Python
module; Swift calls the same scaffolding), per 1080p frame:

* kept frames: the wall time of `classify` less the core's own time for the frame
  (`timings.total_ms`), i.e. the crossing: lowering the record and the planes, lifting the
  prediction;
* dropped frames (a 30 fps camera paced to 5 fps): `classify` of the whole frame, and `pace`
  with the timestamp alone;
* beside them, one plain copy of the frame's bytes, for scale.

Frames are camera-sized, random, eight different ones in turn (66 MB of BGRA: not in any cache).
The kinds of frame are measured in alternating blocks within one process. Run it on a build of
the module (`cargo xtask uniffi`), from the repository:

    .deps/venv/bin/python benches/python/uniffi_frames.py [--module-dir bindings/uniffi/python]

Pointed at a module built before the planes crossed in place (one whose `Plane` holds the
bytes in the record), it measures that module's by-value path the same way.
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

W, H = 1920, 1080
FRAMES = 8
CAMERA_US = 33_333


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module-dir", default="bindings/uniffi/python")
    parser.add_argument("--model", default=os.path.join(
        os.environ.get("MOVINET_MODELS_DIR", "../shared/models"), "movinet_a0_stream_int8.tflite"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, args.module_dir)
    import movinet

    in_place = hasattr(movinet, "PlaneLayout")
    rng = np.random.default_rng(1)
    bgra = [rng.integers(0, 256, (H, W * 4), np.uint8) for _ in range(FRAMES)]
    y = [rng.integers(16, 236, (H, W), np.uint8) for _ in range(FRAMES)]
    uv = [rng.integers(16, 241, (H // 2, W), np.uint8) for _ in range(FRAMES)]

    def frame(i, kind, ts=None, numpy=False):
        """Frame i of `kind` ('BGRA' or 'NV12'), its planes as bytes or numpy arrays."""
        data = [bgra[i]] if kind == "BGRA" else [y[i], uv[i]]
        if not numpy:
            data = [d.tobytes() for d in data]
        strides = [(W * 4, 4)] if kind == "BGRA" else [(W, 1), (W, 2)]
        fmt = movinet.PixelFormat.BGRA8888 if kind == "BGRA" else movinet.PixelFormat.NV12
        planes = [movinet.Plane(data=d, row_stride=r, pixel_stride=p) for d, (r, p) in zip(data, strides)]
        if in_place:
            return movinet.Frame(format=fmt, width=W, height=H, planes=planes, timestamp_us=ts)
        return movinet.Frame(format=fmt, width=W, height=H, planes=planes,
                             yuv_range=movinet.YuvRange.VIDEO, timestamp_us=ts)

    def classifier(paced):
        if in_place:
            options = movinet.ClassifierOptions() if paced else movinet.ClassifierOptions(model_fps=None)
            return movinet.MovinetClassifier(args.model, None, options)
        options = movinet.ClassifierOptions() if paced else movinet.ClassifierOptions(fps=None)
        return movinet.MovinetClassifier(args.model, None, options)

    unpaced, every, asked = classifier(False), classifier(True), classifier(True)
    rows = {}

    def add(name, ms):
        rows.setdefault(name, []).extend(ms)

    # Prepared frames per kind (building them is not what is measured).
    sources = [("bytes", False)] + ([("numpy", True)] if in_place else [])
    prepared = {
        (kind, src): [frame(i, kind, numpy=np_) for i in range(FRAMES)]
        for kind in ("BGRA", "NV12")
        for src, np_ in sources
    }
    ts = 0
    for _ in range(args.rounds):
        for kind in ("BGRA", "NV12"):
            for src, _np in sources:
                for i, f in enumerate(prepared[(kind, src)]):
                    t0 = time.perf_counter()
                    p = unpaced.classify(f)
                    wall = (time.perf_counter() - t0) * 1e3
                    add(f"{kind} kept, from {src}: crossing (classify - core)", [wall - p.timings.total_ms])
            # Dropped frames: 30 fps timestamps, 5 of 6 paced out. One classifier gets every
            # frame through classify, the other is asked pace first.
            for i in range(FRAMES * 3):
                ts += CAMERA_US
                f = prepared[(kind, "bytes")][i % FRAMES]
                f.timestamp_us = ts
                t0 = time.perf_counter()
                p = every.classify(f)
                if p is None:
                    add(f"{kind} dropped: classify(frame)", [(time.perf_counter() - t0) * 1e3])
                if in_place:
                    t0 = time.perf_counter()
                    keep = asked.pace(ts)
                    if keep:
                        asked.classify(f)
                    else:
                        add(f"{kind} dropped: pace(timestamp)", [(time.perf_counter() - t0) * 1e3])
            src = bgra if kind == "BGRA" else y
            t0 = time.perf_counter()
            for i in range(FRAMES):
                bytes(memoryview(src[i]))
            add(f"{kind} one copy of the frame (reference)", [(time.perf_counter() - t0) * 1e3 / FRAMES])

    print(f"module: {os.path.abspath(args.module_dir)} "
          f"({'planes in place' if in_place else 'planes by value in the record'}); "
          f"{W}x{H}, {args.rounds} rounds")
    for name, ms in rows.items():
        print(f"  {name:<55} median {statistics.median(ms):8.3f} ms  (n={len(ms)})")


if __name__ == "__main__":
    main()
