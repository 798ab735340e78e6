"""Google's interpreter on a model whose classifier input the SDK exposed (the bytes
`movinet::tooling::embedding_bytes` gives): runs frames (raw uint8 RGB, each HxWx3, fed as
/255 like ../shared/reference/ref_stream.py), states zero-initialised and carried by name, and
writes the `embedding` output (int8 levels) and the `logits` (float32) after every frame.

    python embedding_reference.py MODEL FRAMES HEIGHT WIDTH EMBEDDING_OUT LOGITS_OUT
"""
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter

model, frames, height, width, embedding_out, logits_out = sys.argv[1:7]
height, width = int(height), int(width)
it = Interpreter(model_path=model)
runner = it.get_signature_runner()
inputs = runner.get_input_details()
states = {n: np.zeros(d["shape"], d["dtype"]) for n, d in inputs.items() if n != "image"}
raw = np.fromfile(frames, dtype=np.uint8).reshape(-1, height, width, 3)
embeddings, logits = [], []
for frame in raw:
    x = (frame.astype(np.float32) / 255.0)[None, None]
    out = runner(image=x, **states)
    embeddings.append(np.asarray(out.pop("embedding")).reshape(-1))
    logits.append(np.asarray(out.pop("logits")).reshape(-1))
    states = out
np.stack(embeddings).astype(np.int8).tofile(embedding_out)
np.stack(logits).astype(np.float32).tofile(logits_out)
