"""``arkgraph harvest``: fetch raw API responses into a directory that ``arkgraph convert`` reads.

Thin: options → ``RetryPolicy`` + one harvest function → summary line and exit code
(0 done, 1 stopped on failures — re-running the same command resumes —, 2 usage).
"""

from __future__ import annotations

import functools
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import ArkgraphError, OutputError
from ..errors import UsageError as ArkgraphUsageError
from ..harvest import gallica, parismusees
from ..harvest.common import RESUME_HINT, HarvestStopped, Result
from ..harvest.files import clean_stale_temps
from ..harvest.progress import StderrReporter
from ..http import Fetcher, RetryPolicy, make_client
from ..redact import Redactor
from .errors import click_error, reported
from .options import retry_options


def _check_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise click.BadParameter(f"{value!r} is not an http:// or https:// URL")
    return value


def _network_options(default_rate: float) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Options every harvest subcommand shares: output, politeness, retries, convert after."""
    options = [
        click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
                     help="Directory for the raw responses (created). Re-running into it resumes."),
        click.option("--endpoint", metavar="URL", callback=_check_url,
                     help="Override the API base URL (mirror, proxy, test server)."),
        click.option("--rate", type=click.FloatRange(min=0), default=default_rate, show_default=True,
                     help="Polite limit in requests per second across all workers; 0 = no limit."),
        *retry_options(),
        click.option("--concurrency", type=click.IntRange(min=1, max=16), default=1, show_default=True,
                     help="Parallel documents for Gallica --ark/--arks/--with fetches (the rate limit still "
                          "applies); pages of one list are always fetched in order."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes; errors and the summary only."),
        click.option("--then-convert", is_flag=True, help="Run `arkgraph convert` on --out when the harvest is complete."),
        click.option("--profile", help="Passed to convert with --then-convert."),
        click.option("-o", "--output", help="Passed to convert with --then-convert."),
        click.option("--store", help="Passed to convert with --then-convert."),
    ]

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


@click.group("harvest")
def harvest() -> None:
    """Fetch records from the Paris Musées and Gallica APIs, politely and resumably.

    Responses are saved as received, one file per response, under --out; `arkgraph convert
    DIR` reads that directory. Progress is checkpointed in DIR/.arkgraph-harvest/, so an
    interrupted harvest resumes where it stopped when the same command is run again.
    Exit status: 0 done, 1 stopped on failures (re-run to resume), 2 usage error.

    Example:

    \b
        arkgraph harvest gallica --ark ark:/12148/bpt6k58017546 --out raw/gallica/
        arkgraph harvest parismusees --token-env PM_TOKEN --museum petit-palais --out raw/pm/
    """


def _policy(opts: dict[str, Any]) -> RetryPolicy:
    return RetryPolicy(timeout=opts["timeout"], max_retries=opts["max_retries"], backoff=opts["backoff"])


def _summary(label: str, fetcher: Fetcher, result: Result | None, started: float, extra: str = "") -> str:
    s = fetcher.stats
    records = result.records if result else 0
    files = result.files if result else 0
    failures = s.failures if result is None else max(s.failures, len(result.failures))
    return (f"{label}: {s.requests} requests, {s.retries} retries, {records} records, {failures} failures, "
            f"{files} files, {time.monotonic() - started:.1f} s{extra}")


def _run(label: str, opts: dict[str, Any], work: Callable[[Fetcher, StderrReporter], Result], *,
         headers: dict[str, str] | None = None, secrets: tuple[str, ...] = (), budget_note: str = "") -> None:
    """Run one harvest. A harvest that stops is reported before its summary line (what was saved is kept, a
    re-run resumes); a usage error is reported alone. Known secrets are masked in both."""
    out: Path = opts["out"]
    started = time.monotonic()
    policy = _policy(opts)
    fetcher = Fetcher(make_client(policy, concurrency=opts["concurrency"], headers=headers), policy,
                      rate=opts["rate"] or None, redact=Redactor(secrets), on_retry=lambda msg: reporter.note(msg))
    reporter = StderrReporter(label, quiet=opts["quiet"], redact=fetcher.redact)
    result: Result | None = None
    stop: ArkgraphError | None = None
    with reported(redact=fetcher.redact):
        try:
            out.mkdir(parents=True, exist_ok=True)
            clean_stale_temps(out)
            result = work(fetcher, reporter)
        except HarvestStopped as exc:
            stop, result = exc, exc.result
        except KeyboardInterrupt:
            stop = HarvestStopped(f"{label}: interrupted; what was saved in {out} is kept, {RESUME_HINT}")
        except ArkgraphUsageError:
            raise
        except OutputError as exc:  # a full disk stops the harvest like a failure: what was saved is kept
            stop = HarvestStopped(f"{label}: {exc}; {RESUME_HINT}")
        except ArkgraphError as exc:
            stop = _labelled(label, exc)
        except OSError as exc:
            stop = HarvestStopped(f"{label}: cannot write under {out}: {exc.strerror or exc}")
        finally:
            fetcher.close()
            reporter.close()
    if result is not None and result.already_complete and not opts["quiet"]:
        click.echo(f"{label}: already complete ({result.position}); nothing fetched", err=True)
    if stop:
        click_error(stop, fetcher.redact).show()
    click.echo(_summary(label, fetcher, result, started, budget_note), err=True)
    if stop:
        sys.exit(stop.exit_code)
    if opts["then_convert"]:
        _convert(out, opts)


def _labelled(label: str, exc: ArkgraphError) -> ArkgraphError:
    """``exc`` with the harvest's name in front of its message, and its own exit code."""
    labelled = ArkgraphError(f"{label}: {exc}")
    labelled.exit_code = exc.exit_code
    return labelled


def _convert(out: Path, opts: dict[str, Any]) -> None:
    """Hand the directory to `arkgraph convert` through click, not through its internals."""
    from . import main  # the whole command line, as a user would run it
    args = ["convert", str(out)]
    for flag, key in (("--profile", "profile"), ("--output", "output"), ("--store", "store")):
        if opts[key]:
            args += [flag, opts[key]]
    code = main.main(args, prog_name="arkgraph", standalone_mode=False)
    if isinstance(code, int) and code:
        sys.exit(code)


def _check_convert_options(opts: dict[str, Any]) -> None:
    given = [flag for flag, key in (("--profile", "profile"), ("-o/--output", "output"), ("--store", "store")) if opts[key]]
    if given and not opts["then_convert"]:
        raise click.UsageError(f"{', '.join(given)} only make sense with --then-convert")


# ---------------------------------------------------------------- parismusees

@harvest.command("parismusees")
@click.option("--token-env", default="PM_TOKEN", show_default=True, metavar="VAR",
              help="Environment variable holding the API token (never written to disk or logs).")
@click.option("--token-header", type=click.Choice(sorted(parismusees.TOKEN_HEADERS)), default="auth-token",
              show_default=True, help="Send the token as `auth-token: T` or `Authorization: Bearer T`.")
@click.option("--museum", metavar="SLUG|TID",
              help=f"Only this museum: a tid or one of {', '.join(m[0] for m in parismusees.MUSEUMS)}.")
@click.option("--object-type", metavar="TID|NAME", help="Only this object type (term tid, or exact term name).")
@click.option("--modified-since", metavar="DATE", help="Only works changed since DATE (YYYY-MM-DD, UTC).")
@click.option("--query", "query_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Your own GraphQL query (must use $limit and $offset); default: the complete NodeOeuvre "
                   "query in mappings/parismusees-default-query.graphql.")
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=parismusees.DEFAULT_LIMIT,
              show_default=True, help="Records per request (fewer requests save the daily budget).")
@_network_options(default_rate=1.0)
def parismusees_cmd(token_env: str, token_header: str, museum: str | None, object_type: str | None,
                    modified_since: str | None, query_file: Path | None, limit: int, **opts: Any) -> None:
    """Harvest Paris Musées works (GraphQL nodeQuery) page by page.

    Each page is saved as OUT/nodequery-<job>-<offset>.json. The API allows about 1,000
    requests per day per token: the harvest shows how many it needs. Filters are added
    to the query's `conditions` list; --endpoint is the GraphQL URL.

    \b
    Example:
      export PM_TOKEN=...            # your token, from the Paris Musées API site
      arkgraph harvest parismusees --token-env PM_TOKEN --museum petit-palais --out raw/pm/
      arkgraph harvest parismusees --token-env PM_TOKEN --query my-query.graphql --out raw/pm/
      arkgraph harvest parismusees --museum cernuschi --out raw/pm/ --then-convert -o out.nq
    """
    _check_convert_options(opts)
    with reported():
        token = parismusees.token_from_env(token_env)
        conditions = parismusees.filter_conditions(museum=museum, object_type=object_type, modified_since=modified_since)
        query = parismusees.add_conditions(parismusees.load_query(query_file), conditions)
        parismusees.check_query(query)
    endpoint = opts["endpoint"] or parismusees.DEFAULT_ENDPOINT
    _run("parismusees", opts,
         lambda fetcher, reporter: parismusees.harvest(fetcher, opts["out"], query=query, endpoint=endpoint,
                                                        limit=limit, reporter=reporter),
         headers=parismusees.token_headers(token, token_header), secrets=(token,),
         budget_note=f" (Paris Musées budget: about {parismusees.DAILY_BUDGET} requests/day per token)")


# ---------------------------------------------------------------- gallica

OAI_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?")  # OAI-PMH datestamp granularities


def _services(value: str | None) -> list[str]:
    if not value:
        return []
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in gallica.SERVICES]
    if unknown:
        raise click.BadParameter(f"unknown service {', '.join(unknown)}; choose from {','.join(gallica.SERVICES)}",
                                 param_hint="--with")
    return list(dict.fromkeys(names))


@harvest.command("gallica")
@click.option("--ark", "arks", multiple=True, metavar="ARK", help="One document by ARK (repeatable).")
@click.option("--arks", "arks_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A file of ARKs, one per line (# comments allowed).")
@click.option("--with", "with_", metavar="LIST",
              help="Per-document services to fetch too: pagination,toc,iiif,issues,alto (alto: the OCR of every "
                   "page the Pagination lists; the Pagination is fetched too).")
@click.option("--search", metavar="Q",
              help="Fetch the full-text search hits for Q inside each document (ContentSearch).")
@click.option("--oai-set", metavar="SET", help="OAI-PMH ListRecords of this set (e.g. gallica:typedoc:cartes).")
@click.option("--from", "from_", metavar="DATE", help="OAI-PMH: records changed from DATE (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="OAI-PMH: records changed until DATE (YYYY-MM-DD).")
@click.option("--list-sets", is_flag=True, help="List the OAI-PMH sets (setSpec and name) on stdout.")
@click.option("--sru", metavar="CQL", help="SRU searchRetrieve with this CQL query.")
@click.option("--limit", type=click.IntRange(min=1, max=gallica.SRU_PAGE), default=gallica.SRU_PAGE,
              show_default=True, help="SRU: records per request (maximumRecords).")
@_network_options(default_rate=1.0)
def gallica_cmd(arks: tuple[str, ...], arks_file: Path | None, with_: str | None, search: str | None,
                oai_set: str | None, from_: str | None, until: str | None, list_sets: bool, sru: str | None,
                limit: int, **opts: Any) -> None:
    """Harvest Gallica (BnF): records by ARK, OAI-PMH, SRU, and per-document services.

    Choose one of --ark/--arks, --oai-set, --sru or --list-sets. --endpoint is the site
    root (default https://gallica.bnf.fr). Files go to OUT/oairecord/, oaipmh/, sru/,
    pagination/, toc/, iiif/, issues/, alto/ and contentsearch/, named after the ARK or
    the page. With --with
    or --search, records found by --oai-set or --sru get their per-document services
    too; issues fetches the periodical's years and then the issues of each year.

    alto saves each page's OCR as received, named by the page ARK: OUT/alto/<name>/f<n>.xml
    for ark:/12148/<name>/f<n>. A page Gallica cannot give (404, HTML page) is reported
    and counted as a failure; the other pages are saved and a re-run fetches only the
    missing ones. --search saves OUT/contentsearch/<name>-<slug>.xml, where the slug is
    the query's words in ASCII plus a hash of the exact query.

    \b
    Example:
      arkgraph harvest gallica --ark ark:/12148/bpt6k58017546 --with pagination,toc,iiif --out raw/gallica/
      arkgraph harvest gallica --ark ark:/12148/bpt6k5628146t --with pagination,alto --out raw/gallica/
      arkgraph harvest gallica --ark ark:/12148/bpt6k5628146t --search 'garde champêtre' --out raw/gallica/
      arkgraph harvest gallica --arks arks.txt --out raw/gallica/
      arkgraph harvest gallica --oai-set gallica:typedoc:cartes --from 2024-01-01 --out raw/gallica/
      arkgraph harvest gallica --sru 'dc.creator all "Verne"' --out raw/gallica/
    """
    _check_convert_options(opts)
    services = _services(with_)
    modes = [m for m, on in (("--ark/--arks", bool(arks or arks_file)), ("--oai-set", bool(oai_set)),
                             ("--sru", bool(sru)), ("--list-sets", list_sets)) if on]
    if len(modes) != 1:
        raise click.UsageError("choose exactly one of --ark/--arks, --oai-set, --sru, --list-sets"
                               + (f" (got {', '.join(modes)})" if modes else ""))
    if (from_ or until) and not oai_set:
        raise click.UsageError("--from/--until go with --oai-set")
    for flag, value in (("--from", from_), ("--until", until)):
        if value and not OAI_DATE.fullmatch(value):
            raise click.BadParameter(f"{value!r} is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", param_hint=flag)
    if list_sets and (services or search is not None or opts["then_convert"]):
        raise click.UsageError("--list-sets takes neither --with, --search nor --then-convert")
    if search is not None and not search.strip():
        raise click.BadParameter("the query is empty", param_hint="--search")
    endpoint = opts["endpoint"] or gallica.DEFAULT_ENDPOINT
    out: Path = opts["out"]
    common = dict(endpoint=endpoint, concurrency=opts["concurrency"])

    work: Callable[[Fetcher, StderrReporter], Result]
    if arks or arks_file:
        with reported():
            names = [gallica.ark_name(a) for a in arks] + (gallica.read_ark_list(arks_file) if arks_file else [])
        names = list(dict.fromkeys(names))
        if not names:
            raise click.UsageError("no ARK given (the --arks file is empty)")
        work = functools.partial(_arks, names=names, services=services, search=search, out=out, common=common)
    elif oai_set:
        work = lambda f, r: gallica.harvest_oai(f, out, set_spec=oai_set, from_=from_, until=until,  # noqa: E731
                                                services=services, search=search, reporter=r, **common)
    elif sru:
        work = lambda f, r: gallica.harvest_sru(f, out, query=sru, page_size=limit, services=services,  # noqa: E731
                                                search=search, reporter=r, **common)
    else:
        work = functools.partial(_list_sets, out=out, endpoint=endpoint)
    _run("gallica", opts, work)


def _arks(fetcher: Fetcher, reporter: StderrReporter, *, names: list[str], services: list[str], search: str | None,
          out: Path, common: dict[str, Any]) -> Result:
    return gallica.harvest_arks(fetcher, out, names, services=services, search=search, reporter=reporter, **common)


def _list_sets(fetcher: Fetcher, reporter: StderrReporter, *, out: Path, endpoint: str) -> Result:
    sets = gallica.list_sets(fetcher, out, endpoint=endpoint)
    for spec, name in sets:
        click.echo(f"{spec}\t{name}")
    return Result(records=len(sets), files=len(list((out / "oaipmh").glob("listsets-*.xml"))), complete=True)


__all__ = ["harvest"]

