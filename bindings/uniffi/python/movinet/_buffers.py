"""Plane bytes from Python buffers: checked against the plane they claim to be, read in place.

A plane's ``data`` may be ``bytes`` or any object with the buffer protocol: ``bytearray``,
``memoryview``, ``array.array``, a PyAV plane, a numpy array. Its bytes go to the core without
a copy: ``bytes`` through UniFFI's own zero-copy argument, every other buffer through
:class:`Span`, the address and length of its bytes, held exported (so it cannot be resized or
freed) for the length of the call.

An array with a shape says which samples it holds, so it must agree with the plane: a numpy
``uint8`` array of shape ``(rows, columns, sample_bytes)`` whose strides are the plane's
``(row_stride, pixel_stride, 1)``, ``(rows, columns)`` for one-byte samples, ``(rows, n)`` of
whole rows of bytes, or a flat run of bytes. Anything else (a transposed view, channels first,
``int8``, ``bool``, ``float32``) is ``InvalidFrame`` saying what was expected. What the plane
holds (``rows`` x ``columns`` samples of ``sample_bytes``) is the core's rule,
``plane_samples``; how many bytes that takes is checked by the core itself.
"""

import ctypes

# numpy's names for the struct format characters of one-byte and common items.
_ITEM_NAMES = {
    "B": "uint8",
    "b": "int8",
    "?": "bool",
    "c": "char",
    "H": "uint16",
    "h": "int16",
    "I": "uint32",
    "i": "int32",
    "L": "uint64",
    "l": "int64",
    "Q": "uint64",
    "q": "int64",
    "e": "float16",
    "f": "float32",
    "d": "float64",
}


def item_name(fmt):
    """numpy's name for a buffer's item format (``'B'`` -> ``uint8``)."""
    code = fmt.lstrip("@=<>!")
    return _ITEM_NAMES.get(code, repr(fmt))


def describe(value):
    """A short description of a value for a message: its type and, for an array, its dtype and
    shape; never its contents (an array's repr would quote its pixels)."""
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    if kind is bytes:
        name = "bytes object"  # not "a bytes of 6 bytes"
    article = "an" if name[:1] in "aeiouAEIOU" else "a"
    try:
        view = memoryview(value)
    except TypeError:
        return f"{article} {name}"
    if view.ndim <= 1 and isinstance(value, (bytes, bytearray, memoryview)):
        return f"{article} {name} of {view.nbytes} bytes"
    return f"{article} {name} of {item_name(view.format)} items, shape {tuple(view.shape)}"


# --- exporting a buffer: PyObject_GetBuffer through ctypes ------------------------------------


class _PyBuffer(ctypes.Structure):
    """CPython's ``Py_buffer`` (the same layout in every CPython 3; in the limited API since
    3.11)."""

    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.c_void_p),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.POINTER(ctypes.c_ssize_t)),
        ("strides", ctypes.POINTER(ctypes.c_ssize_t)),
        ("suboffsets", ctypes.POINTER(ctypes.c_ssize_t)),
        ("internal", ctypes.c_void_p),
    ]


# PyBUF_RECORDS_RO: strides and the item format, read-only buffers welcome.
_PYBUF_RECORDS_RO = 0x0010 | 0x0008 | 0x0004

try:
    _get_buffer = ctypes.pythonapi.PyObject_GetBuffer
    _get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
    _get_buffer.restype = ctypes.c_int
    _release_buffer = ctypes.pythonapi.PyBuffer_Release
    _release_buffer.argtypes = [ctypes.POINTER(_PyBuffer)]
    _release_buffer.restype = None
except (AttributeError, OSError):  # pragma: no cover - not CPython: buffers are copied
    _get_buffer = None


class Span:
    """The bytes of a buffer from its first sample, ``length`` bytes from ``address``, exported
    from ``obj`` until :meth:`release`: what UniFFI's zero-copy ``&[u8]`` argument takes."""

    __slots__ = ("address", "length", "_view")

    def __init__(self, address, length, view):
        self.address, self.length, self._view = address, length, view

    def release(self):
        if self._view is not None:
            _release_buffer(ctypes.byref(self._view))
            self._view = None

    def __len__(self):
        return self.length


def _invalid(error, message):
    return error(f"invalid frame: {message}")


def _expected(plane, samples, what_plane):
    rows, columns, size = samples.rows, samples.columns, samples.sample_bytes
    row_stride, pixel_stride = plane.row_stride, plane.pixel_stride
    if size == 1:
        shape = f"shape ({rows}, {columns}) with strides ({row_stride}, {pixel_stride})"
    else:
        shape = f"shape ({rows}, {columns}, {size}) with strides ({row_stride}, {pixel_stride}, 1)"
    return (
        f"{what_plane} takes a uint8 array of {shape} (rows, samples"
        + ("" if size == 1 else ", bytes per sample")
        + f" at the plane's row_stride and pixel_stride), whole rows of shape ({rows}, n) with "
        f"strides ({row_stride}, 1), or a flat buffer of bytes"
    )


def _layout_is_sound(plane, samples):
    """Whether the plane's declared strides can hold its samples at all; when not, the core
    says what is wrong with them, better than a comparison with the array could."""
    try:
        return (
            samples.rows > 0
            and samples.columns > 0
            and plane.pixel_stride in samples.pixel_strides
            and plane.row_stride
            >= (samples.columns - 1) * plane.pixel_stride + samples.sample_bytes
        )
    except TypeError:
        return False


def _check_shape(shape, strides, plane, samples, what, what_plane, error):
    """The bytes of a plane that an array of `shape` and `strides` (in bytes) covers, from its
    first item; raises InvalidFrame unless the array is the plane's samples."""
    rows, columns, size = samples.rows, samples.columns, samples.sample_bytes
    row_stride, pixel_stride = plane.row_stride, plane.pixel_stride
    # The stride of an axis of length 1 is never used: numpy may set it to anything.
    same = lambda want: len(shape) == len(want) and all(  # noqa: E731
        n == 1 or s == w for n, s, w in zip(shape, strides, want)
    )
    if any(s < 0 for n, s in zip(shape, strides) if n > 1):
        raise _invalid(
            error,
            f"{what} is {what_array(shape, strides)}, a view with negative strides (a flipped "
            "array): make it contiguous first (numpy.ascontiguousarray)",
        )
    if len(shape) == 1 and (shape[0] <= 1 or strides[0] == 1):
        return shape[0]
    if len(shape) == 3 and tuple(shape) == (rows, columns, size) and same(
        (row_stride, pixel_stride, 1)
    ):
        return (rows - 1) * row_stride + (columns - 1) * pixel_stride + size
    if len(shape) == 2 and shape[0] == rows:
        if size == 1 and shape[1] == columns and same((row_stride, pixel_stride)):
            return (rows - 1) * row_stride + (columns - 1) * pixel_stride + 1
        if same((row_stride, 1)) and shape[1] >= (columns - 1) * pixel_stride + size:
            return (rows - 1) * row_stride + shape[1]
    raise _invalid(
        error, f"{what} is {what_array(shape, strides)}; {_expected(plane, samples, what_plane)}"
    )


def what_array(shape, strides):
    return f"an array of shape {tuple(shape)} with strides {tuple(strides)}"


def plane_bytes(data, plane, samples, index, error, what_plane=None):
    """``data`` as the bytes the core reads for plane ``index``: ``bytes`` as they are, another
    buffer as a :class:`Span` over its own memory (call ``release()`` after the call), after
    checking its item type, shape and strides against ``plane`` (a ``PlaneLayout``) and
    ``samples`` (the core's ``PlaneSamples`` for it, or None when the frame has no such
    plane). ``what_plane`` names the plane in messages; ``error`` makes the ``InvalidFrame``."""
    what = f"plane {index} data"
    if isinstance(data, bytes):
        return data
    try:
        view = memoryview(data)
    except TypeError:
        raise _invalid(
            error,
            f"{what} must be bytes or a buffer of bytes (bytearray, memoryview, numpy uint8 "
            f"array), got {describe(data)}",
        ) from None
    with view:
        fmt = view.format.lstrip("@=<>!")
        if view.itemsize != 1 or fmt not in ("B", "c"):
            raise _invalid(
                error,
                f"{what} must be bytes (uint8 items), got {describe(data)}"
                + (
                    " (reinterpret it with .view(numpy.uint8) if its bytes are the pixels)"
                    if view.itemsize == 1
                    else " (convert it: numpy.clip(a * 255, 0, 255).round().astype(numpy.uint8) "
                    "for an image in [0, 1], or a.astype(numpy.uint8) for one in 0-255)"
                    if fmt in ("e", "f", "d")
                    else ""
                ),
            )
        shape, strides = tuple(view.shape), tuple(view.strides)
        if samples is not None and _layout_is_sound(plane, samples):
            what_plane = what_plane or f"the {samples.name} plane"
            length = _check_shape(shape, strides, plane, samples, what, what_plane, error)
        elif view.ndim == 1 and strides[0] == 1:
            length = view.nbytes
        else:
            # A plane the frame does not have, or strides that cannot hold the plane: the core
            # refuses these with its own message, so a copy is all they cost.
            return view.tobytes()
        if view.nbytes == 0 or length == 0:
            return b""
    return export(data, length)


def export(data, length):
    """A Span over `length` bytes of `data` from its first item (or, where CPython's buffer
    export is not available, a copy of a contiguous buffer)."""
    if _get_buffer is None:  # pragma: no cover - not CPython
        with memoryview(data) as view:
            if not view.c_contiguous:
                raise BufferError("a strided buffer needs CPython: copy it into bytes")
            return view.tobytes()[:length]
    view = _PyBuffer()
    if _get_buffer(data, ctypes.byref(view), _PYBUF_RECORDS_RO) != 0:  # pragma: no cover
        raise BufferError(f"cannot export the buffer of {describe(data)}")
    return Span(view.buf, length, view)


def foreign_bytes_lowering(converter, foreign_bytes):
    """Teaches UniFFI's zero-copy ``&[u8]`` converter (``converter``) to take a :class:`Span`
    as well as ``bytes``; the generated calls are otherwise unchanged."""
    check_lower, lower = converter.check_lower, converter.lower

    def check(value):
        if not isinstance(value, Span):
            check_lower(value)

    def lower_span(value):
        if not isinstance(value, Span):
            return lower(value)
        fb = foreign_bytes()
        if value.length > 2**31 - 1:
            raise OverflowError(f"{value.length} bytes are more than one call can pass")
        fb.len = value.length
        fb.data = ctypes.cast(ctypes.c_void_p(value.address), ctypes.POINTER(ctypes.c_char))
        return fb

    converter.check_lower = staticmethod(check)
    converter.lower = staticmethod(lower_span)

