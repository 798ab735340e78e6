"""The reference pipeline's preprocessing (../shared/reference/ref_stream.py `prep`), for the
tests: centre square crop (or the whole frame), cv2.resize INTER_LINEAR, uint8 out.

Usage: cv2_preprocess.py WIDTH HEIGHT SIZE MODE IN OUT
  IN   raw RGB24 frames, WIDTH x HEIGHT each, back to back
  OUT  raw uint8 results, SIZE x SIZE x 3 each (the tests divide by 255 as the reference does)
  MODE `crop` (centre square, as the reference) or `stretch` (the reference's --no-crop)
"""
import sys

import cv2
import numpy as np

width, height, size = (int(v) for v in sys.argv[1:4])
mode, src, dst = sys.argv[4:7]
frames = np.fromfile(src, np.uint8).reshape(-1, height, width, 3)
out = []
for frame in frames:
    if mode == 'crop':
        h, w = frame.shape[:2]; s = min(h, w); y0 = (h - s) // 2; x0 = (w - s) // 2
        frame = frame[y0:y0 + s, x0:x0 + s]
    out.append(cv2.resize(frame, (size, size), interpolation=cv2.INTER_LINEAR))
np.stack(out).tofile(dst)
