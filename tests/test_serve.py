"""`arkgraph serve`: the loaded store read-only over HTTP, its query page in a real browser, and the one-line
errors it gives before starting (a store that is not one, too old or in use; a port in use; no server)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from arkgraph.cli import main
from arkgraph.store import serve
from arkgraph.terms import AG
from oxigraph_server import free_port
from serve_helpers import ServeProcess

FIXTURES = Path(__file__).parent / "fixtures"
README_QUERY = ("SELECT ?work ?title WHERE { ?work a <http://schema.org/VisualArtwork> ; "
                "<http://schema.org/name> ?title } ORDER BY ?work LIMIT 5")
FIRST_ROWS = [("https://n2t.net/ark:99999/pm130387", "Pot-pourri"), ("https://n2t.net/ark:99999/pm181874", "Vase you 卣"),
              ("https://n2t.net/ark:99999/pm181878", "Vase"), ("https://n2t.net/ark:99999/pm181880", "Socle (zuo 座)"),
              ("https://n2t.net/ark:99999/pm181882", "Vase you 卣")]


def run_serve(*args: str) -> tuple[int, list[str]]:
    res = CliRunner().invoke(main, ["serve", *args])
    return res.exit_code, res.output.splitlines()


def one_line_error(code: int, lines: list[str], *words: str) -> str:
    assert code == 2 and len(lines) == 1 and lines[0].startswith("Error: "), lines
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


@pytest.fixture
def small_store(tmp_path: Path) -> Path:
    """A store of its own (the session's sample store is held by its server): one real Paris Musées record."""
    store = tmp_path / "store"
    res = CliRunner().invoke(main, ["convert", str(FIXTURES / "parismusees" / "nodebyid-226737-docs-example.json"),
                                    "-o", str(tmp_path / "works.nq"), "--store", str(store), "-q"])
    assert res.exit_code == 0, res.output
    return store


# --------------------------------------------------------------------------- errors before the server starts


def test_a_missing_store_is_refused_in_one_line(tmp_path: Path) -> None:
    one_line_error(*run_serve("--store", str(tmp_path / "nothing"), "--bind", f"127.0.0.1:{free_port()}"),
                   "no store at", "arkgraph load")


def test_a_directory_that_is_not_a_store_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a database")
    one_line_error(*run_serve("--store", str(tmp_path), "--bind", f"127.0.0.1:{free_port()}"),
                   "is not a store", "no CURRENT file")


def test_a_damaged_store_is_refused_with_oxigraphs_reason_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "CURRENT").write_text("garbage\n")
    one_line_error(*run_serve("--store", str(tmp_path), "--bind", f"127.0.0.1:{free_port()}"),
                   "is not a readable Oxigraph store", "CURRENT")


def test_a_store_written_by_an_older_arkgraph_is_refused_in_one_line(tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "store"))
    version = ox.NamedNode(AG + "arkgraphVersion")
    for n, v in ((1, "0.1.0"), (2, "0.0.9")):  # one graph loaded by today's arkgraph, one by an older one
        g = ox.NamedNode(f"https://n2t.net/ark:99999/pm{n}")
        store.add(ox.Quad(g, version, ox.Literal(v), g))
    del store
    line = one_line_error(*run_serve("--store", str(tmp_path / "store"), "--bind", f"127.0.0.1:{free_port()}"),
                          "written by arkgraph 0.0.9", "older than 0.1.0", "load the records again")
    assert "0.1.0 (the oldest" in line


@pytest.mark.parametrize("holder", ["another process", "this process"])
def test_a_store_open_for_writing_is_refused_in_one_line(small_store: Path, holder: str) -> None:
    if holder == "this process":
        held = ox.Store(str(small_store))
        try:
            one_line_error(*run_serve("--store", str(small_store), "--bind", f"127.0.0.1:{free_port()}"),
                           "is in use by another process")
        finally:
            del held
        return
    child = subprocess.Popen([sys.executable, "-c", "import sys, pyoxigraph; s = pyoxigraph.Store(sys.argv[1]); "
                              "print('open', flush=True); sys.stdin.read()", str(small_store)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "open\n"
        one_line_error(*run_serve("--store", str(small_store), "--bind", f"127.0.0.1:{free_port()}"),
                       f"the store {small_store} is in use by another process")
    finally:
        child.communicate("")


def test_a_port_already_in_use_is_refused_in_one_line(small_store: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        one_line_error(*run_serve("--store", str(small_store), "--bind", f"127.0.0.1:{port}"),
                       f"port {port} is already in use", "--bind 127.0.0.1:PORT")


@pytest.mark.parametrize("bind", ["7878", "localhost", "localhost:99999", "http://localhost:7878"])
def test_a_bind_that_is_not_host_colon_port_is_refused_in_one_line(small_store: Path, bind: str) -> None:
    one_line_error(*run_serve("--store", str(small_store), "--bind", bind), "--bind must be HOST:PORT")


def test_without_oxigraphs_server_serve_says_how_to_install_it(small_store: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # no oxigraph on PATH, nor beside the interpreter
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    one_line_error(*run_serve("--store", str(small_store), "--bind", f"127.0.0.1:{free_port()}"),
                   "pip install 'arkgraph[serve]'")


def test_the_servers_own_failure_becomes_one_line(small_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the server fail all the same (here: the port check skipped, the port taken), its error and
    backtrace become one line."""
    monkeypatch.setattr(serve, "check_port", lambda bind: None)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        line = one_line_error(*run_serve("--store", str(small_store), "--bind", f"127.0.0.1:{s.getsockname()[1]}"),
                              "the server could not start on", "Address already in use")
    assert "backtrace" not in line.lower()
    # and the store's lock went with it
    del_me = ox.Store(str(small_store))
    del del_me


# --------------------------------------------------------------------------- the running server


@pytest.mark.slow
def test_the_endpoint_answers_the_readme_query_over_the_union_of_the_record_graphs(served_samples) -> None:
    r = httpx.post(served_samples.url + "query", content=README_QUERY.encode(), trust_env=False, timeout=60,
                   headers={"content-type": "application/sparql-query", "accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    rows = [(b["work"]["value"], b["title"]["value"]) for b in r.json()["results"]["bindings"]]
    assert rows == FIRST_ROWS  # what `arkgraph query` answers on the same store (the README's quick start)


@pytest.mark.slow
def test_an_update_sent_to_the_server_is_refused_and_changes_nothing(served_samples) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

    def quads() -> str:
        r = httpx.post(served_samples.url + "query", content=count.encode(), trust_env=False, timeout=60,
                       headers={"content-type": "application/sparql-query", "accept": "text/csv"})
        return r.text

    before = quads()
    r = httpx.post(served_samples.url + "update", content=b"CLEAR ALL", trust_env=False, timeout=60,
                   headers={"content-type": "application/sparql-update"})
    assert r.status_code == 403 and "read-only" in r.text
    assert quads() == before and int(before.split()[1]) > 90_000


@pytest.mark.slow
def test_a_load_into_a_served_store_is_refused_while_it_is_served(served_samples, samples_store: Path) -> None:
    res = CliRunner().invoke(main, ["load", str(samples_store.parent / "collection.nq"), "--store", str(samples_store)])
    assert res.exit_code != 0 and "is in use by another process" in res.output


@pytest.mark.slow
def test_ctrl_c_stops_the_server_reaps_it_and_exits_0(small_store: Path) -> None:
    served = ServeProcess(small_store)
    assert served.first_line == (f"serving {small_store} read-only at {served.url} "
                                 f"(SPARQL endpoint {served.url}query); Ctrl-C stops it\n")
    server = served.server_pid()
    code, err = served.interrupt()
    assert code == 0, err
    assert err.splitlines()[-1].startswith("stopped after ")
    assert not Path(f"/proc/{server}").exists()  # reaped, not left a zombie or an orphan
    with socket.socket() as s:  # the port is free again
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", served.port))
    held = ox.Store(str(small_store))  # and so is the store
    del held


@pytest.mark.slow
def test_sigterm_stops_it_cleanly_too(small_store: Path) -> None:
    served = ServeProcess(small_store)
    server = served.server_pid()
    served.proc.send_signal(signal.SIGTERM)
    code, err = served.interrupt()
    assert code == 0, err
    assert not Path(f"/proc/{server}").exists()


@pytest.mark.slow
def test_open_opens_the_query_page_in_the_users_browser(small_store: Path, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    with ServeProcess(small_store, "--open", env={"BROWSER": str(browser)}) as served:
        while not (opened.exists() and opened.read_text()):  # the browser runs beside the server (bounded by
            time.sleep(0.05)                                    # pytest's timeout, not by the host's speed)
        assert opened.read_text().strip() == served.url


# --------------------------------------------------------------------------- the query page in Chromium

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Coercing non-XML name")  # YASGUI's inline SVG, read by html5lib into lxml
@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                    reason=f"{CHROMIUM} not installed (Debian package 'chromium'; .ci/run installs it)")
def test_chromium_shows_the_readme_querys_rows_on_the_query_page(served_samples, tmp_path: Path) -> None:
    import html5lib

    from test_embed_browser import chromium

    # YASGUI takes a query from the page's address (#query=…&endpoint=…) and runs it, as its share links do
    page = served_samples.url + "#" + urllib.parse.urlencode(
        {"query": README_QUERY, "endpoint": served_samples.url + "query"}, quote_via=urllib.parse.quote)
    shot = tmp_path / "serve-query-page.png"
    dom = chromium(page, "--dump-dom", f"--screenshot={shot}", "--window-size=1280,900",
                   "--virtual-time-budget=10000")
    tree = html5lib.parse(dom, treebuilder="lxml", namespaceHTMLElements=False)
    rows = tree.xpath("//table[contains(@class, 'dataTable')]/tbody/tr")
    cells = [["".join(td.itertext()) for td in row.xpath("td")] for row in rows]
    assert [c[1:] for c in cells] == [[f"<{w}>", f'"{t}"@fr'] for w, t in FIRST_ROWS], cells
    assert shot.stat().st_size > 10_000  # a page was drawn (looked at once: the query and its 5 rows)
    if os.environ.get("ARKGRAPH_ARTIFACTS"):
        Path(os.environ["ARKGRAPH_ARTIFACTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(os.environ["ARKGRAPH_ARTIFACTS"]) / shot.name)
