"""Schema.org for library documents (rec.kind == "document"), called from schemaorg.triples.

What the shared emitter does not cover: further imprints (Gallica repeats dc:publisher), publication
ranges (a periodical's years), typed parts (issues, pages, ToC entries with their page), and the
data.bnf.fr / IIIF links as proper nodes.
"""

from __future__ import annotations

from ..ark import try_parse as ark_of

from ..model import Record
from ..terms import SCHEMA, A, I, L, Triple
from . import schemaorg as so

PART_TYPES = {"issue": "PublicationIssue", "year": "PublicationVolume", "page": "CreativeWork", "toc": "Chapter"}


def document(rec: Record, out: list[Triple]) -> None:
    S = so.S
    w = I(rec.iri)
    for pub in rec.publications[1:]:
        if pub.publisher:
            out.append((w, S["publisher"], so._agent(pub.publisher, out)))
        if pub.place:
            out.append((w, S["locationCreated"], so._place(pub.place, out)))
    pub = rec.publication
    if pub and pub.timespan and not pub.timespan.schema_date:
        temporal = so._timespan_temporal(pub.timespan)
        out.append((w, S["temporalCoverage"], L(temporal or pub.timespan.label or "")))
        if pub.timespan.label:
            out.append((w, S["temporalCoverage"], L(pub.timespan.label)))
    for part in rec.parts:
        p = I(part.iri)
        t = PART_TYPES.get(part.kind)
        if t and t != "CreativeWork":
            out.append((p, A, I(SCHEMA + t)))
        if part.target:
            out.append((p, S["url"], I(part.target)))
        if part.kind == "toc" and part.ref:
            out.append((p, I(SCHEMA + "pagination"), L(part.ref)))
        if part.kind in ("issue", "year"):
            out.append((p, S["isPartOf"], w))
        if part.kind == "issue":
            # an issue is a record of its own (its ARK, a French date label from the Issues service)
            issue_ark = ark_of(part.iri)
            if issue_ark:
                pv = I(f"{rec.iri}/sdo/issue/{issue_ark.name}")
                out += [(p, S["identifier"], pv), (pv, A, S["PropertyValue"]), (pv, S["propertyID"], L("ark")),
                        (pv, S["value"], L(str(issue_ark))), (pv, S["name"], L("ARK"))]
            if part.label:
                out.append((p, S["name"], L(part.label, "fr")))
