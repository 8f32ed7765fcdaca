"""The record model: the shared values are frozen (readers share them across records, profiles cache by them);
the per-record parts and the Record are built for one record only (model.py says why they are not frozen)."""

from __future__ import annotations

import dataclasses

import pytest

from arkgraph import model
from arkgraph.model import Agent, Concept, Place, Record, TimeSpan

SHARED_VALUES = [Concept, Place, TimeSpan, Agent]


def _example(cls: type) -> object:
    """An instance built from each required field's annotation (str, float, a value object)."""
    args = []
    for f in dataclasses.fields(cls):
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            nested = getattr(model, str(f.type).split(" ")[0], None)
            args.append(_example(nested) if dataclasses.is_dataclass(nested) else
                        1.0 if f.type == "float" else "https://n2t.net/ark:12148/x")
    return cls(*args)


@pytest.mark.parametrize("cls", SHARED_VALUES, ids=lambda c: c.__name__)
def test_every_shared_value_refuses_to_change(cls: type) -> None:
    obj = _example(cls)
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, name, None)
    assert not hasattr(obj, "__dict__")  # slots: no attribute can be added either


def test_a_changed_value_is_a_new_object_and_the_shared_one_stays_as_it_was() -> None:
    painter = Concept("https://n2t.net/ark:99999/t/peintre", "Peintre", code="pnt")
    copy = dataclasses.replace(painter, code="art")
    assert (painter.code, copy.code) == ("pnt", "art") and copy.label == "Peintre"


def test_agents_and_places_are_equal_and_hash_alike_by_their_fields() -> None:
    paris = Place("https://n2t.net/ark:99999/p/paris", "Paris")
    born = TimeSpan("1840", "1840-01-01T00:00:00Z", "1840-12-31T23:59:59Z", "1840")
    a = Agent("https://n2t.net/ark:99999/a/monet", "Claude Monet", birth=born, birth_place=paris)
    b = Agent("https://n2t.net/ark:99999/a/monet", "Claude Monet", birth=born, birth_place=paris)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert hash(paris) == hash(Place("https://n2t.net/ark:99999/p/paris", "Paris"))


def test_each_record_gets_lists_of_its_own() -> None:
    a = Record("https://n2t.net/ark:12148/a", "ark:12148/a", "gallica", "a", "document", False)
    b = Record("https://n2t.net/ark:12148/b", "ark:12148/b", "gallica", "b", "document", False)
    a.titles.append(("Le Temps", "fr", "primary"))
    assert b.titles == [] and a.title == "Le Temps" and b.title == "b"
