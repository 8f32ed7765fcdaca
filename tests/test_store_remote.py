"""Loading into a real Oxigraph server (started on a free loopback port), with faults injected by a proxy.

Data is SYNTHETIC (see oxigraph_server.py). No mocked transports, no timing assertions.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from click.testing import CliRunner

from arkgraph.cli.store import load, query
from arkgraph.http import RetryPolicy
from arkgraph.sparql_client import RESULTS_JSON, EndpointError, Endpoints, SparqlClient
from oxigraph_server import (PROV_TRIPLES, FaultProxy, OxigraphServer, free_port, normalize, record_iri,
                             triples_per_record, write_nq)

pytestmark = pytest.mark.slow  # each test starts a real oxigraph server
FAST = ["--max-retries", "4", "--backoff", "0.01", "--timeout", "2"]


def run(*args: object, env: dict[str, str] | None = None):
    return CliRunner().invoke(load, [str(a) for a in args], catch_exceptions=False, env=env)


def assert_retries(proxy: FaultProxy, stderr: str, at_least: int) -> None:
    """The faults cost ``at_least`` retries; the count is the proxy's: a request that a loaded machine
    answers later than --timeout is re-sent too, and the summary counts it alike."""
    sent = [(s.method, s.path, s.body) for s in proxy.seen]
    retries = len(sent) - len(set(sent))
    assert retries >= at_least and f"{retries} retries" in stderr, (retries, stderr)


def clean_load(tmp_path: Path, nq: Path) -> str:
    """The reference: the same file into a fresh server with nothing in the way."""
    ref = OxigraphServer(tmp_path / "reference-db").start()
    try:
        res = run(nq, "--store", ref.url, "--checkpoint", tmp_path / "ref.ck")
        assert res.exit_code == 0, res.output
        return ref.nquads()
    finally:
        ref.stop()


@pytest.mark.parametrize("protocol", ["update", "gsp"])
def test_remote_load_twice_and_changed_records(tmp_path: Path, oxigraph_server: OxigraphServer,
                                               protocol: str) -> None:
    url = oxigraph_server.url
    nq = write_nq(tmp_path / "v1.nq", range(30))
    for _ in range(2):
        res = run(nq, "--store", url, "--protocol", protocol, "--batch", "7", "--checkpoint", tmp_path / "ck")
        assert res.exit_code == 0, res.output
    assert oxigraph_server.count() == 30 * (triples_per_record() + PROV_TRIPLES)
    res = run(write_nq(tmp_path / "v2.nq", range(10, 12), version=2, deleted=[20]), "--store", url,
              "--protocol", protocol, "--checkpoint", tmp_path / "ck")
    assert res.exit_code == 0, res.output
    assert oxigraph_server.count() == (27 * triples_per_record(1) + 2 * triples_per_record(2)
                                       + 29 * PROV_TRIPLES)
    assert oxigraph_server.count(f"{{ GRAPH <{record_iri(20)}> {{ ?s ?p ?o }} }}") == 0
    assert oxigraph_server.count("{ ?s <https://w3id.org/arkgraph/ns#deleted> ?o }") == 0


def test_remote_default_graph(tmp_path: Path, oxigraph_server: OxigraphServer) -> None:
    nq = write_nq(tmp_path / "v1.nq", range(6))
    for _ in range(2):
        res = run(nq, "--store", oxigraph_server.url, "--default-graph", "--checkpoint", tmp_path / "ck")
        assert res.exit_code == 0, res.output
    assert oxigraph_server.count() == 0
    assert oxigraph_server.count("{ ?s ?p ?o }") == 6 * (triples_per_record() - 1 + PROV_TRIPLES) + 3
    gsp = run(nq, "--store", oxigraph_server.url, "--default-graph", "--protocol", "gsp")
    assert gsp.exit_code == 2 and "--protocol update" in gsp.stderr


def test_remote_query(tmp_path: Path, oxigraph_server: OxigraphServer) -> None:
    run(write_nq(tmp_path / "v1.nq", range(3)), "--store", oxigraph_server.url, "--checkpoint", tmp_path / "ck")
    q = "SELECT ?g WHERE { GRAPH ?g { ?g a <http://schema.org/VisualArtwork> } } ORDER BY ?g"
    res = CliRunner().invoke(query, ["--store", oxigraph_server.url, "--format", "csv", q])
    assert res.exit_code == 0 and res.stdout.splitlines() == ["g", *(record_iri(i) for i in range(3))]
    table = CliRunner().invoke(query, ["--store", oxigraph_server.url, "--format", "table", q]).stdout
    assert f"<{record_iri(2)}>" in table
    bad = CliRunner().invoke(query, ["--store", oxigraph_server.url, "SELEC"])
    assert bad.exit_code == 2 and "HTTP 400" in bad.stderr


def test_token_never_in_output_logs_or_checkpoint(tmp_path: Path, oxigraph_server: OxigraphServer) -> None:
    token = "s3cr3t-T0KEN-value"
    leaky_body = f"error: you sent Authorization: Bearer {token}".encode()
    plan = {3: ("status", 503, {}, leaky_body)}  # a server that echoes the header back in an error
    proxy = FaultProxy(oxigraph_server.url, lambda n: plan.get(n, "pass"), require_auth=f"Bearer {token}").start()
    ck = tmp_path / "ck"
    try:
        nq = write_nq(tmp_path / "v1.nq", range(12))
        ok = run(nq, "--store", proxy.url, "--auth-env", "ARKGRAPH_AUTH", "--batch", "4", "--checkpoint", ck,
                 *FAST, env={"ARKGRAPH_AUTH": f"bearer:{token}"})
        assert ok.exit_code == 0, ok.output
        assert "retry 1/4" in ok.stderr and "[REDACTED]" in ok.stderr  # the echoed token was masked
        # a failing run with the token on the command line: the stop message and retries stay clean
        plan.update({n: ("status", 500, {}, leaky_body) for n in range(4, 60)})
        bad = run(nq, "--store", proxy.url, "--auth", f"bearer:{token}", "--checkpoint", ck, *FAST)
        assert bad.exit_code == 1 and "--resume" in bad.stderr
        wrong = run(nq, "--store", proxy.url, "--auth", "basic:ann:pa55word", "--checkpoint", ck, *FAST)
        assert wrong.exit_code == 1 and "HTTP 401" in wrong.stderr
        for out in (ok.output, bad.output, wrong.output, ck.read_text()):
            assert token not in out
            assert "pa55word" not in out and base64.b64encode(b"ann:pa55word").decode() not in out
        assert any(s.headers.get("authorization") == f"Bearer {token}" for s in proxy.seen)
    finally:
        proxy.stop()


def test_refused_connections_then_resume(tmp_path: Path) -> None:
    port = free_port()  # nothing listens here yet
    url = f"http://127.0.0.1:{port}"
    nq = write_nq(tmp_path / "v1.nq", range(10))
    res = run(nq, "--store", url, "--checkpoint", tmp_path / "ck", *FAST)
    assert res.exit_code == 1
    last = res.stderr.strip().splitlines()[-1]
    assert "connection refused" in last and "0 graphs written" in last and "--resume" in last
    assert res.stderr.count("retry ") == 4
    server = OxigraphServer(tmp_path / "db", port).start()
    try:
        res = run(nq, "--store", url, "--checkpoint", tmp_path / "ck", "--resume", *FAST)
        assert res.exit_code == 0, res.output
        assert server.count() == 10 * (triples_per_record() + PROV_TRIPLES)
    finally:
        server.stop()


def test_5xx_and_429_are_retried(tmp_path: Path, oxigraph_server: OxigraphServer) -> None:
    plan = {2: ("status", 503, {}, b"busy"), 3: ("status", 429, {"retry-after": "0"}, b"slow down"),
            4: ("status", 502, {}, b"bad gateway"), 6: "drop"}
    proxy = FaultProxy(oxigraph_server.url, lambda n: plan.get(n, "pass")).start()
    try:
        nq = write_nq(tmp_path / "v1.nq", range(25))
        res = run(nq, "--store", proxy.url, "--batch", "5", "--checkpoint", tmp_path / "ck", *FAST)
        assert res.exit_code == 0, res.output
        assert_retries(proxy, res.stderr, 4)
        assert oxigraph_server.count() == 25 * (triples_per_record() + PROV_TRIPLES)
    finally:
        proxy.stop()


def test_persistent_failure_stops_and_resume_completes(tmp_path: Path, oxigraph_server: OxigraphServer) -> None:
    failing = {"on": True}
    proxy = FaultProxy(oxigraph_server.url,
                       lambda n: ("status", 500, {}, b"boom") if n > 3 and failing["on"] else "pass").start()
    ck = tmp_path / "ck"
    try:
        nq = write_nq(tmp_path / "v1.nq", range(40))
        res = run(nq, "--store", proxy.url, "--batch", "5", "--checkpoint", ck, *FAST)
        assert res.exit_code == 1
        last = res.stderr.strip().splitlines()[-1]
        assert "HTTP 500" in last and "stopped after 15 graphs written" in last and "--resume" in last
        assert ck.exists()
        failing["on"] = False
        res = run(nq, "--store", proxy.url, "--batch", "5", "--checkpoint", ck, "--resume", *FAST)
        assert res.exit_code == 0, res.output
        assert "15 already done" in res.stderr and "loaded 25 graphs" in res.stderr
        assert not ck.exists()
        assert normalize(oxigraph_server.nquads()) == normalize(clean_load(tmp_path, nq))
    finally:
        proxy.stop()


@pytest.mark.parametrize("fault", ["hang", "pass_then_drop"])
def test_timeout_mid_load_no_loss_no_duplicate(tmp_path: Path, oxigraph_server: OxigraphServer,
                                               fault: str) -> None:
    # "hang": no answer at all; "pass_then_drop": the server committed but the answer is lost,
    # so the client re-sends a batch that is already applied.
    plan = {3: fault, 4: fault}
    proxy = FaultProxy(oxigraph_server.url, lambda n: plan.get(n, "pass")).start()
    try:
        nq = write_nq(tmp_path / "v1.nq", range(30))
        res = run(nq, "--store", proxy.url, "--batch", "5", "--checkpoint", tmp_path / "ck",
                  "--max-retries", "3", "--backoff", "0.01", "--timeout", "1")
        assert res.exit_code == 0, res.output
        assert_retries(proxy, res.stderr, 2)
        assert normalize(oxigraph_server.nquads()) == normalize(clean_load(tmp_path, nq))
    finally:
        proxy.stop()


def test_server_stopped_and_restarted_mid_load(tmp_path: Path) -> None:
    server = OxigraphServer(tmp_path / "db").start()

    def crash(proxy: FaultProxy, n: int) -> object:
        # the batch reaches the server, then the server dies before the client hears back
        return ("pass_then", server.kill)

    def restart(proxy: FaultProxy, n: int) -> object:
        server.start()
        return "pass"

    plan = {4: crash, 7: restart}
    proxy = FaultProxy(server.url, lambda n: plan.get(n, "pass")).start()
    try:
        nq = write_nq(tmp_path / "v1.nq", range(50))
        res = run(nq, "--store", proxy.url, "--batch", "5", "--checkpoint", tmp_path / "ck", *FAST)
        assert res.exit_code == 0, res.output
        assert_retries(proxy, res.stderr, 3)
        assert normalize(server.nquads()) == normalize(clean_load(tmp_path, nq))
        assert server.count() == 50 * (triples_per_record() + PROV_TRIPLES)
    finally:
        proxy.stop()
        server.stop()


def test_the_store_client_retries_as_the_harvester_does(oxigraph_server: OxigraphServer) -> None:
    # the same policy as harvests (arkgraph.http): Retry-After first, then full jitter, then a bounded stop
    plan = {1: ("status", 429, {"retry-after": "7"}, b"slow down"), 2: ("status", 503, {}, b"busy")}
    proxy = FaultProxy(oxigraph_server.url, lambda n: plan.get(n, "pass")).start()
    sleeps: list[float] = []
    notes: list[str] = []
    policy = RetryPolicy(max_retries=2, backoff=0.5, backoff_max=1.0, timeout=5)
    client = SparqlClient(Endpoints.from_url(proxy.url), policy=policy, log=notes.append, sleep=sleeps.append)
    try:
        assert client.query("ASK { ?s ?p ?o }", RESULTS_JSON).status_code == 200
        assert sleeps[0] == 7.0 and 0 <= sleeps[1] <= 1.0 and client.retries == 2
        assert notes[1].startswith("HTTP 503 Service Unavailable — busy: ") and "retry 2/2" in notes[1]
        plan.update({n: ("status", 502, {}, b"down") for n in range(4, 7)})
        with pytest.raises(EndpointError, match=r"HTTP 502 Bad Gateway — down \(gave up after 3 attempts\)"):
            client.query("ASK { ?s ?p ?o }", RESULTS_JSON)
    finally:
        client.close()
        proxy.stop()
