"""Reading and writing RDF files: the one place arkgraph knows formats and where records start.

- :mod:`.formats`: the table from file extension / ``--format`` name to format; opening inputs.
- :mod:`.records`: the one rule for where a record starts (named graphs; in triple files, the
  record-root type), and the deletions graph.
- :mod:`.readers`: read any RDF file arkgraph writes back, record by record.
- :mod:`.nquads`: the fast reader for canonical N-Quads / N-Triples the readers use.
- :mod:`.cutting`: cut a big N-Quads / N-Triples file between records, for parallel reading.

Writing is :mod:`arkgraph.serialize` (it takes its formats from :mod:`.formats`).

A new RDF format is a row in each table of :mod:`.formats` (name, extension, pyoxigraph format), a
reader branch in :mod:`.readers` if pyoxigraph does not read it, and a writer in ``serialize``.
"""
