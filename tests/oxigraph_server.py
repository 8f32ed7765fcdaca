"""A real ``oxigraph serve`` on a free loopback port, and a fault-injecting HTTP proxy in front of it.

Tests get them through the ``oxigraph_server`` and ``fault_proxy`` fixtures (conftest.py), or build them
from the classes. Everything binds 127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import httpx

# the venv's own binary when its bin/ is not on PATH (python run by its path, not activated)
OXIGRAPH = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer:
    """``oxigraph serve --location DIR --bind 127.0.0.1:PORT``; stop/kill/start keep DIR and PORT."""

    def __init__(self, location: Path, port: int | None = None):
        self.location = location
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = location.parent / f"oxigraph-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float | None = None) -> "OxigraphServer":
        """Start and wait until it answers (or exits). No deadline by default: a loaded machine may take
        long to start it; one that never answers is pytest-timeout's to report."""
        assert OXIGRAPH, "the oxigraph binary is missing: pip install oxigraph"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([OXIGRAPH, "serve", "--location", str(self.location),
                                          "--bind", f"127.0.0.1:{self.port}"], stdout=log, stderr=log)
        deadline = None if timeout is None else time.monotonic() + timeout
        while deadline is None or time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"oxigraph exited: {self.log.read_text()[-500:]}")
            try:
                r = httpx.post(self.url + "/query", content=b"ASK {}", timeout=1.0, trust_env=False,
                               headers={"content-type": "application/sparql-query",
                                        "accept": "application/sparql-results+json"})
                if r.status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("oxigraph did not come up in time")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def kill(self) -> None:
        """A crash, not a shutdown: committed transactions must survive it."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    # -- helpers for assertions

    def nquads(self) -> str:
        r = httpx.get(self.url + "/store", headers={"accept": "application/n-quads"}, timeout=30, trust_env=False)
        r.raise_for_status()
        return r.text

    def count(self, where: str = "{ GRAPH ?g { ?s ?p ?o } }") -> int:
        r = httpx.post(self.url + "/query", content=f"SELECT (COUNT(*) AS ?n) WHERE {where}".encode(),
                       headers={"content-type": "application/sparql-query",
                                "accept": "application/sparql-results+json"}, timeout=30, trust_env=False)
        r.raise_for_status()
        return int(r.json()["results"]["bindings"][0]["n"]["value"])


# --------------------------------------------------------------------------- the fault proxy


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Action = str | tuple | Callable[["FaultProxy", int], object]

_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
        "proxy-authenticate", "host", "content-length"}


class FaultProxy:
    """Forwards HTTP to ``upstream``; ``plan(n)`` picks what happens to the n-th request (from 1).

    Actions: ``"pass"``; ``("status", code, headers, body)``; ``"hang"`` (no answer until the client gives
    up, bounded by ``hang_seconds``); ``"drop"`` (close without answering); ``"pass_then_drop"`` (forward,
    so the server commits, then close without answering: the client must retry something already done);
    ``("pass_then", hook)`` (forward, run ``hook()``, close unanswered);
    or a callable ``f(proxy, n)`` run first, whose return value is then used as the action.
    """

    def __init__(self, upstream: str, plan: Callable[[int], Action] | None = None, *,
                 require_auth: str | None = None, hang_seconds: float = 5.0):
        self.upstream = upstream
        self.plan = plan or (lambda n: "pass")
        self.require_auth = require_auth
        self.hang_seconds = hang_seconds
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=60, trust_env=False)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _body(self) -> bytes:
                if self.headers.get("transfer-encoding", "").lower() == "chunked":
                    out = bytearray()
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return bytes(out)
                        out += self.rfile.read(size)
                        self.rfile.readline()
                n = int(self.headers.get("content-length") or 0)
                return self.rfile.read(n) if n else b""

            def _handle(self) -> None:
                body = self._body()
                with proxy._lock:
                    proxy.seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))
                    n = len(proxy.seen)
                action = proxy.plan(n)
                if callable(action):
                    action = action(proxy, n)
                if proxy.require_auth is not None and self.headers.get("authorization") != proxy.require_auth:
                    action = ("status", 401, {}, b"unauthorized")
                if action == "hang":
                    self.close_connection = True
                    self.connection.settimeout(proxy.hang_seconds)
                    try:  # wait for the client to hang up (or the bound)
                        self.rfile.read(1)
                    except OSError:
                        pass
                    return
                if action == "drop":
                    self.close_connection = True
                    return
                if isinstance(action, tuple) and action[0] == "pass_then":
                    try:  # forward (the server may commit), then run the hook, then hang up unanswered
                        proxy._http.request(self.command, proxy.upstream + self.path, content=body,
                                            headers={k: v for k, v in self.headers.items() if k.lower() not in _HOP})
                    except httpx.TransportError:
                        pass
                    action[1]()
                    self.close_connection = True
                    return
                if isinstance(action, tuple):
                    _, code, headers, payload = (*action, {}, b"")[:4]
                    self._reply(code, headers, payload)
                    return
                try:
                    resp = proxy._http.request(self.command, proxy.upstream + self.path, content=body,
                                               headers={k: v for k, v in self.headers.items() if k.lower() not in _HOP})
                except httpx.TransportError:
                    self._reply(502, {}, b"upstream unreachable")
                    return
                if action == "pass_then_drop":
                    self.close_connection = True
                    return
                headers = {k: v for k, v in resp.headers.items() if k.lower() not in _HOP}
                self._reply(resp.status_code, headers, resp.content)

            def _reply(self, code: int, headers: dict[str, str], payload: bytes) -> None:
                self.send_response(code)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FaultProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()


# --------------------------------------------------------------------------- synthetic data
# SYNTHETIC records shaped like `arkgraph convert -o out.nq` output (one named graph per record,
# a fragment node, a blank node, a shared agent). Made up for these tests, not real collection data.

import re as _re
from collections import Counter

AG = "https://w3id.org/arkgraph/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
S = "http://schema.org/"
CRM = "http://www.cidoc-crm.org/cidoc-crm/"
PROV_TRIPLES = 3  # wasDerivedFrom, generatedAtTime, arkgraphVersion (+1 per --profile)


def record_iri(i: int) -> str:
    return f"https://n2t.net/ark:99999/pmtest{i:05d}"


def record_lines(i: int, version: int = 1) -> list[str]:
    r = record_iri(i)
    g = f"<{r}>"
    agent = f"<https://n2t.net/ark:99999/agent{i % 3}>"
    lines = [
        f"<{r}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{S}VisualArtwork> {g} .",
        f'<{r}> <{S}name> "Vase \\"{i}\\" v{version}"@fr {g} .',
        f"<{r}> <{CRM}P108i_was_produced_by> <{r}#production> {g} .",
        f"<{r}#production> <{CRM}P4_has_time-span> _:ts{i} {g} .",
        f'_:ts{i} <{CRM}P82a_begin_of_the_begin> "1876-01-01T00:00:00Z"^^<{XSD}dateTime> {g} .',
        f"<{r}> <{S}creator> {agent} {g} .",
        f'{agent} <{S}name> "Agent {i % 3}" {g} .',
    ]
    if version == 1:
        lines.append(f'<{r}> <{S}description> "only in version 1" {g} .')
    return lines


def triples_per_record(version: int = 1) -> int:
    return 8 if version == 1 else 7


def marker_line(i: int) -> str:
    return f'<{record_iri(i)}> <{AG}deleted> "true"^^<{XSD}boolean> <{AG}deletions> .'


def write_nq(path: Path, ids, version: int = 1, deleted=(), sep: str = " ") -> Path:
    lines = [line for i in ids for line in record_lines(i, version)]
    lines += [marker_line(i) for i in deleted]
    text = "\n".join(lines) + "\n"
    if sep != " ":
        text = text.replace(" ", sep)  # not canonical: forces the record-by-record path
    path.write_text(text, encoding="utf-8")
    return path


_BNODE = _re.compile(r"_:[A-Za-z0-9_.\-]+")
_TIME = _re.compile(r'"[0-9T:\-]+Z"\^\^<http://www.w3.org/2001/XMLSchema#dateTime> (<[^>]+>) \.$')


def normalize(nquads: str) -> Counter:
    """A dataset as a multiset of lines, blind to blank-node labels and load times: two loads compare equal."""
    out: Counter = Counter()
    for line in nquads.splitlines():
        line = line.strip()
        if not line:
            continue
        if "<http://www.w3.org/ns/prov#generatedAtTime>" in line:
            line = _TIME.sub(r'"TIME" \1 .', line)
        out[_BNODE.sub("_:b", line)] += 1
    return out


def embedded_nquads(path: Path) -> str:
    import gc
    import io

    import pyoxigraph as ox

    store = ox.Store(str(path))
    buf = io.BytesIO()
    store.dump(buf, ox.RdfFormat.N_QUADS)
    del store
    gc.collect()
    return buf.getvalue().decode("utf-8")
