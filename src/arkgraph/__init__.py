"""arkgraph: French cultural-heritage records → Schema.org and Linked Art RDF, keyed by ARKs."""

from __future__ import annotations

__version__ = "0.1.0"

from .ark import Ark, mint, parse as parse_ark  # noqa: E402
from .errors import ArkgraphError, ArkError, InputError, RecordError  # noqa: E402
from .model import Record  # noqa: E402

__all__ = ["__version__", "Ark", "mint", "parse_ark", "ArkgraphError", "ArkError", "InputError", "RecordError", "Record"]
