"""Gallica harvest against a real loopback server replaying real Gallica responses."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

import signal
import subprocess

from harvest_server import (
    FAST,
    FIXTURES,
    SETS,
    _oai_error,
    child_env,
    run_harvest,
    subprocess_cmd,
    wait_for,
)

OAI = "{http://www.openarchives.org/OAI/2.0/}"
SRW = "{http://www.loc.gov/zing/srw/}"
ARKS = ["bpt6k1914256x", "bpt6k5603637g", "bpt6k5785971m", "bpt6k58017546", "bpt6k58040250", "bpt6k5805671m",
        "btv1b10870266z"]


def gallica(server, out: Path, *extra: str):
    return run_harvest("gallica", "--endpoint", server.url, "--out", str(out), *FAST, *extra)


def oai_ids(out: Path) -> Counter[str]:
    seen: Counter[str] = Counter()
    for path in sorted((out / "oaipmh").glob("listrecords-*.xml")):
        for ident in etree.parse(str(path)).getroot().iter(f"{OAI}identifier"):
            seen[ident.text] += 1
    return seen


def sru_arks(out: Path) -> Counter[str]:
    seen: Counter[str] = Counter()
    for path in sorted((out / "sru").glob("sru-*.xml")):
        for record in etree.parse(str(path)).getroot().iter(f"{SRW}record"):
            seen[re.search(r"ark:/12148/\w+", " ".join(record.itertext())).group(0)] += 1
    return seen


def with_param(path: str, **params: str):
    return lambda r: r.path == path and all(r.params.get(k) == v for k, v in params.items())


def test_one_ark_with_every_service(harvest_server, tmp_path):
    result = gallica(harvest_server, tmp_path, "--ark", "ark:/12148/bpt6k5603637g", "--with", "pagination,toc,iiif,issues")
    assert result.exit_code == 0, result.stderr
    fx = FIXTURES / "gallica"
    # saved as received, byte for byte
    assert (tmp_path / "oairecord/bpt6k5603637g.xml").read_bytes() == (fx / "oairecord/bpt6k5603637g-fascicule.xml").read_bytes()
    assert (tmp_path / "pagination/bpt6k5603637g.xml").read_bytes() == (fx / "pagination/pagination-bpt6k5603637g.xml").read_bytes()
    assert (tmp_path / "toc/bpt6k5603637g.xml").read_bytes() == (fx / "toc/toc-item-seg.xml").read_bytes()
    assert (tmp_path / "iiif/bpt6k5603637g.json").read_bytes() == (fx / "iiif/manifest-bpt6k9604118j.json").read_bytes()
    # issues: the periodical (found in the record's dc:relation), its years, then each year
    assert (tmp_path / "issues/years-cb328261098.xml").read_bytes() == (fx / "issues/years-cb328261098.xml").read_bytes()
    years = sorted(p.name for p in (tmp_path / "issues").glob("18*-cb328261098.xml"))
    assert years == [f"{y}-cb328261098.xml" for y in range(1879, 1886)]
    issue_requests = harvest_server.requests("/services/Issues")
    assert issue_requests[0].params == {"ark": "ark:/12148/cb328261098/date"}
    assert [r.params.get("date") for r in issue_requests[1:]] == [str(y) for y in range(1879, 1886)]
    assert harvest_server.requests("/services/OAIRecord")[0].params == {"ark": "bpt6k5603637g"}
    assert harvest_server.requests()[0].headers["user-agent"].startswith("arkgraph/")
    assert "1 records" in result.stderr.splitlines()[-1]
    again = gallica(harvest_server, tmp_path, "--ark", "bpt6k5603637g", "--with", "pagination,toc,iiif,issues")
    assert again.exit_code == 0 and "already complete" in again.stderr
    assert len(harvest_server.requests()) == 12


def test_periodical_title_issues(harvest_server, tmp_path):
    result = gallica(harvest_server, tmp_path, "--ark", "ark:/12148/cb328261098/date", "--with", "issues,pagination")
    assert result.exit_code == 0, result.stderr
    assert len(list((tmp_path / "issues").glob("*-cb328261098.xml"))) == 8
    assert not (tmp_path / "pagination").exists()  # a title has no pages of its own
    assert harvest_server.requests("/services/OAIRecord")[0].params == {"ark": "cb328261098/date"}
    assert "0 failures" in result.stderr.splitlines()[-1]


def test_ark_list_concurrent_through_faults(harvest_server, tmp_path):
    s = harvest_server
    s.fault(with_param("/services/OAIRecord", ark="bpt6k5785971m"), "status", status=500)
    s.fault(with_param("/services/OAIRecord", ark="bpt6k58040250"), "truncated")
    s.fault(with_param("/services/OAIRecord", ark="bpt6k1914256x"), "reset")
    s.fault(with_param("/services/OAIRecord", ark="btv1b10870266z"), "html")
    s.fault(with_param("/services/Toc", ark="bpt6k5805671m"), "status", status=429, retry_after="0")
    s.fault(with_param("/iiif/ark:/12148/bpt6k58017546/manifest.json"), "hang")  # --timeout ends the wait
    arks = tmp_path / "arks.txt"
    arks.write_text("# a list\n" + "\n".join(f"https://gallica.bnf.fr/ark:/12148/{a}" for a in ARKS) + "\nbpt6k5603637g\n\n")
    out = tmp_path / "out"
    result = gallica(s, out, "--arks", str(arks), "--with", "toc,iiif", "--concurrency", "3", "--timeout", "1")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.stem for p in (out / "oairecord").iterdir()) == sorted(ARKS)
    assert sorted(p.stem for p in (out / "toc").iterdir()) == sorted(ARKS)
    assert sorted(p.stem for p in (out / "iiif").iterdir()) == sorted(ARKS)
    for ark in ARKS:  # every record file is complete, well-formed XML
        etree.parse(str(out / "oairecord" / f"{ark}.xml"))
    assert (out / "toc/bpt6k5805671m.xml").read_bytes().find(b"xhtml") > 0  # the XHTML Toc variant is kept
    last = result.stderr.splitlines()[-1]
    # every fault was met and cost a retry; the count is the server's (a response that a loaded
    # machine gives later than --timeout costs one more, and is counted alike)
    assert all(f.hits == f.times for f in s.faults)
    asked = [(r.path, tuple(sorted(r.params.items()))) for r in s.requests()]
    retries = len(asked) - len(set(asked))
    assert retries >= 6 and f"{retries} retries" in last
    assert "7 records" in last and "0 failures" in last


def test_failed_ark_reported_then_retried_alone(harvest_server, tmp_path):
    s = harvest_server
    s.fault(with_param("/services/OAIRecord", ark="bpt6k58017546"), "status", status=503, times=None)
    args = ["--ark", "bpt6k5603637g", "--ark", "bpt6k58017546", "--ark", "btv1b10870266z", "--max-retries", "1"]
    first = gallica(s, tmp_path, *args)
    assert first.exit_code == 1
    error = [line for line in first.stderr.splitlines() if line.startswith("Error:")]
    assert error == ["Error: Gallica harvest incomplete: 2 of 3 documents saved in "
                     f"{tmp_path}, 1 failed; re-run the same command to resume and retry the failed ones"]
    assert "failed: ark:/12148/bpt6k58017546: HTTP 503" in first.stderr
    s.clear_faults()
    before = len(s.requests())
    second = gallica(s, tmp_path, *args)
    assert second.exit_code == 0, second.stderr
    assert [r.params["ark"] for r in s.requests()[before:]] == ["bpt6k58017546"]


def test_unknown_ark_is_a_failure_not_a_file(harvest_server, tmp_path):
    result = gallica(harvest_server, tmp_path, "--ark", "bpt6k0000000")
    assert result.exit_code == 1 and "no record (countResults='0')" in result.stderr
    assert not (tmp_path / "oairecord").exists() or not list((tmp_path / "oairecord").iterdir())


def test_oai_pmh_pages_exactly_once_through_faults(harvest_server, tmp_path):
    s = harvest_server
    s.fault(with_param("/services/OAIRepository", resumptionToken="rt-4"), "truncated")
    s.fault(with_param("/services/OAIRepository", resumptionToken="rt-8"), "status", status=429, retry_after="0")
    s.fault(with_param("/services/OAIRepository", resumptionToken="rt-12"), "reset")
    s.fault(with_param("/services/OAIRepository", resumptionToken="rt-16"), "status", status=502)
    result = gallica(s, tmp_path, "--oai-set", "gallica:typedoc:periodiques", "--from", "2024-01-01", "--until", "2024-12-31")
    assert result.exit_code == 0, result.stderr
    first = s.requests("/services/OAIRepository")[0].params
    assert first == {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "gallica:typedoc:periodiques",
                     "from": "2024-01-01", "until": "2024-12-31"}
    seen = oai_ids(tmp_path)
    assert len(seen) == 27 and set(seen.values()) == {1}
    assert len(list((tmp_path / "oaipmh").glob("listrecords-*.xml"))) == 7
    assert "27 records" in result.stderr.splitlines()[-1]


def test_oai_pmh_interrupted_resumes_from_token(harvest_server, tmp_path):
    s = harvest_server
    s.fault(with_param("/services/OAIRepository", resumptionToken="rt-12"), "status", status=503, times=None)
    first = gallica(s, tmp_path, "--oai-set", "gallica:typedoc:periodiques", "--max-retries", "1")
    assert first.exit_code == 1
    assert "stopped at page 4 (resumption token saved), 12 records saved" in first.stderr
    s.clear_faults()
    before = len(s.requests())
    second = gallica(s, tmp_path, "--oai-set", "gallica:typedoc:periodiques")
    assert second.exit_code == 0, second.stderr
    tokens = [r.params.get("resumptionToken") for r in s.requests()[before:]]
    assert tokens == ["rt-12", "rt-16", "rt-20", "rt-24"]  # no restart from the first page
    seen = oai_ids(tmp_path)
    assert len(seen) == 27 and set(seen.values()) == {1}


def test_oai_pmh_no_records_match_is_an_empty_success(harvest_server, tmp_path):
    result = gallica(harvest_server, tmp_path, "--oai-set", "gallica:empty")
    assert result.exit_code == 0, result.stderr
    assert "0 records" in result.stderr.splitlines()[-1]
    assert not list(tmp_path.glob("oaipmh/*.xml"))


@pytest.mark.slow
def test_oai_pmh_with_services_fans_out_per_record(harvest_server, tmp_path):
    s = harvest_server
    s.fault(with_param("/services/Pagination", ark="bpt6k58017546"), "status", status=503, times=None)
    first = gallica(s, tmp_path, "--oai-set", "x", "--with", "pagination", "--max-retries", "0")
    assert first.exit_code == 1 and "1 documents failed" in first.stderr
    s.clear_faults()
    before = len(s.requests())
    second = gallica(s, tmp_path, "--oai-set", "x", "--with", "pagination")
    assert second.exit_code == 0, second.stderr
    assert [(r.path, r.params) for r in s.requests()[before:]] == [("/services/Pagination", {"ark": "bpt6k58017546"})]
    assert len(list((tmp_path / "pagination").iterdir())) == 27
    assert not (tmp_path / "oairecord").exists()  # the records came in the OAI-PMH pages


def test_sru_pages(harvest_server, tmp_path):
    s = harvest_server
    s.fault(with_param("/SRU", startRecord="13"), "truncated")
    s.fault(with_param("/SRU", startRecord="25"), "status", status=500)
    result = gallica(s, tmp_path, "--sru", 'dc.creator all "Verne"', "--limit", "12")
    assert result.exit_code == 0, result.stderr
    params = s.requests("/SRU")[0].params
    assert params == {"operation": "searchRetrieve", "version": "1.2", "query": 'dc.creator all "Verne"',
                      "startRecord": "1", "maximumRecords": "12"}
    seen = sru_arks(tmp_path)
    assert len(seen) == 50 and set(seen.values()) == {1}
    assert [r.params["startRecord"] for r in s.requests("/SRU")] == ["1", "13", "13", "25", "25", "37", "49"]


def test_list_sets(harvest_server, tmp_path):
    result = gallica(harvest_server, tmp_path, "--list-sets")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"{spec}\t{name}" for spec, name in SETS]
    assert len(list((tmp_path / "oaipmh").glob("listsets-*.xml"))) == 2


def test_entity_declarations_refused(harvest_server, tmp_path):
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE results [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<results countResults="1"><notice>&b;&x;</notice></results>')
    harvest_server.overrides["/services/OAIRecord"] = bomb
    result = gallica(harvest_server, tmp_path, "--ark", "bpt6k58017546")
    assert result.exit_code == 1 and "refusing XML that declares entities" in result.stderr
    assert len(harvest_server.requests()) == 1  # not retried
    assert not (tmp_path / "oairecord").exists()


def test_usage_errors_exit_2(harvest_server, tmp_path):
    cases = [
        ([], "choose exactly one"),
        (["--ark", "bpt6k58017546", "--sru", "x"], "choose exactly one"),
        (["--ark", "bpt6k58017546", "--with", "pagination,ocr"], "unknown service ocr"),
        (["--sru", "x", "--from", "2024-01-01"], "--from/--until go with --oai-set"),
        (["--ark", "not an ark!"], "not a Gallica ARK"),
        (["--list-sets", "--with", "toc"], "--list-sets takes"),
        (["--oai-set", "x", "--from", "01/02/2024"], "not YYYY-MM-DD"),
        (["--sru", "x", "--endpoint", "gallica.bnf.fr"], "not an http:// or https:// URL"),
    ]
    for args, message in cases:
        result = gallica(harvest_server, tmp_path, *args)
        assert result.exit_code == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert harvest_server.requests() == []


def interrupted(args: list[str], hang) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """A harvest in a real child process, sent SIGINT (Ctrl-C) once the server holds the ``hang`` request:
    (exit status, stderr)."""
    child = subprocess.Popen(subprocess_cmd(*args), env=child_env(), stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        reached = wait_for(hang.reached, child)
        assert reached, child.communicate()
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate()  # no deadline: pytest-timeout reports a child that never ends
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    return child.returncode, stderr


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_resumes(harvest_server, tmp_path):
    """SIGINT (Ctrl-C) in a real child process while a page is in flight."""
    s = harvest_server
    hang = s.fault(with_param("/services/OAIRepository", resumptionToken="rt-8"), "hang")
    # a long --timeout: however loaded the machine, the page is still in flight when the signal lands
    args = ["gallica", "--endpoint", s.url, "--out", str(tmp_path), "--oai-set", "x", *FAST, "--timeout", "600"]
    # the server has the request for page 3 when the signal lands: the child is waiting for its answer, the
    # checkpoint of page 2 is saved, and its SIGINT handler is long installed
    returncode, stderr = interrupted(args, hang)
    assert returncode == 1, stderr
    error = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert error and "interrupted at page 3 (resumption token saved), 8 records saved" in error[0]
    assert "re-run the same command to resume" in error[0]
    assert "Traceback" not in stderr and "8 records" in stderr.splitlines()[-1]
    s.clear_faults()
    s.release.set()
    result = gallica(s, tmp_path, "--oai-set", "x")
    assert result.exit_code == 0, result.stderr
    seen = oai_ids(tmp_path)
    assert len(seen) == 27 and set(seen.values()) == {1}


def test_expired_resumption_token_says_how_to_start_over(harvest_server, tmp_path):
    s = harvest_server
    s.fault(with_param("/services/OAIRepository", resumptionToken="rt-8"), "status", status=503, times=None)
    assert gallica(s, tmp_path, "--oai-set", "x", "--max-retries", "0").exit_code == 1
    s.clear_faults()
    s.fault(with_param("/services/OAIRepository", resumptionToken="rt-8"), "body",
            body=_oai_error("badResumptionToken", "The value of the resumptionToken argument is invalid or expired."))
    result = gallica(s, tmp_path, "--oai-set", "x")
    assert result.exit_code == 1
    assert "no longer accepts the saved resumption token; delete" in result.stderr


# -- issue #19: the pages' OCR (ALTO) and full-text search hits (ContentSearch) ----------------------------------

OCR_ARK = "bpt6k5628146t"  # real ALTO pages f1-f15 (tests/fixtures/harvest/gallica/alto/); its Pagination lists 15
QUERY = "garde champêtre"


def alto_requests(server) -> list[str]:
    return [r.params["Deb"] for r in server.requests("/RequestDigitalElement")]


def test_alto_pages_are_fetched_for_every_page_of_the_pagination_and_saved_byte_for_byte(harvest_server, tmp_path):
    result = gallica(harvest_server, tmp_path, "--ark", f"ark:/12148/{OCR_ARK}", "--with", "pagination,alto")
    assert result.exit_code == 0, result.stderr
    fx = FIXTURES / "gallica"
    assert (tmp_path / f"pagination/{OCR_ARK}.xml").read_bytes() == (fx / f"pagination/pagination-{OCR_ARK}.xml").read_bytes()
    assert alto_requests(harvest_server) == [str(n) for n in range(1, 16)]  # in the Pagination's order, each once
    assert all(r.params == {"O": OCR_ARK, "E": "ALTO", "Deb": r.params["Deb"]}
               for r in harvest_server.requests("/RequestDigitalElement"))
    saved = sorted((tmp_path / "alto" / OCR_ARK).iterdir(), key=lambda p: int(p.stem[1:]))
    assert [p.name for p in saved] == [f"f{n}.xml" for n in range(1, 16)]
    for path in saved:  # as received, and named by the page ARK the ALTO itself gives
        assert path.read_bytes() == (fx / "alto" / OCR_ARK / path.name).read_bytes()
        assert f"<fileIdentifier>ark:/12148/{OCR_ARK}/{path.stem}</fileIdentifier>".encode() in path.read_bytes()
    last = result.stderr.splitlines()[-1]
    assert "1 records" in last and "0 failures" in last and "17 files" in last  # record, Pagination, 15 pages


def test_alto_alone_fetches_and_saves_the_pagination_first(harvest_server, tmp_path):
    result = gallica(harvest_server, tmp_path, "--ark", OCR_ARK, "--with", "alto")
    assert result.exit_code == 0, result.stderr
    paths = [r.path for r in harvest_server.requests()]
    assert paths[:2] == ["/services/OAIRecord", "/services/Pagination"] and paths.count("/services/Pagination") == 1
    assert (tmp_path / f"pagination/{OCR_ARK}.xml").read_bytes() == \
        (FIXTURES / "gallica" / f"pagination/pagination-{OCR_ARK}.xml").read_bytes()
    assert len(list((tmp_path / "alto" / OCR_ARK).glob("f*.xml"))) == 15


def test_search_hits_are_saved_named_after_the_document_and_the_query(harvest_server, tmp_path):
    from arkgraph.harvest.gallica import query_slug

    result = gallica(harvest_server, tmp_path, "--ark", f"ark:/12148/{OCR_ARK}", "--search", QUERY)
    assert result.exit_code == 0, result.stderr
    assert [r.params for r in harvest_server.requests("/services/ContentSearch")] == [{"ark": OCR_ARK, "query": QUERY}]
    saved = list((tmp_path / "contentsearch").iterdir())
    assert [p.name for p in saved] == [f"{OCR_ARK}-{query_slug(QUERY)}.xml"]
    assert re.fullmatch(rf"{OCR_ARK}-garde-champetre-[0-9a-f]{{8}}\.xml", saved[0].name)
    assert saved[0].read_bytes() == (FIXTURES / "gallica/contentsearch/contentsearch-garde-champetre.xml").read_bytes()
    assert not (tmp_path / "alto").exists() and not (tmp_path / "pagination").exists()
    # another query is another file; the same query again is already saved
    assert gallica(harvest_server, tmp_path, "--ark", OCR_ARK, "--search", "garde-champetre").exit_code == 0
    assert len(list((tmp_path / "contentsearch").iterdir())) == 2
    again = gallica(harvest_server, tmp_path, "--ark", OCR_ARK, "--search", QUERY)
    assert again.exit_code == 0 and "already complete" in again.stderr
    assert len(harvest_server.requests("/services/ContentSearch")) == 2


def test_the_query_slug_is_deterministic_file_safe_and_never_shared():
    from arkgraph.harvest.gallica import query_slug

    assert query_slug(QUERY) == query_slug("garde champêtre")
    assert query_slug(QUERY) != query_slug("Garde champêtre") != query_slug("garde champetre")
    for query in (QUERY, 'dc.title all "x/y" & z?', "الصباح", "..", "a" * 500):
        assert re.fullmatch(r"[a-z0-9-]{1,69}", query_slug(query)), query
    assert re.fullmatch(r"[0-9a-f]{8}", query_slug("الصباح"))  # no Latin letters: the hash alone


def test_the_query_is_url_encoded(harvest_server, tmp_path):
    query = "garde champêtre & fils+1/2 #été"
    result = gallica(harvest_server, tmp_path, "--ark", OCR_ARK, "--search", query)
    assert result.exit_code == 0, result.stderr
    (request,) = harvest_server.requests("/services/ContentSearch")
    assert request.params == {"ark": OCR_ARK, "query": query}  # one parameter, whole, as typed
    assert request.target == (f"/services/ContentSearch?ark={OCR_ARK}"
                              "&query=garde%20champ%C3%AAtre%20%26%20fils%2B1%2F2%20%23%C3%A9t%C3%A9")
    (saved,) = (tmp_path / "contentsearch").iterdir()
    assert re.fullmatch(rf"{OCR_ARK}-garde-champetre-fils-1-2-ete-[0-9a-f]{{8}}\.xml", saved.name)


def test_a_missing_alto_page_is_reported_and_the_rest_saved(harvest_server, tmp_path):
    s = harvest_server
    s.fault(with_param("/RequestDigitalElement", Deb="4"), "status", status=404)  # final: not retried
    s.fault(with_param("/RequestDigitalElement", Deb="7"), "html", times=None)  # an error page, every time
    result = gallica(s, tmp_path, "--ark", OCR_ARK, "--with", "pagination,alto", "--search", QUERY, "--max-retries", "1")
    assert result.exit_code == 1
    assert f"failed: ark:/12148/{OCR_ARK}/f4: HTTP 404 Not Found: {s.url}/RequestDigitalElement?O={OCR_ARK}&E=ALTO&Deb=4" \
        in result.stderr
    assert f"failed: ark:/12148/{OCR_ARK}/f7: HTML page" in result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert error == [f"Error: Gallica harvest incomplete: 1 of 1 documents saved in {tmp_path}, 2 pages failed; "
                     "re-run the same command to resume and retry the failed ones"]
    assert alto_requests(s).count("4") == 1 and alto_requests(s).count("7") == 2
    saved = sorted(p.name for p in (tmp_path / "alto" / OCR_ARK).iterdir())
    assert saved == sorted(f"f{n}.xml" for n in range(1, 16) if n not in (4, 7))  # nothing of f4 or f7, no temporary
    assert list((tmp_path / "contentsearch").iterdir())  # the document's other files are saved
    last = result.stderr.splitlines()[-1]
    assert "2 failures" in last and "1 records" in last and "16 files" in last


def test_resume_does_not_refetch(harvest_server, tmp_path):
    s = harvest_server
    s.fault(lambda r: r.path == "/RequestDigitalElement" and int(r.params["Deb"]) >= 9, "status", status=503, times=None)
    args = ["--ark", OCR_ARK, "--with", "alto", "--search", QUERY]
    first = gallica(s, tmp_path, *args, "--max-retries", "0")
    assert first.exit_code == 1 and "7 pages failed" in first.stderr
    assert len(list((tmp_path / "alto" / OCR_ARK).iterdir())) == 8
    s.clear_faults()
    before = len(s.requests())
    second = gallica(s, tmp_path, *args)
    assert second.exit_code == 0, second.stderr
    # only the missing pages: not the record, the Pagination, the search nor the pages saved before
    assert [(r.path, r.params.get("Deb")) for r in s.requests()[before:]] == \
        [("/RequestDigitalElement", str(n)) for n in range(9, 16)]
    for n in range(1, 16):
        assert (tmp_path / "alto" / OCR_ARK / f"f{n}.xml").read_bytes() == \
            (FIXTURES / "gallica" / "alto" / OCR_ARK / f"f{n}.xml").read_bytes()
    before = len(s.requests())
    third = gallica(s, tmp_path, *args)
    assert third.exit_code == 0 and "already complete" in third.stderr and len(s.requests()) == before


def test_search_fans_out_to_every_document_an_sru_harvest_finds(harvest_server, tmp_path):
    s = harvest_server
    result = gallica(s, tmp_path, "--sru", 'dc.creator all "Verne"', "--search", QUERY, "--concurrency", "4")
    assert result.exit_code == 0, result.stderr
    arks = {a.removeprefix("ark:/12148/") for a in sru_arks(tmp_path)}
    searched = [r.params["ark"] for r in s.requests("/services/ContentSearch")]
    assert sorted(searched) == sorted(arks) and len(arks) == 50
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "contentsearch").iterdir()) == sorted(arks)


def test_search_and_alto_usage_errors_exit_2(harvest_server, tmp_path):
    for args, message in [(["--ark", OCR_ARK, "--search", " "], "the query is empty"),
                          (["--list-sets", "--search", QUERY], "--list-sets takes neither"),
                          (["--ark", OCR_ARK, "--with", "ocr"], "choose from pagination,toc,iiif,issues,alto")]:
        result = gallica(harvest_server, tmp_path, *args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
    assert harvest_server.requests() == []


@pytest.mark.slow
def test_ctrl_c_during_the_alto_pages_leaves_no_half_written_file(harvest_server, tmp_path):
    """SIGINT (Ctrl-C) in a real child process while page 8's ALTO is in flight; the re-run fetches pages 8-15 only."""
    s = harvest_server
    hang = s.fault(with_param("/RequestDigitalElement", Deb="8"), "hang")
    args = ["gallica", "--endpoint", s.url, "--out", str(tmp_path), "--ark", OCR_ARK, "--with", "alto", *FAST,
            "--timeout", "600"]
    returncode, stderr = interrupted(args, hang)
    assert returncode == 1 and "interrupted" in stderr and "Traceback" not in stderr, stderr
    files = sorted(p.name for p in (tmp_path / "alto" / OCR_ARK).iterdir())  # hidden temporaries included
    assert files == sorted(f"f{n}.xml" for n in range(1, 8))
    s.clear_faults()
    s.release.set()
    before = len(s.requests())
    result = gallica(s, tmp_path, "--ark", OCR_ARK, "--with", "alto")
    assert result.exit_code == 0, result.stderr
    assert [r.params.get("Deb") for r in s.requests()[before:]] == [str(n) for n in range(8, 16)]
