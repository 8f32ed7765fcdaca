"""Record → Europeana EDM triples, in the EDM-EXTERNAL form a provider submits (edm_xml writes them as
Europeana's RDF/XML; the other writers as any RDF).

- ``edm:ProvidedCHO``: the record's own IRI, described with dc/dcterms;
- ``ore:Aggregation``: ``<record>/edm/aggregation``, a qualifier of the record's ARK; its data provider (the
  museum or BnF department), provider (``--edm-provider``), the public page (``isShownAt``), the best image
  (``isShownBy``), the thumbnail (``object``) and one rights statement Europeana accepts;
- ``edm:WebResource``: each digital resource by its own URL (Europeana fetches it), with its own rights where
  they differ from the aggregation's, and the IIIF service and manifest it belongs to;
- contextual ``edm:Agent``, ``edm:Place``, ``edm:TimeSpan``, ``skos:Concept``: our IRIs, as in the other profiles.

A record Europeana's Schematron would refuse is rejected here (a RecordError), its reason naming the rule it
anticipates. Never guessed: the type (``mappings/edm_types.csv``), the rights (the source's, else the
provider's ``--edm-rights``) and the language of a TEXT record come from the source or the provider.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from lxml import etree

from ..errors import RecordError, UsageError
from ..mappings import Tables, key
from ..model import Agent, Concept, DigitalObject, Place, Record, TimeSpan
from ..terms import A, DC, DCTERMS, SKOS, I, L, Triple
from . import identity_cache

EDM = "http://www.europeana.eu/schemas/edm/"
ORE = "http://www.openarchives.org/ore/terms/"
SVCS = "http://rdfs.org/sioc/services#"
RDAGR2 = "http://rdvocab.info/ElementsGr2/"
IIIF_IMAGE = "http://iiif.io/api/image"
EDM_TYPES = ("TEXT", "IMAGE", "SOUND", "VIDEO", "3D")

E = {k: I(EDM + k) for k in ("ProvidedCHO WebResource Agent Place TimeSpan type aggregatedCHO dataProvider provider "
                            "isShownAt isShownBy object hasView rights begin end isRelatedTo").split()}
O = {k: I(ORE + k) for k in ("Aggregation",)}
D = {k: I(DC + k) for k in ("title description type subject language identifier creator contributor publisher "
                           "format rights").split()}
DT = {k: I(DCTERMS + k) for k in ("alternative created issued extent medium provenance spatial isPartOf "
                                  "isReferencedBy conformsTo").split()}
K = {k: I(SKOS + k) for k in ("Concept prefLabel altLabel exactMatch broadMatch").split()}
SERVICE, HAS_SERVICE = I(SVCS + "Service"), I(SVCS + "has_service")
DATE_OF_BIRTH, DATE_OF_DEATH = I(RDAGR2 + "dateOfBirth"), I(RDAGR2 + "dateOfDeath")

# The Schematron rules (context: message, as arkgraph.edm_check names them) that this profile's rejects anticipate
RULES = {
    "title": "edm:ProvidedCHO: A ProvidedCHO must have a non empty dc:title or a non empty dc:description",
    "what": ("edm:ProvidedCHO: A ProvidedCHO must have at least one of dc:subject or dc:type or dct:temporal or "
             "dct:spatial, that has an rdf:resource attribute or have non empty text value."),
    "language": "edm:ProvidedCHO: Within a ProvidedCHO context, dc:language is mandatory when edm:type has the value 'TEXT'.",
    "shown": "ore:Aggregation: An ore:Aggregation must have either edm:isShownAt or edm:isShownBy",
    "dataProvider": "ore:Aggregation: An ore:Aggregation must have at least one instance of edm:dataProvider",
    "provider": "ore:Aggregation: An ore:Aggregation must have at least one instance of edm:provider",
    "rights": "ore:Aggregation: An ore:Aggregation must have at least one instance of edm:rights",
    "valid-rights": "ore:Aggregation/edm:rights: Invalid Rights Statements",
}

# statements about the object → dc:description; sizes → dcterms:extent (the others are said elsewhere or not in EDM)
_DESCRIPTIONS = ("description", "commentary", "inscription", "note", "scale")  # not image captions: of an image
_EXTENTS = ("dimensions", "extent", "pagination")
_IDENTIFIERS = ("ark", "accession", "call", "isbn", "issn")
# what XML 1.0 cannot carry (C0 controls but tab and newlines, lone surrogates, U+FFFE, U+FFFF)
NOT_XML = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ud800-\\udfff\\ufffe\\uffff]")


@dataclass(frozen=True)
class Settings:
    """What the provider states for all its records (the CLI's --edm-* options)."""

    provider: str | None = None       # edm:provider: the aggregator that delivers the records to Europeana
    data_provider: str | None = None  # edm:dataProvider, instead of each record's keeper
    rights: str | None = None         # edm:rights for records whose source states none Europeana accepts

    def __post_init__(self) -> None:
        if self.rights is not None and not accepted(europeana_form(self.rights)):
            raise UsageError(f"--edm-rights {self.rights!r} is not a rights statement Europeana accepts: "
                             "a rightsstatements.org (InC, InC-EDU, InC-OW-EU, NoC-NC, NoC-OKLR, CNE) or Creative "
                             "Commons URI, e.g. http://rightsstatements.org/vocab/InC/1.0/")
        for name in ("provider", "data_provider"):
            value = getattr(self, name)
            if value is not None and not value.strip():
                raise UsageError(f"--edm-{name.replace('_', '-')} is empty")


# Europeana's own files, bundled (data/europeana-edm/README.md): the profile reads its rights list from the
# Schematron, arkgraph.edm_check runs them
EDM_DATA = Path(__file__).resolve().parent.parent / "data" / "europeana-edm"
SCHEMATRON = EDM_DATA / "schematron" / "schematron.xsl"


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], ...]:
    """The rights statements Europeana accepts, read from its own Schematron (``license_patterns``)."""
    tree = etree.parse(str(SCHEMATRON), etree.XMLParser(resolve_entities=False, no_network=True))
    values = tree.xpath("//*[local-name()='variable'][@name='license_patterns']/*[local-name()='pattern']/@value")
    if not values:
        raise RuntimeError("no license_patterns in the bundled schematron.xsl")
    return tuple(re.compile(str(v)) for v in values)


@lru_cache(maxsize=4096)
def accepted(uri: str) -> bool:
    """Whether Europeana's Schematron accepts ``uri`` as edm:rights (``lib:isValidRS``)."""
    return any(p.search(uri) for p in _patterns())


_RIGHTS_HOSTS = re.compile(r"https?://(creativecommons\.org|rightsstatements\.org)/(.*)")


@lru_cache(maxsize=4096)
def europeana_form(uri: str) -> str:
    """A licence or statement URI as Europeana writes it: http, rightsstatements.org's /vocab/ identifier
    (not its /page/), a final slash. The same statement, not another one."""
    m = _RIGHTS_HOSTS.fullmatch(uri.strip())
    if not m:
        return uri.strip()
    host, path = m.groups()
    if host == "rightsstatements.org" and path.startswith("page/"):
        path = "vocab/" + path[5:].split("?", 1)[0]
    if not path.endswith("/"):
        path += "/"
    return f"http://{host}/{path}"


def _is_statement(uri: str) -> bool:
    return _RIGHTS_HOSTS.fullmatch(uri) is not None


class Profile:
    """``profile(rec)`` → the record's EDM triples, or RecordError with the reason Europeana would refuse it."""

    def __init__(self, tables: Tables, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.types: dict[str, tuple[str, int]] = {}
        for k, row in tables.tables.get("edm_types", {}).items():
            t = row["edm_type"].strip().upper()
            if t not in EDM_TYPES:
                raise UsageError(f"mappings edm_types.csv: {row['term']!r} has edm_type {row['edm_type']!r}, "
                                 f"not one of {', '.join(EDM_TYPES)}")
            try:
                rank = int(row["rank"] or 0)
            except ValueError:
                raise UsageError(f"mappings edm_types.csv: {row['term']!r} has rank {row['rank']!r}, not a number") from None
            self.types[k] = (t, rank)
        self._shared = identity_cache()
        self._types_seen: dict[tuple[str, str], tuple[str, int] | None] = {}

    def _type_of(self, table: str, label: str) -> tuple[str, int] | None:
        """The (edm_type, rank) of a table's value, or of ``table:*``; memoized (the lookup key normalizes)."""
        k = (table, label)
        if k not in self._types_seen:
            if len(self._types_seen) > 65536:
                self._types_seen.clear()
            self._types_seen[k] = self.types.get(key(f"{table}:{label}")) or self.types.get(key(f"{table}:*"))
        return self._types_seen[k]

    def __call__(self, rec: Record) -> list[Triple]:
        return self.triples(rec)

    # -- decisions ------------------------------------------------------------------------------------------
    def edm_type(self, rec: Record) -> str:
        """The record's edm:type from mappings/edm_types.csv: the matching rows of the highest rank decide."""
        found: dict[int, dict[str, list[str]]] = {}
        for c in rec.genres + rec.classifications:
            if c.table:
                hit = self._type_of(c.table, c.label)
                if hit:
                    found.setdefault(hit[1], {}).setdefault(hit[0], []).append(f"{c.table}:{c.label}")
        hit = self._type_of(rec.source, "*")
        if hit:
            found.setdefault(hit[1], {}).setdefault(hit[0], []).append(f"{rec.source}:*")
        if not found:
            seen = ", ".join(f"{c.table}:{c.label}" for c in rec.genres + rec.classifications if c.table) or "none"
            raise RecordError(f"EDM: no edm:type: none of the record's types ({seen}) is in mappings/edm_types.csv")
        top = found[max(found)]
        if len(top) > 1:
            said = "; ".join(f"{t} ({', '.join(terms)})" for t, terms in sorted(top.items()))
            raise RecordError(f"EDM: edm:type undecided: mappings/edm_types.csv gives {said} at the same rank")
        return next(iter(top))

    def rights(self, rec: Record, image: DigitalObject | None) -> str:
        """edm:rights: the shown image's licence, else the record's own rights statement; where the source states
        none, the provider's --edm-rights; otherwise the record is rejected (never invented). A statement the source
        makes that Europeana refuses (NoC-CR) is a reject even with --edm-rights: a policy must not contradict it."""
        stated: list[tuple[str, str]] = []  # (source URI, what the source said)
        if image is not None and image.license:
            stated.append((image.license, "the image's licence"))
        else:
            for c in rec.rights:
                if not c.local and _is_statement(c.iri):
                    stated.append((c.iri, repr(c.label)))
        usable = list(dict.fromkeys(f for f in (europeana_form(u) for u, _ in stated) if accepted(f)))
        if len(usable) == 1:
            return usable[0]
        if len(usable) > 1:
            raise RecordError(f"EDM: several rights statements ({', '.join(usable)}): Europeana takes one per record")
        if stated:  # the source's own statement is never overridden by a policy that might contradict it
            said = "; ".join(f"{u} ({what})" for u, what in stated)
            raise RecordError(f"EDM: no determinable rights: the source's {said} is not a statement Europeana accepts "
                              f"(anticipates «{RULES['valid-rights']}»); map the source's wording to one it accepts "
                              "in mappings/rights.csv (--mappings DIR)")
        if self.settings.rights:
            return europeana_form(self.settings.rights)
        texts = [c.label for c in rec.rights] + [s.text for s in rec.statements if s.kind == "rights"]
        said = f" (the source says {'; '.join(repr(t) for t in dict.fromkeys(texts))}, no licence)" if texts else ""
        raise RecordError(f"EDM: no determinable rights{said} (anticipates «{RULES['rights']}»); "
                          "set --edm-rights URI as your policy")

    # -- triples --------------------------------------------------------------------------------------------
    def triples(self, rec: Record) -> list[Triple]:
        st = self.settings
        data_provider = st.data_provider or (rec.keeper.name if rec.keeper else None)
        if not data_provider:
            raise RecordError(f"EDM: no data provider: the source names no museum or department "
                              f"(anticipates «{RULES['dataProvider']}»); set --edm-data-provider")
        if not st.provider:
            raise RecordError(f"EDM: no provider (anticipates «{RULES['provider']}»): set --edm-provider NAME, "
                              "the aggregator that delivers your records to Europeana")
        edm_type = self.edm_type(rec)
        titles = [(t, lang) for t, lang, kind in rec.titles if kind == "primary" and t.strip()]
        descriptions = [s for s in rec.statements if s.kind in _DESCRIPTIONS and s.text.strip()]
        if not titles and not descriptions:
            raise RecordError(f"EDM: no title or description (anticipates «{RULES['title']}»)")
        codes = list(dict.fromkeys(c.code for c in rec.languages if c.code))
        if edm_type == "TEXT" and not codes:
            raise RecordError(f"EDM: a TEXT record with no language (anticipates «{RULES['language']}»)")

        images = [d for d in rec.digital if d.kind == "image" and d.access_point]
        shown_by, service, manifest = self._shown_by(rec, images)
        page = rec.page_url
        if not page and not shown_by:
            raise RecordError(f"EDM: no public page and no image (anticipates «{RULES['shown']}»)")
        rights = self.rights(rec, images[0] if images else None)

        w = I(rec.iri)
        out: list[Triple] = [(w, A, E["ProvidedCHO"])]
        for text, lang in titles:
            out.append((w, D["title"], L(text, lang)))
        for text, lang, kind in rec.titles:
            if kind != "primary" and text.strip():
                out.append((w, DT["alternative"], L(text, lang)))
        for s in descriptions:
            labelled = s.label and s.kind in ("inscription", "note") and not s.text.startswith(s.label)
            out.append((w, D["description"], L(f"{s.label} : {s.text}" if labelled else s.text, s.lang)))
        for contrib in rec.contributions:
            if "unknown" in contrib.agent.flags:  # "Inconnu", "Anonyme": no agent to name (Europeana's advice)
                continue
            out.append((w, D["creator"] if contrib.creator else D["contributor"], self._agent(contrib.agent, out)))
        what = 0
        for c in rec.classifications + rec.genres:
            out.append((w, D["subject"] if c.table == "dewey" else D["type"], self._concept(c, out)))
            what += 1
        for c in rec.subjects:
            out.append((w, D["subject"], self._concept(c, out)))
            what += 1
        for p in rec.depicted_places:
            out.append((w, DT["spatial"], self._place(p, out)))
            what += 1
        if not what:
            raise RecordError(f"EDM: no type, subject or place (anticipates «{RULES['what']}»)")
        for code in codes:
            out.append((w, D["language"], L(code)))
        for ident in rec.identifiers:
            # the record's own numbers (not a catalogue record's, nor a digitisation's system number)
            if ident.kind in _IDENTIFIERS:
                out.append((w, D["identifier"], L(ident.value)))
        for c in rec.materials:
            out.append((w, DT["medium"], self._concept(c, out)))
        for d in rec.dimensions:  # as the source measured them: kind, value and unit (its own words)
            part = f"{d.part}, " if d.part else ""
            out.append((w, DT["extent"], L(f"{part}{d.kind.label} : {d.value:g} {d.unit.label}", "fr")))
        for s in rec.statements:
            if s.kind in _EXTENTS:
                out.append((w, DT["extent"], L(s.text, s.lang)))
            elif s.kind == "credit_line":
                out.append((w, DT["provenance"], L(s.text, s.lang)))
            elif s.kind == "rights":
                out.append((w, D["rights"], L(s.text, s.lang)))
        if rec.production_time:
            out.append((w, DT["created"], self._timespan(f"{rec.iri}/edm/created", rec.production_time, out)))
        if rec.publication:
            pub = rec.publication
            if pub.publisher:
                out.append((w, D["publisher"], L(pub.publisher.name)))
            if pub.timespan:
                out.append((w, DT["issued"], self._timespan(f"{rec.iri}/edm/issued", pub.timespan, out)))
        for link in rec.links:
            if link.iri and link.kind in ("part_of", "collection"):
                out.append((w, DT["isPartOf"], I(link.iri)))
            elif link.iri and link.kind == "related":
                out.append((w, E["isRelatedTo"], I(link.iri)))
        out.append((w, E["type"], L(edm_type)))
        for _, _, o in out:
            if o[0] == '"' and not o.isprintable():  # rare: the full check only then
                bad = NOT_XML.search(o)
                if bad:
                    raise RecordError(f"EDM: the record's text holds U+{ord(bad.group()):04X}, a character XML 1.0 "
                                      "cannot carry (Europeana's files are XML)")

        # the aggregation and the web resources
        agg = I(f"{rec.iri}/edm/aggregation")
        out += [(agg, A, O["Aggregation"]), (agg, E["aggregatedCHO"], w), (agg, E["dataProvider"], L(data_provider))]
        views = [d for d in images[1:]]
        for d in views:
            out.append((agg, E["hasView"], I(d.access_point)))  # type: ignore[arg-type]
        if page:
            out.append((agg, E["isShownAt"], I(page)))
        if shown_by:
            out.append((agg, E["isShownBy"], I(shown_by)))
        thumb = (images[0].thumbnail if images else None) or next(
            (d.access_point for d in rec.digital if d.kind == "thumbnail" and d.access_point), None)
        if thumb:
            out.append((agg, E["object"], I(thumb)))
        out += [(agg, E["provider"], L(st.provider)), (agg, E["rights"], I(rights))]

        if page:
            out += [(I(page), A, E["WebResource"]), (I(page), D["format"], L("text/html"))]
        if images:
            for d in images:
                r = I(d.access_point)  # type: ignore[arg-type]
                out += [(r, A, E["WebResource"])]
                if d.format:
                    out.append((r, D["format"], L(d.format)))
                own = europeana_form(d.license) if d.license else None
                if own and own != rights and accepted(own):
                    out.append((r, E["rights"], I(own)))
        elif shown_by:
            r = I(shown_by)
            out += [(r, A, E["WebResource"]), (r, D["format"], L("image/jpeg"))]
            if manifest:
                out.append((r, DT["isReferencedBy"], I(manifest)))
            if service:
                out.append((r, HAS_SERVICE, I(service)))
                out += [(I(service), A, SERVICE), (I(service), DT["conformsTo"], I(IIIF_IMAGE))]
        if thumb and thumb != shown_by and not images:
            out += [(I(thumb), A, E["WebResource"]), (I(thumb), D["format"], L("image/jpeg"))]
        return out

    @staticmethod
    def _shown_by(rec: Record, images: list[DigitalObject]) -> tuple[str | None, str | None, str | None]:
        """(isShownBy, its IIIF image service, the IIIF manifest): the record's first image, else the first
        page of the IIIF manifest Gallica gives (its image service's full-size JPEG)."""
        if images:
            return images[0].access_point, None, None
        manifest = next((d.access_point for d in rec.digital if d.kind == "manifest" and d.access_point), None)
        if not manifest or not manifest.endswith("/manifest.json"):
            return None, None, None
        first = min((p for p in rec.parts if p.kind == "page" and p.image and p.image.service),
                    key=lambda p: p.order or 0, default=None)
        service = first.image.service if first and first.image else manifest[: -len("/manifest.json")] + "/f1"
        return f"{service}/full/full/0/native.jpg", service, manifest

    # -- contextual resources -------------------------------------------------------------------------------
    def _concept(self, c: Concept, out: list[Triple]) -> str:
        s, block = self._shared(c, _concept_block)
        out.extend(block)
        return s

    def _agent(self, a: Agent, out: list[Triple]) -> str:
        s, block = self._shared(a, _agent_block)
        out.extend(block)
        return s

    def _place(self, p: Place, out: list[Triple]) -> str:
        s, block = self._shared(p, _place_block)
        out.extend(block)
        return s

    @staticmethod
    def _timespan(iri: str, ts: TimeSpan, out: list[Triple]) -> str:
        s = I(iri)
        out.append((s, A, E["TimeSpan"]))
        label = ts.label or _span_label(ts)
        if label:
            out.append((s, K["prefLabel"], L(label)))
        if ts.begin:
            out.append((s, E["begin"], L(_date(ts.begin))))
        if ts.end:
            out.append((s, E["end"], L(_date(ts.end))))
        return s


def _concept_block(c: Concept) -> tuple[str, tuple[Triple, ...]]:
    """Our concept with the source's label, linked to the authority's term (nothing said of the authority's IRI)."""
    s = I(c.iri)
    block: tuple[Triple, ...] = ((s, A, K["Concept"]), (s, K["prefLabel"], L(c.label, c.lang)))
    if c.authority:
        block += ((s, K["exactMatch"] if c.match == "exact" else K["broadMatch"], I(c.authority)),)
    return s, block


def _agent_block(a: Agent) -> tuple[str, tuple[Triple, ...]]:
    s = I(a.iri)
    block: list[Triple] = [(s, A, E["Agent"]), (s, K["prefLabel"], L(a.name))]
    block += [(s, K["altLabel"], L(n)) for n in a.alternate_names]
    for pred, ts in ((DATE_OF_BIRTH, a.birth), (DATE_OF_DEATH, a.death)):
        label = (ts.label or _span_label(ts)) if ts else None
        if label:
            block.append((s, pred, L(label)))
    return s, tuple(block)


def _place_block(p: Place) -> tuple[str, tuple[Triple, ...]]:
    s = I(p.iri)
    return s, ((s, A, E["Place"]), (s, K["prefLabel"], L(p.label)))


def _date(value: str) -> str:
    """An xsd:dateTime bound as the ISO 8601 date Europeana reads (the day holds the whole bound)."""
    return value.split("T", 1)[0]


def _span_label(ts: TimeSpan) -> str | None:
    if ts.begin and ts.end:
        b, e = _date(ts.begin), _date(ts.end)
        return b if b == e else f"{b}/{e}"
    return None


def rights_of(triples: Iterable[Triple]) -> str | None:
    """The aggregation's edm:rights among a record's EDM triples (for the run's summary)."""
    pred = E["rights"]
    for s, p, o in triples:
        if p == pred and s.endswith("/edm/aggregation>"):
            return o[1:-1]
    return None
