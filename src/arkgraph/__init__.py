"""arkgraph: French cultural-heritage records → Schema.org and Linked Art RDF, keyed by ARKs.

Data flows one way: ``sources/`` read and map records to the model (``model.py``); ``profiles/`` turn a
record into triples; ``pipeline.py`` drives read → map → emit; ``serialize.py`` and ``rdfio/`` write and
read RDF files; ``shacl/`` validates; ``store/`` loads and queries stores; ``embed.py`` and
``record_pages.py`` put JSON-LD in pages; ``harvest/`` fetches raw responses; ``cli/`` holds the
commands, one module each; ``api.py`` is the Python API re-exported here (``convert``, ``to_store``,
``to_dataset``, ``validate``, ``write``). Where a new piece goes: a source in ``sources/``, a profile in ``profiles/``,
an RDF format in ``rdfio/formats.py``, a store in ``store/``, a SHACL constraint in
``shacl/components/``. The README's "Project layout" lists every module.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .ark import Ark, mint, parse as parse_ark  # noqa: E402
from .errors import ArkgraphError, ArkError, InputError, RecordError  # noqa: E402
from .model import Record  # noqa: E402

__all__ = ["__version__", "Ark", "mint", "parse_ark", "ArkgraphError", "ArkError", "InputError", "RecordError", "Record",
           "Converted", "Rejected", "Run", "convert", "to_dataset", "to_store", "validate", "write"]

_API = frozenset({"Converted", "Rejected", "Run", "convert", "to_dataset", "to_store", "validate", "write"})


def __getattr__(name: str) -> object:
    # the API pulls in the whole pipeline: imported on first use, so commands that need less start faster
    if name in _API:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'arkgraph' has no attribute {name!r}")
