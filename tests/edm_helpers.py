"""Europeana's own checks of an EDM RDF/XML file, for the EDM tests, through arkgraph.edm_check (its XSD with lxml,
its compiled Schematron with Saxon HE, both bundled in src/arkgraph/data/europeana-edm/).

A Schematron failure is named ``context: message``, the form arkgraph.profiles.edm.RULES quotes.
"""

from __future__ import annotations

from arkgraph.edm_check import Checker

_XSD = Checker(schematron=False)
_SCHEMATRON = Checker(xsd=False)


def xsd_errors(xml: bytes) -> list[str]:
    """EDM.xsd's complaints about one record's RDF/XML (none when valid)."""
    return [f"line {f.line}: {f.message}" for f in _XSD.check(xml, "record.xml")]


def schematron_failures(xml: bytes) -> list[str]:
    """The failed asserts of Europeana's Schematron on one record's RDF/XML, as ``context: message``."""
    return [f.rule for f in _SCHEMATRON.check(xml, "record.xml")]


def europeana_errors(xml: bytes) -> list[str]:
    """Both checks together: what Europeana's ingestion would refuse in this file."""
    return xsd_errors(xml) + schematron_failures(xml)
