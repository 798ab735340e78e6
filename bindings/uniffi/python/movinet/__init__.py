"""movinet: on-device video action recognition (MoViNet stream models on LiteRT), from Python.

``pip install movinet-*.whl`` (``movinet[video]`` adds PyAV for videos)::

    import movinet
    model = movinet.MovinetModel("movinet_a0_stream_int8.tflite")      # load once
    clf = model.new_classifier(movinet.ClassifierOptions(top_k=5))     # one per stream
    frame = movinet.Frame(format=movinet.PixelFormat.RGB888, width=w, height=h,
                          planes=[movinet.Plane(data=rgb, row_stride=3 * w, pixel_stride=3)],
                          timestamp_us=t)
    prediction = clf.classify(frame)   # None when pacing leaves the frame out

``python -m movinet classify clip.mp4 --model movinet_a0_stream_int8.tflite`` classifies a
video from the shell, and :func:`movinet.annotate` writes a video back with the live view
drawn on it.

Custom actions from a few clips, on the device::

    recorder = movinet.ActionRecorder(model)          # one example: a few seconds of frames
    for frame in frames: recorder.record(frame)
    actions = movinet.ActionSet(model)
    actions.add("squat", recorder.finish())           # a few examples per action
    actions.save("gym.actions")                       # later: ActionSet.load(path, model)
    clf.set_actions(actions)                          # predictions and events name them

The classes are the UniFFI binding of the Rust crate ``movinet-uniffi``, the same scaffolding
the Swift package calls (generated into ``movinet._uniffi``, never edited). This file adds what
a Python caller expects, as the Swift package's wrapper does for Swift:

* ``Plane(data, row_stride, pixel_stride)``: a plane's bytes with its layout. ``data`` is
  ``bytes`` or any buffer of bytes (``bytearray``, ``memoryview``, a PyAV plane, a numpy
  ``uint8`` array), read in place, never copied; an array's shape and strides must be the
  plane's (``(height, width, 3)`` with strides ``(row_stride, 3, 1)`` for RGB888), else
  ``MovinetError.InvalidFrame`` says what was expected.
* Paths are ``str`` or ``pathlib.Path``; without a labels file, the labels beside the model are
  found by the core's rule (``cattle7_labels.txt`` for ``cattle7_a0_stream_int8.tflite``).
* Values a record cannot carry (a negative size, an integer beyond 32 bits, a string where an
  enum goes) are ``MovinetError.InvalidFrame`` in a frame and ``MovinetError.InvalidOption`` in
  options, saying what the field takes, instead of UniFFI's internal errors.
* Records and enums print their fields (``ClassifierOptions(top_k=5, ...)``), and ``help()``
  shows defaults as values.
* LiteRT's INFO lines go to the ``movinet.litert`` logger (DEBUG) instead of stderr.
* ``str(error)`` is the error's message.

Errors are ``movinet.MovinetError``, one subclass per kind (``MovinetError.InvalidFrame``...).
"""

import atexit as _atexit
import copy as _copy
import os as _os
import weakref as _weakref

try:
    from ._uniffi import movinet as _ffi
    from ._uniffi.movinet import *  # noqa: F401,F403  (the generated module)
    from ._uniffi.movinet import (
        ActionExample,
        ActionRecorder,
        ActionSet,
        ActionTeacher,
        ClassifierOptions,
        EventOptions,
        Frame,
        ModelOptions,
        MovinetClassifier,
        MovinetError,
        MovinetModel,
        NameCase,
        PixelFormat,
        PlaneLayout,
        plane_samples,
        spell_option,
    )
except ImportError as e:  # pragma: no cover - explains a missing build step
    raise ImportError(
        "the generated movinet bindings are missing: install the wheel (`cargo xtask wheel` "
        f"builds it) or run `cargo xtask uniffi` in the repository ({e})"
    ) from e

from . import _buffers, _records
from ._litert_log import routed as _litert_routed

__version__ = _ffi.version()

# --- errors -----------------------------------------------------------------------------------

# The generated exceptions' str() lists their fields; the message is what users should read.
MovinetError.__str__ = lambda self: self.message


def _invalid_frame(message):
    return MovinetError.InvalidFrame(message=f"invalid frame: {message}")


def _invalid_option(option, reason):
    """An InvalidOption as the core words them, the option's name spelled by the core."""
    return MovinetError.InvalidOption(
        message=f"invalid option: {option} {reason}",
        option=option,
        camel_case_message=f"invalid option: {spell_option(option, NameCase.CAMEL)} {reason}",
    )


# --- records and enums as Python shows them ---------------------------------------------------

_MISSING = _ffi._DEFAULT
_records.install_reprs(_ffi)
_records.install_readable_defaults(_ffi, _MISSING)


# --- plane bytes ------------------------------------------------------------------------------


class Plane(PlaneLayout):
    """One plane of a frame: its bytes (``data``) and how samples are spaced in them.

    ``data`` is ``bytes`` or any other object with the buffer protocol and one-byte items:
    ``bytearray``, ``memoryview``, a PyAV plane, a numpy ``uint8`` array. It is read in place
    during ``classify``, never copied. An array with a shape must be the plane's samples: for
    RGB888 ``(height, width, 3)`` with strides ``(row_stride, 3, 1)`` (a C-contiguous array, or
    a view into a padded buffer whose strides are the plane's), for a Y plane ``(height,
    width)``, for NV12's UV plane ``(height / 2, width / 2, 2)``; whole rows of bytes
    ``(rows, n)`` or a flat run of bytes also do. The last row need not be padded.
    """

    def __init__(self, *, data, row_stride, pixel_stride):
        super().__init__(row_stride=row_stride, pixel_stride=pixel_stride)
        self.data = data

    def __repr__(self):
        return (
            f"Plane(data=<{_buffers.describe(self.data)}>, "
            f"row_stride={self.row_stride!r}, pixel_stride={self.pixel_stride!r})"
        )

    __str__ = __repr__


# --- values a record cannot carry -------------------------------------------------------------


def _refused(converter, value):
    """UniFFI's error for `value`, or None."""
    try:
        converter.check_lower(value)
    except (TypeError, ValueError, OverflowError, AttributeError) as e:
        return e
    return None


def _bad_field(record, cls, converter, base, nested=None):
    """(dotted field name, value, reason) of the first field of `record` UniFFI refuses, found by
    putting each field alone into the valid `base`; None if none is refused."""
    nested = nested or {}
    annotations = _records.field_annotations(cls)
    for name in _records.field_names(cls):
        value = getattr(record, name, None)
        trial = _copy.copy(base)
        setattr(trial, name, value)
        error = _refused(converter, trial)
        if error is None:
            continue
        if name in nested:
            inner = nested[name](value)
            if inner is not None:
                inner_name, inner_value, inner_reason = inner
                return f"{name}{inner_name}", inner_value, inner_reason
        return name, value, _records.why_refused(annotations.get(name), value, error)
    return None


def _cannot_be(name, value, why):
    return f"{name} cannot be {_records.short_repr(value)}: {why}"


def _bad_plane(planes):
    """The first plane layout UniFFI refuses, as a `_bad_field` triple."""
    if not isinstance(planes, (list, tuple)):
        return None
    for i, plane in enumerate(planes):
        if not all(hasattr(plane, f) for f in _records.field_names(PlaneLayout)):
            return f"[{i}]", plane, "expected a Plane"
        bad = _bad_field(
            plane,
            PlaneLayout,
            _ffi._UniffiFfiConverterTypePlaneLayout,
            PlaneLayout(row_stride=0, pixel_stride=0),
        )
        if bad is not None:
            return f"[{i}].{bad[0]}", bad[1], bad[2]
    return None


def _check_frame(frame, method="classify"):
    """InvalidFrame for a frame UniFFI could not carry (else nothing)."""
    if not isinstance(frame, Frame):
        raise _invalid_frame(
            f"{method} takes a movinet.Frame, got {_buffers.describe(frame)} (wrap the pixels: "
            "Frame(format=..., width=..., height=..., planes=[Plane(data=..., ...)]))"
        )
    converter = _ffi._UniffiFfiConverterTypeFrame
    error = _refused(converter, frame)
    if error is None:
        return
    base = Frame(format=PixelFormat.RGB888, width=1, height=1, planes=[])
    bad = _bad_field(frame, Frame, converter, base, {"planes": _bad_plane})
    if bad is not None:
        raise _invalid_frame(_cannot_be(*bad))
    raise _invalid_frame(f"the frame cannot be carried across ({error})")  # pragma: no cover


def _bad_event_option(events):
    """The first EventOptions field UniFFI refuses, as a `_bad_field` triple."""
    if not isinstance(events, EventOptions):
        return None
    bad = _bad_field(
        events, EventOptions, _ffi._UniffiFfiConverterTypeEventOptions, EventOptions()
    )
    return None if bad is None else (f".{bad[0]}", bad[1], bad[2])


def _check_options(options, cls, converter, optional=False):
    """InvalidOption for options UniFFI could not carry (else nothing)."""
    if optional and options is None:
        return
    if _refused(converter, options) is None:
        return
    if isinstance(options, cls):
        bad = _bad_field(options, cls, converter, cls(), {"events": _bad_event_option})
        if bad is not None:
            name, value, why = bad
            raise _invalid_option(name, f"cannot be {_records.short_repr(value)}: {why}")
    raise _invalid_option(
        "options", f"must be a {cls.__name__}, got {_buffers.describe(options)}"
    )


def _check_classifier_options(options):
    _check_options(options, ClassifierOptions, _ffi._UniffiFfiConverterTypeClassifierOptions)


def _check_model_options(options, optional=False):
    _check_options(options, ModelOptions, _ffi._UniffiFfiConverterTypeModelOptions, optional)


def _path(value, what, optional=False):
    """A path argument as the str the bindings take: str, pathlib.Path or any os.PathLike."""
    if optional and value is None:
        return None
    try:
        path = _os.fspath(value)
    except TypeError:
        raise TypeError(
            f"{what} must be a str or a path (pathlib.Path), got {_buffers.describe(value)}"
        ) from None
    return _os.fsdecode(path)


# --- the generated calls, wrapped -------------------------------------------------------------

_buffers.foreign_bytes_lowering(_ffi._UniffiFfiConverterByRefBytes, _ffi._UniffiForeignBytes)

_CLASSIFIER_OPTIONS = _records.ShownDefault("ClassifierOptions()")
_MODEL_OPTIONS = _records.ShownDefault("ModelOptions()")


def _given(value):
    """A wrapper's default back to the generated code's own default marker."""
    return _MISSING if isinstance(value, _records.ShownDefault) else value


_FOR_A_MODEL_FILE = (
    "the model file's bytes",
    "give its path to the constructor (MovinetModel(path), MovinetClassifier(path))",
)
_FOR_AN_ACTION_SET_FILE = ("an action-set file's bytes", "use ActionSet.load(path, model)")


def _model_bytes(model, what=_FOR_A_MODEL_FILE):
    """Model bytes for the zero-copy argument: `bytes` as they are, another contiguous buffer
    of bytes read in place (a Span); anything else goes on to UniFFI, which raises TypeError as
    for any argument of the wrong type. `what`: the bytes expected, and what to do for a path."""
    if isinstance(model, bytes):
        return model
    if isinstance(model, str) or hasattr(model, "__fspath__"):
        raise TypeError(
            f"from_bytes takes {what[0]}, got {_buffers.describe(model)}: for a file, {what[1]}"
        )
    try:
        view = memoryview(model)
    except TypeError:
        return model
    with view:
        if view.itemsize != 1 or not view.c_contiguous:
            return view.tobytes()
        size = view.nbytes
    return _buffers.export(model, size) if size else b""


def _released(values):
    for value in values:
        if isinstance(value, _buffers.Span):
            value.release()


_generated_classify = MovinetClassifier.classify
_generated_pace = MovinetClassifier.pace
_plane_samples_cache = {}


def _samples_of(frame):
    """The core's PlaneSamples of each plane of `frame` (cached for the last few layouts)."""
    key = (frame.format, frame.width, frame.height)
    samples = _plane_samples_cache.get(key)
    if samples is None:
        try:
            samples = plane_samples(frame.format, frame.width, frame.height)
        except (TypeError, ValueError, OverflowError, AttributeError):
            samples = []  # the core refuses the size itself, with its own message
        if len(_plane_samples_cache) > 8:
            _plane_samples_cache.clear()
        _plane_samples_cache[key] = samples
    return samples


def _with_planes(call, frame, plane0, plane1, plane2, method="classify"):
    """`call(frame, *planes)` with the planes' bytes of a checked frame: from
    ``frame.planes`` (``Plane(data=...)``), or from ``plane0`` to ``plane2`` for a frame of
    ``PlaneLayout``s; read in place and released after the call."""
    _check_frame(frame, method)
    samples = _samples_of(frame)
    given = (plane0, plane1, plane2)
    data = []
    try:
        for i in range(3):
            layout = frame.planes[i] if i < len(frame.planes) else None
            if given[i] is not None:
                source = given[i]
            elif layout is not None:
                if not hasattr(layout, "data"):
                    raise _invalid_frame(
                        f"plane {i} has no bytes: give it as Plane(data=...) or as plane{i}="
                    )
                source = layout.data
            else:
                data.append(b"")
                continue
            plane = samples[i] if i < len(samples) and layout is not None else None
            what = None if plane is None else f"the {frame.format.name} {plane.name} plane"
            data.append(
                _buffers.plane_bytes(source, layout, plane, i, MovinetError.InvalidFrame, what)
            )
        return call(frame, *data)
    finally:
        _released(data)


def _classify(self, frame, plane0=None, plane1=None, plane2=None):
    """Gives the classifier a frame; returns the prediction after it, or None when pacing
    leaves the frame out.

    The planes' bytes come from ``frame.planes`` (``Plane(data=...)``), or, for a frame of
    ``PlaneLayout``s, from ``plane0`` to ``plane2`` in the same order. They are read in place,
    not copied; an array's item type, shape and strides must be the plane's. Anything wrong
    with the frame, down to a value its fields cannot hold, is ``MovinetError.InvalidFrame``.
    """
    return _with_planes(
        lambda *args: _generated_classify(self, *args), frame, plane0, plane1, plane2
    )


_generated_record = ActionRecorder.record


def _record(self, frame, plane0=None, plane1=None, plane2=None):
    """Gives the recording a frame, taken as ``MovinetClassifier.classify`` takes it (a
    numpy array, bytes, any buffer of bytes); returns True if pacing kept it."""
    return _with_planes(
        lambda *args: _generated_record(self, *args), frame, plane0, plane1, plane2, "record"
    )


ActionRecorder.record = _record


def _pace(self, timestamp_us):
    error = _refused(_ffi._UniffiFfiConverterOptionalInt64, timestamp_us)
    if error is not None:
        why = _records.why_refused(int, timestamp_us, error)
        raise _invalid_frame(_cannot_be("timestamp_us", timestamp_us, why))
    return _generated_pace(self, timestamp_us)


_pace.__doc__ = _generated_pace.__doc__

MovinetClassifier.classify = _classify
MovinetClassifier.pace = _pace


# Models and classifiers still alive when the interpreter exits are freed by its teardown,
# where LiteRT's output could no longer be routed: close them first, at exit.
_open_objects = _weakref.WeakSet()


@_atexit.register
def _close_at_exit():
    if not _open_objects:
        return
    with _litert_routed():
        for obj in list(_open_objects):
            try:
                obj.close()
            except Exception:  # noqa: BLE001  (nothing to report to at exit)
                pass


def _quiet_close(cls):
    """`close()` and the finaliser of `cls` with LiteRT's output routed to logging: freeing the
    last holder of a model frees LiteRT's environment, which logs."""
    generated_close, generated_del = cls.close, cls.__del__

    def close(self):
        with _litert_routed():
            generated_close(self)

    def __del__(self):
        if getattr(self, "_handle", None) is None:
            return
        try:
            with _litert_routed():
                generated_del(self)
        except Exception:  # noqa: BLE001  (at interpreter exit the modules may be gone)
            generated_del(self)

    close.__doc__ = generated_close.__doc__
    cls.close = close
    cls.__del__ = __del__


def _describe_object(self):
    closed = self.is_closed()
    info = self.model_info()
    # A classifier on an action set names the set's actions, which its predictions carry.
    actions = [] if closed or not hasattr(self, "action_names") else self.action_names()
    if actions:
        shown = ", ".join(repr(a) for a in actions[:5]) + (", ..." if len(actions) > 5 else "")
        classes = f"{len(actions)} action{'' if len(actions) == 1 else 's'} ({shown})"
    else:
        classes = f"{info.num_classes} classes{'' if info.has_labels else ' (no labels)'}"
    return (
        f"<{type(self).__name__} {info.input_width}x{info.input_height}, {classes}, "
        f"signature {info.signature_key!r}, {'closed' if closed else 'open'}>"
    )


def _wrap_classifier_constructors():
    generated_init = MovinetClassifier.__init__
    generated_from_bytes = MovinetClassifier.from_bytes.__func__

    def __init__(
        self, model_path, labels_path=None, options=_CLASSIFIER_OPTIONS, model_options=None
    ):
        options, model_options = _given(options), _given(model_options)
        if options is not _MISSING:
            _check_classifier_options(options)
        _check_model_options(model_options, optional=True)
        model_path = _path(model_path, "model_path")
        labels_path = _path(labels_path, "labels_path", optional=True)
        with _litert_routed():
            generated_init(self, model_path, labels_path, options, model_options)
        _open_objects.add(self)

    def from_bytes(
        cls, model, labels_text=None, options=_CLASSIFIER_OPTIONS, model_options=None
    ):
        options, model_options = _given(options), _given(model_options)
        if options is not _MISSING:
            _check_classifier_options(options)
        _check_model_options(model_options, optional=True)
        data = _model_bytes(model)
        try:
            with _litert_routed():
                made = generated_from_bytes(cls, data, labels_text, options, model_options)
        finally:
            _released([data])
        _open_objects.add(made)
        return made

    __init__.__doc__ = generated_init.__doc__
    from_bytes.__doc__ = generated_from_bytes.__doc__
    MovinetClassifier.__init__ = __init__
    MovinetClassifier.from_bytes = classmethod(from_bytes)
    MovinetClassifier.__repr__ = _describe_object


def _wrap_model_constructors():
    generated_init = MovinetModel.__init__
    generated_from_bytes = MovinetModel.from_bytes.__func__
    generated_new_classifier = MovinetModel.new_classifier

    def __init__(self, model_path, labels_path=None, options=_MODEL_OPTIONS):
        options = _given(options)
        if options is not _MISSING:
            _check_model_options(options)
        model_path = _path(model_path, "model_path")
        labels_path = _path(labels_path, "labels_path", optional=True)
        with _litert_routed():
            generated_init(self, model_path, labels_path, options)
        _open_objects.add(self)

    def from_bytes(cls, model, labels_text=None, options=_MODEL_OPTIONS):
        options = _given(options)
        if options is not _MISSING:
            _check_model_options(options)
        data = _model_bytes(model)
        try:
            with _litert_routed():
                made = generated_from_bytes(cls, data, labels_text, options)
        finally:
            _released([data])
        _open_objects.add(made)
        return made

    def new_classifier(self, options=_CLASSIFIER_OPTIONS):
        options = _given(options)
        if options is not _MISSING:
            _check_classifier_options(options)
        made = generated_new_classifier(self, options)
        _open_objects.add(made)
        return made

    __init__.__doc__ = generated_init.__doc__
    from_bytes.__doc__ = generated_from_bytes.__doc__
    new_classifier.__doc__ = generated_new_classifier.__doc__
    MovinetModel.__init__ = __init__
    MovinetModel.from_bytes = classmethod(from_bytes)
    MovinetModel.new_classifier = new_classifier
    MovinetModel.__repr__ = _describe_object


def _describe_set(self):
    names = self.names()
    actions = ", ".join(f"{name!r} ({self.examples(name)})" for name in names)
    return (
        f"<ActionSet {len(names)} action{'' if len(names) == 1 else 's'}"
        f"{': ' + actions if names else ''}; model sha256 {self.model_sha256()[:12]}...>"
    )


def _describe_recorder(self):
    try:
        return f"<ActionRecorder {self.frames()} frames recorded, open>"
    except MovinetError.Closed:
        return "<ActionRecorder closed>"


def _describe_example(self):
    return f"<ActionExample {self.live_frames()} live frames>"


def _describe_teacher(self):
    return f"<ActionTeacher {self.name()!r}>"


def _wrap_actions():
    """Paths as ``str`` or ``pathlib.Path``, a set's bytes from any buffer, a recorder's
    options checked like a classifier's."""
    generated_recorder = ActionRecorder.__init__
    generated_load = ActionSet.load.__func__
    generated_from_bytes = ActionSet.from_bytes.__func__
    generated_save = ActionSet.save

    def recorder_init(self, model, options=_CLASSIFIER_OPTIONS):
        options = _given(options)
        if options is not _MISSING:
            _check_classifier_options(options)
        generated_recorder(self, model, options)
        _open_objects.add(self)

    def load(cls, path, model):
        return generated_load(cls, _path(path, "path"), model)

    def from_bytes(cls, data, model):
        data = _model_bytes(data, _FOR_AN_ACTION_SET_FILE)
        try:
            return generated_from_bytes(cls, data, model)
        finally:
            _released([data])

    def save(self, path):
        generated_save(self, _path(path, "path"))

    for made, generated in [
        (recorder_init, generated_recorder),
        (load, generated_load),
        (from_bytes, generated_from_bytes),
        (save, generated_save),
    ]:
        made.__doc__ = generated.__doc__
    ActionRecorder.__init__ = recorder_init
    ActionRecorder.__repr__ = _describe_recorder
    ActionSet.__repr__ = _describe_set
    ActionExample.__repr__ = _describe_example
    ActionTeacher.__repr__ = _describe_teacher
    ActionSet.load = classmethod(load)
    ActionSet.from_bytes = classmethod(from_bytes)
    ActionSet.save = save


_wrap_classifier_constructors()
_wrap_model_constructors()
_wrap_actions()
_quiet_close(MovinetClassifier)
_quiet_close(MovinetModel)
_quiet_close(ActionRecorder)


def _wrap_overlay():
    """`Overlay.draw` takes the pixels as any contiguous buffer of bytes (a numpy array),
    read in place, and returns the drawn frame as `bytes`."""
    overlay = getattr(_ffi, "Overlay", None)
    if overlay is None:  # a library built without the `overlay` feature
        return
    generated_draw = overlay.draw

    def draw(self, pixels, row_stride, pixel_stride, view):
        if isinstance(pixels, bytes):
            return generated_draw(self, pixels, row_stride, pixel_stride, view)
        try:
            with memoryview(pixels) as view_of:
                size = view_of.nbytes if view_of.c_contiguous and view_of.itemsize == 1 else None
        except TypeError:
            size = None
        if size is None:
            raise _invalid_frame(
                f"the overlay draws on a contiguous buffer of bytes, got {_buffers.describe(pixels)}"
            )
        data = _buffers.export(pixels, size) if size else b""
        try:
            return generated_draw(self, data, row_stride, pixel_stride, view)
        finally:
            _released([data])

    draw.__doc__ = generated_draw.__doc__
    overlay.draw = draw


_wrap_overlay()

from ._annotate import annotate  # noqa: E402  (it uses the classes wrapped above)
