"""``python -m movinet``: classify videos (and annotate them) from the shell.

::

    python -m movinet classify clip.mp4 [more.mp4 ...] --model movinet_a0_stream_int8.tflite
    python -m movinet classify clip.mp4 --json   # the model from $MOVINET_MODEL
    python -m movinet annotate clip.mp4 annotated.mp4 --model movinet_a0_stream_int8.tflite

Videos are decoded by PyAV (``pip install 'movinet[video]'``). The model is ``--model PATH``,
or ``$MOVINET_MODEL``; its labels are ``--labels PATH`` or found beside it, as
:class:`movinet.MovinetModel` finds them. The defaults are the SDK's (5 fps pacing by the
frames' timestamps, centre crop, a 2 s horizon, the action events); ``--horizon all`` gives one
label for the whole clip. This is a small front end for a Python environment; the ``movinet``
command of the repository (``cargo xtask classify``) has more.
"""

import argparse
import json
import math
import os
import sys

import movinet


def _horizon(text):
    if text == "all":
        return movinet.Horizon.ALL()
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds or 'all', got {text!r}") from None
    if not math.isfinite(seconds):
        raise argparse.ArgumentTypeError(f"expected seconds or 'all', got {text!r}")
    return movinet.Horizon.SECONDS(seconds=seconds)


def _fps(text):
    if text == "all":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected frames a second or 'all', got {text!r}") from None


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m movinet",
        description="Classify videos with a MoViNet stream model (the movinet Python package).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def model_options(p):
        p.add_argument(
            "--model",
            default=os.environ.get("MOVINET_MODEL"),
            help="the .tflite model file (default: $MOVINET_MODEL)",
        )
        p.add_argument("--labels", help="labels file, one per class (default: found beside the model)")
        p.add_argument("--fps", type=_fps, default=5.0, help="frames a second fed to the model, or 'all' (default 5)")
        p.add_argument(
            "--horizon",
            type=_horizon,
            default=None,
            help="seconds the live labels look back, or 'all' for one label per clip (default 2)",
        )
        p.add_argument("--threads", type=int, default=1, help="CPU threads for inference (default 1)")

    classify = commands.add_parser("classify", help="print each video's top classes and action events")
    classify.add_argument("videos", nargs="+", metavar="VIDEO")
    model_options(classify)
    classify.add_argument("--top", type=int, default=5, help="classes to print (default 5)")
    classify.add_argument("--json", action="store_true", help="one JSON object per video on stdout")

    annotate = commands.add_parser(
        "annotate", help="write a video back with the live view drawn on every frame"
    )
    annotate.add_argument("video", metavar="VIDEO")
    annotate.add_argument("output", metavar="OUT.mp4")
    model_options(annotate)
    return parser


class _UsageError(Exception):
    pass


# The flag that sets each option the core checks.
_FLAGS = {"model_fps": "--fps", "horizon": "--horizon", "threads": "--threads", "top_k": "--top"}


def _classifier(args, top_k):
    if not args.model:
        raise _UsageError("give the model file with --model PATH (or set MOVINET_MODEL)")
    try:
        options = movinet.ClassifierOptions(top_k=top_k, model_fps=args.fps, horizon=args.horizon)
        return movinet.MovinetClassifier(
            args.model, args.labels, options, movinet.ModelOptions(threads=args.threads)
        )
    except movinet.MovinetError.InvalidOption as e:
        # The flag the user typed, then the core's reason, as the movinet command says it
        # (`--fps: must be ...`, not `invalid option: model_fps must be ...`).
        flag, prefix = _FLAGS.get(e.option), f"invalid option: {e.option} "
        if flag is None or not str(e).startswith(prefix):
            raise
        raise _UsageError(f"{flag}: {str(e)[len(prefix):]}") from None


def _seconds(us):
    return round(us / 1e6, 3)


def _report(path, result):
    return {
        "input": str(path),
        "frames_decoded": result.frames_decoded,
        "frames_fed": len(result.predictions),
        "rotation": result.turn,
        "top": [
            {"label": c.label, "index": c.index, "score": round(c.score, 6)} for c in result.top
        ],
        "events": [
            {
                "label": e.label,
                "index": e.index,
                "start_s": _seconds(e.start_us),
                "end_s": None if e.end_us is None else _seconds(e.end_us),
                "peak_score": round(e.peak_score, 6),
                "mean_score": round(e.mean_score, 6),
            }
            for e in result.events
        ],
    }


def _print_text(path, result, fps):
    fed = len(result.predictions)
    rate = "every frame" if fps is None else f"{fps:g} fps"
    print(f"{path}  ({fed} of {result.frames_decoded} frames fed at {rate})")
    print("  top classes at the end:")
    for i, c in enumerate(result.top, 1):
        print(f"  {i}. {c.label:<40} {c.score:.3f}")
    # The events as the movinet command prints them (an event under way ends where it starts).
    print("  action events:")
    if not result.events:
        print("  no action held long enough to be an event")
    for e in result.events:
        end = e.start_us if e.end_us is None else e.end_us
        print(
            f"  {e.start_us / 1e6:7.1f} – {end / 1e6:7.1f} s  {e.label:<40} "
            f"peak {e.peak_score:.2f}  mean {e.mean_score:.2f}"
        )


def _why(e, path):
    """An error in its own words, once: OSError's and PyAV's ``[Errno N] why: 'file'`` as
    ``file: why``; a message that names its file already as it is."""
    why = getattr(e, "strerror", None)
    if not why:
        return str(e)
    return f"{getattr(e, 'filename', None) or path}: {why}"


def _classify(args):
    from movinet import video

    if args.top < 1:
        raise _UsageError(f"--top must be at least 1, got {args.top}")
    clf = _classifier(args, args.top)
    failed = False
    for path in args.videos:
        try:
            result = video.classify_file(clf, path)
        except movinet.MovinetError as e:
            failed = True
            print(f"{path}: {e}", file=sys.stderr)
            if args.json:
                print(json.dumps({"input": str(path), "error": str(e)}))
            continue
        except (OSError, ValueError) as e:  # a missing or unreadable file (PyAV's errors too)
            failed = True
            why = _why(e, path)
            print(why, file=sys.stderr)
            if args.json:
                print(json.dumps({"input": str(path), "error": why}))
            continue
        if args.json:
            print(json.dumps(_report(path, result)))
        else:
            _print_text(path, result, args.fps)
    return 2 if failed else 0


def _annotate(args):
    clf = _classifier(args, movinet.ClassifierOptions().top_k)
    movinet.annotate(args.video, args.output, clf)
    print(args.output)
    return 0


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        if args.command == "classify":
            return _classify(args)
        return _annotate(args)
    except (movinet.MovinetError, _UsageError) as e:
        print(f"python -m movinet: {e}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as e:  # annotate's input or output (PyAV's errors too)
        print(f"python -m movinet: {_why(e, args.video)}", file=sys.stderr)
        return 2
    except ImportError as e:
        print(f"python -m movinet: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
