"""Record → Schema.org triples (http://schema.org/ IRIs, as in the official context).

The builders of shared nodes (terms, agents, places) are in schemaorg_build; a library document's
relations, parts and further imprints in schemaorg_documents.
"""

from __future__ import annotations

from ..model import Concept, DigitalObject, Record
from ..terms import A, SCHEMA, XSD, I, L, T, Triple, dbl
from . import schemaorg_documents
from .schemaorg_build import S, agent, date_literal, place, term

STATEMENT_PROPS = {"description": "description", "commentary": "description", "inscription": "text",
                   "location": "disambiguatingDescription", "dimensions": "size", "note": "description",
                   "image_caption": "description", "extent": "materialExtent", "scale": "description",
                   "pagination": "description", "rights": "description", "credit": "description",
                   "credit_line": "creditText"}


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
        term(w, S["genre"], c, out)
    for n, contrib in enumerate(rec.contributions, 1):
        role = I(f"{sub}/role{n}")
        pred = S["creator"] if contrib.creator else S["contributor"]
        out += [(w, pred, role), (role, A, S["Role"]), (role, S["roleName"], L(contrib.role.label, contrib.role.lang))]
        if contrib.role.authority:  # the relator's IRI as the role's type (a broader one for an unknown role)
            out.append((role, S["additionalType"], I(contrib.role.authority)))
        out.append((role, pred, agent(contrib.agent, out)))
    # dateCreated only for a production dated to one year, month or day (a range is not its start);
    # temporalCoverage is what a work is about, so production ranges, centuries and periods are not put there
    if rec.production_time and rec.production_time.schema_date:
        out.append((w, S["dateCreated"], date_literal(rec.production_time.schema_date)))
    for p in rec.production_places:
        out.append((w, S["locationCreated"], place(p, out)))
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
        term(w, S["about"], c, out)
    for p in rec.depicted_places:
        out.append((w, S["contentLocation"], place(p, out)))
    for a in rec.depicted_agents:
        out.append((w, S["about"], agent(a, out)))
    for c in rec.styles:
        term(w, S["genre"], c, out)
    if rec.keeper:
        out.append((w, S["provider"], agent(rec.keeper, out)))
    if rec.owner:
        out.append((w, S["owner"], agent(rec.owner, out)))
    for language in rec.languages:
        out.append((w, S["inLanguage"], L(language.code or language.label)))
    for r in rec.rights:
        out.append((w, S["license"], I(r.iri)))
    if rec.publication:
        pub = rec.publication
        if pub.publisher:
            out.append((w, S["publisher"], agent(pub.publisher, out)))
        if pub.timespan and pub.timespan.schema_date:
            out.append((w, S["datePublished"], date_literal(pub.timespan.schema_date)))
        if pub.place:
            out.append((w, S["locationCreated"], place(pub.place, out)))
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
        schemaorg_documents.document(rec, out)
    return out


def _dimension_prop(kind: Concept) -> str:
    # the crosswalk says which schema.org property a dimension type fills; others go to size
    return kind.code if kind.code in ("height", "width", "depth") else "size"

