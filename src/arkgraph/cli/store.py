"""``arkgraph load`` and ``arkgraph query``: the command line over :mod:`arkgraph.store`.

Exit codes: 0 done, 1 failure (the endpoint kept failing: ``--resume`` continues), 2 usage or unreadable input.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import click

from .. import progress
from ..http import RetryPolicy
from ..sparql_client import parse_auth
from ..store import PROTOCOLS, QUERY_FORMATS, load_files, run_query
from ..store.load import input_files
from ..store.sparql_text import QUERY_PREFIXES
from ..store.table import render_table
from .errors import reported
from .options import retry_options

DEFAULT_STORE = "output/store"


def _note(quiet: bool) -> Callable[[str], None]:
    return (lambda _m: None) if quiet else (lambda m: click.echo(m, err=True))


def _endpoint_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options for talking to a remote endpoint, shared by load and query."""
    options = [
        click.option("--auth", metavar="basic:USER:PASS|bearer:TOKEN",
                     help="Credentials for an http(s) endpoint. Prefer --auth-env: a command line shows in `ps`."),
        click.option("--auth-env", metavar="VAR",
                     help="Read the --auth value from environment variable VAR (e.g. ARKGRAPH_AUTH=bearer:…)."),
        click.option("--query-url", metavar="URL", help="SPARQL query service (default: STORE/query)."),
        *retry_options(),
        click.option("-q", "--quiet", is_flag=True, help="Only errors and the summary line."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _policy(max_retries: int, backoff: float, timeout: float) -> RetryPolicy:
    return RetryPolicy(timeout=timeout, max_retries=max_retries, backoff=backoff)


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE|DIR...",
                type=click.Path(path_type=Path, allow_dash=True))
@click.option("--store", "target", default=DEFAULT_STORE, show_default=True, metavar="PATH|URL",
              help="An embedded Oxigraph store directory (created if missing) or an http(s) SPARQL endpoint.")
@click.option("--format", "fmt", type=click.Choice(["nq", "nt", "ttl", "trig", "jsonld"]),
              help="Input format (default: from each file's extension).")
@click.option("--graph", metavar="IRI",
              help="Load triple files (.nt, .ttl, .jsonld) into this graph, replacing it. Without it each "
                   "record goes to its own graph, as in a quads file (statements of no record: the default graph).")
@click.option("--default-graph", is_flag=True,
              help="Put every record in the default graph instead of one named graph per record. A record's "
                   "old triples (about its IRI or IRI#…) are still replaced; slower on big stores.")
@click.option("--profile", "profiles", multiple=True, metavar="NAME",
              help="Profile name(s) recorded in each graph's provenance (repeatable).")
@click.option("--protocol", type=click.Choice(list(PROTOCOLS)), default="update", show_default=True,
              help="Remote writes: 'update' = SPARQL 1.1 Update, one request per batch of records; "
                   "'gsp' = Graph Store Protocol, PUT per record.")
@click.option("--update-url", metavar="URL", help="SPARQL update service (default: STORE/update).")
@click.option("--gsp-url", metavar="URL", help="Graph Store service (default: STORE/store).")
@click.option("--resume", is_flag=True, help="Skip records that a previous, interrupted run of this load committed.")
@click.option("--checkpoint", type=click.Path(dir_okay=False), metavar="PATH",
              help="Checkpoint file (default: next to the store, or in the working directory for a URL).")
@click.option("--batch", "batch_records", type=click.IntRange(min=1), default=500, show_default=True,
              help="Records per transaction/request.")
@click.option("--no-bulk", is_flag=True,
              help="Embedded store: load N-Quads record by record instead of with the bulk loader.")
@click.option("--strict", is_flag=True,
              help="Bulk loader: validate every IRI and language tag (slower). Otherwise the bulk path trusts the "
                   "line layout arkgraph writes and skips Oxigraph's IRI re-validation.")
@_endpoint_options
def load(files: tuple[Path, ...], target: str, fmt: str | None, graph: str | None, default_graph: bool,
         profiles: tuple[str, ...], protocol: str, update_url: str | None, gsp_url: str | None, resume: bool,
         checkpoint: str | None, batch_records: int, no_bulk: bool, strict: bool, auth: str | None,
         auth_env: str | None, query_url: str | None, max_retries: int, backoff: float, timeout: float,
         quiet: bool) -> None:
    """Load RDF files into a SPARQL store, one named graph per record.

    FILE '-' reads N-Quads from stdin (`arkgraph convert … -o - | arkgraph load -`).

    DIR is a parts directory, as `convert --dask` or `--parts` writes: its manifest.json is checked first
    (every part there, with the size and sha256 it lists, and no part it does not list; any problem stops
    the load before anything is written), then its parts are loaded in manifest order, as if given as files.

    Each record's graph is replaced, so loading the same file twice, or a newer version of some records,
    leaves exactly one current version (a file written by `arkgraph convert` holds each record IRI once:
    the first record read). OAI-PMH deletion markers drop the record's graph. Each graph gets
    provenance: prov:wasDerivedFrom the file, prov:generatedAtTime, ag:arkgraphVersion, ag:profile.

    If the endpoint keeps failing, the load stops, says how far it got, and `--resume` continues.

    Exit status: 0 loaded, 1 failed (resumable), 2 usage or unreadable input.

    Example:

    \b
        arkgraph load out.nq                                   # into output/store
        arkgraph load parts/                                   # the parts of `convert --parts -o parts/`
        arkgraph load out.nq --store http://localhost:7878 --auth-env ARKGRAPH_AUTH
        arkgraph load out.nq --store https://host/ds --protocol gsp --resume
        arkgraph load extra.ttl --graph https://example.org/extra
    """
    log = _note(quiet)
    started = time.perf_counter()
    with reported():
        paths = input_files(list(files))  # a parts directory: its parts, checked, before anything is loaded
    sizes = [os.path.getsize(f) if str(f) != "-" and os.path.isfile(f) else 0 for f in paths]
    with reported(), progress.Display("loading", unit="B", total=sum(sizes) or None,
                                      enabled=progress.wanted(quiet)) as display:
        creds = parse_auth(auth, auth_env)
        counts = load_files(paths, target, fmt=fmt, graph=graph, auth=creds, protocol=protocol,
                            default_graph=default_graph, resume=resume, checkpoint=checkpoint,
                            profiles=profiles, bulk=False if no_bulk else None, lenient=not strict,
                            query_url=query_url, update_url=update_url, gsp_url=gsp_url,
                            policy=_policy(max_retries, backoff, timeout), log=log,
                            batch_records=batch_records, progress=display.update if display.enabled else None)
    secs = time.perf_counter() - started
    rate = counts["triples"] / secs if secs > 0 else 0.0
    skipped = f", {counts['skipped']:,} already done" if counts["skipped"] else ""
    click.echo(f"loaded {counts['graphs']:,} graphs ({counts['triples']:,} triples), {counts['deleted']:,} deleted"
               f"{skipped}, {counts['retries']:,} retries in {secs:.1f}s ({rate:,.0f} triples/s)", err=True)


_QUERY_HELP = f"""Run a SPARQL query (read-only) on the embedded store or an endpoint.

    SPARQL is the query text, or @FILE to read it from a file; '-' or '@-' reads it from stdin.
    An update (INSERT, DELETE, LOAD…) is refused: use `arkgraph load` to change the store.

    These prefixes are predefined (a PREFIX in the query overrides them):

    \b
{chr(10).join(f"        {name}: <{iri}>" for name, iri in QUERY_PREFIXES.items())}

    Exit status: 0 ok, 1 the store or endpoint failed, 2 usage (including a SPARQL syntax error or an update).

    Example:

    \b
        arkgraph query 'SELECT ?w ?t WHERE {{ GRAPH ?g {{ ?w schema:name ?t }} }} LIMIT 5'
        arkgraph query --store http://localhost:7878 --format json 'ASK {{ ?s ?p ?o }}'
        arkgraph query --format csv @queries/titles.rq > titles.csv
        cat titles.rq | arkgraph query -
    """


@click.command(help=_QUERY_HELP)
@click.argument("sparql", metavar="SPARQL")
@click.option("--store", "target", default=DEFAULT_STORE, show_default=True, metavar="PATH|URL",
              help="An embedded store directory or an http(s) SPARQL endpoint.")
@click.option("--format", "fmt", type=click.Choice(list(QUERY_FORMATS)),
              help="Result format (default: table on a terminal, csv otherwise). CONSTRUCT/DESCRIBE give N-Triples.")
@_endpoint_options
def query(sparql: str, target: str, fmt: str | None, auth: str | None, auth_env: str | None,
          query_url: str | None, max_retries: int, backoff: float, timeout: float, quiet: bool) -> None:
    fmt = fmt or ("table" if sys.stdout.isatty() else "csv")
    started = time.perf_counter()
    with reported():
        text = _read_query(sparql)
        creds = parse_auth(auth, auth_env)
        out = sys.stdout.buffer
        table = run_query(target, text, fmt=fmt, out=out, auth=creds, query_url=query_url,
                          policy=_policy(max_retries, backoff, timeout), log=_note(quiet))
        out.flush()
    secs = time.perf_counter() - started
    if table is not None:
        click.echo(render_table(table))
        if not quiet:
            click.echo(f"{len(table.rows):,} rows in {secs:.2f}s", err=True)


def _read_query(arg: str) -> str:
    from ..errors import InputError

    if arg in ("-", "@-"):
        return sys.stdin.read()
    if arg.startswith("@"):
        try:
            return Path(arg[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{arg[1:]}: cannot read ({exc.strerror})") from None
    return arg
