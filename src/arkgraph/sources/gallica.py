"""Gallica (BnF) Dublin Core records → Record. Pure: the reader (gallica_reader) does all I/O.

Every DC element is used: parsed into structure where its form is known (names, dates, publishers,
sources, relations, formats), otherwise kept as a statement or link. Extra elements of OAIRecord and
SRU responses are mapped or listed in ``mappings/gallica-ignored.csv``; the rest is reported.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

from .. import ark as arks
from ..errors import RecordError
from ..mappings import Tables
from ..model import (Agent, Concept, Contribution, DigitalObject, Identifier, Link, Part, Place, Publication,
                     Record, Statement, TimeSpan)
from ..terms import RELATOR, safe_iri
from . import gallica_dc as dc
from .common import Mapped, RawRecord
from .gallica_reader import (IssueList, IssueOf, IssueYears, Manifest, Pagination, Toc, enrichment_kind,
                             read, read_enrichment)

SOURCE = "gallica"
GALLICA_ARK = "https://gallica.bnf.fr/ark:/12148/"
IIIF = "https://gallica.bnf.fr/iiif/ark:/12148/"
N2T = "https://n2t.net/"
IIIF_PRESENTATION_2 = "http://iiif.io/api/presentation/2/context.json"
IIIF_IMAGE = "http://iiif.io/api/image"
VISUAL_TYPES = {"Map", "Photograph", "VisualArtwork", "ImageObject"}
_MAPPED_EXTRAS = {"typedoc", "dewey", "sdewey", "link", "thumbnail", "uri"}

__all__ = ["SOURCE", "sniff", "read", "Mapper", "is_enrichment", "read_enrichment"]


def sniff(head: bytes) -> bool:
    from .gallica_reader import _head_kind
    return _head_kind(head) is not None


def is_enrichment(head: bytes) -> bool:
    return enrichment_kind(head) is not None


class Mapper:
    """Maps one Gallica record. Caches parsed agents and places per run (same strings recur)."""

    def __init__(self, tables: Tables):
        self.t = tables
        ignored = tables.tables.get("gallica-ignored", {})
        self.ignore_patterns = [row["path"] for row in ignored.values()]
        self.known_roles = frozenset(tables.tables.get("roles", {}).keys())
        self._agents: dict[str, tuple[Agent, tuple[str, ...]]] = {}
        self._places: dict[str, Place] = {}
        self._concepts: dict[tuple[str, str], Concept] = {}
        self._ignore_cache: dict[str, bool] = {}
        self._iris: dict[str, str] = {}
        self._orgs: dict[str, Agent] = {}
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
            ag = Agent(self._iri("agent\x1f" + n.name), n.name, kind=n.kind, family_name=n.family,
                       given_name=n.given, qualifier=n.qualifier, birth=n.birth, death=n.death)
            hit = (ag, n.roles)
        self._agents[text] = hit
        return hit

    def role(self, label: str | None) -> Concept:
        if not label:
            return Concept(RELATOR + "ctb", "Contributeur (rôle non précisé)", code="ctb", table="roles")
        c = self.concept("roles", label)
        if c.local:  # unknown role: a generic contributor that keeps its label and is reported
            return Concept(RELATOR + "ctb", label, local=True, code="ctb", table="roles")
        return c

    def _ignored(self, path: str) -> bool:
        hit = self._ignore_cache.get(path)
        if hit is None:
            hit = any(fnmatch.fnmatchcase(path, p) for p in self.ignore_patterns)
            self._ignore_cache[path] = hit
        return hit

    # -- the record -------------------------------------------------------------------------------
    def map(self, raw: RawRecord, context: dict[str, Any] | None = None) -> Mapped:
        if len(self._iris) > 100_000 or len(self._agents) > 100_000:  # keep memory flat on endless input
            for cache in (self._iris, self._agents, self._orgs, self._places, self._concepts):
                cache.clear()
        p = raw.payload
        header = p["header"]
        fields: dict[str, list[tuple[str, str | None]]] = {}
        leaves = 0
        for tag, text, lang in p["dc"]:
            t = dc_clean(text)
            if t:
                fields.setdefault(tag, []).append((t, lang))
                leaves += 1
        extras: dict[str, str] = {}
        out_unhandled: list[str] = []
        out_ignored: list[str] = []
        for tag, text, _attrs in p["extra"]:
            t = dc_clean(text)
            if not t:
                continue
            path = f"extra.{tag}"
            if tag in _MAPPED_EXTRAS:
                extras.setdefault(tag, t)
                leaves += 1
            elif self._ignored(path):
                out_ignored.append(path)
            else:
                out_unhandled.append(path)
        if header.get("datestamp"):
            out_ignored.append("header.datestamp")

        ark_text = p.get("id")
        titles = _distinct(v for v, _ in fields.get("title", []))
        if header.get("status") == "deleted":
            if not ark_text:
                raise RecordError("OAI-PMH deletion without an ARK identifier", record_id=header.get("identifier"))
            a = arks.parse(ark_text)
            rec = Record(iri=a.iri(self.t.base), ark=str(a), source=SOURCE, local_id=dc.ark_name(str(a)),
                         kind="document", minted=False, deleted=True, modified=header.get("datestamp"))
            return Mapped(rec, mapped=1)

        if ark_text:
            a = _ark(ark_text)
            rec = Record(iri=a.iri(self.t.base), ark=str(a), source=SOURCE, local_id=dc.ark_name(str(a)),
                         kind="document", minted=False)
        else:
            ids = [v for v, _ in fields.get("identifier", [])]
            src = [v for v, _ in fields.get("source", [])]
            key = ids[0] if ids else ("\x1f".join(titles[:1] + src[:1]) if titles else None)
            if not key:
                raise RecordError("no ARK, no identifier and no title: nothing stable to key the record on",
                                  record_id=raw.record_id)
            a = arks.mint(self.t.naan, "g", key)
            rec = Record(iri=a.iri(self.t.base), ark=str(a), source=SOURCE, local_id=ids[0] if ids else str(a),
                         kind="document", minted=True)
            rec.flags.append("minted-identity: partner record without ARK")
        iri = rec.iri
        name = dc.ark_name(rec.ark) if not rec.minted else None
        is_title = bool(name and name.startswith("cb"))  # a periodical title (cb…/date), not a digitised item
        rec.modified = header.get("datestamp")
        if not titles:
            raise RecordError("no dc:title", record_id=rec.ark)
        for i, t in enumerate(titles):
            rec.titles.append((t, None, "primary" if i == 0 else "alternate"))
        title = titles[0]

        # identifiers
        rec.identifiers.append(Identifier(rec.ark, "ark", "ARK" if not rec.minted else "ARK (minted by arkgraph)"))
        if name:
            rec.page_url = GALLICA_ARK + name
        for v, _ in fields.get("identifier", []):
            if dc.gallica_ark(v) == (rec.ark if not rec.minted else None) and "gallica.bnf.fr" in v:
                continue  # the record's own Gallica URL: page_url
            rec.identifiers.append(_identifier(v))
        if rec.minted and extras.get("link", "").startswith("http"):
            rec.page_url = safe_iri(extras["link"])
        if not rec.minted and self.n2t_same:
            rec.identifiers.append(Identifier(_ark(rec.ark).iri(N2T), "url", "n2t.net"))

        # types: typedoc (API) wins, then the most specific dc:type
        typedocs = [extras["typedoc"]] if "typedoc" in extras else []
        for spec in header.get("setSpec") or []:
            parts = spec.split(":")
            if len(parts) >= 3 and parts[1] == "typedoc":
                typedocs.append(parts[-1])
        seen: set[str] = set()
        td_concepts = []
        for td in typedocs:
            c = self.concept("typedoc", td)
            if c.iri not in seen:
                seen.add(c.iri)
                td_concepts.append(c)
        rec.genres.extend(td_concepts)
        best: tuple[int, str] | None = None
        for v, _lang in fields.get("type", []):
            c = self.concept("dc_types", v)
            if c.iri not in seen:
                seen.add(c.iri)
                rec.classifications.append(c)
            if c.schema_type:
                prio = int(c.code or 0)
                if best is None or prio > best[0]:
                    best = (prio, c.schema_type)
        stype = next((c.schema_type for c in td_concepts if c.schema_type), None) or (best[1] if best else None)
        rec.schema_types = [stype or "CreativeWork"]
        self._sets(rec, header, extras, fields)

        # contributors
        for tag, creator in (("creator", True), ("contributor", False)):
            for v, _ in fields.get(tag, []):
                ag, roles = self.agent(v)
                for r in roles or (None,):
                    rec.contributions.append(Contribution(ag, self.role(r), creator=creator))

        # dates and publishers
        ts: TimeSpan | None = None
        for v, _ in fields.get("date", []):
            parsed = dc.parse_date(v)
            if parsed is None:
                rec.flags.append(f"unparsed-date: {v}")
                rec.statements.append(Statement("note", v, None, label="Date"))
            elif ts is None:
                ts = parsed
            else:
                rec.statements.append(Statement("note", v, None, label="Date"))
        pubs = []
        for v, _ in fields.get("publisher", []):
            pname, pplace = dc.parse_publisher(v)
            pubs.append(Publication(self.org(pname) if pname else None, self.place(pplace) if pplace else None, ts, v))
        if not pubs and ts is not None:
            pubs.append(Publication(None, None, ts, None))
        if pubs:
            rec.publication = pubs[0]
            rec.publications = pubs

        # aboutness and notes
        for v, _ in fields.get("subject", []):
            rec.subjects.append(Concept(self.local("subjects", v), v, table="subjects"))
        for v, _ in fields.get("coverage", []):
            rec.statements.append(Statement("note", v, None, label="Couverture"))
        for v in _distinct(x for x, _ in fields.get("description", [])):
            kind, label, text = dc.parse_description(v)
            if kind == "collection":
                c = Concept(self.local("gallica_sets", text), f"Ensemble documentaire Gallica {text}",
                            table="gallica_sets")
                if c.iri not in seen:
                    seen.add(c.iri)
                    rec.genres.append(c)
            else:
                rec.statements.append(Statement(kind, text, "fr", label=label))
        for v in _distinct(x for x, _ in fields.get("format", [])):
            kind, value = dc.parse_format(v)
            if kind == "views":
                # for issues this is the whole periodical's count (gallica-formats.md §3), so say so
                rec.statements.append(Statement("pagination", f"Nombre total de vues : {value}", "fr",
                                                label="Vues numérisées" if not is_title and "PublicationIssue" not in rec.schema_types
                                                else "Vues numérisées (tout le périodique)"))
            elif kind == "mime":
                rec.statements.append(Statement("note", str(value), None, label="Format numérique"))
            else:
                rec.statements.append(Statement("extent", str(value), "fr", label="Description matérielle"))

        # languages
        lang_seen: set[str] = set()
        for v, _ in fields.get("language", []):
            c = self.concept("languages", v)
            row = self.t.row("languages", v)
            if row and row.get("name"):  # one label per language IRI, whatever the source wrote
                c = replace(c, label=row["name"])
            if (c.code or c.iri) not in lang_seen:  # "fre" + "français" are one language
                lang_seen.add(c.code or c.iri)
                rec.languages.append(c)
        codes = {c.code for c in rec.languages if c.code}
        # one language: the titles are in it; none or several: "und" (undetermined), never a guess
        lang = next(iter(codes)) if len(codes) == 1 else "und"
        rec.titles = [(t, lang, k) for t, _, k in rec.titles]

        # rights: one rights concept for the record, other values as statements
        groups: dict[str, list[Concept]] = {}
        for v, _ in fields.get("rights", []):
            c = self.concept("rights", v)
            groups.setdefault(c.iri, []).append(c)
        for i, (r_iri, cs) in enumerate(groups.items()):
            label = " / ".join(_distinct(c.label for c in cs))
            if i == 0:
                rec.rights.append(Concept(r_iri, label, local=cs[0].local, table="rights"))
            else:
                rec.statements.append(Statement("rights", label, None))

        # holding: institution, department, shelfmark
        for v, _ in fields.get("source", [])[:1]:
            inst, dept, cote = dc.parse_source(v)
            inst_agent = self.org(inst)
            if dept:
                rec.keeper = self.org(f"{inst}, département {dept}")
                rec.owner = inst_agent
            else:
                rec.keeper = inst_agent
                if inst == dc.BNF:
                    rec.owner = inst_agent
            if cote:
                rec.identifiers.append(Identifier(cote, "call", "Cote"))
            rec.statements.append(Statement("credit", v, "fr", label="Source"))
        for v, _ in fields.get("source", [])[1:]:
            rec.statements.append(Statement("credit", v, "fr", label="Source"))

        # relations
        link_seen: set[tuple[str | None, str]] = set()

        def link(iri_: str | None, kind: str, label: str | None) -> None:
            if (iri_, kind) not in link_seen:
                link_seen.add((iri_, kind))
                rec.links.append(Link(iri_, kind, label))

        for v, _ in fields.get("relation", []):
            r = dc.parse_relation(v)
            if r.kind in ("catalogue", "ensemble") and r.catalogue_ark:
                legacy = "ark:/12148/" + dc.ark_name(r.catalogue_ark)
                cat = "http://catalogue.bnf.fr/" + legacy
                if r.kind == "catalogue":
                    link(cat, "catalogue", r.label)
                    link(f"http://data.bnf.fr/{legacy}#about", "catalogue", "data.bnf.fr")
                    ident = Identifier(r.catalogue_ark, "system", "Notice du catalogue BnF")
                    if ident not in rec.identifiers:
                        rec.identifiers.append(ident)
                elif (cat, "catalogue") not in link_seen:
                    link(cat, "collection", r.label)
            elif r.kind == "periodical":
                parent = dc.gallica_ark(r.url)
                if parent and parent != rec.ark:
                    link(_ark(parent).iri(self.t.base), "part_of", "Périodique")
            elif r.kind == "reproduction":
                target = dc.gallica_ark(r.url)
                link(_ark(target).iri(self.t.base) if target else safe_iri(r.url or ""), "reproduction", r.label)
            elif r.url:
                link(safe_iri(r.url), "related", r.label)
            else:
                link(None, "related", r.label)

        # digital objects
        if rec.page_url:
            rec.digital.append(DigitalObject(f"{iri}/gallica", "webpage", access_point=rec.page_url, format="text/html",
                                             label=f"« {title} » sur Gallica" if not rec.minted else title))
        thumb = _thumbnail(extras.get("thumbnail"), name, is_title)
        if thumb:
            rec.digital.append(DigitalObject(f"{iri}/thumbnail", "thumbnail", access_point=thumb, format="image/jpeg",
                                             label=f"Vignette de « {title} »"))
        manifest = None
        if name and not is_title:
            manifest = DigitalObject(f"{iri}/manifest", "manifest", access_point=f"{IIIF}{name}/manifest.json",
                                     format=f'application/ld+json;profile="{IIIF_PRESENTATION_2}"',
                                     conforms_to="http://iiif.io/api/presentation/2/", label=f"Manifeste IIIF de « {title} »")
        manifest = self._enrich(rec, (context or {}).get("enrichments", {}).get(rec.ark, ()), name, manifest, link)
        if manifest is not None:
            rec.digital.append(manifest)
        out = Mapped(rec, unhandled=out_unhandled, ignored=out_ignored, mapped=leaves + len(header.get("setSpec") or [])
                     + (1 if header.get("identifier") else 0))
        return out

    def _sets(self, rec: Record, header: dict[str, Any], extras: dict[str, str], fields: dict[str, Any]) -> None:
        """setSpec themes / corpus and OAIRecord dewey/sdewey → classifications (genres)."""
        have = {c.iri for c in rec.genres}
        deweys = []
        for spec in header.get("setSpec") or []:
            parts = spec.split(":")
            if len(parts) >= 3 and parts[1] == "theme":
                deweys.append(parts[-1])
            elif len(parts) >= 3 and parts[1] == "corpus":
                c = Concept(self.local("gallica_sets", parts[2]), f"Ensemble documentaire Gallica {parts[2]}",
                            table="gallica_sets")
                if c.iri not in have:
                    have.add(c.iri)
                    rec.genres.append(c)
        for k in ("sdewey", "dewey"):
            if k in extras:
                deweys.append(extras[k])
        for d in deweys:
            if re.fullmatch(r"\d{1,3}", d):
                c = Concept(f"http://dewey.info/class/{d}/", f"Dewey {d}", table="dewey")
                if c.iri not in have:
                    have.add(c.iri)
                    rec.genres.append(c)

    def _enrich(self, rec: Record, objs: Any, name: str | None, manifest: DigitalObject | None,
                link: Any) -> DigitalObject | None:
        """Apply Pagination / Manifest / Toc / Issues side files; returns the (updated) manifest object."""
        if not objs or not name:
            return manifest
        a = arks.parse(rec.ark)
        pages: dict[int, Part] = {}
        for obj in objs:
            if isinstance(obj, Pagination):
                for pg in obj.pages:
                    pages[pg.ordre] = self._page(rec, a, name, pg.ordre, pg.numero, pg.width, pg.height)
            elif isinstance(obj, Manifest):
                if manifest is not None:
                    manifest = replace(
                        manifest, access_point=safe_iri(obj.url) or manifest.access_point,
                        label=obj.label or manifest.label, license=obj.license, thumbnail=obj.thumbnail,
                        credit=obj.attribution)
                for cv in obj.canvases:
                    if cv.n not in pages:
                        pages[cv.n] = self._page(rec, a, name, cv.n, cv.label, cv.width, cv.height, cv.image, cv.service)
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
                    # Gallica's year pages: …/cb…/date1879
                    rec.parts.append(Part(arks.Ark(base.naan, base.name, base.qualifier + y).iri(self.t.base),
                                          "year", y, i))
                if obj.total is not None:
                    rec.statements.append(Statement("note", f"{obj.total} fascicules numérisés", "fr",
                                                    label="Fascicules"))
            elif isinstance(obj, IssueOf):
                link(arks.parse(obj.parent).iri(self.t.base), "part_of", "Périodique")
                rec.statements.append(Statement("note", obj.label, "fr", label="Fascicule"))
        rec.parts.extend(pages[k] for k in sorted(pages))
        return manifest

    def _page(self, rec: Record, a: arks.Ark, name: str, n: int, label: str | None, width: int | None,
              height: int | None, image: str | None = None, service: str | None = None) -> Part:
        svc = service or f"{IIIF}{name}/f{n}"
        img = DigitalObject(f"{rec.iri}/f{n}/image", "view", access_point=safe_iri(image or f"{svc}/full/full/0/native.jpg"),
                            format="image/jpeg", service=safe_iri(svc), conforms_to=IIIF_IMAGE, width=width, height=height,
                            label=f"Vue {n}")
        return Part(a.child(f"/f{n}").iri(self.t.base), "page", label if label and label != "NP" else f"Vue {n}", n,
                    label, img, f"{GALLICA_ARK}{name}/f{n}")


_WS = re.compile(r"\s+")


def _ark(text: str) -> arks.Ark:
    """gallica_ark's output is already normalized: no need for the general ARK parser."""
    naan, _, rest = text[4:].partition("/")
    name, slash, qual = rest.partition("/")
    return arks.Ark(naan, name, slash + qual)


@lru_cache(maxsize=8192)
def dc_clean(text: str | None) -> str | None:
    if not text:
        return None
    s = _WS.sub(" ", text).strip()
    return s or None


def _distinct(values: Any) -> list[str]:
    return list(dict.fromkeys(values))


def _identifier(v: str) -> Identifier:
    low = v.casefold()
    if low.startswith("issn"):
        return Identifier(v[4:].strip(" :"), "issn", "ISSN")
    if low.startswith("isbn"):
        return Identifier(v[4:].strip(" :"), "isbn", "ISBN")
    if re.match(r"^(?:NUMM|NUMP|IFN)-", v):
        return Identifier(v, "system", v.split("-", 1)[0])
    if re.match(r"^https?://\S+$", v):
        return Identifier(safe_iri(v), "url", None)
    ark = dc.gallica_ark(v)
    if ark:
        return Identifier(ark, "ark", "ARK")
    return Identifier(v, "other", "Identifiant")


def _thumbnail(value: str | None, name: str | None, is_title: bool) -> str | None:
    if value:
        v = value.strip()
        if v.startswith("http"):
            return safe_iri(v)
        if re.fullmatch(r"[0-9a-z]+\.thumbnail", v):
            return GALLICA_ARK + v  # relative form seen in DLME harvests
    if name and not is_title:
        return f"{GALLICA_ARK}{name}.thumbnail"
    return None
