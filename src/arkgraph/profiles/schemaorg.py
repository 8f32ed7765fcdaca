"""Record → Schema.org triples (http://schema.org/ IRIs, as in the official context)."""

from __future__ import annotations

from functools import lru_cache

from ..model import Agent, Concept, DigitalObject, Place, Record, TimeSpan
from ..terms import A, SCHEMA, SKOS, XSD, I, L, T, Triple, dbl

S = {k: I(SCHEMA + k) for k in (
    "name alternateName alternativeHeadline identifier PropertyValue propertyID value url sameAs creator contributor Role "
    "roleName Person Organization familyName givenName birthDate deathDate birthPlace deathPlace Place dateCreated "
    "temporalCoverage locationCreated artMedium material height width depth size QuantitativeValue unitCode unitText "
    "description text about contentLocation genre image ImageObject contentUrl thumbnailUrl license creditText "
    "copyrightNotice acquireLicensePage encodingFormat provider copyrightHolder sourceOrganization mainEntityOfPage "
    "isPartOf hasPart inLanguage publisher datePublished locationCreated keywords DefinedTerm inDefinedTermSet "
    "termCode additionalType isBasedOn position associatedMedia subjectOf WebPage disambiguatingDescription "
    "CreativeWork mentions spatialCoverage materialExtent numberOfPages thumbnail comment owner").split()}

STATEMENT_PROPS = {"description": "description", "commentary": "description", "inscription": "text",
                   "location": "disambiguatingDescription", "dimensions": "size", "note": "description",
                   "image_caption": "description", "extent": "materialExtent", "scale": "description",
                   "pagination": "description", "rights": "description", "credit": "description",
                   "credit_line": "creditText"}


def _date_literal(value: str) -> str:
    n = value.lstrip("-").count("-")
    return T(value, XSD + ("gYear" if n == 0 else "gYearMonth" if n == 1 else "date"))


BROAD_MATCH = I(SKOS + "broadMatch")


def _term(subject: str, pred: str, c: Concept, out: list[Triple], *, as_text: bool = False) -> None:
    """A concept as a DefinedTerm node (or plain text where schema.org wants Text)."""
    if as_text:
        out.append((subject, pred, L(c.label, c.lang)))
        return
    hit = _BY_ID.get(id(c))  # one Concept object per term (the readers' caches): found by identity
    if hit is None or hit[0] is not c:
        if len(_BY_ID) >= 16384:
            _BY_ID.clear()
        hit = _BY_ID[id(c)] = (c, *_term_block(c))
    out.append((subject, pred, hit[1]))
    out.extend(hit[2])


_BY_ID: dict[int, tuple[Concept, str, tuple[Triple, ...]]] = {}


@lru_cache(maxsize=16384)
def _term_block(c: Concept) -> tuple[str, tuple[Triple, ...]]:
    """Our local term with the source's label, linked to the authority's term: ``sameAs`` when it is the
    same concept, SKOS ``broadMatch`` when the authority's is broader. Nothing is said of the authority's
    IRI itself (its label is the authority's to give)."""
    s = I(c.iri)
    block: tuple[Triple, ...] = ((s, A, S["DefinedTerm"]), (s, S["name"], L(c.label, c.lang)))
    if c.authority:
        block += ((s, S["sameAs"] if c.match == "exact" else BROAD_MATCH, I(c.authority)),)
    return s, block


def _place(p: Place, out: list[Triple]) -> str:
    out.extend(_place_triples(p))
    return I(p.iri)


@lru_cache(maxsize=16384)
def _place_triples(p: Place) -> tuple[Triple, ...]:
    """Built once per distinct place: shared by every record that mentions it."""
    out: list[Triple] = []
    s = I(p.iri)
    out.append((s, A, S["Place"]))
    out.append((s, S["name"], L(p.label)))
    return tuple(out)


def _agent(a: Agent, out: list[Triple]) -> str:
    # agents scoped to one work ("Inconnu") never recur: kept out of the cache
    out.extend(_agent_triples.__wrapped__(a) if "unknown" in a.flags else _agent_triples(a))
    return f"<{a.iri}>"


@lru_cache(maxsize=16384)
def _agent_triples(a: Agent) -> tuple[Triple, ...]:
    """Built once per distinct agent: shared by every record that mentions it."""
    out: list[Triple] = []
    s = I(a.iri)
    out.append((s, A, S["Person"] if a.kind == "Person" else S["Organization"]))
    out.append((s, S["name"], L(a.name)))
    if a.family_name:
        out.append((s, S["familyName"], L(a.family_name)))
    if a.given_name:
        out.append((s, S["givenName"], L(a.given_name)))
    for alt in a.alternate_names:
        out.append((s, S["alternateName"], L(alt)))
    if a.qualifier:
        out.append((s, S["disambiguatingDescription"], L(a.qualifier, "fr")))
    if a.kind == "Person":
        for ts, prop in ((a.birth, "birthDate"), (a.death, "deathDate")):
            if ts and ts.schema_date:
                out.append((s, S[prop], _date_literal(ts.schema_date)))
        for pl, prop in ((a.birth_place, "birthPlace"), (a.death_place, "deathPlace")):
            if pl:
                out.append((s, S[prop], _place(pl, out)))
    return tuple(out)


# licences under which an image may be reused without asking: no "acquire licence" page for these
_FREE_LICENSES = ("https://creativecommons.org/publicdomain/", "http://creativecommons.org/publicdomain/")


def _image(w: str, d: DigitalObject, out: list[Triple], licence_page: str | None = None) -> None:
    s = I(d.iri)
    out.append((w, S["image"], s))
    out.append((s, A, S["ImageObject"]))
    if d.access_point:
        out.append((s, S["contentUrl"], I(d.access_point)))
    if d.thumbnail:
        out.append((s, S["thumbnailUrl"], I(d.thumbnail)))
    if d.label:
        out.append((s, S["name"], L(d.label)))
    if d.format:
        out.append((s, S["encodingFormat"], L(d.format)))
    if d.license:
        out.append((s, S["license"], I(d.license)))
    if d.credit:
        out.append((s, S["creditText"], L(d.credit)))
    if d.copyright:
        out.append((s, S["copyrightNotice"], L(d.copyright)))
    if licence_page and d.license and not d.license.startswith(_FREE_LICENSES):
        # Google's image-licence metadata: where to ask for reuse of a non-free image (the record's page)
        out.append((s, S["acquireLicensePage"], I(licence_page)))
    if d.conforms_to:
        out.append((s, S["additionalType"], I(d.conforms_to)))


def _timespan_temporal(ts: TimeSpan) -> str | None:
    """An ISO 8601 interval at the precision the bounds have: 1701/1800, 1765-06/1766-12…"""
    if ts.begin and ts.end:
        b, e = ts.begin[:-10], ts.end[:-10]  # drop THH:MM:SSZ
        if b.endswith("-01-01") and e.endswith("-12-31"):
            b, e = b[:-6], e[:-6]
        elif b.endswith("-01") and e[-2:] in ("28", "29", "30", "31"):
            b, e = b[:-3], e[:-3]
        return b if b == e else f"{b}/{e}"
    return None


def triples(rec: Record) -> list[Triple]:
    out: list[Triple] = []
    w = I(rec.iri)
    sub = rec.iri + "/sdo"
    for t in rec.schema_types or ["CreativeWork"]:
        out.append((w, A, I(SCHEMA + t)))
    for text, lang, kind in rec.titles:
        out.append((w, S["name"] if kind == "primary" else S["alternateName"], L(text, lang)))
    for n, ident in enumerate(rec.identifiers, 1):
        if ident.kind == "url":
            out.append((w, S["sameAs"], I(ident.value)))
            continue
        pv = I(f"{sub}/identifier{n}")
        out += [(w, S["identifier"], pv), (pv, A, S["PropertyValue"]),
                (pv, S["propertyID"], L(ident.kind)), (pv, S["value"], L(ident.value))]
        if ident.label:
            out.append((pv, S["name"], L(ident.label)))
    if rec.page_url:
        out.append((w, S["url"], I(rec.page_url)))
    for c in rec.classifications + rec.genres:
        _term(w, S["genre"], c, out)
    for n, contrib in enumerate(rec.contributions, 1):
        role = I(f"{sub}/role{n}")
        pred = S["creator"] if contrib.creator else S["contributor"]
        out += [(w, pred, role), (role, A, S["Role"]), (role, S["roleName"], L(contrib.role.label, contrib.role.lang))]
        if contrib.role.authority:  # the relator's IRI as the role's type (a broader one for an unknown role)
            out.append((role, S["additionalType"], I(contrib.role.authority)))
        out.append((role, pred, _agent(contrib.agent, out)))
    # dateCreated only for a production dated to one year, month or day (a range is not its start);
    # temporalCoverage is what a work is about, so production ranges, centuries and periods are not put there
    if rec.production_time and rec.production_time.schema_date:
        out.append((w, S["dateCreated"], _date_literal(rec.production_time.schema_date)))
    for p in rec.production_places:
        out.append((w, S["locationCreated"], _place(p, out)))
    for c in rec.materials:
        out.append((w, S["artMedium"], L(c.label, c.lang)))
        if c.authority and c.match == "exact":
            # material's range is Product, Text or URL (no DefinedTerm): the URL of the very material the
            # source names; the source's wording is the artMedium text
            out.append((w, S["material"], I(c.authority)))
    for n, d in enumerate(rec.dimensions, 1):
        q = I(f"{sub}/dimension{n}")
        prop = _dimension_prop(d.kind)
        out += [(w, S[prop], q), (q, A, S["QuantitativeValue"]), (q, S["value"], dbl(d.value)),
                (q, S["name"], L(d.kind.label, d.kind.lang)), (q, S["unitText"], L(d.unit.label))]
        if d.unit.code:
            out.append((q, S["unitCode"], L(d.unit.code)))
        if d.part:
            out.append((q, S["description"], L(d.part, "fr")))
    for st in rec.statements:
        prop = STATEMENT_PROPS.get(st.kind, "description")
        text = f"{st.label} : {st.text}" if st.label and st.kind == "inscription" else st.text
        out.append((w, S[prop], L(text, st.lang)))
    for c in rec.subjects:
        _term(w, S["about"], c, out)
    for p in rec.depicted_places:
        out.append((w, S["contentLocation"], _place(p, out)))
    for a in rec.depicted_agents:
        out.append((w, S["about"], _agent(a, out)))
    for c in rec.styles:
        _term(w, S["genre"], c, out)
    if rec.keeper:
        out.append((w, S["provider"], _agent(rec.keeper, out)))
    if rec.owner:
        out.append((w, S["owner"], _agent(rec.owner, out)))
    for language in rec.languages:
        out.append((w, S["inLanguage"], L(language.code or language.label)))
    for r in rec.rights:
        out.append((w, S["license"], I(r.iri)))
    if rec.publication:
        pub = rec.publication
        if pub.publisher:
            out.append((w, S["publisher"], _agent(pub.publisher, out)))
        if pub.timespan and pub.timespan.schema_date:
            out.append((w, S["datePublished"], _date_literal(pub.timespan.schema_date)))
        if pub.place:
            out.append((w, S["locationCreated"], _place(pub.place, out)))
    for dobj in rec.digital:
        if dobj.kind == "image":
            _image(w, dobj, out, rec.page_url)
        elif dobj.kind == "webpage":
            if not rec.page_url:
                out.append((w, S["url"], I(dobj.access_point or dobj.iri)))
        elif dobj.kind == "manifest":
            out.append((w, S["subjectOf"], I(dobj.iri)))
            man = I(dobj.iri)
            out += [(man, A, S["CreativeWork"]), (man, S["encodingFormat"], L(dobj.format or "application/ld+json"))]
            if dobj.access_point:
                out.append((man, S["url"], I(dobj.access_point)))
            if dobj.conforms_to:
                out.append((man, S["additionalType"], I(dobj.conforms_to)))
            if dobj.label:
                out.append((man, S["name"], L(dobj.label)))
        elif dobj.kind == "thumbnail":
            out.append((w, S["thumbnailUrl"], I(dobj.access_point or dobj.iri)))
    for link in rec.links if rec.kind != "document" else ():  # documents: schemaorg_documents
        if link.iri:
            pred = {"part_of": "isPartOf", "catalogue": "isBasedOn", "reproduction": "isBasedOn"}.get(link.kind, "sameAs" if link.kind == "same" else "isPartOf" if link.kind == "collection" else "mentions")
            out.append((w, S[pred], I(link.iri)))
            if link.kind == "collection" and link.label:  # our own set: named where it is used (untyped:
                out.append((I(link.iri), S["name"], L(link.label, "fr")))  # a Collection is a record to embed)
        elif link.label:
            out.append((w, S["description"], L(link.label)))
    for n, part in enumerate(rec.parts, 1):
        pt = I(part.iri)
        out += [(w, S["hasPart"], pt), (pt, A, S["CreativeWork"])]
        if part.label:
            out.append((pt, S["name"], L(part.label)))
        if part.order is not None:
            out.append((pt, S["position"], T(str(part.order), XSD + "integer")))
        if part.image and part.image.access_point:
            out.append((pt, S["image"], I(part.image.access_point)))
    if rec.kind == "document":
        _documents.document(rec, out)
    return out


def _dimension_prop(kind: Concept) -> str:
    # the crosswalk says which schema.org property a dimension type fills; others go to size
    return kind.code if kind.code in ("height", "width", "depth") else "size"


from . import schemaorg_documents as _documents  # noqa: E402  (document emission; imports this module)
