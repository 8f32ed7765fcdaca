"""The HTTP policy (retries, Retry-After, bounds, redaction) and the harvest building blocks."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from arkgraph.errors import UsageError
from arkgraph.harvest import gallica, parismusees
from arkgraph.harvest.checkpoint import Checkpoint
from arkgraph.harvest.files import atomic_write, clean_stale_temps
from arkgraph.harvest.progress import StderrReporter
from arkgraph.http import USER_AGENT, Fetcher, FetchError, RetryPolicy, make_client, retry_after_seconds
from arkgraph.redact import Redactor
from harvest_server import TOKEN


def fetcher(policy: RetryPolicy, sleeps: list[float], **kw) -> Fetcher:
    return Fetcher(make_client(policy), policy, sleep=sleeps.append, **kw)


def test_retry_after_is_honoured_and_attempts_are_bounded(harvest_server):
    s = harvest_server
    s.fault(lambda r: True, "status", status=429, retry_after="7")
    s.fault(lambda r: True, "status", status=503, times=2)
    sleeps: list[float] = []
    policy = RetryPolicy(max_retries=5, backoff=0.5, backoff_max=1.0, timeout=5)
    with fetcher(policy, sleeps) as f:
        response, _ = f.get(s.url + "/services/Pagination?ark=bpt6k5603637g")
    assert response.status_code == 200
    assert sleeps[0] == 7.0  # the server's Retry-After, not our backoff
    assert all(0 <= d <= 1.0 for d in sleeps[1:]) and len(sleeps) == 3  # jittered backoff, capped
    assert (f.stats.requests, f.stats.retries, f.stats.failures) == (4, 3, 0)

    s.fault(lambda r: True, "status", status=502, times=None)
    sleeps.clear()
    with fetcher(RetryPolicy(max_retries=2, backoff=0.001), sleeps) as f:
        with pytest.raises(FetchError, match=r"HTTP 502 Bad Gateway \(gave up after 3 attempts\)"):
            f.get(s.url + "/services/Pagination?ark=x")
    assert f.stats.requests == 3 and f.stats.failures == 1


def test_retry_after_cap_and_http_date(harvest_server):
    assert retry_after_seconds("120") == 120.0 and retry_after_seconds("1.5") == 1.5
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0  # already past
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    assert retry_after_seconds("nan") is None and retry_after_seconds("-3") is None
    # a server asking for an hour gets the policy's cap, not the hour
    harvest_server.fault(lambda r: True, "status", status=503, retry_after="3600")
    sleeps: list[float] = []
    with fetcher(RetryPolicy(max_retries=1), sleeps) as f:
        f.get(harvest_server.url + "/services/Pagination?ark=bpt6k5603637g")
    assert sleeps == [RetryPolicy.retry_after_max]


def test_harvests_and_stores_share_one_retry_policy_and_its_defaults():
    from arkgraph.cli.harvest import harvest
    from arkgraph.cli.store import load, query

    defaults = RetryPolicy()
    expected = {"max_retries": defaults.max_retries, "backoff": defaults.backoff, "timeout": defaults.timeout}
    for command in (harvest.commands["gallica"], harvest.commands["parismusees"], load, query):
        shown = {p.name: p.default for p in command.params if p.name in expected}
        assert shown == expected, command.name


def test_connection_refused_is_retried_then_reported(tmp_path):
    sleeps: list[float] = []
    with fetcher(RetryPolicy(max_retries=1, backoff=0.001, timeout=2), sleeps) as f:
        with pytest.raises(FetchError, match="ConnectError.*gave up after 2 attempts"):
            f.get("http://127.0.0.1:9/nothing-listens-here")
    assert len(sleeps) == 1


def test_client_headers_and_redaction(harvest_server):
    sleeps: list[float] = []
    policy = RetryPolicy(max_retries=0)
    client = make_client(policy, headers={"auth-token": TOKEN})
    assert client.headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("arkgraph/")
    notes: list[str] = []
    harvest_server.fault(lambda r: True, "status", status=404, times=None)
    f = Fetcher(client, policy, redact=Redactor([TOKEN]), on_retry=notes.append, sleep=sleeps.append)
    with f, pytest.raises(FetchError) as info:
        f.get(f"{harvest_server.url}/graphql?token={TOKEN}")
    assert TOKEN not in str(info.value) and "[REDACTED]" in str(info.value) and TOKEN not in info.value.url


def test_checkpoint_roundtrip_and_corruption(tmp_path):
    cp = Checkpoint(tmp_path, "gallica", {"mode": "sru", "query": "x"})
    assert not cp.resumed
    cp.state["start"] = 51
    cp.save()
    again = Checkpoint(tmp_path, "gallica", {"mode": "sru", "query": "x"})
    assert again.resumed and again.state["start"] == 51
    assert Checkpoint(tmp_path, "gallica", {"mode": "sru", "query": "y"}).id != cp.id
    cp.path.write_text("{ truncated")
    assert Checkpoint(tmp_path, "gallica", {"mode": "sru", "query": "x"}).state == {}
    # convert never mistakes a checkpoint for a response
    assert cp.path.suffix not in {".json", ".xml", ".jsonl", ".gz"}


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "a" / "page.xml"
    atomic_write(target, b"<ok/>")

    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"<ok/>"
    assert [p.name for p in target.parent.iterdir()] == ["page.xml"]
    # a killed run's temporary (its PID is gone) is removed; another live run's, or one not ours, is kept
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()
    (target.parent / f".page.xml.{dead.pid}.0123abcd.part").write_bytes(b"<half")
    (target.parent / f".page.xml.{os.getpid()}.0123abcd.part").write_bytes(b"<half")
    (target.parent / ".page.xml.abc.part").write_bytes(b"<half")
    assert clean_stale_temps(tmp_path) == 1
    assert sorted(p.name for p in target.parent.iterdir()) == [f".page.xml.{os.getpid()}.0123abcd.part",
                                                               ".page.xml.abc.part", "page.xml"]


def test_query_conditions_and_museums():
    query = parismusees.load_query()
    assert "$limit" in query and "fieldVisuels" in query and "fieldAuteurFonction" in query
    filtered = parismusees.add_conditions(query, parismusees.filter_conditions(museum="PPA"))
    # inserted in the real list, not in the header comment that mentions `conditions: [`
    assert filtered.count('value: ["20"]') == 1
    assert filtered.index('value: ["20"]') > filtered.index("nodeQuery(")
    assert parismusees.museum_tid("musee-carnavalet") == "12" and parismusees.museum_tid("383380") == "383380"
    with pytest.raises(UsageError):
        parismusees.add_conditions("query ($limit: Int, $offset: Int) { nodeQuery(limit: $limit) { count } }",
                                   ['{field: "x", value: "1"}'])


def test_default_query_selects_every_reference_field():
    query = parismusees.load_query()
    for name in ["entityUuid", "nid", "absolutePath", "fieldUrlAlias", "fieldLrefAdlib", "fieldOeuvreNumInventaire",
                 "fieldTitreDeMediation", "fieldSousTitreDeMediation", "fieldPipDateNaissance", "fieldPipLieuNaissance",
                 "fieldPipDateDeces", "fieldLieuDeces", "fieldOeuvreSiecle", "fieldOeuvreEpoquePeriode",
                 "fieldOeuvreTypesObjet", "fieldDenominations", "fieldMateriauxTechnique", "fieldOeuvreDimensions",
                 "fieldOeuvreInscriptions", "fieldOeuvreDescriptionIcono", "fieldCommentaireHistorique",
                 "fieldOeuvreThemeRepresente", "fieldLieuxConcernes", "fieldPersonnesConcernees",
                 "fieldOeuvreStyleMouvement", "fieldOeuvreLieuxProductions", "fieldModaliteAcquisition",
                 "fieldDateAcquisition", "fieldDonateurs", "fieldMusee", "fieldOeuvreExpose", "publicUrl",
                 "fieldImageLibre", "fieldCopyright", "fieldImageDroits", "fieldLegende", "vignette"]:
        assert name in query, name
    assert query.count("{") == query.count("}")


def test_ark_names():
    assert gallica.ark_name("ark:/12148/bpt6k58017546") == "bpt6k58017546"
    assert gallica.ark_name("https://gallica.bnf.fr/ark:/12148/bpt6k58017546/f3.item") == "bpt6k58017546"
    assert gallica.ark_name("ark:/12148/cb328261098/date") == "cb328261098/date"
    assert gallica.ark_name("btv1b10870266z") == "btv1b10870266z"


def test_progress_bar_on_a_tty():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = StderrReporter("gallica", stream=stream)
    bar.total(200)
    bar.advance(50)
    bar.note("retrying: HTTP 503")
    bar.close()
    text = stream.getvalue()
    assert "50/200" in text and " 25%|" in text and "rec/s" in text and "retrying: HTTP 503\n" in text
    assert "<" in text.split("50/200", 1)[1].split("]", 1)[0]  # elapsed<remaining: the ETA
    piped = io.StringIO()
    quiet = StderrReporter("gallica", stream=piped)
    quiet.total(10)
    quiet.advance(5)
    quiet.close()
    assert piped.getvalue() == ""  # no bar when stderr is not a terminal


def test_then_convert_hands_the_directory_to_convert(harvest_server, tmp_path):
    cli = pytest.importorskip("arkgraph.cli")
    from click.testing import CliRunner

    out = tmp_path / "out.nt"
    result = CliRunner().invoke(cli.main, ["harvest", "parismusees", "--endpoint", harvest_server.url + "/graphql",
                                           "--out", str(tmp_path / "raw"), "--rate", "0", "--limit", "250",
                                           "--then-convert", "--profile", "schemaorg", "-o", str(out)],
                                env={"PM_TOKEN": TOKEN})
    assert "parismusees: 1 requests" in result.stderr
    assert result.exit_code in (0, 1), result.stderr  # convert's own status (1 = some records rejected)
    assert out.exists() and out.stat().st_size > 0
    assert TOKEN.encode() not in out.read_bytes()
