"""Europeana's own checks of an EDM RDF/XML file, for the EDM tests: its XSD (EDM.xsd, EDM-EXTERNAL) with lxml
and its Schematron (the compiled schematron.xsl) with Saxon HE (saxonche), both as bundled in
src/arkgraph/data/europeana-edm/. A stand-in until the tests switch to arkgraph.edm_check.

A Schematron failure is named ``context: message`` (the rule's context, then its svrl:text, spaces
collapsed), the form arkgraph.profiles.edm.RULES quotes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lxml import etree

from arkgraph.profiles.edm import edm_data_dir

SVRL = "http://purl.oclc.org/dsdl/svrl"


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(f"{edm_data_dir()}/EDM.xsd", parser))


@lru_cache(maxsize=1)
def _schematron() -> tuple[Any, Any]:
    import saxonche

    proc = saxonche.PySaxonProcessor(license=False)
    executable = proc.new_xslt30_processor().compile_stylesheet(
        stylesheet_file=f"{edm_data_dir()}/schematron/schematron.xsl")
    return proc, executable  # the processor must outlive the executable


def xsd_errors(xml: bytes) -> list[str]:
    """EDM.xsd's complaints about one record's RDF/XML (none when valid)."""
    doc = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    schema = _schema()
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]  # type: ignore[attr-defined]


def schematron_failures(xml: bytes) -> list[str]:
    """The failed asserts of Europeana's Schematron on one record's RDF/XML, as ``context: message``."""
    proc, executable = _schematron()
    node = proc.parse_xml(xml_text=xml.decode("utf-8"))
    report = executable.transform_to_string(xdm_node=node)
    out: list[str] = []
    context = ""
    for el in etree.fromstring(report.encode("utf-8")).iter(f"{{{SVRL}}}fired-rule", f"{{{SVRL}}}failed-assert"):
        if el.tag == f"{{{SVRL}}}fired-rule":
            context = el.get("context", "")
        else:
            text = " ".join("".join(el.itertext()).split())
            out.append(f"{context}: {text}")
    return out


def europeana_errors(xml: bytes) -> list[str]:
    """Both checks together: what Europeana's ingestion would refuse in this file."""
    return xsd_errors(xml) + schematron_failures(xml)
