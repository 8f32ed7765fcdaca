"""Paris Musées harvest against a real loopback server replaying the real nodeQuery response."""

from __future__ import annotations

import json
import signal
import subprocess
from collections import Counter
from pathlib import Path

from harvest_server import (
    FAST,
    TOKEN,
    all_bytes_under,
    child_env,
    run_harvest,
    subprocess_cmd,
    wait_for,
)

EXPECTED = 249  # 250 real entities, one of them null


def uuids(out: Path) -> Counter[str]:
    seen: Counter[str] = Counter()
    for path in sorted(out.glob("nodequery-*.json")):
        for entity in json.loads(path.read_bytes())["data"]["nodeQuery"]["entities"]:
            if entity is not None:
                seen[entity["entityUuid"]] += 1
    return seen


def pm(server, out: Path, *extra: str):
    return run_harvest("parismusees", "--endpoint", server.url + "/graphql", "--out", str(out), "--limit", "40",
                       *FAST, *extra)


def offsets(server) -> list[int]:
    return [r.body["variables"]["offset"] for r in server.requests("/graphql")]


def assert_no_token(out: Path, *texts: str) -> None:
    assert TOKEN.encode() not in all_bytes_under(out)
    for text in texts:
        assert TOKEN not in text


def at(offset: int):
    return lambda r: r.path == "/graphql" and r.body["variables"]["offset"] == offset


def test_complete_harvest_through_every_fault(harvest_server, tmp_path):
    s = harvest_server
    s.fault(at(0), "status", status=429, retry_after="0")
    s.fault(at(40), "status", status=500)
    s.fault(at(40), "status", status=502)
    s.fault(at(80), "status", status=503)
    s.fault(at(120), "html")
    s.fault(at(160), "reset")
    s.fault(at(200), "truncated")
    s.fault(at(240), "hang")  # no answer at all: the client's --timeout ends the wait
    result = pm(s, tmp_path, "--timeout", "1")
    assert result.exit_code == 0, result.stderr
    seen = uuids(tmp_path)
    assert len(seen) == EXPECTED and set(seen.values()) == {1}
    # saved as received: the page files are the server's bytes
    files = sorted(tmp_path.glob("nodequery-*.json"))
    assert len(files) == 7
    first = json.loads(files[0].read_bytes())
    assert first["data"]["nodeQuery"]["entities"][0] is None and first["data"]["nodeQuery"]["count"] == 250
    summary = result.stderr.strip().splitlines()[-1]
    # every fault was met and cost a retry; the count is the server's (a page that a loaded machine
    # answers later than --timeout costs one more, and is counted alike)
    assert all(f.hits == f.times for f in s.faults)
    retries = len(s.requests("/graphql")) - len(files)
    assert retries >= 8 and f"{retries} retries" in summary
    assert "249 records" in summary and "0 failures" in summary
    assert "requests/day per token" in summary
    assert_no_token(tmp_path, result.stderr, result.stdout)
    # the token travelled in the auth-token header, on every request
    assert all(r.headers.get("auth-token") == TOKEN for r in s.requests("/graphql"))


def test_graphql_errors_stop_then_resume_without_refetching(harvest_server, tmp_path):
    s = harvest_server
    s.fault(at(80), "gqlerrors")
    first = pm(s, tmp_path)
    assert first.exit_code == 1
    message = [line for line in first.stderr.splitlines() if line.startswith("Error:")]
    assert len(message) == 1
    assert "GraphQL errors: Syntax Error" in message[0] and "offset 80 of 250" in message[0]
    assert "re-run the same command to resume" in message[0]
    assert offsets(s) == [0, 40, 80]  # errors are not retried: they would only burn the budget
    second = pm(s, tmp_path)
    assert second.exit_code == 0, second.stderr
    assert offsets(s) == [0, 40, 80, 80, 120, 160, 200, 240]
    seen = uuids(tmp_path)
    assert len(seen) == EXPECTED and set(seen.values()) == {1}
    third = pm(s, tmp_path)
    assert third.exit_code == 0 and "already complete" in third.stderr
    assert len(offsets(s)) == 8
    assert_no_token(tmp_path, first.stderr, second.stderr, third.stderr)


def test_server_down_for_a_page_then_recovers(harvest_server, tmp_path):
    s = harvest_server
    s.fault(at(120), "status", status=503, times=None)
    first = pm(s, tmp_path, "--max-retries", "2")
    assert first.exit_code == 1
    assert "HTTP 503" in first.stderr and "gave up after 3 attempts" in first.stderr
    assert "offset 120" in first.stderr
    assert len(list(tmp_path.glob("nodequery-*.json"))) == 3
    s.clear_faults()
    second = pm(s, tmp_path)
    assert second.exit_code == 0, second.stderr
    assert "resuming at offset 120" in second.stderr
    seen = uuids(tmp_path)
    assert len(seen) == EXPECTED and set(seen.values()) == {1}


def test_killed_mid_harvest_resumes_to_completion(harvest_server, tmp_path):
    """A real SIGKILL while a page is in flight: no partial file, and the re-run completes."""
    s = harvest_server
    hang = s.fault(at(120), "hang")
    # a long --timeout: the page in flight must still be in flight when the signal lands, however loaded
    args = ["parismusees", "--endpoint", s.url + "/graphql", "--out", str(tmp_path), "--limit", "40", *FAST,
            "--timeout", "600", "-q"]
    child = subprocess.Popen(subprocess_cmd(*args), env=child_env(), stderr=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        reached = wait_for(hang.reached, child)
        assert reached, child.communicate()
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.communicate()
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".part")]
    s.clear_faults()
    s.release.set()
    result = pm(s, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert offsets(s)[-4:] == [120, 160, 200, 240] and offsets(s).count(0) == 1
    seen = uuids(tmp_path)
    assert len(seen) == EXPECTED and set(seen.values()) == {1}


def test_filters_and_bearer_header(harvest_server, tmp_path):
    s = harvest_server
    result = pm(s, tmp_path, "--museum", "petit-palais", "--object-type", "167902", "--modified-since", "2024-01-01",
                "--token-header", "bearer", "--limit", "250")
    assert result.exit_code == 0, result.stderr
    request = s.requests("/graphql")[0]
    query = request.body["query"]
    assert '{field: "field_musee", value: ["20"]}' in query
    assert '{field: "field_oeuvre_types_objet.entity.tid", value: "167902"}' in query
    assert '{field: "changed", value: "1704067200", operator: GREATER_THAN_OR_EQUAL}' in query
    assert '{field: "type", value: "oeuvre"}' in query and "fieldVisuels" in query
    assert request.headers["authorization"] == f"Bearer {TOKEN}" and "auth-token" not in request.headers
    assert request.headers["user-agent"].startswith("arkgraph/")
    assert "Paris Musées: 250 records" in result.stderr and "1000 requests per day" in result.stderr
    assert_no_token(tmp_path, result.stderr)


def test_user_query_file(harvest_server, tmp_path):
    query = tmp_path / "q.graphql"
    query.write_text('query ($limit: Int!, $offset: Int!) { nodeQuery(filter: {conditions: [{field: "type", value: "oeuvre"}]}'
                     " limit: $limit offset: $offset) { count entities { entityUuid } } }")
    out = tmp_path / "out"
    result = pm(harvest_server, out, "--query", str(query), "--museum", "13")
    assert result.exit_code == 0, result.stderr
    assert 'value: ["13"]' in harvest_server.requests("/graphql")[0].body["query"]
    assert len(uuids(out)) == EXPECTED


def test_usage_errors_exit_2(harvest_server, tmp_path):
    no_token = run_harvest("parismusees", "--out", str(tmp_path), "--token-env", "ARKGRAPH_NO_SUCH_VAR")
    assert no_token.exit_code == 2 and "ARKGRAPH_NO_SUCH_VAR" in no_token.stderr
    museum = pm(harvest_server, tmp_path, "--museum", "louvre")
    assert museum.exit_code == 2 and "unknown museum" in museum.stderr
    bad = tmp_path / "bad.graphql"
    bad.write_text("{ nodeQuery(limit: 10) { entities { entityUuid } } }")
    query = pm(harvest_server, tmp_path, "--query", str(bad))
    assert query.exit_code == 2 and "$limit and $offset" in query.stderr
    convert_opts = pm(harvest_server, tmp_path, "-o", "x.nq")
    assert convert_opts.exit_code == 2 and "--then-convert" in convert_opts.stderr
    assert harvest_server.requests() == []
    assert "Traceback" not in no_token.stderr + museum.stderr + query.stderr


def test_forbidden_is_final_and_token_redacted(harvest_server, tmp_path):
    # a 403 HTML page (key rejected) is not retried; the message names status and URL, never the token
    harvest_server.fault(lambda r: True, "status", status=403, times=None)
    result = pm(harvest_server, tmp_path)
    assert result.exit_code == 1
    assert "HTTP 403" in result.stderr and len(harvest_server.requests()) == 1
    assert_no_token(tmp_path, result.stderr, result.stdout)


def test_token_in_error_text_is_redacted(harvest_server, tmp_path):
    # even if a server echoes the token back in its error, it never reaches the terminal or disk
    harvest_server.fault(lambda r: True, "status", status=403, times=None)
    result = run_harvest("parismusees", "--endpoint", f"{harvest_server.url}/graphql?echo={TOKEN}", "--out",
                         str(tmp_path), *FAST)
    assert result.exit_code == 1 and "[REDACTED]" in result.stderr
    assert_no_token(tmp_path, result.stderr, result.stdout)


def test_errors_alongside_data_keep_the_page(harvest_server, tmp_path):
    # GraphQL may report field errors next to usable data: the page is kept as received, with a note
    body = json.dumps({"errors": [{"message": "Access denied to fieldHdVisuel"}],
                       "data": {"nodeQuery": {"count": 2, "entities": [None, {"entityUuid": "u-1"}]}}}).encode()
    harvest_server.fault(at(0), "body", body=body)
    result = pm(harvest_server, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "GraphQL errors alongside data (page kept): Access denied" in result.stderr
    assert "1 records" in result.stderr.splitlines()[-1]
    assert list(tmp_path.glob("nodequery-*.json"))[0].read_bytes() == body


def test_a_server_echoing_the_token_never_gets_it_written_or_printed(harvest_server, tmp_path):
    """GraphQL `errors` quoting the token the request carried: redacted in notes, errors, saved pages,
    the checkpoint (the endpoint URL carries it too here) and the rejects of a later convert."""
    from click.testing import CliRunner

    from arkgraph.cli import main

    s = harvest_server
    s.fault(at(40), "gqlerrors", echo=True, with_data=True)  # field errors next to data: the page is kept
    s.fault(at(80), "gqlerrors", echo=True)  # errors alone: the harvest stops with the server's message
    out = tmp_path / "raw"
    endpoint = f"{s.url}/graphql?key={TOKEN}"
    first = run_harvest("parismusees", "--endpoint", endpoint, "--out", str(out), "--limit", "40", *FAST)
    assert first.exit_code == 1
    assert all(f.hits == 1 for f in s.faults)
    assert "GraphQL errors alongside data (page kept): Invalid credentials: [REDACTED]" in first.stderr
    assert "GraphQL errors: Invalid credentials: [REDACTED] is not a valid token" in first.stderr
    kept = sorted(out.glob("nodequery-*.json"))[1].read_bytes()
    assert b"Invalid credentials: [REDACTED] is not a valid token" in kept  # as received, but for the token
    assert len(json.loads(kept)["data"]["nodeQuery"]["entities"]) == 40
    second = run_harvest("parismusees", "--endpoint", endpoint, "--out", str(out), "--limit", "40", *FAST)
    assert second.exit_code == 0, second.stderr
    rejects = tmp_path / "rejects.jsonl"
    converted = CliRunner().invoke(main, ["convert", str(out), "-o", str(tmp_path / "o.nq"), "--rejects", str(rejects),
                                          "-v"])
    assert converted.exit_code == 1  # the kept page's errors are a reject
    assert "GraphQL errors in response: Invalid credentials: [REDACTED]" in rejects.read_text()
    assert_no_token(out, first.stderr, first.stdout, second.stderr, converted.stderr, rejects.read_text())
    assert TOKEN.encode() not in all_bytes_under(tmp_path)
