"""How the generated records and enums read in Python: reprs with their fields, defaults that
read as values, and what a field takes when a value does not fit it.

UniFFI 0.32's Python records are dataclasses whose fields are set in a hand-made
``__init__``, so the dataclass ``repr`` shows none of them (``ClassifierOptions()``), a record in
a list prints empty, and a default the generator cannot write as a literal is a bare
``object()`` (``<object object at 0x...>`` in ``help()``). This module fixes that for every
record and enum of the generated module, whatever fields the Rust gives them: nothing here
names a field.
"""

import dataclasses
import enum
import inspect
import typing

from ._buffers import describe


class ShownDefault:
    """A parameter's default as ``help()`` shows it (``ClassifierOptions()``), standing for the
    generated default it replaces: passing it is the same as leaving the argument out."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def field_names(cls):
    """A generated record's fields, in order (its keyword-only constructor arguments)."""
    return [
        p.name
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.kind is p.KEYWORD_ONLY
    ]


def field_annotations(cls):
    """A record's or variant's field name -> annotation (a type), from its constructor (the
    generated module writes them as strings: they are resolved in its namespace)."""
    init = getattr(cls.__init__, "__wrapped_generated__", cls.__init__)
    try:
        return typing.get_type_hints(init)
    except Exception:  # noqa: BLE001  (an annotation that does not resolve: say less)
        return {}


def short_repr(value):
    """``repr(value)``, except for buffers: an array's or a frame's repr would quote its pixels,
    so those are described (type, item type, shape) instead."""
    if isinstance(value, (str, int, float, bool, type(None), list, tuple, dict)):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)) and len(value) <= 16:
        return repr(value)
    try:
        memoryview(value)
    except TypeError:
        return repr(value)
    return f"<{describe(value)}>"


def _record_repr(self):
    fields = getattr(type(self), "_movinet_fields", None)
    if fields is None:
        fields = field_names(type(self))
    body = ", ".join(f"{n}={short_repr(getattr(self, n, None))}" for n in fields)
    return f"{type(self).__name__}({body})"


def _variant_repr(self):
    cls = type(self)
    fields = [
        p.name
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.kind is not p.VAR_POSITIONAL
    ]
    body = ", ".join(f"{n}={short_repr(getattr(self, n, None))}" for n in fields)
    return f"{cls.__name__}({body})"


def is_record(cls):
    return dataclasses.is_dataclass(cls) and not issubclass(cls, BaseException)


def variants(cls):
    """The variant classes of a generated enum with fields (``Horizon.SECONDS``), or []."""
    if not isinstance(cls, type) or issubclass(cls, (enum.Enum, BaseException)):
        return []
    return [
        v
        for name, v in vars(cls).items()
        if not name.startswith("_") and isinstance(v, type) and issubclass(v, cls) and v is not cls
    ]


def install_reprs(module):
    """Every record of `module` and every variant of its enums gets a repr (and str) with its
    fields; records keep the field order of their constructor."""
    for name, cls in vars(module).items():
        if name.startswith("_") or not isinstance(cls, type):
            continue
        if is_record(cls):
            cls._movinet_fields = field_names(cls)
            cls.__repr__ = cls.__str__ = _record_repr
        for variant in variants(cls):
            variant.__repr__ = variant.__str__ = _variant_repr


def readable_defaults(function, sentinel, shown):
    """`function` (a generated constructor or method) with the defaults named in `shown`
    (name -> text) showing as that text in its signature instead of `sentinel`, UniFFI's bare
    ``object()``; an argument left out or given as the shown default reaches `function` as
    `sentinel`, so the generated code picks the real default as before."""
    signature = inspect.signature(function)
    defaults = {name: ShownDefault(text) for name, text in shown.items()}
    parameters = [
        p.replace(default=defaults[p.name]) if p.name in defaults and p.default is sentinel else p
        for p in signature.parameters.values()
    ]

    def wrapper(*args, **kwargs):
        for name, value in list(kwargs.items()):
            if isinstance(value, ShownDefault):
                kwargs[name] = sentinel
        args = tuple(sentinel if isinstance(a, ShownDefault) else a for a in args)
        return function(*args, **kwargs)

    wrapper.__name__ = function.__name__
    wrapper.__qualname__ = function.__qualname__
    wrapper.__doc__ = function.__doc__
    wrapper.__signature__ = signature.replace(parameters=parameters)
    wrapper.__wrapped_generated__ = function
    return wrapper


def install_readable_defaults(module, sentinel):
    """Each record constructor of `module` whose defaults are `sentinel` shows the value that
    default stands for (``events=EventOptions(min_score=0.65, ...)``, ``yuv_range=None``)."""
    for name, cls in vars(module).items():
        if name.startswith("_") or not isinstance(cls, type) or not is_record(cls):
            continue
        init = cls.__init__
        hidden = [k for k, v in (init.__kwdefaults__ or {}).items() if v is sentinel]
        if not hidden:
            continue
        # The generated constructor only assigns: run it on a bare instance, required fields
        # None, to read what each hidden default becomes.
        probe = cls.__new__(cls)
        required = {
            p.name: None
            for p in inspect.signature(init).parameters.values()
            if p.kind is p.KEYWORD_ONLY and p.default is p.empty
        }
        init(probe, **required)
        shown = {k: short_repr(getattr(probe, k)) for k in hidden}
        cls.__init__ = readable_defaults(init, sentinel, shown)


# --- what a field takes ------------------------------------------------------------------------


def expected(annotation):
    """What a field of `annotation` takes, as a message says it: ``a PixelFormat
    (PixelFormat.RGB888, ...)``, ``a Horizon (Horizon.ALL(), Horizon.SECONDS(seconds=...), ...)
    or None``."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union:
        options = [expected(a) for a in args if a is not type(None)]
        if type(None) in args:
            options.append("None")
        return " or ".join(options)
    if origin in (list, typing.List):
        inner = args[0] if args else None
        return f"a list of {inner.__name__}" if isinstance(inner, type) else "a list"
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            members = ", ".join(f"{annotation.__name__}.{m.name}" for m in annotation)
            return f"{_a(annotation.__name__)} ({members})"
        forms = variants(annotation)
        if forms:
            shown = []
            for v in forms:
                params = [
                    p.name
                    for p in inspect.signature(v.__init__).parameters.values()
                    if p.name != "self"
                ]
                shown.append(f"{v.__name__}({', '.join(f'{p}=...' for p in params)})")
            return f"{_a(annotation.__name__)} ({', '.join(shown)})"
        names = {int: "an integer", float: "a number", str: "a string", bool: "True or False"}
        if annotation in names:
            return names[annotation]
        return _a(annotation.__name__)
    return str(annotation)


def _a(name):
    return f"{'an' if name[:1] in 'AEIOU' else 'a'} {name}"


def _fits(annotation, value):
    """Whether `value` is of the kind `annotation` names (not whether it is in range)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union:
        return any(_fits(a, value) for a in args)
    if annotation is type(None):
        return value is None
    if origin in (list, typing.List):
        return isinstance(value, (list, tuple))
    if not isinstance(annotation, type):
        return True
    if annotation is int:
        return hasattr(value, "__index__") and not isinstance(value, bool)
    if annotation is float:
        return hasattr(value, "__float__") and not isinstance(value, (str, bytes))
    if annotation is bool:
        return isinstance(value, bool)
    return isinstance(value, annotation)


def why_refused(annotation, value, error):
    """Why a field of `annotation` cannot hold `value`, UniFFI's check having raised `error`:
    what the field takes when `value` is of another kind, else the range it must be in."""
    if annotation is not None and not _fits(annotation, value):
        return f"expected {expected(annotation)}"
    text = str(error)
    if " requires " in text and "<= value <" in text:
        low, high = text.split(" requires ", 1)[1].split(" <= value < ")
        return f"must be an integer from {low} to {int(high) - 1}"
    return text or type(error).__name__
