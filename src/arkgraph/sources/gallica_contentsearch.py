"""Gallica's full-text search hits: a ContentSearch response (issue #19). STUB: being written."""

from __future__ import annotations

from typing import Iterator

from .common import Reject
from .gallica_reader import SOURCE


def read(data: bytes, name: str) -> Iterator[tuple[str, object] | Reject]:
    """``(document ARK, SearchHits)`` for a response, or its reject."""
    yield Reject(name, None, None, "a Gallica ContentSearch response (full-text hits) is not converted yet", SOURCE)
