"""Gallica's OCR text: one ALTO file per page (issue #19). STUB: being written."""

from __future__ import annotations

from typing import Iterator

from .common import Reject
from .gallica_reader import SOURCE


def read(data: bytes, name: str) -> Iterator[tuple[str, object] | Reject]:
    """``(document ARK, PageText)`` for one ALTO page, or its reject."""
    yield Reject(name, None, None, "ALTO is not read yet", SOURCE)


def read_mets(data: bytes, name: str) -> Iterator[tuple[str, object] | Reject]:
    """The METS manifest of an OCR delivery."""
    yield Reject(name, None, None, "METS is not read yet", SOURCE)
