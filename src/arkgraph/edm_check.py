"""Europeana's own EDM validation (its XSD and compiled Schematron, bundled) run on EDM RDF/XML record files.

    checker = Checker()
    for name, failures in check_paths(["out/edm/"], checker):
        ...

One file is one record: an ``rdf:RDF`` holding one ``edm:ProvidedCHO`` (the record's identity is its
``rdf:about``), one ``ore:Aggregation`` and their contextual resources. Each file goes through

1. ``xml``: lxml parses it, safely (no network, no entity expansion, no DOCTYPE accepted);
2. ``xsd``: ``data/europeana-edm/EDM.xsd`` (lxml ``XMLSchema``): each error-log entry is a failure;
3. ``schematron``: ``data/europeana-edm/schematron/schematron.xsl`` (XSLT 2, run by Saxon HE through
   ``saxonche``): each ``svrl:failed-assert`` of its SVRL output is a failure.

A Schematron failure's rule is named ``<context>: <message>`` (its pattern has no id), e.g.
``edm:ProvidedCHO: A ProvidedCHO must have a non empty dc:title or a non empty dc:description``; an XSD
failure's ``XSD: <element>: <message without its variable parts>``. Nothing is fetched at run time: both
files and everything they import are package data.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from lxml import etree

from .errors import InputError, UsageError
from .profiles.edm import EDM_DATA, SCHEMATRON
from .terms import Triple

DATA = EDM_DATA
XSD = DATA / "EDM.xsd"

SUFFIXES = (".xml", ".rdf")
# one record file; a bigger one is refused before it is read (a zip member is measured by its header,
# then read with this bound too: a zip's sizes can lie)
MAX_RECORD_BYTES = 64 << 20

STAGES = ("xml", "xsd", "schematron")
REPORT_FIELDS = ("file", "record", "stage", "rule", "message", "line", "location")

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
EDM = "http://www.europeana.eu/schemas/edm/"
SVRL = "http://purl.oclc.org/dsdl/svrl"

# the prefixes Europeana's files use, to name an XSD error's element as the Schematron rules name theirs
PREFIXES = {
    RDF: "rdf", EDM: "edm", "http://purl.org/dc/elements/1.1/": "dc", "http://purl.org/dc/terms/": "dcterms",
    "http://www.openarchives.org/ore/terms/": "ore", "http://www.w3.org/2004/02/skos/core#": "skos",
    "http://www.w3.org/2002/07/owl#": "owl", "http://www.w3.org/2000/01/rdf-schema#": "rdfs",
    "http://creativecommons.org/ns#": "cc", "http://rdfs.org/sioc/services#": "svcs",
    "http://usefulinc.com/ns/doap#": "doap", "http://www.w3.org/2003/01/geo/wgs84_pos#": "wgs84",
    "http://xmlns.com/foaf/0.1/": "foaf", "http://rdvocab.info/ElementsGr2/": "rdaGr2",
    "http://www.ebu.ch/metadata/ontologies/ebucore/ebucore#": "ebucore", "http://www.w3.org/ns/odrl/2/": "odrl",
    "http://www.w3.org/ns/dqv#": "dqv", "https://schema.org/": "schema", "http://www.w3.org/ns/oa#": "oa",
    "http://www.w3.org/XML/1998/namespace": "xml",
}


@dataclass(frozen=True)
class Failure:
    """One failed check in one file. ``record`` is the file's ProvidedCHO ``rdf:about`` (None when it has
    none or cannot be read); ``line`` the line in the file when known; ``location`` the Schematron's XPath."""

    file: str
    record: str | None
    stage: str  # "xml" | "xsd" | "schematron"
    rule: str
    message: str
    line: int | None = None
    location: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_blank_text=False)


# Saxon runs one engine per process: its processor and the compiled stylesheet are made once and shared
_SAXON: tuple[Any, Any] | None = None


def _saxon() -> tuple[Any, Any]:
    global _SAXON
    if _SAXON is None:
        import saxonche

        proc = saxonche.PySaxonProcessor(license=False)
        executable = proc.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(SCHEMATRON))
        _SAXON = (proc, executable)
    return _SAXON


_SCHEMA: etree.XMLSchema | None = None


def _schema() -> etree.XMLSchema:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = etree.XMLSchema(etree.parse(str(XSD), _parser()))
    return _SCHEMA


class Checker:
    """Runs Europeana's XSD and Schematron on EDM record files. Both are loaded on first use, once per
    process (not thread-safe: one checker per process, used by one thread)."""

    def __init__(self, *, xsd: bool = True, schematron: bool = True) -> None:
        self.xsd = xsd
        self.schematron = schematron

    def check(self, xml: bytes, name: str) -> list[Failure]:
        """Every failure of the record file ``xml`` (named ``name`` in them); [] when it passes."""
        tree, failures = self.parse(xml, name)
        if tree is None:
            return failures
        record = record_of(tree)
        if self.xsd:
            failures += self.check_xsd(tree, name, record)
        if self.schematron:
            failures += self.check_schematron(tree, name, record)
        return failures

    def parse(self, xml: bytes, name: str) -> tuple[etree._ElementTree | None, list[Failure]]:
        try:
            root = etree.fromstring(xml, _parser())
        except etree.XMLSyntaxError as exc:
            line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
            return None, [Failure(name, None, "xml", "XML: not well-formed", _clean(exc.msg or str(exc)), line)]
        tree = root.getroottree()
        if tree.docinfo.doctype:
            return None, [Failure(name, None, "xml", "XML: DOCTYPE not accepted",
                                  "a DOCTYPE is not accepted in an EDM record (its entities would not be expanded)",
                                  1)]
        return tree, []

    def check_xsd(self, tree: etree._ElementTree, name: str, record: str | None) -> list[Failure]:
        schema = _schema()
        if schema.validate(tree):
            return []
        return [Failure(name, record, "xsd", xsd_rule(e.message), _prefix_all(_clean(e.message)), e.line or None)
                for e in schema.error_log]

    def check_schematron(self, tree: etree._ElementTree, name: str, record: str | None) -> list[Failure]:
        proc, executable = _saxon()
        # the document as lxml read it: no declaration and no DOCTYPE, so Saxon has nothing to resolve
        text = etree.tostring(tree.getroot(), encoding="unicode")
        try:
            node = proc.parse_xml(xml_text=text)
            svrl = executable.transform_to_string(xdm_node=node)
        except Exception as exc:  # saxonche.PySaxonApiError: what lxml read, Saxon could not
            return [Failure(name, record, "schematron", "Schematron: not run", _clean(str(exc)))]
        return list(svrl_failures(svrl.encode("utf-8"), tree, name, record))


def record_of(tree: etree._ElementTree) -> str | None:
    """The record's identity: its (first) edm:ProvidedCHO's rdf:about."""
    cho = tree.getroot().find(f"{{{EDM}}}ProvidedCHO")
    return cho.get(f"{{{RDF}}}about") if cho is not None else None


def svrl_failures(svrl: bytes, tree: etree._ElementTree | None, name: str, record: str | None) -> Iterator[Failure]:
    """The failed asserts of a Schematron SVRL output, each named by the rule that fired just before it."""
    context = "?"
    for el in etree.fromstring(svrl, _parser()).iter(f"{{{SVRL}}}fired-rule", f"{{{SVRL}}}failed-assert"):
        if el.tag == f"{{{SVRL}}}fired-rule":
            context = el.get("context") or "?"
            continue
        message = schematron_message(el.findtext(f"{{{SVRL}}}text") or "")
        location = el.get("location")
        yield Failure(name, record, "schematron", f"{context}: {message}", message,
                      _line_of(tree, location), location)


def schematron_message(text: str) -> str:
    """A Schematron message, whitespace normalized and without the variable ``id: <about> -`` prefix."""
    text = " ".join(text.split())
    return re.sub(r"^id:\s*\S*\s*(?:-\s*)?", "", text)


def xsd_rule(message: str) -> str:
    """An XSD error's rule: ``XSD: <element>[/@attribute]: <message>`` without what varies between files
    (the values quoted, the sets listed, what was expected instead; the names quoted are kept)."""
    m = re.match(r"Element '([^']+)'(?:, attribute '([^']+)')?: (.*)", message, re.S)
    if not m:
        return "XSD: " + " ".join(message.split())
    element = _prefixed(m[1]) + (f"/@{_prefixed(m[2])}" if m[2] else "")
    text = _prefix_all(" ".join(m[3].split())).split(" Expected is")[0]
    text = re.sub(r"\{[^}]*\}", "{…}", text)  # a set of values first: it holds quoted values
    text = re.sub(r"\[facet '([^']*)'\]", r"[facet \1]", text)
    text = re.sub(r"'([^']*)'", lambda q: q[0] if _QNAME.fullmatch(q[1]) else "'…'", text)
    return f"XSD: {element}: {text}"


_QNAME = re.compile(r"[A-Za-z][\w.-]*:[A-Za-z_][\w.-]*")  # a name in a message is kept; a value is not


def _prefixed(clark: str) -> str:
    m = re.match(r"\{([^}]*)\}(.*)", clark)
    if not m:
        return clark
    prefix = PREFIXES.get(m[1])
    return f"{prefix}:{m[2]}" if prefix else clark


def _prefix_all(text: str) -> str:
    """Every ``{namespace}local`` name in an lxml message written ``prefix:local`` (known namespaces only)."""
    return re.sub(r"\{[^}\s]*\}[\w.-]+", lambda m: _prefixed(m[0]), text)


def _line_of(tree: etree._ElementTree | None, location: str | None) -> int | None:
    """The line of the element an SVRL location (an XPath on the same document) points to."""
    if tree is None or not location:
        return None
    try:
        found = tree.xpath(location)
    except etree.XPathError:
        return None
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return found[0].sourceline
    return None


def _clean(message: str) -> str:
    return " ".join(message.split())


# --- files, directories, zips ---------------------------------------------------------------------------

def iter_inputs(paths: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every record file under ``paths``, one at a time: a directory's *.xml and *.rdf
    files (recursive, sorted), a zip's .xml and .rdf members (sorted), a file itself, ``-`` stdin."""
    for path in paths:
        if path == "-":
            yield "<stdin>", _bounded(sys.stdin.buffer, "<stdin>")
            continue
        p = Path(path)
        if p.is_dir():
            try:
                files = sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES and f.is_file())
            except OSError as exc:
                raise InputError(f"cannot read {exc.filename or path}: {exc.strerror or exc}") from None
            if not files:
                raise InputError(f"{path}: no .xml or .rdf file in this directory")
            for f in files:
                yield str(f), _read(f)
        elif p.suffix.lower() == ".zip":
            yield from _zip_members(p)
        else:
            yield path, _read(p)


def _read(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return _bounded(fh, str(path))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _bounded(fh: IO[bytes], name: str) -> bytes:
    data = fh.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise InputError(f"{name}: more than {MAX_RECORD_BYTES >> 20} MB: not one EDM record")
    return data


def _zip_members(path: Path) -> Iterator[tuple[str, bytes]]:
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    with zf:
        members = sorted((i for i in zf.infolist() if not i.is_dir() and Path(i.filename).suffix.lower() in SUFFIXES),
                         key=lambda i: i.filename)
        if not members:
            raise InputError(f"{path}: no .xml or .rdf member in this zip")
        for info in members:
            name = f"{path}:{info.filename}"
            if info.file_size > MAX_RECORD_BYTES:
                raise InputError(f"{name}: more than {MAX_RECORD_BYTES >> 20} MB: not one EDM record")
            try:
                with zf.open(info) as fh:
                    data = _bounded(fh, name)
            except (OSError, zipfile.BadZipFile, EOFError, RuntimeError) as exc:  # RuntimeError: encrypted
                raise InputError(f"cannot read {name}: {exc}") from None
            yield name, data


def check_paths(paths: Iterable[str], checker: Checker | None = None) -> Iterator[tuple[str, list[Failure]]]:
    """(name, failures) of every record file under ``paths`` (see :func:`iter_inputs`), in order, one file
    in memory at a time. An unreadable input raises :class:`~arkgraph.errors.InputError` naming it."""
    checker = checker or Checker()
    for name, data in iter_inputs(paths):
        yield name, checker.check(data, name)


# --- summary and report ---------------------------------------------------------------------------------

@dataclass
class Summary:
    """What a run found: files checked and passing, and failures counted by rule (with a first example file)."""

    files: int = 0
    passing: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, failures: list[Failure]) -> None:
        self.files += 1
        if not failures:
            self.passing += 1
        for f in failures:
            self.counts[f.rule] = self.counts.get(f.rule, 0) + 1
            self.examples.setdefault(f.rule, name)

    @property
    def failing(self) -> int:
        return self.files - self.passing

    @property
    def failures(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        return (f"EDM validation: {self.files} files, {self.passing} pass, {self.failing} fail; "
                f"{self.failures} failures of {len(self.counts)} rules")

    def text(self) -> str:
        lines = [self.line()]
        for rule, n in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {n:>7}  {rule}")
            lines.append(f"           e.g. {self.examples[rule]}")
        return "\n".join(lines)


REPORT_FORMATS = (".jsonl", ".csv")


def report_format(path: str) -> str:
    """``jsonl`` or ``csv`` from a report path; anything else is a :class:`~arkgraph.errors.UsageError`."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in REPORT_FORMATS:
        raise UsageError(f"--report {path}: with --profile edm the report is JSON Lines (.jsonl) or CSV (.csv)")
    return ext[1:]


class ReportWriter:
    """Writes failures one by one to an open text file, as JSON Lines or CSV (with a header row)."""

    def __init__(self, fh: IO[str], fmt: str) -> None:
        self.fh = fh
        self.fmt = fmt
        self.csv = None
        if fmt == "csv":
            self.csv = csv.DictWriter(fh, fieldnames=REPORT_FIELDS, lineterminator="\n")
            self.csv.writeheader()

    def write(self, failures: Iterable[Failure]) -> None:
        for f in failures:
            row = f.as_dict()
            if self.csv is not None:
                self.csv.writerow({k: ("" if v is None else v) for k, v in row.items()})
            else:
                self.fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_report(text: str, fmt: str) -> list[dict[str, Any]]:
    """A report's rows back (tests and tools): JSON Lines as written, CSV with empty cells as None."""
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines() if line]
    rows = list(csv.DictReader(io.StringIO(text)))
    return [{k: (None if v == "" else int(v) if k == "line" else v) for k, v in r.items()} for r in rows]


class RecordChecker:
    """The ``convert --profile edm --validate`` hook: each record's RDF/XML, as ``-o DIR/`` would write it,
    through Europeana's XSD and Schematron. ``on_invalid`` as for SHACL: ``keep`` (count and write anyway),
    ``reject`` (to the rejects file with the rules it fails), ``fail`` (stop the run)."""

    def __init__(self, on_invalid: str = "keep") -> None:
        if on_invalid not in ("keep", "reject", "fail"):
            raise UsageError(f"--on-invalid {on_invalid!r}: choose keep, reject or fail")
        self.on_invalid = on_invalid
        self.checker = Checker()
        self.summary = Summary()

    def __call__(self, record_iri: str, triples: Sequence[Triple],
                 by_profile: Mapping[str, Sequence[Triple]] | None = None) -> str | None:
        return self.verdict(record_iri, self.inspect(record_iri, triples, by_profile))

    def inspect(self, record_iri: str, triples: Sequence[Triple],
                by_profile: Mapping[str, Sequence[Triple]] | None = None) -> list[Failure]:
        """The record's failures (a worker process may look; the run's ``verdict`` records them)."""
        from .edm_xml import record_xml
        edm = list(dict.fromkeys(by_profile["edm"] if by_profile is not None and "edm" in by_profile else triples))
        return self.checker.check(record_xml(edm), record_iri)

    def verdict(self, record_iri: str, failures: list[Failure]) -> str | None:
        self.summary.add(record_iri, failures)
        if not failures or self.on_invalid == "keep":
            return None
        rules = list(dict.fromkeys(f.rule for f in failures))
        more = f" (+{len(rules) - 5} more)" if len(rules) > 5 else ""
        why = "Europeana validation: " + "; ".join(rules[:5]) + more
        if self.on_invalid == "fail":
            from .shacl.hook import ValidationFailed
            raise ValidationFailed(f"record <{record_iri}> fails Europeana's checks (--on-invalid fail): {why}")
        return why
