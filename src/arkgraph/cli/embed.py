"""``arkgraph embed``: JSON-LD for web pages, from an RDF file that ``arkgraph convert`` wrote.

Thin: options → one of :func:`arkgraph.embed.write_snippets`, :func:`~arkgraph.embed.inject`,
:func:`~arkgraph.embed.write_pages` → one summary line on stderr. Exit 0 done, 1 some records or
pages had problems (the rest is written), 2 usage or unreadable input.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import click

from .. import embed as lib
from .. import progress
from .errors import reported


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[lib.Progress | None]:
    """embed's progress display (arkgraph.progress): records written and the rate, ended before the summary."""
    with progress.Display("embedding", unit="records", enabled=enabled) as display:
        yield (lambda s: display.update(s.records)) if enabled else None


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Write one <script type=\"application/ld+json\"> snippet per record into this directory "
                   "(ark-NAAN-name.html).")
@click.option("--inject", "inject_dir", type=click.Path(file_okay=False, exists=True),
              help="Insert or replace the JSON-LD block in the existing *.html/*.htm pages under this directory; "
                   "the rest of each page is kept byte for byte.")
@click.option("--pages", "pages_dir", type=click.Path(file_okay=False),
              help="Write a readable static page per record, with its JSON-LD, plus index.html.")
@click.option("--match-by", type=click.Choice(lib.MATCH_BY), default="url", show_default=True,
              help="With --inject: match a page to a record by URL (the page's <link rel=canonical>, --base-url or "
                   "--url-map, against the record's schema:url, sameAs or ARK IRI) or by its data-ark attribute.")
@click.option("--base-url", metavar="URL",
              help="With --inject --match-by url: the URL the --inject directory is published at; a page's URL is "
                   "this plus its path (also without .html or index.html).")
@click.option("--url-map", type=click.Path(dir_okay=False, exists=True),
              help="With --inject --match-by url: CSV of path,url rows giving each page file's URL.")
@click.option("--profile", type=click.Choice(["schemaorg", "linkedart", "both"]), default="schemaorg",
              show_default=True, help="JSON-LD to embed: Schema.org, Linked Art, or both as two blocks.")
@click.option("--pretty/--compact", default=None,
              help="Indent the JSON (default: compact for --out and --inject, indented for --pages).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and the summary line.")
@click.option("-v", "--verbose", is_flag=True, help="Also list each record or page that had a problem.")
def embed(file: str, out_dir: str | None, inject_dir: str | None, pages_dir: str | None, match_by: str,
          base_url: str | None, url_map: str | None, profile: str, pretty: bool | None, quiet: bool,
          verbose: bool) -> None:
    """Embed JSON-LD in web pages: snippets, injection into existing pages, or static record pages.

    FILE is RDF written by `arkgraph convert`: .nq (best: read record by record), .trig, .nt, .ttl
    or .jsonld, optionally .gz; '-' reads N-Quads from stdin. Give exactly one of --out, --inject, --pages.

    One record per IRI, as `arkgraph convert` keeps it: in .nq or .trig, a record met again (a later graph
    of the same name, e.g. two outputs joined) is skipped and counted; the first is kept.

    The JSON-LD is one tree per record rooted at the work (creators, images, identifiers nested),
    compacted with the schema.org context, inside <script type="application/ld+json" data-arkgraph>.
    Characters that could end the script element (<, >, &, U+2028, U+2029) are written as \\uXXXX.

    Exit status: 0 done, 1 some records or pages had problems (the rest is written), 2 usage or
    unreadable input.

    Example:

    \b
        arkgraph convert dumps/ -o out.nq
        arkgraph embed out.nq --out site/snippets/
        arkgraph embed out.nq --inject site/pages/ --match-by url
        arkgraph embed out.nq --inject site/pages/ --match-by ark --profile both
        arkgraph embed out.nq --pages site/records/
    """
    chosen = [o for o in (out_dir, inject_dir, pages_dir) if o]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --out DIR, --inject DIR, --pages DIR")
    if (base_url or url_map) and not (inject_dir and match_by == "url"):
        raise click.UsageError("--base-url and --url-map go with --inject and --match-by url")
    profiles = lib.PROFILES if profile == "both" else (profile,)
    with reported(), _progress(progress.wanted(quiet)) as show:
        lib.input_format(file)  # usage errors before any work
        duplicates: list[str] = []
        records = lib.read_records(file, duplicates)
        if out_dir:
            summary = lib.write_snippets(records, out_dir, profiles, indent=2 if pretty else None, progress=show)
        elif inject_dir:
            mapping = lib.load_url_map(url_map) if url_map else None
            summary = lib.inject(records, inject_dir, profiles, match_by, base_url=base_url, url_map=mapping,
                                 indent=2 if pretty else None, progress=show)
        else:
            summary = lib.write_pages(records, pages_dir or "", profiles, indent=None if pretty is False else 2,
                                      progress=show)
    summary.records += len(duplicates)  # read, then skipped: a record met again is not written twice
    summary.duplicates = len(duplicates)
    summary.problems.extend(duplicates)
    if verbose:
        for p in summary.problems:
            click.echo(f"problem: {p}", err=True)
    elif summary.problems and not quiet:
        click.echo(f"{len(summary.problems)} problems (use -v to list them)", err=True)
    click.echo(summary.line(), err=True)
    if summary.failed:
        sys.exit(1)
