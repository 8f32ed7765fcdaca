"""What arkgraph may say about an authority's IRI (Getty AAT, LoC relators and languages…): its own label.

An external IRI is shared by every dataset that uses it, so it carries at most its authority's label,
the same in every record, or none: never the source's wording, which stays on our local concept.

``data/aat_labels.json`` is a verbatim copy of Linked Art's ``scripts/aat_labels.json`` (github.com/
linked-art/linked.art, commit 3ed503beca5f6badae9d8c37ad6fda6beeb7785e, CC BY 4.0): Getty's preferred
English label of 1,599 AAT terms. An AAT id missing from it gets no label. Nothing is fetched at run time.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from importlib import resources

from .terms import AAT

LOC_ISO639 = "http://id.loc.gov/vocabulary/"
# the authorities whose IRIs arkgraph links to: their resources are described by them, never by us
PREFIXES = ("http://vocab.getty.edu/", "http://id.loc.gov/", "https://id.loc.gov/", "http://data.bnf.fr/", "https://data.bnf.fr/",
            "http://catalogue.bnf.fr/", "https://catalogue.bnf.fr/", "http://viaf.org/", "https://viaf.org/",
            "http://www.wikidata.org/", "https://www.wikidata.org/", "http://dewey.info/")


def is_authority(iri: str) -> bool:
    """Whether ``iri`` is an authority's (AAT, LoC, data.bnf.fr, catalogue.bnf.fr, VIAF, Wikidata, Dewey)."""
    return iri.startswith(PREFIXES)


@cache
def _aat_labels() -> dict[str, str]:
    raw = json.loads(resources.files("arkgraph").joinpath("data", "aat_labels.json").read_text(encoding="utf-8"))
    return {AAT + k.removeprefix("aat:"): v for k, v in raw.items()}


def label(iri: str) -> str | None:
    """The authority's own label for ``iri`` (Getty's, for AAT terms), or None: then say nothing."""
    return _aat_labels().get(iri)


def iso639(code: str) -> str:
    """The Library of Congress ISO 639 IRI of a language code (639-1 for two letters, else 639-2)."""
    return f"{LOC_ISO639}{'iso639-1' if len(code) == 2 else 'iso639-2'}/{code}"


@cache
def _bundled_languages() -> dict[str, str]:
    """BCP 47 code → AAT IRI, from the bundled languages.csv (the first row giving an AAT id wins)."""
    out: dict[str, str] = {}
    with resources.files("arkgraph._mappings").joinpath("languages.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(ln for ln in fh if not ln.lstrip().startswith("#")):
            code, aat = (row.get("bcp47") or "").strip(), (row.get("aat") or "").strip()
            if code and aat:
                out.setdefault(code, AAT + aat)
    return out


def language(code: str, aat: str | None = None) -> str:
    """The one IRI of a language in a run: its AAT term (``aat``, or the bundled table's for ``code``),
    else the LoC ISO 639 IRI of its code. Records and the structural language of names agree on it."""
    if aat:
        return AAT + aat
    return _bundled_languages().get(code) or iso639(code)
