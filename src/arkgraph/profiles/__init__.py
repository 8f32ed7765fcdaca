"""Profiles: a Record (model.py) → triples, one vocabulary each. A new profile is a module here with a
``triples(rec)`` function, registered in pipeline.PROFILES.

- schemaorg.py, linkedart.py: every record's triples in that profile (the entry points);
- schemaorg_documents.py, linkedart_documents.py: what only library documents (rec.kind == "document") add;
- schemaorg_build.py, linkedart_build.py: the builders of the nodes both of a profile's emitters write
  (terms, agents, places, names, time-spans, statements), each written once and cached where it recurs.
"""
