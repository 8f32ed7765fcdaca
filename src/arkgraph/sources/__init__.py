"""Source readers. Each source module exposes:

- ``SOURCE``: its name;
- ``sniff(head: bytes) -> bool``: whether a stream's first bytes look like this source;
- ``read(fh, name) -> Iterator[RawRecord | Reject]``: stream records from a binary file;
- ``Mapper(tables)`` with ``map(raw, context) -> Mapped``: a pure mapping to the record model;
- optionally ``is_enrichment(head) -> bool`` and ``read_enrichment(fh, name) -> Iterator[(ark, obj)]``,
  for side files (Gallica Pagination, Toc…) joined to records by ARK through ``context["enrichments"]``.

A new source is a module ``NAME.py`` here with those names (split into ``NAME_reader.py`` for the file
reading and ``NAME_values.py`` / ``NAME_dc.py`` for value parsing when it grows), added to ``KNOWN``.
What lives here: ``common`` (RawRecord, Reject, opening files); ``parismusees`` (mapper),
``parismusees_reader``, ``parismusees_values`` (text, ids, terms, dates), ``graphql`` (the API's
envelopes); ``gallica`` (mapper), ``gallica_reader`` (SRU / OAI-PMH XML), ``gallica_enrichment`` (side
files), ``gallica_dc`` (Dublin Core value parsers). Sources never import RDF code.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import UsageError

KNOWN = ("parismusees", "gallica")


def load(name: str) -> ModuleType:
    if name not in KNOWN:
        raise UsageError(f"unknown source {name!r}: choose from auto, {', '.join(KNOWN)}")
    try:
        return importlib.import_module(f"arkgraph.sources.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"arkgraph.sources.{name}":
            raise UsageError(f"source {name!r} is not supported yet") from None
        raise


def available() -> list[ModuleType]:
    out = []
    for name in KNOWN:
        try:
            out.append(load(name))
        except UsageError:
            pass
    return out
