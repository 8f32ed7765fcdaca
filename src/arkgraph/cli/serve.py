"""``arkgraph serve``: the loaded store in a browser, over :mod:`arkgraph.store.serve`.

Exit codes: 0 stopped by Ctrl-C (or SIGTERM), 1 the server failed while serving, 2 it could not start (no
server installed, a bad --bind or a port in use, a store missing, unreadable, too old or in use).
"""

from __future__ import annotations

import time
import webbrowser

import click

from ..store.serve import DEFAULT_BIND, start
from .errors import reported
from .store import DEFAULT_STORE


@click.command()
@click.option("--store", "path", default=DEFAULT_STORE, show_default=True, metavar="PATH",
              help="The embedded store directory to serve (read-only).")
@click.option("--bind", default=DEFAULT_BIND, show_default=True, metavar="HOST:PORT",
              help="Where the server listens. 0.0.0.0:PORT opens it to the network: it has no authentication.")
@click.option("--open", "open_browser", is_flag=True, help="Open the query page in a web browser.")
@click.option("--timeout", "timeout_s", type=click.IntRange(min=1), metavar="SECONDS",
              help="Stop any query that runs longer than this.")
def serve(path: str, bind: str, open_browser: bool, timeout_s: int | None) -> None:
    """Serve a store read-only over HTTP: a SPARQL endpoint and a query page (Oxigraph's, with YASGUI).

    The default graph is the union of the record graphs, so queries see what `arkgraph query` sees.
    The store stays locked while it is served: a load into it is refused until the server stops.
    Needs Oxigraph's server: pip install 'arkgraph[serve]'.

    Exit status: 0 stopped by Ctrl-C, 1 the server failed while serving, 2 it could not start (a port
    in use, a store missing, unreadable, in use or written by a too old arkgraph).

    Example:

    \b
        arkgraph serve --store output/store --open
        arkgraph serve --store output/store --bind 127.0.0.1:8080
        curl -H 'accept: text/csv' --data-urlencode 'query=SELECT * { ?s ?p ?o } LIMIT 3' http://localhost:7878/query
    """
    started = time.monotonic()
    with reported():
        server = start(path, bind, timeout_s=timeout_s)

        def serving() -> None:
            click.echo(f"serving {path} read-only at {server.url} (SPARQL endpoint {server.query_url}); "
                       "Ctrl-C stops it", err=True)
            if open_browser:
                webbrowser.open(server.url)

        server.run(serving)
    click.echo(f"stopped after {time.monotonic() - started:.0f}s", err=True)
