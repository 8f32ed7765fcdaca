"""A real loopback HTTP server that replays saved Paris Musées and Gallica responses, with faults.

Used by the harvest tests through the ``harvest_server`` fixture (conftest.py).
It serves the fixtures in ``tests/fixtures/harvest/`` (see the README there for what is real
and what is re-paged), logs every request, and injects faults matched per request:

* ``status``     an error status (429 with ``Retry-After``, 500, 502, 503 ...)
* ``html``       a 200 HTML "Service indisponible" page instead of JSON/XML
* ``reset``      half of the body, then the connection is reset (RST)
* ``hang``       no response until the server stops: the client's timeout ends it, or a kill test's signal
* ``truncated``  a 200 whose body is the real page cut in half (well-formed HTTP, broken XML/JSON)
* ``gqlerrors``  a GraphQL ``{"errors": [...]}`` body with no data (``with_data``: next to the real page;
                 ``echo``: the message quotes the credential the request carried, as a careless server would)
* ``body``       any fixed body (e.g. XML declaring entities)

Each fault's ``reached`` event is set when a request takes it: tests wait on that, never on the clock.
No test using it touches the internet: it binds 127.0.0.1 on an ephemeral port.
"""

from __future__ import annotations

import copy
import json
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lxml import etree

FIXTURES = Path(__file__).parent / "fixtures" / "harvest"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
SRW_NS = "http://www.loc.gov/zing/srw/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"

HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Service indisponible</title></head>"
             b"<body><h1>Service indisponible</h1><p>Veuillez r\xc3\xa9essayer plus tard.</p></body></html>")


@dataclass
class Req:
    method: str
    path: str
    params: dict[str, str]
    body: Any
    headers: dict[str, str]
    target: str = ""  # the request target as sent (path and query, still %-encoded)


@dataclass
class Fault:
    when: Callable[[Req], bool]
    kind: str
    times: int | None = 1  # None: every matching request, until cleared
    status: int = 503
    retry_after: str | None = None
    body: bytes = b""
    echo: bool = False
    with_data: bool = False
    hits: int = 0
    reached: threading.Event = field(default_factory=threading.Event)


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- fixture data

def _pm_entities() -> list[Any]:
    doc = json.loads((FIXTURES / "parismusees" / "nodequery-chinese-works-even.json").read_bytes())
    return doc["data"]["nodeQuery"]["entities"]


def _oairecord_files() -> dict[str, Path]:
    # file names start with the ARK name: bpt6k5603637g-fascicule.xml → bpt6k5603637g
    return {p.stem.split("-")[0]: p for p in sorted((FIXTURES / "gallica" / "oairecord").glob("*.xml"))}


def _oai_records() -> list[etree._Element]:
    """Real oai_dc:dc records, each wrapped as an OAI-PMH <record> with its header."""
    records = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in _oairecord_files().values():
        root = etree.parse(str(path), parser).getroot()
        record = root.find("notice/record")
        rec = etree.Element(f"{{{OAI_NS}}}record", nsmap={None: OAI_NS})
        header = etree.SubElement(rec, f"{{{OAI_NS}}}header")
        for child in record.find("header"):
            etree.SubElement(header, f"{{{OAI_NS}}}{child.tag}").text = child.text
        metadata = etree.SubElement(rec, f"{{{OAI_NS}}}metadata")
        metadata.append(copy.deepcopy(record.find("metadata")[0]))
        records.append(rec)
    sru = etree.parse(str(FIXTURES / "gallica" / "sru" / "20PaperRecords.xml"), parser).getroot()
    for r in sru.iter(f"{{{SRW_NS}}}record"):
        dc = r.find(f"{{{SRW_NS}}}recordData")[0]
        ident = next(t for t in dc.itertext() if "ark:/12148/" in t)
        ark = ident[ident.index("ark:/12148/"):].strip()
        rec = etree.Element(f"{{{OAI_NS}}}record", nsmap={None: OAI_NS})
        header = etree.SubElement(rec, f"{{{OAI_NS}}}header")
        etree.SubElement(header, f"{{{OAI_NS}}}identifier").text = f"oai:bnf.fr:gallica/{ark}"
        etree.SubElement(header, f"{{{OAI_NS}}}datestamp").text = "2024-01-15"
        etree.SubElement(header, f"{{{OAI_NS}}}setSpec").text = "gallica:typedoc:periodiques:fascicules"
        metadata = etree.SubElement(rec, f"{{{OAI_NS}}}metadata")
        metadata.append(copy.deepcopy(dc))
        records.append(rec)
    return records


def _oai_page(verb: str, request_params: dict[str, str], items: list[etree._Element], token: str | None,
              cursor: int, total: int) -> bytes:
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    root.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation",
             "http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
    etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = "2025-01-01T00:00:00Z"
    req = etree.SubElement(root, f"{{{OAI_NS}}}request", **request_params)
    req.text = "https://gallica.bnf.fr/services/OAIRepository"
    body = etree.SubElement(root, f"{{{OAI_NS}}}{verb}")
    for item in items:
        body.append(copy.deepcopy(item))
    if token is not None or cursor:
        rt = etree.SubElement(body, f"{{{OAI_NS}}}resumptionToken", completeListSize=str(total), cursor=str(cursor))
        rt.text = token or ""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _oai_error(code: str, message: str) -> bytes:
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS})
    etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = "2025-01-01T00:00:00Z"
    etree.SubElement(root, f"{{{OAI_NS}}}request").text = "https://gallica.bnf.fr/services/OAIRepository"
    etree.SubElement(root, f"{{{OAI_NS}}}error", code=code).text = message
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


SETS = [("gallica:typedoc:cartes", "Cartes"), ("gallica:typedoc:monographies", "Monographies"),
        ("gallica:typedoc:periodiques:fascicules", "Fascicules"), ("gallica:theme:0:07", "Journalisme"),
        ("gallica:corpus:PACA1", "Provence-Alpes-Côte d'Azur")]


class Data:
    """Everything the server replays, loaded once."""

    def __init__(self, oai_page_size: int = 4):
        self.pm_entities = _pm_entities()
        self.oairecords = _oairecord_files()
        self.oai_records = _oai_records()
        self.oai_page_size = oai_page_size
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        self.sru_root = etree.parse(str(FIXTURES / "gallica" / "sru" / "realRecord-arkPress-brazza.xml"), parser).getroot()
        self.sru_records = list(self.sru_root.iter(f"{{{SRW_NS}}}record"))
        g = FIXTURES / "gallica"
        self.pagination = (g / "pagination" / "pagination-bpt6k5603637g.xml").read_bytes()
        self.toc = (g / "toc" / "toc-item-seg.xml").read_bytes()
        self.toc_xhtml = (g / "toc" / "toc-tr-xhtml.xml").read_bytes()
        self.manifest = (g / "iiif" / "manifest-bpt6k9604118j.json").read_bytes()
        self.years = (g / "issues" / "years-cb328261098.xml").read_bytes()
        self.year_1879 = (g / "issues" / "1879-cb328261098.xml").read_bytes()
        # issue #19: a document with its pages' OCR. Real ALTO pages and a real ContentSearch response; the
        # Pagination and the OAIRecord of bpt6k5628146t are synthetic (see the README and their comments)
        self.oairecords["bpt6k5628146t"] = g / "synthetic" / "oairecord-bpt6k5628146t.xml"
        self.paginations = {"bpt6k5628146t": (g / "pagination" / "pagination-bpt6k5628146t.xml").read_bytes()}
        self.alto = {(p.parent.name, p.stem): p.read_bytes() for p in sorted((g / "alto").glob("*/f*.xml"))}
        self.contentsearch = (g / "contentsearch" / "contentsearch-garde-champetre.xml").read_bytes()

    def sru_page(self, start: int, maximum: int) -> bytes:
        root = copy.deepcopy(self.sru_root)
        records = root.find(f"{{{SRW_NS}}}records")
        for r in list(records):
            records.remove(r)
        page = self.sru_records[start - 1 : start - 1 + maximum]
        for r in page:
            records.append(copy.deepcopy(r))
        root.find(f"{{{SRW_NS}}}numberOfRecords").text = str(len(self.sru_records))
        nxt = root.find(f"{{{SRW_NS}}}nextRecordPosition")
        nxt.text = str(start + len(page))  # as Gallica, may point past the end on the last page
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---------------------------------------------------------------- the server

class ReplayServer:
    def __init__(self, data: Data):
        self.data = data
        self.faults: list[Fault] = []
        self.log: list[Req] = []
        self._lock = threading.Lock()
        self.release = threading.Event()  # ends "hang" faults
        self.overrides: dict[str, bytes] = {}  # path → fixed 200 body
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- faults and log
    def fault(self, when: Callable[[Req], bool], kind: str, times: int | None = 1, **kw: Any) -> Fault:
        f = Fault(when=when, kind=kind, times=times, **kw)
        with self._lock:
            self.faults.append(f)
        return f

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def requests(self, path: str | None = None) -> list[Req]:
        with self._lock:
            return [r for r in self.log if path is None or r.path == path]

    def _take_fault(self, req: Req) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if (f.times is None or f.hits < f.times) and f.when(req):
                    f.hits += 1
                    f.reached.set()
                    return f
        return None

    # -- routes: path → function(Req) → Reply
    def route(self, req: Req) -> Reply:
        if req.path in self.overrides:
            return Reply(200, self.overrides[req.path], "text/xml;charset=UTF-8")
        if req.path.startswith("/iiif/"):
            return Reply(200, self.data.manifest, "application/json")
        handler = {
            "/graphql": self._graphql,
            "/services/OAIRecord": self._oairecord,
            "/services/OAIRepository": self._oai,
            "/SRU": self._sru,
            "/services/Pagination": lambda r: Reply(200, self.data.paginations.get(r.params.get("ark", ""),
                                                                                 self.data.pagination), "text/xml"),
            "/RequestDigitalElement": self._alto,
            "/services/ContentSearch": lambda r: Reply(200, self.data.contentsearch, "text/xml;charset=UTF-8"),
            "/services/Toc": lambda r: Reply(200, self.data.toc_xhtml if r.params.get("ark") == "bpt6k5805671m"
                                              else self.data.toc, "text/xml"),
            "/services/Issues": self._issues,
        }.get(req.path)
        if handler is None:
            return Reply(404, b"<html><body>Not found</body></html>", "text/html")
        return handler(req)

    def _graphql(self, req: Req) -> Reply:
        if not (req.headers.get("auth-token") or req.headers.get("authorization", "").startswith("Bearer ")):
            return Reply(403, b"<html><body>Forbidden</body></html>", "text/html")
        variables = (req.body or {}).get("variables") or {}
        limit, offset = int(variables.get("limit", 10)), int(variables.get("offset", 0))
        page = self.data.pm_entities[offset : offset + limit]
        doc = {"data": {"nodeQuery": {"count": len(self.data.pm_entities), "entities": page}}}
        return Reply(200, json.dumps(doc, ensure_ascii=False).encode("utf-8"), "application/json")

    def _oairecord(self, req: Req) -> Reply:
        path = self.data.oairecords.get(req.params.get("ark", ""))
        if path is None:
            body = (b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<results ResultsGenerationSearchTime="0:00:00.001" '
                    b'countResults="0" resultType="CVOAIRecordSearchService" searchTime=""/>')
            return Reply(200, body, "text/xml")
        return Reply(200, path.read_bytes(), "text/xml;charset=UTF-8")

    def _oai(self, req: Req) -> Reply:
        verb = req.params.get("verb")
        token = req.params.get("resumptionToken")
        if verb == "ListSets":
            start = int(token) if token else 0
            items = []
            for spec, name in SETS[start : start + 3]:
                s = etree.Element(f"{{{OAI_NS}}}set")
                etree.SubElement(s, f"{{{OAI_NS}}}setSpec").text = spec
                etree.SubElement(s, f"{{{OAI_NS}}}setName").text = name
                items.append(s)
            nxt = str(start + 3) if start + 3 < len(SETS) else None
            return Reply(200, _oai_page("ListSets", {"verb": "ListSets"}, items, nxt, start, len(SETS)), "text/xml")
        if verb != "ListRecords":
            return Reply(200, _oai_error("badVerb", "bad verb"), "text/xml")
        if token:
            if not token.startswith("rt-"):
                return Reply(200, _oai_error("badResumptionToken", "expired"), "text/xml")
            start = int(token[3:])
        else:
            if req.params.get("metadataPrefix") != "oai_dc":
                return Reply(200, _oai_error("cannotDisseminateFormat", "oai_dc only"), "text/xml")
            if req.params.get("set") == "gallica:empty":
                return Reply(200, _oai_error("noRecordsMatch", "no records"), "text/xml")
            start = 0
        size = self.data.oai_page_size
        records = self.data.oai_records
        items = records[start : start + size]
        nxt = f"rt-{start + size}" if start + size < len(records) else None
        params = {"verb": "ListRecords", **({"resumptionToken": token} if token else
                                           {k: v for k, v in req.params.items() if k != "verb"})}
        return Reply(200, _oai_page("ListRecords", params, items, nxt, start, len(records)), "text/xml;charset=UTF-8")

    def _sru(self, req: Req) -> Reply:
        start = int(req.params.get("startRecord", "1"))
        maximum = int(req.params.get("maximumRecords", "15"))
        return Reply(200, self.data.sru_page(start, maximum), "text/xml;charset=UTF-8")

    def _alto(self, req: Req) -> Reply:
        """RequestDigitalElement?O=<name>&E=ALTO&Deb=<n>: the saved page, else Gallica's 404 page."""
        body = self.data.alto.get((req.params.get("O", ""), f"f{req.params.get('Deb', '')}"))
        if req.params.get("E") != "ALTO" or body is None:
            return Reply(404, b"<html><body>Document introuvable</body></html>", "text/html")
        return Reply(200, body, "text/xml;charset=UTF-8")

    def _issues(self, req: Req) -> Reply:
        if req.params.get("ark") != "ark:/12148/cb328261098/date":
            return Reply(500, b"<html><body>Erreur</body></html>", "text/html")
        year = req.params.get("date")
        if not year:
            return Reply(200, self.data.years, "text/xml")
        return Reply(200, self.data.year_1879.replace(b'date="1879"', f'date="{year}"'.encode()), "text/xml")

    # -- the handler class bound to this server
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._serve(None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                self._serve(body)

            def _serve(self, body: Any) -> None:
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                req = Req(self.command, parts.path, params, body, {k.lower(): v for k, v in self.headers.items()},
                          self.path)
                with server._lock:
                    server.log.append(req)
                fault = server._take_fault(req)
                try:
                    self._reply(req, fault)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    self.close_connection = True  # the client gave up (timeout); nothing to do

            def _send(self, reply: Reply, payload: bytes | None = None) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(reply.body if payload is None else payload)
                self.wfile.flush()

            def _reply(self, req: Req, fault: Fault | None) -> None:
                kind = fault.kind if fault else None
                if kind == "status":
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                    self._send(Reply(fault.status, b"<html><body>Error</body></html>", "text/html", headers))
                    return
                if kind == "html":
                    self._send(Reply(200, HTML_PAGE, "text/html; charset=utf-8"))
                    return
                if kind == "gqlerrors":
                    message = "Syntax Error: Unexpected Name \"oops\""
                    if fault.echo:
                        sent = req.headers.get("auth-token") or req.headers.get("authorization", "")
                        message = f"Invalid credentials: {sent} is not a valid token"
                    doc: dict[str, Any] = {"errors": [{"message": message, "locations": [{"line": 1, "column": 3}]}]}
                    if fault.with_data:
                        doc["data"] = json.loads(server.route(req).body)["data"]
                    self._send(Reply(200, json.dumps(doc).encode(), "application/json"))
                    return
                if kind == "body":
                    self._send(Reply(200, fault.body, "text/xml"))
                    return
                if kind == "hang":
                    server.release.wait()  # set when the server stops (or a test lets the hang end)
                reply = server.route(req)
                if kind == "truncated":
                    cut = reply.body[: len(reply.body) // 2]
                    self._send(Reply(reply.status, cut, reply.content_type))
                    return
                if kind == "reset":
                    # promise the whole body, send half, then reset the connection (RST, not FIN)
                    self._send(reply, payload=reply.body[: len(reply.body) // 2])
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    return
                self._send(reply)

        return Handler


# ---------------------------------------------------------------- helpers for the harvest tests
# Imported by the harvest test modules (``from harvest_server import ...``); the fixtures are in conftest.py.

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from click.testing import CliRunner, Result  # noqa: E402

TOKEN = "tok-5f2b9c1e-SECRET-7d41"  # a fake token: the tests look for it everywhere
FAST = ["--rate", "0", "--backoff", "0.001", "--timeout", "5", "--max-retries", "4"]


def run_harvest(*args: str, env: dict[str, str] | None = None) -> Result:
    """Invoke ``arkgraph harvest`` in-process with CliRunner (stderr kept apart)."""
    from arkgraph.cli.harvest import harvest

    return CliRunner().invoke(harvest, list(args), env={"PM_TOKEN": TOKEN, **(env or {})}, catch_exceptions=False)


def all_bytes_under(directory: Path) -> bytes:
    """Every file under ``directory``, hidden ones (checkpoints, temps) included."""
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


def subprocess_cmd(*args: str) -> list[str]:
    """Command line running the harvest group in a child process (for kill tests)."""
    return [sys.executable, "-c", "import sys; from arkgraph.cli.harvest import harvest; harvest(sys.argv[1:])", *args]


def wait_for(event: threading.Event, child: subprocess.Popen) -> bool:
    """Wait until ``event`` is set, or ``child`` exits first (False). No deadline: how long the
    child takes depends on the machine; a child that hangs is pytest-timeout's to report."""
    while not event.wait(0.1):  # woken at once by the event; the period only notices the child's death
        if child.poll() is not None:
            return event.is_set()
    return True


def child_env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[1] / "src")
    return {**os.environ, "PM_TOKEN": TOKEN, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
