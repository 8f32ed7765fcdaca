"""Harvesters: fetch raw API responses, as received, into a directory ``arkgraph convert`` reads.

* ``parismusees.harvest`` — GraphQL ``nodeQuery`` pages by limit/offset.
* ``gallica.harvest_arks`` / ``harvest_oai`` / ``harvest_sru`` / ``list_sets`` — OAIRecord,
  OAI-PMH, SRU and the per-document services (Pagination, Issues, Toc, IIIF).

All of them are resumable (``checkpoint``), write atomically (``files``) and report through
a ``progress.Reporter``. The network policy lives in ``arkgraph.http``.

A new harvester is a module here named after its source (as in ``arkgraph.sources``), built on
``common``, ``checkpoint`` and ``files``, with its command in ``arkgraph.cli``.
"""
