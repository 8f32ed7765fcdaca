"""The source-neutral record model: what any source reader produces and every profile emits.

Readers turn raw source data into a :class:`Record`; profiles turn a Record into triples.
IRIs are decided by the reader (it knows the stable ids); profiles only add suffixes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The shared values (Concept, Place, TimeSpan, Agent) are frozen: the readers share one object per distinct
# value across records (their caches) and the profiles cache what they build from it by identity, so a
# mutation would emit stale triples. Build a changed copy with dataclasses.replace.
# The per-record parts (Contribution … Part) are built anew for every record, never shared or cached: frozen,
# their __init__ (object.__setattr__ per field) made Gallica's map stage 25 % slower (50 → 62.5 µs/record,
# bench_gallica --stages), 5-17 % of the whole run. They are immutable by convention, not by the interpreter;
# Record, filled field by field, is mutable.


@dataclass(frozen=True, slots=True)
class Concept:
    """A source term: our local concept (``iri``, the source's ``label``), linked to an authority's term.

    ``iri`` is always ours (keyed by the source's term id, or by table and label): the source's wording
    never goes on a shared external IRI. ``authority`` is the external term the crosswalk gives (AAT,
    MARC relator, LoC language…) and ``match`` says how it relates: "exact" (the same concept) or
    "broad" (the authority's term is broader, as Gift is to "Legs").
    """

    iri: str
    label: str
    local: bool = False          # not in any table: a curator may want to map it
    schema_type: str | None = None  # schema.org class, where the table gives one
    code: str | None = None       # relator code, BCP 47 tag, unit code…
    table: str | None = None      # the crosswalk it came from, for the coverage report (None: by field)
    authority: str | None = None  # the authority's IRI, or None
    match: str = "exact"          # exact | broad: how ``authority`` relates to this concept
    lang: str | None = "fr"       # the language of ``label`` (a table's ``lang`` column; None: not known)

    @property
    def meaning(self) -> str:
        """What two terms share when they say the same thing ("Tableau" and "Peinture", "carte" and "map"):
        the authority's term they exactly match, else our own IRI. Readers keep one term per meaning."""
        return self.authority if self.authority is not None and self.match == "exact" else self.iri


@dataclass(frozen=True, slots=True)
class Place:
    iri: str
    label: str

    def __hash__(self) -> int:  # equal places share an IRI; profiles memoize on places
        return hash(self.iri)


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """A span with inclusive bounds as xsd:dateTime strings, and the source's own wording."""

    label: str | None = None
    begin: str | None = None      # begin of the begin, e.g. 1876-01-01T00:00:00Z
    end: str | None = None        # end of the end, e.g. 1876-12-31T23:59:59Z
    schema_date: str | None = None  # xsd:date / gYear / gYearMonth for schema.org
    qualifier: str | None = None  # "Vers", "Entre"…


@dataclass(frozen=True, slots=True)
class Agent:
    iri: str
    name: str
    kind: str = "Person"          # Person | Group
    family_name: str | None = None
    given_name: str | None = None
    qualifier: str | None = None  # "Dr", "Abbé"…
    birth: TimeSpan | None = None
    death: TimeSpan | None = None
    birth_place: Place | None = None
    death_place: Place | None = None
    flags: tuple[str, ...] = ()   # "unknown" for "Inconnu"/"Anonyme"; "impossible-date: …" from its life dates
    alternate_names: tuple[str, ...] = ()  # other names of the same agent ("Enrico Cernuschi")

    def __hash__(self) -> int:  # equal agents share an IRI; profiles memoize on agents
        return hash(self.iri)


@dataclass(slots=True, unsafe_hash=True)
class Contribution:
    agent: Agent
    role: Concept                 # a MARC relator concept; label kept in French
    creator: bool = True          # dc:creator vs dc:contributor


@dataclass(slots=True, unsafe_hash=True)
class Identifier:
    value: str
    kind: str                     # ark | accession | system | uuid | call | isbn | issn | url | other
    label: str | None = None


@dataclass(slots=True, unsafe_hash=True)
class Dimension:
    kind: Concept
    value: float
    unit: Concept
    part: str | None = None


@dataclass(slots=True, unsafe_hash=True)
class Statement:
    kind: str                     # description | inscription | commentary | location | extent | note | rights | credit | materials | scale | pagination | views | mime
    text: str
    lang: str | None = "fr"
    label: str | None = None      # e.g. the inscription type "Signature"


@dataclass(slots=True, unsafe_hash=True)
class DigitalObject:
    """An image, web page, IIIF manifest, or page view that stands for the work online."""

    iri: str
    kind: str                     # image | webpage | manifest | view | thumbnail | document (a library's digitisation)
    access_point: str | None = None
    format: str | None = None
    thumbnail: str | None = None
    label: str | None = None
    license: str | None = None
    credit: str | None = None
    copyright: str | None = None
    service: str | None = None    # IIIF image service base
    conforms_to: str | None = None
    width: int | None = None
    height: int | None = None
    extent: str | None = None     # what the source says of its size, e.g. "Nombre total de vues : 386"


@dataclass(slots=True, unsafe_hash=True)
class Acquisition:
    mode: Concept
    timespan: TimeSpan | None = None
    donors: tuple[Agent, ...] = ()


@dataclass(slots=True, unsafe_hash=True)
class Publication:
    publisher: Agent | None = None
    place: Place | None = None
    timespan: TimeSpan | None = None
    label: str | None = None      # the source string, e.g. "M. Dreyfous (Paris)"


@dataclass(slots=True, unsafe_hash=True)
class Link:
    """A relation to another resource: catalogue record, parent periodical, related work."""

    iri: str | None
    kind: str                     # catalogue | part_of | related | reproduction | collection
    label: str | None = None


@dataclass(slots=True, unsafe_hash=True)
class Part:
    """A component: a page view, a ToC entry, a periodical issue."""

    iri: str
    kind: str                     # page | toc | issue | year
    label: str | None = None
    order: int | None = None
    ref: str | None = None        # page reference / issue date label
    image: DigitalObject | None = None
    target: str | None = None     # IRI of the page a ToC entry points to


@dataclass(frozen=True, slots=True)
class PageText:
    """A page's OCR text (one ALTO file): what the page ``<document>/f<page>`` carries, and how sure the OCR
    engine was of it. Issue #19; read by ``sources.gallica_alto``."""

    page: int                              # n of the page's /f<n>, from the ALTO's fileIdentifier
    text: str | None                       # reading order (lines joined, hyphenated words rejoined, blocks
                                           # separated by a blank line); None when not kept (--text link/none)
    words: int                             # String tokens on the page
    accuracy: float | None = None          # the Page's ACCURACY: percent, as the OCR engine states it
    mean_confidence: float | None = None   # mean of the words' WC (0-1), where the ALTO gives WC
    low_confidence: float | None = None    # share of those words whose WC is below LOW_CONFIDENCE
    engine: str | None = None              # the OCR software, e.g. "ABBYY FineReader Engine 11"
    language: str | None = None            # the text blocks' language as the ALTO gives it ("fr")
    file: str | None = None                # the file it was read from
    alto_url: str | None = None            # where the ALTO can be had (the mapper sets it: it knows the source)
    text_url: str | None = None            # where the plain text can be had


LOW_CONFIDENCE = 0.5  # a word the engine is less than half sure of


@dataclass(frozen=True, slots=True)
class TextQuote:
    """A W3C TextQuoteSelector: the quoted text, with the context the snippet gives around it."""

    exact: str
    prefix: str | None = None
    suffix: str | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One highlighted fragment of a ContentSearch response (issue #19; ``sources.gallica_contentsearch``)."""

    query: str                  # the search, as the response states it
    page: int                   # n of the page's /f<n> (the item's p_id, PAG_<n>)
    quote: TextQuote
    n: int                      # the fragment's rank among the page's hits for this query, from 1


@dataclass(slots=True)
class Record:
    """One source record, mapped. ``iri`` is the record's ARK IRI and keys everything else."""

    iri: str
    ark: str                      # normalized ARK string, e.g. ark:12148/bpt6k58017546
    source: str                   # parismusees | gallica
    local_id: str
    kind: str = "object"          # object (museum work) | document (library item)
    minted: bool = True           # ARK minted by arkgraph (vs the institution's own)
    deleted: bool = False         # an OAI-PMH deletion marker
    titles: list[tuple[str, str | None, str]] = field(default_factory=list)  # (text, lang, primary|alternate|subtitle)
    identifiers: list[Identifier] = field(default_factory=list)
    schema_types: list[str] = field(default_factory=list)
    classifications: list[Concept] = field(default_factory=list)   # object types, denominations
    genres: list[Concept] = field(default_factory=list)            # broad domains, typedoc, setSpec, dewey
    contributions: list[Contribution] = field(default_factory=list)
    production_time: TimeSpan | None = None
    production_places: list[Place] = field(default_factory=list)
    periods: list[Concept] = field(default_factory=list)
    century: str | None = None
    materials: list[Concept] = field(default_factory=list)
    dimensions: list[Dimension] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    subjects: list[Concept] = field(default_factory=list)          # themes, RAMEAU subjects
    depicted_places: list[Place] = field(default_factory=list)
    depicted_agents: list[Agent] = field(default_factory=list)
    styles: list[Concept] = field(default_factory=list)
    keeper: Agent | None = None
    owner: Agent | None = None
    acquisition: Acquisition | None = None
    publication: Publication | None = None
    publications: list[Publication] = field(default_factory=list)  # further imprints (Gallica repeats dc:publisher)
    languages: list[Concept] = field(default_factory=list)
    rights: list[Concept] = field(default_factory=list)            # rights / licence URIs for the work
    digital: list[DigitalObject] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    texts: list[PageText] = field(default_factory=list)           # OCR text of pages (ALTO)
    hits: list[SearchHit] = field(default_factory=list)            # full-text search hits (ContentSearch)
    ocr_quality: float | None = None  # Gallica's nqamoyen: the document's mean OCR quality, percent
    page_url: str | None = None   # the public page on the institution's site
    modified: str | None = None
    flags: list[str] = field(default_factory=list)                 # e.g. "minted-identity"

    @property
    def title(self) -> str:
        return self.titles[0][0] if self.titles else self.local_id

