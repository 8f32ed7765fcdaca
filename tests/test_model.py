"""model.constructor: the generated fast constructors build what the dataclasses' own __init__ builds."""

from __future__ import annotations

import dataclasses

import pytest

from arkgraph.model import DigitalObject, Record, constructor
from arkgraph.sources.common import Mapped


def _fields(obj: object) -> dict[str, object]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}  # type: ignore[arg-type]


def test_record_is_built_field_by_field_as_the_dataclass_builds_it() -> None:
    new = constructor(Record, ("iri", "ark", "local_id", "minted"), {"source": "gallica", "kind": "document"})
    a = new("https://n2t.net/ark:12148/bpt6k5619759j", "ark:12148/bpt6k5619759j", "bpt6k5619759j", False)
    b = Record(iri="https://n2t.net/ark:12148/bpt6k5619759j", ark="ark:12148/bpt6k5619759j", source="gallica",
               local_id="bpt6k5619759j", kind="document", minted=False)
    assert type(a) is Record and _fields(a) == _fields(b)
    # each default factory is called for each record: no list shared between records
    c = new("https://n2t.net/ark:12148/x", "ark:12148/x", "x", True)
    assert a.titles is not c.titles and a.identifiers is not c.identifiers
    a.titles.append(("Le Temps", "fr", "primary"))
    assert c.titles == []


def test_positional_constructors_of_other_dataclasses() -> None:
    new_do = constructor(DigitalObject, ("iri", "kind", "access_point", "format", "label", "conforms_to"), {})
    args = ("https://n2t.net/ark:12148/x/manifest", "manifest", "https://gallica.bnf.fr/iiif/ark:/12148/x/manifest.json",
            "application/ld+json", "Manifeste IIIF", "http://iiif.io/api/presentation/2/")
    assert new_do(*args) == DigitalObject(*args[:2], access_point=args[2], format=args[3], label=args[4],
                                          conforms_to=args[5])
    rec = Record(iri="https://n2t.net/ark:12148/x", ark="ark:12148/x", source="gallica", local_id="x")
    m = constructor(Mapped, ("record", "unhandled", "ignored", "mapped"), {})(rec, ["a"], ["b"], 3)
    assert _fields(m) == _fields(Mapped(rec, unhandled=["a"], ignored=["b"], mapped=3))


def test_a_field_without_default_must_be_given() -> None:
    with pytest.raises(TypeError, match="has no default"):
        constructor(Record, ("iri",), {})
