"""LiteRT's INFO lines, routed through :mod:`logging` instead of the process's stderr.

LiteRT 2.1.4 writes INFO lines straight to file descriptor 2 whenever it creates or frees a
model (``INFO: [auto_registration.cc:325] CPU accelerator registered.``, six per load), and
``libLiteRt.so`` exports no way to turn them off. The ``movinet`` command hides them unless
``RUST_LOG=debug``; here, while LiteRT loads or frees a model, descriptor 2 points at a
temporary file, and afterwards each of LiteRT's INFO lines goes to the ``movinet.litert``
logger at DEBUG level (shown only when a program asks, e.g.
``logging.basicConfig(level=logging.DEBUG)``). Every other line written meanwhile (LiteRT's
warnings and errors, another thread's output) goes back to stderr unchanged.
"""

import contextlib
import logging
import os
import re
import sys
import threading

LOGGER = logging.getLogger("movinet.litert")

# `INFO: [file.cc:123] text`, or the interpreter's `INFO: Created TensorFlow Lite ...`: the
# same lines `cargo xtask` and the command recognise as LiteRT's.
_INFO = re.compile(r"^INFO: (\[[^\] ]+\.cc:\d+\] |Created TensorFlow Lite )")

# Descriptor 2 is one per process: one redirection at a time, and nested calls (a model freed
# by the garbage collector during a load, on the same thread) run inside the outer one.
_lock = threading.RLock()
_depth = 0


@contextlib.contextmanager
def routed():
    """While inside, LiteRT's output is captured and afterwards routed (see the module)."""
    global _depth
    with _lock:
        if _depth > 0:
            yield
            return
        import tempfile  # here, not at import: it costs `import movinet` 15 ms

        try:
            capture = tempfile.TemporaryFile()
            saved = os.dup(2)
        except OSError:  # no descriptors left: leave stderr alone
            yield
            return
        _flush_stderr()
        os.dup2(capture.fileno(), 2)
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read()
            capture.close()
            if text:
                _route(text)


def _flush_stderr():
    for stream in (sys.stderr, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


def _route(text):
    others = []
    for line in text.decode("utf-8", "replace").splitlines(keepends=True):
        if _INFO.match(line):
            LOGGER.debug("%s", line.rstrip("\n"))
        else:
            others.append(line)
    if others:
        try:
            os.write(2, "".join(others).encode("utf-8", "replace"))
        except OSError:
            pass
