"""Objects show what they hold (issue 23): every record and enum variant has a repr with its
fields, records inside a list print as themselves, and help() shows defaults as values. Before,
`repr(ClassifierOptions(top_k=5))` was `ClassifierOptions()`, a prediction's categories printed
as `[Category(), ...]`, `EventChange.STARTED(event=...)` as `EventChange.STARTED()`, and help()
showed defaults as `<object object at 0x...>`."""

import inspect
import pydoc

import numpy as np

import movinet
from conftest import A0, classifier, rgb_frame

EVENT = movinet.Event(
    label="carving ice", index=72, start_us=400_000, end_us=None, peak_score=0.75, mean_score=0.5
)


def record_classes():
    """Every record of the module (the generated dataclasses), found by introspection: a record
    added to the Rust API is covered without editing this test."""
    import dataclasses

    return [
        cls
        for name, cls in vars(movinet).items()
        if isinstance(cls, type)
        and dataclasses.is_dataclass(cls)
        and not name.startswith("_")
        and cls is not movinet.Plane  # the package's own, its bytes described: see the last test
    ]


def test_records_show_their_fields():
    # (EventOptions' own fields are left open: an option added to it shows up by itself.)
    assert repr(movinet.ClassifierOptions(top_k=5)).startswith(
        "ClassifierOptions(top_k=5, score_threshold=0.0, model_fps=5.0, pace_tolerance=0.1, "
        "crop=None, smoothing=0.0, horizon=None, events=EventOptions(min_score=0.65, keep_score=0.3, "
    )
    shown = repr(movinet.ClassifierOptions(top_k=5))
    for field in inspect.signature(movinet.ClassifierOptions).parameters:
        assert f"{field}=" in shown, (field, shown)
    assert repr(EVENT) == (
        "Event(label='carving ice', index=72, start_us=400000, end_us=None, peak_score=0.75, "
        "mean_score=0.5)"
    )
    # str is the same (the generated str used the fields' str: labels lost their quotes).
    assert str(EVENT) == repr(EVENT)


def test_every_record_repr_names_every_field():
    records = record_classes()
    assert {"ClassifierOptions", "ModelOptions", "Frame", "Prediction", "Category", "Event"} <= {
        c.__name__ for c in records
    }
    for cls in records:
        fields = [
            p.name
            for p in inspect.signature(cls).parameters.values()
            if p.kind is p.KEYWORD_ONLY
        ]
        instance = cls.__new__(cls)
        for i, name in enumerate(fields):
            setattr(instance, name, i)
        text = repr(instance)
        assert text.startswith(f"{cls.__name__}(") and text != f"{cls.__name__}()", text
        assert text == f"{cls.__name__}({', '.join(f'{n}={i}' for i, n in enumerate(fields))})"


def test_a_prediction_prints_its_categories_and_events():
    clf = classifier(top_k=2)
    p = clf.classify(rgb_frame(np.zeros((8, 8, 3), np.uint8), ts_us=0))
    text = repr(p)
    assert text.startswith("Prediction(categories=[Category(index=")
    for c in p.categories:
        assert repr(c) in text and f"label={c.label!r}" in text
    assert repr([p.categories[0]]) == f"[{p.categories[0]!r}]"


def test_enum_variants_show_their_fields():
    assert repr(movinet.EventChange.STARTED(event=EVENT)) == f"EventChange.STARTED(event={EVENT!r})"
    assert str(movinet.EventChange.ENDED(event=EVENT)) == f"EventChange.ENDED(event={EVENT!r})"
    assert repr(movinet.Horizon.SECONDS(seconds=2.0)) == "Horizon.SECONDS(seconds=2.0)"
    assert repr(movinet.Horizon.ALL()) == "Horizon.ALL()"
    assert repr(movinet.Crop.REGION(x=1, y=2, width=3, height=4)) == (
        "Crop.REGION(x=1, y=2, width=3, height=4)"
    )
    options = movinet.ClassifierOptions(horizon=movinet.Horizon.FRAMES(frames=10))
    assert "horizon=Horizon.FRAMES(frames=10)" in repr(options)


def test_defaults_read_as_values_in_help():
    for target in (
        movinet.MovinetClassifier,
        movinet.MovinetClassifier.from_bytes,
        movinet.MovinetModel,
        movinet.MovinetModel.from_bytes,
        movinet.MovinetModel.new_classifier,
        movinet.ClassifierOptions,
        movinet.Frame,
        movinet.ModelOptions,
    ):
        signature = str(inspect.signature(target))
        assert "object at 0x" not in signature, (target, signature)
    assert str(inspect.signature(movinet.MovinetClassifier)) == (
        "(model_path, labels_path=None, options=ClassifierOptions(), model_options=None)"
    )
    assert "events: 'EventOptions' = EventOptions(min_score=0.65, keep_score=0.3, min_duration_ms=600, " in str(
        inspect.signature(movinet.ClassifierOptions)
    )
    assert "yuv_range: 'typing.Optional[YuvRange]' = None" in str(inspect.signature(movinet.Frame))
    page = pydoc.render_doc(movinet.MovinetClassifier, renderer=pydoc.plaintext)
    assert "object at 0x" not in page and "options=ClassifierOptions()" in page


def test_the_shown_defaults_are_the_defaults():
    """A default shown in help() and given back explicitly is the same as leaving it out."""
    shown = inspect.signature(movinet.ClassifierOptions).parameters["events"].default
    assert movinet.ClassifierOptions(events=shown) == movinet.ClassifierOptions()
    assert isinstance(movinet.ClassifierOptions(events=shown).events, movinet.EventOptions)
    # Each record gets its own default EventOptions: changing one leaves the others alone.
    a, b = movinet.ClassifierOptions(), movinet.ClassifierOptions()
    a.events.min_score = 0.9
    assert b.events.min_score == 0.65 and movinet.ClassifierOptions().events.min_score == 0.65
    options = inspect.signature(movinet.MovinetModel.new_classifier).parameters["options"].default
    model = movinet.MovinetModel(str(A0))
    assert model.new_classifier(options).model_info() == model.model_info()


def test_objects_say_what_they_are():
    clf = classifier()
    assert repr(clf) == "<MovinetClassifier 172x172, 600 classes, signature 'serving_default', open>"
    clf.close()
    assert repr(clf).endswith(", closed>")
    plane = movinet.Plane(data=np.zeros((4, 4, 3), np.uint8), row_stride=12, pixel_stride=3)
    assert repr(plane) == (
        "Plane(data=<a numpy.ndarray of uint8 items, shape (4, 4, 3)>, row_stride=12, pixel_stride=3)"
    )
    plane = movinet.Plane(data=bytes(48), row_stride=12, pixel_stride=3)
    assert repr(plane) == "Plane(data=<a bytes object of 48 bytes>, row_stride=12, pixel_stride=3)"
