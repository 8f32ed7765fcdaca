"""Profiles: a Record (model.py) → triples, one vocabulary each. A new profile is a module here with a
``triples(rec)`` function, registered in pipeline.PROFILES.

- schemaorg.py, linkedart.py: every record's triples in that profile (the entry points);
- schemaorg_documents.py, linkedart_documents.py: what only library documents (rec.kind == "document") add;
- schemaorg_build.py, linkedart_build.py: the builders of the nodes both of a profile's emitters write
  (terms, agents, places, names, time-spans, statements), each written once and cached where it recurs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


def identity_cache(maxsize: int = 16384) -> Callable[[Any, Callable[[Any], _T]], _T]:
    """A ``shared(obj, build)``: ``build(obj)``, built once per object the readers share. Terms, agents,
    places and time-spans recur across records as the same frozen objects (the mappers' caches): what is
    built from one stays true, and is found by identity first (the object is kept with it, so its id is not
    reused), sparing the dataclass hash and comparison of an lru_cache lookup. Bounded: dropped when full.
    One cache per profile: its key is the object alone, so one object must have one ``build`` in it."""
    by_id: dict[int, tuple[Any, Any]] = {}

    def shared(obj: Any, build: Callable[[Any], _T]) -> _T:
        hit = by_id.get(id(obj))
        if hit is None or hit[0] is not obj:
            if len(by_id) >= maxsize:
                by_id.clear()
            hit = by_id[id(obj)] = (obj, build(obj))
        return hit[1]
    return shared
