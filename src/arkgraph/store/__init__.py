"""Loading into SPARQL stores and querying them: one store interface, two implementations.

One record = one named graph, named by the record's ARK IRI. Writing a record *replaces* its
graph, so loading the same data twice, or loading changed records again, leaves exactly one
current version. An OAI-PMH deletion marker drops the record's graph. Each graph carries its
provenance (source, load time, arkgraph version, profiles) as triples about the graph IRI.

What lives where:

* :mod:`.base`: the interface, :class:`BatchingSink`: records are buffered and committed in bounded
  batches (one transaction / one request per batch), with a checkpoint after each batch so
  ``--resume`` skips what is done; provenance; the query result :class:`Table`.
* :mod:`.embedded`: an Oxigraph store in a directory, through pyoxigraph (sink and query).
* :mod:`.remote`: any SPARQL 1.1 endpoint, through :mod:`arkgraph.sparql_client` (sink and query).
* :mod:`.targets`: :func:`open_sink` and :func:`run_query` choose the implementation from the target
  (a directory, or an ``http(s)://`` URL).
* :mod:`.checkpoint`: the ``--resume`` file.
* :mod:`.reading`: an input file's statements grouped into record runs (the record-by-record path).
* :mod:`.bulk`: the fast path for a canonical N-Quads file into the embedded store: a line scan cuts
  it into parts between graphs, and Oxigraph's bulk loader reads the parts, one per core.
* :mod:`.load`: :func:`load_files`, ``arkgraph load``'s library function, over all of the above.

A new kind of store is a module beside :mod:`.embedded` and :mod:`.remote`: a :class:`BatchingSink`
with ``_commit`` and ``_commit_default``, a ``query`` function, and a branch in :mod:`.targets`.
"""

from .base import (BATCH_BYTES, BATCH_RECORDS, QUERY_FORMATS, BatchingSink, GraphState, LoadInterrupted, Stats,
                   Table, is_remote, owned_delete, provenance, replace_head, source_iri)
from .bulk import bulk_load_file, bulk_threads, part_size, prescan
from .checkpoint import Checkpoint
from .embedded import EmbeddedSink
from .load import load_files
from .reading import LOAD_FORMATS, guess_format, read_runs
from .remote import RemoteSink
from .targets import PROTOCOLS, open_sink, run_query, target_label

__all__ = ["BATCH_BYTES", "BATCH_RECORDS", "LOAD_FORMATS", "PROTOCOLS", "QUERY_FORMATS", "BatchingSink", "Checkpoint",
           "EmbeddedSink", "GraphState", "LoadInterrupted", "RemoteSink", "Stats", "Table",
           "bulk_load_file", "bulk_threads", "guess_format", "is_remote", "load_files", "open_sink",
           "owned_delete", "part_size", "prescan", "provenance", "read_runs", "replace_head", "run_query",
           "source_iri", "target_label"]
