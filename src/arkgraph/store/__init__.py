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
* :mod:`.sparql_text`: a query's text before a store sees it: the predefined prefixes (``QUERY_PREFIXES``),
  updates refused (``query`` is read-only), a parser's error made one line.
* :mod:`.checkpoint`: the ``--resume`` file.
* :mod:`.reading`: an input file's statements grouped into record runs (the record-by-record path).
* :mod:`.bulk`: the fast path for a canonical N-Quads file into the embedded store: a line scan cuts
  it into parts between graphs, and Oxigraph's bulk loader reads the parts, one per core.
* :mod:`.load`: :func:`load_files`, ``arkgraph load``'s library function, over all of the above.

A new kind of store is a module beside :mod:`.embedded` and :mod:`.remote`: a :class:`BatchingSink`
with ``_commit`` and ``_commit_default``, a ``query`` function, and a branch in :mod:`.targets`.
"""

# what arkgraph.cli, the tests and bench import through the package; the rest is imported from its module
from .base import QUERY_FORMATS, GraphState, replace_head
from .bulk import bulk_load_file, bulk_threads, prescan
from .load import load_files
from .targets import PROTOCOLS, open_sink, run_query

__all__ = ["PROTOCOLS", "QUERY_FORMATS", "GraphState", "bulk_load_file", "bulk_threads", "load_files", "open_sink",
           "prescan", "replace_head", "run_query"]
