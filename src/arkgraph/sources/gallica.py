"""Gallica (BnF) Dublin Core records → Record. Pure: the reader (gallica_reader) does all I/O.

Longer than 600 lines for one job: Mapper.map reads every DC element in one pass over the mapper's caches.

Every DC element is used: parsed into structure where its form is known (names, dates, publishers,
sources, relations, formats), otherwise kept as a statement or link. Extra elements of OAIRecord and
SRU responses are mapped or listed in ``mappings/gallica-ignored.csv``; the rest is reported.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import replace
from typing import Any

from .. import ark as arks
from .. import dates
from ..errors import RecordError
from ..mappings import Tables
from ..model import (Agent, Concept, Contribution, DigitalObject, Dimension, Identifier, Link, PageText, Part, Place,
                     Publication, Record, Statement, TimeSpan)
from ..terms import RELATOR, safe_iri
from . import gallica_dc as dc
from .common import Mapped, RawRecord
from .gallica_alto import OcrDelivery
from .gallica_contentsearch import SearchHits
from .gallica_enrichment import (IssueList, IssueOf, IssueYears, Manifest, Pagination, Toc, Unenriched,
                                 enrichment_kind, read_enrichment)
from .gallica_reader import read

SOURCE = "gallica"
GALLICA_ARK = dc.GALLICA + "ark:/12148/"
IIIF = "https://gallica.bnf.fr/iiif/ark:/12148/"
N2T = "https://n2t.net/"
IIIF_PRESENTATION_2 = "http://iiif.io/api/presentation/2/context.json"
IIIF_IMAGE = "http://iiif.io/api/image"
VISUAL_TYPES = {"Map", "Photograph", "VisualArtwork", "ImageObject"}
_MAPPED_EXTRAS = {"typedoc", "dewey", "sdewey", "link", "thumbnail", "uri", "nqamoyen"}

__all__ = ["SOURCE", "sniff", "read", "Mapper", "is_enrichment", "read_enrichment"]


def sniff(head: bytes) -> bool:
    from .gallica_reader import _head_kind
    return _head_kind(head) is not None


def is_enrichment(head: bytes) -> bool:
    return enrichment_kind(head) is not None


class Mapper:
    """Maps one Gallica record. Memoizes what recurs across records (agents, places, concepts, languages,
    rights, subjects): every cache is a pure function of its key, bounded, and dropped when full."""

    def __init__(self, tables: Tables):
        self.t = tables
        self.base = tables.base
        ignored = tables.tables.get("gallica-ignored", {})
        self.ignore_patterns = [row["path"] for row in ignored.values()]
        self.known_roles = frozenset(tables.tables.get("roles", {}).keys())
        self.text_mode = "link"  # pages' OCR text: "link" (statistics and URLs), "inline" (the text too), "none"
        self._agents: dict[str, tuple[Agent, tuple[str, ...]]] = {}
        self._places: dict[str, Place] = {}
        self._concepts: dict[tuple[str, str], Concept] = {}
        self._ignore_cache: dict[str, bool] = {}
        self._iris: dict[str, str] = {}
        self._orgs: dict[str, Agent] = {}
        # extra tag → (path, 0 mapped | 1 ignored | 2 unhandled)
        self._extra_kinds: dict[str, tuple[str, int]] = {}
        self._roles: dict[str | None, Concept] = {}
        self._subjects: dict[str, Concept] = {}
        self._set_links: dict[str, Link] = {}
        self._langs: dict[str, Concept] = {}
        self._rights: dict[tuple[str, ...], tuple[tuple[Concept, ...], tuple[Statement, ...], tuple[str, ...]]] = {}
        self._dims: dict[tuple[str, bool], tuple[Dimension, ...]] = {}
        self._deweys: dict[str, Concept | None] = {}
        self._parents: dict[str, str | None] = {}
        self._sources: dict[tuple[str, str | None], tuple[Agent, Agent | None]] = {}
        # per-record groups that recur: (typedocs, dc:types), creator strings, publishers, descriptions,
        # formats, language lists
        self._types: dict[tuple[tuple[str, ...], tuple[str, ...]], Any] = {}
        self._contribs: dict[tuple[str, bool], tuple[Contribution, ...]] = {}
        self._publishers: dict[str, tuple[Agent | None, Place | None]] = {}
        self._descriptions: dict[str, Concept | Statement] = {}
        self._formats: dict[tuple[str, bool], Statement] = {}
        self._language_sets: dict[tuple[str, ...], tuple[tuple[Concept, ...], str]] = {}
        self._caches: tuple[dict[Any, Any], ...] = (
            self._iris, self._agents, self._orgs, self._places, self._concepts, self._roles, self._subjects,
            self._set_links, self._langs, self._rights, self._deweys, self._parents, self._sources,
            self._types, self._contribs, self._publishers, self._descriptions, self._formats, self._language_sets, self._dims)
        self.n2t_same = tables.base.rstrip("/") != N2T.rstrip("/")

    # -- helpers ---------------------------------------------------------------------------------
    def _iri(self, key: str) -> str:
        iri = self._iris.get(key)
        if iri is None:  # minting hashes the key: done once per distinct agent / place per run
            iri = self._iris[key] = arks.mint(self.t.naan, "g", key).iri(self.t.base)
        return iri

    def local(self, table: str, label: str) -> str:
        k = table + "\x1f" + label
        iri = self._iris.get(k)
        if iri is None:
            iri = self._iris[k] = self.t.local_iri(table, label)
        return iri

    def concept(self, table: str, label: str) -> Concept:
        k = (table, label)
        c = self._concepts.get(k)
        if c is None:
            c = replace(self.t.concept(table, label), table=table)
            self._concepts[k] = c
        return c

    def place(self, label: str) -> Place:
        p = self._places.get(label)
        if p is None:
            p = Place(self._iri("place\x1f" + label), label)  # case kept: one IRI, one label
            self._places[label] = p
        return p

    def org(self, name: str) -> Agent:
        a = self._orgs.get(name)
        if a is None:
            a = self._orgs[name] = Agent(self._iri("agent\x1f" + name), name, kind="Group")
        return a

    def agent(self, text: str) -> tuple[Agent, tuple[str, ...]]:
        """An agent and its role labels from a dc:creator / dc:contributor string."""
        hit = self._agents.get(text)
        if hit is not None:
            return hit
        partner = dc.partner_role(text)
        if partner and not any(text.casefold().endswith(r) for r in self.known_roles):
            role, name = partner
            ag = Agent(self._iri("agent\x1f" + name), name, kind="Person")
            hit = (ag, (role,))
        else:
            n = dc.parse_name(text, self.known_roles)
            # the heading with its life dates keys the agent (they tell namesakes apart); its label does not
            # carry them
            ag = Agent(self._iri("agent\x1f" + n.name), n.label, kind=n.kind, family_name=n.family,
                       given_name=n.given, qualifier=n.qualifier, birth=n.birth, death=n.death)
            hit = (ag, n.roles)
        self._agents[text] = hit
        return hit

    def role(self, label: str | None) -> Concept:
        c = self._roles.get(label)
        if c is None:
            if not label:  # no role given: a contributor, said as such
                text = "Contributeur (rôle non précisé)"
                c = Concept(self.local("roles", text), text, code="ctb", table="roles", authority=RELATOR + "ctb")
            else:
                c = self.concept("roles", label)
                if c.local:  # unknown role: a kind of contributor (ctb is broader), kept with its label, reported
                    c = replace(c, code="ctb", authority=RELATOR + "ctb", match="broad")
            _put(self._roles, label, c)
        return c

    def _ignored(self, path: str) -> bool:
        hit = self._ignore_cache.get(path)
        if hit is None:
            hit = any(fnmatch.fnmatchcase(path, p) for p in self.ignore_patterns)
            self._ignore_cache[path] = hit
        return hit

    def _extra_kind(self, tag: str) -> tuple[str, int]:
        hit = self._extra_kinds.get(tag)
        if hit is None:
            path = f"extra.{tag}"
            hit = (path, 0 if tag in _MAPPED_EXTRAS else 1 if self._ignored(path) else 2)
            _put(self._extra_kinds, tag, hit)
        return hit

    def set_link(self, code: str) -> Link:
        """A Gallica 'ensemble documentaire' (setSpec corpus, dc:description "Appartient à l'ensemble
        documentaire : X"): membership of a collection, not a type of object. One set per code."""
        lk = self._set_links.get(code)
        if lk is None:
            lk = _put(self._set_links, code, Link(self.local("gallica_sets", code),
                                                   "collection", f"Ensemble documentaire Gallica {code}"))
        return lk

    def dimensions(self, extent: str, artwork: bool) -> tuple[Dimension, ...]:
        """Height (and width) from the end of a physical description ("… ; 124 x 189 cm"), as the source says.
        schema.org's height and width apply to a VisualArtwork, not to a Book or Map (CreativeWork): for
        those the dimension type keeps no schema.org property, so it is written as `size`."""
        key = (extent, artwork)
        hit = self._dims.get(key)
        if hit is None:
            parsed = dc.parse_dimensions(extent)
            if parsed is None:
                hit = ()
            else:
                unit = self.concept("units", parsed[0])
                kinds = [self.concept("dimension_types", _DIM_LABELS[k]) for k, _v in parsed[1]]
                if not artwork:
                    kinds = [replace(c, code=None) for c in kinds]
                hit = tuple(Dimension(c, v, unit) for c, (_k, v) in zip(kinds, parsed[1]))
            _put(self._dims, key, hit)
        return hit

    def subject(self, text: str) -> Concept:
        c = self._subjects.get(text)
        if c is None:
            c = _put(self._subjects, text, Concept(self.local("subjects", text), text, table="subjects"))
        return c

    def language(self, text: str) -> Concept:
        c = self._langs.get(text)
        if c is None:
            c = self.concept("languages", text)
            row = self.t.row("languages", text)
            if row and row.get("name"):  # one label per language IRI, whatever the source wrote
                c = replace(c, label=row["name"])
            _put(self._langs, text, c)
        return c

    def rights(self, values: tuple[str, ...]) -> tuple[tuple[Concept, ...], tuple[Statement, ...], tuple[str, ...]]:
        """One licence concept for the record (a rights IRI from rights.csv); the other values as rights
        statements, and the texts that are not in the table at all. A text without a rights IRI (not in the
        table, or in it with no `uri`, like "Open Access") is never a licence: an IRI of our own would
        name no licence anyone knows."""
        hit = self._rights.get(values)
        if hit is None:
            groups: dict[str, list[Concept]] = {}
            texts: list[str] = []
            unmapped: list[str] = []
            for v in values:
                row = self.t.row("rights", v)
                if row is None or not row.get("uri"):
                    texts.append(v)
                    if row is None:
                        unmapped.append(v)
                    continue
                c = self.concept("rights", v)
                groups.setdefault(c.iri, []).append(c)
            concepts: list[Concept] = []
            statements: list[Statement] = []
            for i, (r_iri, cs) in enumerate(groups.items()):
                label = " / ".join(_distinct(c.label for c in cs))
                if i == 0:
                    concepts.append(Concept(r_iri, label, table="rights"))
                else:
                    statements.append(Statement("rights", label, None))
            for v in _distinct(texts):
                statements.append(Statement("rights", v, None, label="Droits"))
            hit = _put(self._rights, values, (tuple(concepts), tuple(statements), tuple(_distinct(unmapped))))
        return hit

    def dewey(self, d: str) -> Concept | None:
        if d in self._deweys:
            return self._deweys[d]
        c = Concept(self.local("dewey", d), f"Dewey {d}", table="dewey",
                    authority=f"http://dewey.info/class/{d}/") if _DEWEY.fullmatch(d) else None
        return _put(self._deweys, d, c)

    def periodical(self, url: str | None) -> str | None:
        """The parent periodical ARK named by a relation URL (…/cb…/date)."""
        if url in self._parents:
            return self._parents[url]
        return _put(self._parents, url, dc.gallica_ark(url))

    def holding(self, text: str) -> tuple[Agent, Agent | None, str | None]:
        """dc:source, as the reader gives it (cleaned) → (keeper, owner, shelfmark). The shelfmark is unique
        to each document: the keeper and owner are cached by institution and department."""
        inst, dept, cote = dc.parse_clean_source(text)
        hit = self._sources.get((inst, dept))
        if hit is None:
            inst_agent = self.org(inst)
            if dept:
                hit = (self.org(f"{inst}, département {dept}"), inst_agent)
            else:
                hit = (inst_agent, inst_agent if inst == dc.BNF else None)
            _put(self._sources, (inst, dept), hit)
        return hit[0], hit[1], cote

    # -- the record -------------------------------------------------------------------------------
    def map(self, raw: RawRecord, context: dict[str, Any] | None = None) -> Mapped:
        if len(self._iris) > 100_000 or len(self._agents) > 100_000:  # keep memory flat on endless input
            for cache in self._caches:
                cache.clear()
        p = raw.payload
        header = p["header"]
        # element name → cleaned non-empty values, in document order (the reader cleans and groups them)
        fields: dict[str, list[str]] = p["fields"]
        leaves: int = p["leaves"]
        extras: dict[str, str] = {}  # mapped extra elements, as read: cleaned (dc_clean) where used
        out_unhandled: list[str] = []
        out_ignored: list[str] = []
        kinds = self._extra_kinds
        for tag, text in p["extra"]:  # non-blank values only
            path, how = kinds.get(tag) or self._extra_kind(tag)
            if how == 0:
                if tag not in extras:
                    extras[tag] = text
                leaves += 1
            elif how == 1:
                out_ignored.append(path)
            else:
                out_unhandled.append(path)
        datestamp = header.get("datestamp")
        if datestamp:
            out_ignored.append("header.datestamp")
        set_specs = header.get("setSpec") or ()
        base = self.base
        no: tuple[str, ...] = ()

        ark_text = p.get("id")
        titles: Any = fields.get("title", no)
        if len(titles) > 1:
            titles = _distinct(titles)
        if header.get("status") == "deleted":
            if not ark_text:
                raise RecordError("OAI-PMH deletion without an ARK identifier", record_id=header.get("identifier"))
            a = arks.parse(ark_text)
            rec = Record(iri=a.iri(self.t.base), ark=str(a), source=SOURCE, local_id=dc.ark_name(str(a)),
                         kind="document", minted=False, deleted=True, modified=datestamp)
            return Mapped(rec, mapped=1)

        if ark_text:
            ark = ark_text  # gallica_ark's output is already normalized: str(_ark(ark_text)) == ark_text
            name: str | None = ark.partition("/")[2]
            rec = Record(base + ark, ark, SOURCE, name, "document", False)  # type: ignore[arg-type]
            minted = False
        else:
            ids = fields.get("identifier", no)
            src = fields.get("source") or []
            key = ids[0] if ids else ("\x1f".join(titles[:1] + src[:1]) if titles else None)
            if not key:
                raise RecordError("no ARK, no identifier and no title: nothing stable to key the record on",
                                  record_id=raw.record_id)
            a = arks.mint(self.t.naan, "g", key)
            ark = str(a)
            name = None
            rec = Record(a.iri(base), ark, SOURCE, ids[0] if ids else ark, "document", True)
            rec.flags.append("minted-identity: partner record without ARK")
            minted = True
        iri = rec.iri
        is_title = bool(name and name.startswith("cb"))  # a periodical title (cb…/date), not a digitised item
        rec.modified = datestamp
        if not titles:
            raise RecordError("no dc:title", record_id=ark)
        title = titles[0]

        # identifiers
        identifiers = rec.identifiers
        identifiers.append(Identifier(ark, "ark", "ARK" if not minted else "ARK (minted by arkgraph)"))
        if name:
            rec.page_url = own_url = GALLICA_ARK + name
        else:
            own_url = None
        idents = fields.get("identifier")
        if idents:
            own = ark if not minted else None
            for v in idents:
                # the record's own Gallica URL is page_url (v == own_url is the common case of the test after it)
                if v == own_url or ("gallica.bnf.fr" in v and dc.gallica_ark(v) == own):
                    continue
                identifiers.append(_identifier(v))
        if minted:
            link_url = dc_clean(extras.get("link")) or ""
            if link_url.startswith("http"):
                rec.page_url = safe_iri(link_url)
                if rec.page_url is None:
                    rec.flags.append(f"invalid-iri: link {link_url[:200]!r}")
        if not minted and self.n2t_same:
            identifiers.append(Identifier(N2T + ark, "url", "n2t.net"))

        # types: typedoc (API) wins, then the most specific dc:type
        typedoc = dc_clean(extras.get("typedoc"))
        typedocs: tuple[str, ...] = (typedoc,) if typedoc is not None else ()
        for spec in set_specs:
            parts = spec.split(":")
            if len(parts) >= 3 and parts[1] == "typedoc":
                typedocs += (parts[-1],)
        tkey = (typedocs, tuple(fields.get("type", no)))
        thit = self._types.get(tkey)
        if thit is None:
            thit = _put(self._types, tkey, self._classify(*tkey))
        td_concepts, classes, stype = thit
        genres = rec.genres
        genres.extend(td_concepts)
        rec.classifications.extend(classes)
        rec.schema_types = [stype]
        if set_specs or "dewey" in extras or "sdewey" in extras:
            self._sets(rec, set_specs, extras)

        # contributors: one Contribution per role, the same for every record naming that agent
        contributions = rec.contributions
        for tag, creator in (("creator", True), ("contributor", False)):
            vals = fields.get(tag)
            if vals:
                contribs = self._contribs
                for v in vals:
                    ck = (v, creator)
                    cs = contribs.get(ck)
                    if cs is None:
                        ag, roles = self.agent(v)
                        cs = _put(contribs, ck, tuple(Contribution(ag, self.role(r), creator=creator)
                                                      for r in roles or (None,)))
                    contributions.extend(cs)

        # languages: "fre" + "français" are one language; one language: the titles are in it (when their
        # script can be: an Arabic-script title is not French, a transliteration is not Arabic script);
        # none or several: "und" (undetermined), never a guess
        langs = fields.get("language")
        if langs:
            lk = tuple(langs)
            lh = self._language_sets.get(lk)
            if lh is None:
                lh = _put(self._language_sets, lk, self._languages(lk))
            rec.languages.extend(lh[0])
            lang = lh[1]
            arabic_script = lh[2]
        else:
            lang = "und"
            arabic_script = ""
        rec.titles = [(t, dc.text_lang(t, lang), "primary" if i == 0 else "alternate") for i, t in enumerate(titles)] \
            if len(titles) > 1 else [(title, dc.text_lang(title, lang), "primary")]

        # dates and publishers
        statements = rec.statements
        ts: TimeSpan | None = None
        for v in fields.get("date", no):
            parsed = dc.parse_date(v)
            if parsed is None or (parsed.begin is not None and parsed.begin < "1500"):
                parsed = self._calendar(rec, v, parsed, arabic_script, title)
                if parsed is None:
                    continue
            if ts is None:
                ts = parsed
            else:
                statements.append(Statement("note", v, None, label="Date"))
        pubs = []
        pub_cache = self._publishers
        for v in fields.get("publisher", no):
            ph = pub_cache.get(v)
            if ph is None:
                pname, pplace = dc.parse_publisher(v)
                ph = _put(pub_cache, v, (self.org(pname) if pname else None, self.place(pplace) if pplace else None))
            pubs.append(Publication(ph[0], ph[1], ts, v))
        if not pubs and ts is not None:
            pubs.append(Publication(None, None, ts, None))
        if pubs:
            rec.publication = pubs[0]
            rec.publications = pubs

        # aboutness and notes
        for v in fields.get("subject", no):
            rec.subjects.append(self.subject(v))
        for v in fields.get("coverage", no):
            statements.append(Statement("note", v, None, label="Couverture"))
        descs = fields.get("description")
        if descs:
            seen: set[str | None] | None = None
            desc_cache = self._descriptions
            for v in (descs if len(descs) == 1 else _distinct(descs)):
                dh = desc_cache.get(v)
                if dh is None:
                    kind, label, text = dc.parse_description(v)
                    dh = _put(desc_cache, v, self.set_link(text) if kind == "collection"
                              else Statement(kind, text, dc.text_lang(text, "fr"), label=label))
                if isinstance(dh, Statement):
                    statements.append(dh)
                else:
                    if seen is None:
                        seen = {lk.iri for lk in rec.links}
                    if dh.iri not in seen:
                        seen.add(dh.iri)
                        rec.links.append(dh)
        # dc:format: the physical description (with its dimensions) describes the item; a MIME type and the
        # view count describe the digital document (below)
        mime: str | None = None
        views: str | None = None
        formats = fields.get("format")
        if formats:
            format_cache = self._formats
            for v in (formats if len(formats) == 1 else _distinct(formats)):
                fk = (v, False)
                st = format_cache.get(fk)
                if st is None:
                    st = _put(format_cache, fk, _format_statement(v))
                if st.kind == "extent":
                    statements.append(st)
                    rec.dimensions.extend(self.dimensions(st.text, "VisualArtwork" in rec.schema_types))
                elif st.kind == "mime":
                    if mime is None:
                        mime = st.text
                elif views is None:
                    views = st.text

        # rights: one licence for the record, other values as statements; a text not in rights.csv is
        # kept as a rights statement and flagged
        rights = fields.get("rights")
        if rights:
            r_concepts, r_statements, unmapped = self.rights(tuple(rights))
            rec.rights.extend(r_concepts)
            statements.extend(r_statements)
            for v in unmapped:
                rec.flags.append(f"unmapped-rights: {v[:200]}")

        # holding: institution, department, shelfmark
        sources = fields.get("source")
        if sources:
            rec.keeper, owner, cote = self.holding(sources[0])
            if owner is not None:
                rec.owner = owner
            if cote:
                identifiers.append(Identifier(cote, "call", "Cote"))
            # the dc:source text is said by the keeper, owner and shelfmark: not repeated as a description
            # of the item; a second source (rare) is kept as a note
            for v in sources[1:]:
                statements.append(Statement("note", v, dc.text_lang(v, "fr"), "Source"))

        # relations
        links = rec.links
        link_seen: set[tuple[str | None, ...]] = set()

        def link(iri_: str | None, kind: str, label: str | None) -> None:
            key = (iri_, kind) if iri_ is not None else (None, kind, label)  # a text-only relation: by its text
            if key not in link_seen:
                link_seen.add(key)
                links.append(Link(iri_, kind, label))

        def link_url(url: str, kind: str, label: str | None) -> None:
            """A link to a URL from the data; one that cannot be an IRI is kept as the relation's text."""
            u = safe_iri(url)
            if u is not None:
                link(u, kind, label)
                return
            rec.flags.append(f"invalid-iri: relation {url[:200]!r}")
            link(None, kind, f"{label} : {url}" if label and url not in label else label or url)

        thumbs: list[str] = []
        relations = [dc.parse_relation(v) for v in fields.get("relation", no)]
        # a "Notice d'ensemble" naming the record's own catalogue record is no whole it is part of (BnF gives
        # both for a one-volume monograph), whichever comes first
        own_cbs = {r.catalogue_ark for r in relations if r.kind == "catalogue" and r.catalogue_ark}
        for r in relations:
            rkind, rlabel, rurl, cb = r.kind, r.label, r.url, r.catalogue_ark
            if rkind == "catalogue" or rkind == "ensemble":
                if not cb:
                    if rurl:  # a catalogue record elsewhere (or a BnF URL without a cb… ARK): still a catalogue record
                        link_url(rurl, "catalogue" if rkind == "catalogue" else "related", rlabel)
                    else:
                        link(None, "related", rlabel)
                    continue
                legacy = "ark:/12148/" + cb.partition("/")[2]
                cat = "http://catalogue.bnf.fr/" + legacy
                if rkind == "catalogue":
                    link(cat, "catalogue", rlabel)
                    link(f"http://data.bnf.fr/{legacy}#about", "catalogue", "data.bnf.fr")
                    for i in identifiers:  # `Identifier(cb, …) in identifiers`, without dataclass __eq__ calls
                        if i.value == cb and i.kind == "system" and i.label == _CATALOGUE_LABEL:
                            break
                    else:
                        identifiers.append(Identifier(cb, "system", _CATALOGUE_LABEL))
                elif cb not in own_cbs:
                    # the whole (multi-volume publication, bound collection) this is part of, by the IRI of
                    # that publication in BnF's data
                    link(f"http://data.bnf.fr/{legacy}#about", "ensemble", f"{rlabel} : {rurl}")
            elif rkind == "periodical":
                parent = self.periodical(rurl)
                if parent and parent != ark:
                    link(base + parent, "part_of", "Périodique")  # gallica_ark output: str(_ark(p)) == p
            elif rkind == "thumbnail":
                u = safe_iri(rurl or "")
                if u is not None:
                    thumbs.append(u)
                else:
                    link_url(rurl or "", "related", rlabel)
            elif rkind == "other_catalogue" and rurl:
                link_url(rurl, "catalogue", rlabel)
            elif rkind == "reproduction":
                target = dc.gallica_ark(rurl)
                if target:
                    link(base + target, "reproduction", rlabel)
                else:
                    link_url(rurl or "", "reproduction", rlabel)
            elif rurl:
                link_url(rurl, "related", rlabel)
            else:
                link(None, "related", rlabel)

        # digital objects
        digital = rec.digital
        if rec.page_url:
            digital.append(DigitalObject(f"{iri}/gallica", "webpage", rec.page_url, "text/html",
                                         label=f"« {title} » sur Gallica" if not minted else title))
        if not minted and own_url:
            # BnF's digital document, by the IRI BnF gives it (data.bnf.fr's electronicReproduction), the
            # Gallica page's URL: its format and view count are the ones dc:format gives (for an issue, the
            # view count is the whole periodical's, gallica-formats.md §3: not said of the issue's document)
            doc = DigitalObject(own_url, "document", None, mime, label=f"Reproduction numérique de « {title} » (Gallica)")
            whole = not is_title and "PublicationIssue" in rec.schema_types
            if views and not whole:
                doc = replace(doc, extent=views)
            digital.append(doc)
        elif mime or views:  # a partner's copy: the format and views are still its digital copy's, not the item's
            statements.extend(Statement("note", t, None, label="Copie numérique") for t in (mime, views) if t)
        thumb = _thumbnail(extras.get("thumbnail"), name, is_title)
        for n, t in enumerate(_distinct(([thumb] if thumb else []) + thumbs)):
            digital.append(DigitalObject(f"{iri}/thumbnail" + (str(n + 1) if n else ""), "thumbnail", t, "image/jpeg",
                                         label=f"Vignette de « {title} »"))
        manifest = None
        if name and not is_title:
            manifest = DigitalObject(f"{iri}/manifest", "manifest", f"{IIIF}{name}/manifest.json", _MANIFEST_FORMAT,
                                     label=f"Manifeste IIIF de « {title} »",
                                     conforms_to="http://iiif.io/api/presentation/2/")
        if context:
            enrichments = context.get("enrichments")
            if enrichments:
                objs = enrichments.get(ark)
                if objs:
                    context.setdefault("enriched", set()).add(ark)  # for the files that matched no record
                    manifest = self._enrich(rec, objs, name, manifest, link)
        if manifest is not None:
            digital.append(manifest)
        quality = _percent(extras.get("nqamoyen"))  # the record's own, else the OCR delivery's (METS, by _enrich)
        if quality is not None:
            rec.ocr_quality = quality
        if rec.ocr_quality == 0.0 and not rec.texts:
            rec.ocr_quality = None  # Gallica's 0.0 for a document without OCR (an image)
        return Mapped(rec, out_unhandled, out_ignored,
                      leaves + len(set_specs) + (1 if header.get("identifier") else 0))

    def _calendar(self, rec: Record, v: str, parsed: TimeSpan | None, arabic: str, title: str) -> TimeSpan | None:
        """A dc:date that is not plainly Gregorian: unparsed, or a year before 1500. Gallica's Arabic-script
        prints are often dated in the Hijri calendar with no marker (1281 for 1864/65). An explicit marker or
        an Arabic printed book (Arabic type was first printed in 1514, so a printed "1300" is 1300 AH) gives
        the Gregorian span of the Hijri year(s), never one Gregorian year. Where the calendar cannot be known
        (Ottoman books are dated Hijri or Rumi, Persian ones lunar or solar Hijri; a printed book dated before
        printing), the date is kept as text and flagged. None: no time span from this value."""
        hijri = dc.hijri_date(v)
        if hijri is not None:
            rec.flags.append(f"non-gregorian-date: {v[:200]!r} read as Hijri")
            return dates.hijri_span(*hijri, label=v.strip())
        if parsed is None:
            rec.flags.append(f"unparsed-date: {v}")
            rec.statements.append(Statement("note", v, None, label="Date"))
            return None
        if _PRINTED.isdisjoint(rec.schema_types) or not parsed.begin or parsed.begin[0] == "-":
            return parsed  # not a printed book: a manuscript or a map may well be of 1300
        if arabic == "ar" and parsed.end:
            y1, y2 = int(parsed.begin[:4]), int(parsed.end[:4])
            rec.flags.append(f"non-gregorian-date: {v[:200]!r} read as Hijri (Arabic printed book)")
            return dates.hijri_span(y1, y2 if y2 != y1 else None, label=f"{v.strip()} de l'hégire")
        if arabic or dc.has_arabic(title) or parsed.begin < "1450":
            rec.flags.append(f"non-gregorian-date: {v[:200]!r} kept as text (calendar not known)")
            rec.statements.append(Statement("note", v, None, label="Date"))
            return None
        return parsed

    def _classify(self, typedocs: tuple[str, ...], types: tuple[str, ...]) -> tuple[
            tuple[Concept, ...], tuple[Concept, ...], str]:
        """typedoc concepts (genres), dc:type concepts (classifications) and the schema.org type; a meaning
        (Concept.meaning) already given is not repeated."""
        seen: set[str] = set()
        td_concepts = []
        for td in typedocs:
            c = self.concept("typedoc", td)
            if c.meaning not in seen:
                seen.add(c.meaning)
                td_concepts.append(c)
        classes = []
        best_prio = -1
        best: str | None = None
        for v in types:
            row = self.t.row("dc_types", v)
            if row is not None and row.get("fr"):  # "still image" is Gallica's English for "image fixe"
                v = row["fr"]
            c = self.concept("dc_types", v)
            if c.meaning not in seen:
                seen.add(c.meaning)
                classes.append(c)
            if c.schema_type:
                prio = int(c.code or 0)
                if best is None or prio > best_prio:
                    best_prio, best = prio, c.schema_type
        stype = next((c.schema_type for c in td_concepts if c.schema_type), None) or best
        return tuple(td_concepts), tuple(classes), stype or "CreativeWork"

    def _languages(self, values: tuple[str, ...]) -> tuple[tuple[Concept, ...], str, str]:
        """The distinct language concepts of a record, the language of its titles, and its language written
        in Arabic script, if any (its dates may be Hijri)."""
        lang_seen: set[str] = set()
        languages = []
        for v in values:
            c = self.language(v)
            k = c.code or c.iri
            if k not in lang_seen:
                lang_seen.add(k)
                languages.append(c)
        codes = {c.code for c in languages if c.code}
        arabic = next((c for c in sorted(codes) if c in dc.ARABIC_SCRIPT_LANGUAGES), "")
        if not arabic and any(v.strip().casefold() in _ARABIC_SCRIPT_NAMES for v in values):
            arabic = "fa" if any(v.strip().casefold() in ("per", "fas", "persan", "persian") for v in values) else "ar"
        return tuple(languages), (next(iter(codes)) if len(codes) == 1 else "und"), arabic

    def _sets(self, rec: Record, set_specs: Any, extras: dict[str, str]) -> None:
        """setSpec themes / corpus and OAIRecord dewey/sdewey → classifications (genres)."""
        deweys = []
        genres = rec.genres
        have: set[str] | None = None
        for spec in set_specs:
            parts = spec.split(":")
            if len(parts) >= 3 and parts[1] == "theme":
                deweys.append(parts[-1])
            elif len(parts) >= 3 and parts[1] == "corpus":
                lk = self.set_link(parts[2])
                if lk not in rec.links:
                    rec.links.append(lk)
        for k in ("sdewey", "dewey"):
            if k in extras:
                deweys.append(dc_clean(extras[k]) or "")  # non-blank: never None
        for d in deweys:
            c = self.dewey(d)
            if c is not None:
                if have is None:
                    have = {c.iri for c in genres}
                if c.iri not in have:
                    have.add(c.iri)
                    genres.append(c)

    def _enrich(self, rec: Record, objs: Any, name: str | None, manifest: DigitalObject | None,
                link: Any) -> DigitalObject | None:
        """Apply Pagination / Manifest / Toc / Issues side files; returns the (updated) manifest object."""
        if not objs or not name:
            return manifest
        a = arks.parse(rec.ark)
        pages: dict[int, Part] = {}
        texts: dict[int, PageText] = {}
        for obj in objs:
            if isinstance(obj, Pagination):
                for pg in obj.pages:
                    pages[pg.ordre] = self._page(rec, a, name, pg.ordre, pg.numero, pg.width, pg.height)
            elif isinstance(obj, Manifest):
                if manifest is not None:
                    license_iri = safe_iri(obj.license)
                    if obj.license and license_iri is None:  # a licence in words: kept as a rights statement
                        rec.statements.append(Statement("rights", obj.license, None, label="Licence"))
                    manifest = replace(
                        manifest, access_point=safe_iri(obj.url) or manifest.access_point,
                        label=obj.label or manifest.label, license=license_iri, thumbnail=safe_iri(obj.thumbnail),
                        credit=obj.attribution)
                for cv in obj.canvases:
                    if cv.n not in pages:
                        pages[cv.n] = self._page(rec, a, name, cv.n, cv.label, cv.width, cv.height, cv.image, cv.service)
                if obj.ignored:
                    rec.flags.append(f"iiif-ignored: {obj.ignored} value(s) of an unexpected JSON type in {obj.file} "
                                     f"(first: {obj.ignored_example})")
            elif isinstance(obj, Unenriched):
                rec.flags.append(f"un-enriched: {obj.file} was rejected, its content is missing")
            elif isinstance(obj, Toc):
                n = 0
                for e in obj.entries:
                    n += 1
                    target = a.child(f"/f{e.view}").iri(self.t.base) if e.view else None
                    rec.parts.append(Part(f"{rec.iri}/sdo/toc{n}", "toc", e.title, n, e.page, None, target))
            elif isinstance(obj, IssueList):
                for i, (issue_ark, label, day) in enumerate(obj.issues, 1):
                    rec.parts.append(Part(arks.parse(issue_ark).iri(self.t.base), "issue", label, i,
                                          f"{obj.year}/{day}" if obj.year and day else None))
            elif isinstance(obj, IssueYears):
                base = arks.parse(obj.parent)
                for i, y in enumerate(obj.years, 1):
                    if not (y.isascii() and y.isdigit()):  # not a year: no year page to name
                        rec.flags.append(f"invalid-iri: Issues year {y[:200]!r}")
                        continue
                    # Gallica's year pages: …/cb…/date1879
                    rec.parts.append(Part(arks.Ark(base.naan, base.name, base.qualifier + y).iri(self.t.base),
                                          "year", y, i))
                if obj.total is not None:
                    rec.statements.append(Statement("note", f"{obj.total} fascicules numérisés", "fr",
                                                    label="Fascicules"))
            elif isinstance(obj, IssueOf):
                link(arks.parse(obj.parent).iri(self.t.base), "part_of", "Périodique")
                rec.statements.append(Statement("note", obj.label, "fr", label="Fascicule"))
            elif isinstance(obj, PageText):
                if self.text_mode != "none":  # Gallica's addresses of the page's OCR (gallica-formats.md)
                    texts[obj.page] = replace(
                        obj, text=obj.text if self.text_mode == "inline" else None,
                        alto_url=f"{dc.GALLICA}RequestDigitalElement?O={name}&E=ALTO&Deb={obj.page}",
                        text_url=f"{GALLICA_ARK}{name}/f{obj.page}.texteBrut")
            elif isinstance(obj, OcrDelivery):  # the OCR delivery's METS: its NQAMOYEN, where the record has none
                if obj.quality is not None:
                    rec.ocr_quality = obj.quality
            elif isinstance(obj, SearchHits):  # a ContentSearch response's hits
                rec.hits.extend(obj.hits)
        if rec.hits and pages:  # a hit on a page the Pagination or manifest does not list: said, still written
            unknown = sorted({h.page for h in rec.hits} - pages.keys())
            if unknown:
                rec.flags.append(f"hit-unknown-page: search hits on page(s) {', '.join(map(str, unknown[:10]))} "
                                 "that the Pagination / manifest does not list")
        rec.parts.extend(pages[k] for k in sorted(pages))
        rec.texts.extend(texts[k] for k in sorted(texts))  # one text a page, in page order
        return manifest

    def _page(self, rec: Record, a: arks.Ark, name: str, n: int, label: str | None, width: int | None,
              height: int | None, image: str | None = None, service: str | None = None) -> Part:
        # an image or service the manifest gives that cannot be an IRI is treated as not given
        svc_iri, img_iri = safe_iri(service), safe_iri(image)
        if (service is not None and svc_iri is None) or (image is not None and img_iri is None):
            rec.flags.append(f"invalid-iri: IIIF canvas {n} image or service")
        svc = svc_iri or f"{IIIF}{name}/f{n}"
        img = DigitalObject(f"{rec.iri}/f{n}/image", "view", access_point=img_iri or f"{svc}/full/full/0/native.jpg",
                            format="image/jpeg", service=svc, conforms_to=IIIF_IMAGE, width=width, height=height,
                            label=f"Vue {n}")
        return Part(a.child(f"/f{n}").iri(self.t.base), "page", label if label and label != "NP" else f"Vue {n}", n,
                    label, img, f"{GALLICA_ARK}{name}/f{n}")


def _percent(text: str | None) -> float | None:
    """Gallica's nqamoyen ("92.57"): a percentage, or None when it is not one."""
    if text is None:
        return None
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if 0.0 <= value <= 100.0 else None


def _ark(text: str) -> arks.Ark:
    """gallica_ark's output is already normalized: no need for the general ARK parser."""
    naan, _, rest = text[4:].partition("/")
    name, slash, qual = rest.partition("/")
    return arks.Ark(naan, name, slash + qual)


_CACHE_MAX = 20_000
_DEWEY = re.compile(r"\d{1,3}")
_SYSTEM_ID = re.compile(r"^(?:NUMM|NUMP|IFN)-")
_URL = re.compile(r"^https?://\S+$")
_THUMB_NAME = re.compile(r"[0-9a-z]+\.thumbnail")
_MANIFEST_FORMAT = f'application/ld+json;profile="{IIIF_PRESENTATION_2}"'
_CATALOGUE_LABEL = "Notice du catalogue BnF"


def _format_statement(v: str) -> Statement:
    """A dc:format value, read: kind "views" (the digital document's view count), "mime" (its format) or
    "extent" (the physical description, a statement about the item)."""
    kind, value = dc.parse_format(v)
    if kind == "views":
        return Statement("views", f"Nombre total de vues : {value}", "fr")
    if kind == "mime":
        return Statement("mime", str(value), None)
    text = str(value)
    return Statement("extent", text, dc.text_lang(text, "fr"), label="Description matérielle")


_DIM_LABELS = {"height": "Hauteur", "width": "Largeur"}
# dc:language names of Arabic-script languages that the languages table may not know
_ARABIC_SCRIPT_NAMES = frozenset({"ara", "arabe", "arabic", "per", "fas", "persan", "persian", "ota", "turc ottoman",
                                  "ottoman turkish", "urd", "ourdou", "urdu", "pus", "pashto"})
_PRINTED = frozenset({"Book", "Periodical", "PublicationIssue", "Newspaper"})


def _put(cache: dict[Any, Any], key: Any, value: Any) -> Any:
    """Store in a bounded memo: a full cache is dropped (all its values can be recomputed)."""
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = value
    return value


def dc_clean(text: str | None) -> str | None:
    """``gallica_dc.clean_space``; None when nothing is left."""
    return (dc.clean_space(text) or None) if text else None


def _distinct(values: Any) -> list[str]:
    return list(dict.fromkeys(values))


def _identifier(v: str) -> Identifier:
    low = v.casefold()
    if low.startswith("issn"):
        return Identifier(v[4:].strip(" :"), "issn", "ISSN")
    if low.startswith("isbn"):
        return Identifier(v[4:].strip(" :"), "isbn", "ISBN")
    if _SYSTEM_ID.match(v):
        return Identifier(v, "system", v.split("-", 1)[0])
    if _URL.match(v):
        url = safe_iri(v)
        if url is not None:  # else kept as the identifier text it is (below)
            return Identifier(url, "url", None)
    ark = dc.gallica_ark(v)
    if ark:
        return Identifier(ark, "ark", "ARK")
    return Identifier(v, "other", "Identifiant")


def _thumbnail(value: str | None, name: str | None, is_title: bool) -> str | None:
    """The thumbnail extra element as read (or the document's own thumbnail URL when it has none)."""
    if name is not None and value == f"{GALLICA_ARK}{name}.thumbnail":
        return value  # the usual one: an IRI as it stands
    v = dc_clean(value)
    if v:
        if v.startswith("http"):
            url = safe_iri(v)
            if url is not None:  # else as if there were none
                return url
        if _THUMB_NAME.fullmatch(v):
            return GALLICA_ARK + v  # relative form seen in DLME harvests
    if name and not is_title:
        return f"{GALLICA_ARK}{name}.thumbnail"
    return None
