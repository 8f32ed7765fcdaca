"""``arkgraph convert``: records to RDF, over :func:`arkgraph.pipeline.convert`.

Exit 0 all converted, 1 some rejected (the rest is written), 2 usage, unreadable input or an output
that cannot be written.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import IO, Any

import click

from .. import ark, progress
from ..edm_package import Package
from ..outputs import open_destination, open_output
from ..pipeline import Options, Summary, parse_profiles
from ..pipeline import convert as run_convert
from ..redact import Redactor
from ..sources.common import DEFAULT_MAX_VALUE_BYTES
from .errors import checked, reported


class _Progress:
    """convert's progress display (arkgraph.progress): bytes of input read against their total, with the
    records read, converted and rejected."""

    def __init__(self, enabled: bool, inputs: list[str]):
        total = progress.input_bytes(inputs) if enabled else None
        self.display = progress.Display("converting", unit="B" if total else "records", total=total, enabled=enabled)
        self.by_bytes = bool(total)

    def __call__(self, s: Summary, file: str) -> None:
        self.display.update(s.bytes_read if self.by_bytes else s.read, read=s.read, converted=s.converted,
                            rejected=s.rejected)

    def done(self) -> None:
        self.display.close()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--source", type=click.Choice(["auto", "parismusees", "gallica"]), default="auto", show_default=True,
              help="Source format; 'auto' sniffs each file's content.")
@click.option("--profile", "profile", default="all", show_default=True,
              help="schemaorg, linkedart, all (those two), edm (Europeana), or a comma list such as all,edm.")
@click.option("-o", "--output", "outputs", multiple=True, default=["-"], show_default=True,
              help="Output file; the format follows the extension (.ttl .nt .nq .trig .jsonld, optionally .gz). "
                   "'-' is stdout. A directory (DIR/) or .zip gets one Europeana RDF/XML file per record "
                   "(--profile edm). Repeat to write several formats in one pass.")
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "nq", "trig", "jsonld"]),
              help="Output format, overriding the extension (stdout defaults to nq).")
@click.option("--rejects", type=click.Path(dir_okay=False, writable=True),
              help="JSON Lines file, one line per record that could not be converted, with the reason.")
@click.option("--coverage", type=click.Path(dir_okay=False, writable=True),
              help="Report of source fields mapped, deliberately ignored or unhandled, and of the values missing from "
                   "the crosswalk tables: JSON (.json) or a page a curator reads (.html, self-contained).")
@click.option("--max-value-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_VALUE_BYTES, show_default=True,
              help="Reject a Paris Musées record holding a field value over this many bytes of JSON "
                   "(bounds memory on hostile input).")
@click.option("--naan", default=ark.DEFAULT_NAAN, show_default=True, envvar="ARKGRAPH_NAAN", show_envvar=True, callback=checked(ark.check_naan),
              help="NAAN under which arkgraph mints ARKs for sources that have none (Paris Musées). 99999 is the ARK test NAAN: set your own.")
@click.option("--ark-base", default=ark.DEFAULT_BASE, show_default=True, envvar="ARKGRAPH_ARK_BASE", show_envvar=True, callback=checked(ark.check_base),
              help="Resolver prefix that turns an ARK into an IRI: <ark-base>ark:NAAN/name.")
@click.option("--mappings", "mappings_dir", type=click.Path(file_okay=False, exists=True),
              envvar="ARKGRAPH_MAPPINGS", show_envvar=True, help="Directory of crosswalk CSV tables that extend or override the bundled ones.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and the summary line.")
@click.option("-v", "--verbose", is_flag=True, help="Also print each rejected record on stderr.")
@click.option("--store", "store_target", metavar="PATH|URL",
              help="Also load each record into a store: an embedded Oxigraph directory (e.g. output/store) "
                   "or a SPARQL 1.1 endpoint URL. One named graph per record, replaced on re-load.")
@click.option("--store-auth-env", metavar="VAR",
              help="With an endpoint --store: read basic:USER:PASS or bearer:TOKEN from environment variable VAR.")
@click.option("--store-protocol", type=click.Choice(["update", "gsp"]), default="update", show_default=True,
              help="With an endpoint --store: SPARQL 1.1 Update or the Graph Store Protocol.")
@click.option("--default-graph", is_flag=True, help="With --store: put everything in the default graph.")
@click.option("--resume", is_flag=True, help="With --store: skip records an interrupted run already loaded.")
@click.option("--text", "text_mode", type=click.Choice(["link", "inline", "none"]), default="link", show_default=True,
              help="Gallica pages' OCR text (ALTO files among the inputs): link writes each page's text resource with "
                   "its OCR statistics and the URLs of its ALTO and plain text; inline adds the text itself; none "
                   "leaves it out.")
@click.option("--edm-provider", metavar="NAME", envvar="ARKGRAPH_EDM_PROVIDER", show_envvar=True,
              help="With --profile edm: edm:provider, the aggregator that delivers the records to Europeana "
                   "(Europeana requires one: without it every EDM record is rejected).")
@click.option("--edm-data-provider", metavar="NAME", envvar="ARKGRAPH_EDM_DATA_PROVIDER", show_envvar=True,
              help="With --profile edm: edm:dataProvider for every record, instead of each record's museum or BnF department.")
@click.option("--edm-rights", metavar="URI", envvar="ARKGRAPH_EDM_RIGHTS", show_envvar=True,
              help="With --profile edm: your edm:rights policy for records whose source states no rights Europeana "
                   "accepts (a rightsstatements.org or Creative Commons URI). Never replaces the source's own.")
@click.option("--validate", "validate_", is_flag=True, help="Check every record as it is converted: against the SHACL shapes (schemaorg, linkedart) "
                   "and, with --profile edm, its RDF/XML against Europeana's XSD and Schematron.")
@click.option("--on-invalid", type=click.Choice(["keep", "reject", "fail"]), default="keep", show_default=True,
              help="With --validate: write invalid records anyway, send them to --rejects with their violations, or stop.")
@click.option("--shapes", "shapes_dir", type=click.Path(exists=True), help="With --validate: shapes instead of the bundled ones.")
@click.option("-j", "--jobs", default="1", show_default=True, metavar="N|auto", envvar="ARKGRAPH_JOBS", show_envvar=True,
              help="Convert in N local worker processes ('auto': one per available CPU). The output, rejects and coverage "
                   "are byte-identical to one process's; files are cut into partitions at record boundaries.")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Convert the same partitions as tasks of a Dask cluster (e.g. tcp://scheduler:8786; needs "
                   "pip install 'arkgraph[dask]'). The workers must see the inputs and the output directory at the "
                   "same paths (shared storage).")
@click.option("--partition-size", type=click.IntRange(min=1), hidden=True,
              help="Bytes of input per partition (default: the input over 8 partitions per worker, 256 KiB to 8 MiB).")
@click.option("--parts", "parts_flag", is_flag=True,
              help="Write -o DIR/ as one part file per partition (N-Quads, or --format nt) and DIR/manifest.json, "
                   "whose concatenation is the one-file output; implied by --dask with a directory. "
                   "'arkgraph load DIR/' loads them.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True),
              help="With --validate: write the full sh:ValidationReport (.ttl, .nt or .jsonld).")
def convert(inputs: tuple[str, ...], source: str, profile: str, outputs: tuple[str, ...], fmt: str | None, rejects: str | None,
            coverage: str | None, max_value_bytes: int, naan: str, ark_base: str, mappings_dir: str | None, quiet: bool,
            verbose: bool, **extra: Any) -> None:
    """Convert records to RDF.

    INPUT is a file, a directory (walked), or '-' for stdin; .gz files are read transparently.
    One record per IRI: a later record with the IRI of one already converted is rejected as a duplicate.
    Exit status: 0 all converted, 1 some rejected (the rest is written), 2 usage, unreadable input or
    an output that cannot be written.

    Example:

    \b
        arkgraph convert works.json --profile linkedart -o works.ttl
        arkgraph convert dumps/ -o out.nt --rejects rejects.jsonl --coverage coverage.html
        arkgraph convert dumps/ -o site.jsonld -o dump.nq.gz
        arkgraph convert dumps/ -o out.nq --store output/store
        arkgraph convert dumps/ --profile edm --edm-provider "My aggregator" -o edm/
        cat page.json | arkgraph convert - --source parismusees -o - --format jsonld
        arkgraph convert dumps/ -o out.nq --jobs auto
        arkgraph convert dumps/ -o parts/ --dask tcp://scheduler:8786
    """
    if fmt and len(outputs) > 1:
        raise click.UsageError("--format applies to a single -o; with several, each extension gives its format")
    if sum(1 for o in outputs if o == "-") > 1:
        raise click.UsageError("only one -o can be '-' (stdout)")
    # an OSError left once the readers have made theirs InputError is a write: a file opened by name
    # (rejects, coverage) says which, a failed write on an output does not
    jobs = _jobs(extra.get("jobs") or "1")
    dask = extra.get("dask_address")
    with reported(output=", ".join("standard output" if o == "-" else o for o in outputs)):
        from ..serialize import format_for
        parts_dir = None
        if dask or extra.get("parts_flag"):  # a directory output is the part files
            dirs = [o for o in outputs if o != "-" and (o.endswith("/") or os.path.isdir(o))]
            if extra.get("parts_flag") and not dirs:
                raise click.UsageError("--parts writes a directory: give -o DIR/")
            if dirs:
                parts_dir = dirs[0]
                outputs = tuple(o for o in outputs if o != parts_dir)
        if dask and not parts_dir and "-" in outputs:
            raise click.UsageError("--dask writes files its workers and this process share: give -o DIR/ (part "
                                   "files) or -o FILE, not stdout")
        formats = [format_for(o, None if parts_dir else fmt) for o in outputs]  # usage errors before any work
        from ..profiles.edm import Settings
        settings = Settings(extra.get("edm_provider"), extra.get("edm_data_provider"), extra.get("edm_rights"))
        opts = Options(list(inputs), source, parse_profiles(profile), outputs[0] if outputs else None, fmt, rejects, naan,
                       ark_base, mappings_dir, coverage, max_value_bytes=max_value_bytes, edm=settings,
                       text=extra.get("text_mode") or "link")
        if "edm" in formats and "edm" not in opts.profiles:
            raise click.UsageError("a directory or .zip output holds EDM RDF/XML files: add --profile edm")
        if "edm" in opts.profiles and not settings.provider:
            click.echo("arkgraph: warning: no --edm-provider: Europeana requires edm:provider, so every EDM "
                       "record is rejected", err=True)
        progress_display = _Progress(progress.wanted(quiet), list(inputs))
        auth = None
        if extra.get("store_target"):
            from ..sparql_client import parse_auth
            auth = parse_auth(None, extra.get("store_auth_env"))
        # the store's credential never reaches a rejects line, whatever the input holds
        redact = Redactor(auth.secrets() if auth else ())
        with contextlib.ExitStack() as stack:
            outs = [(f, stack.enter_context(Package(o) if f == "edm" else open_destination(o)))
                    for f, o in zip(formats, outputs)]
            # entered after the outputs, so committed before them: rejects that cannot be written fail the run
            # before any output replaces the previous one
            rej = stack.enter_context(open_output(rejects, encoding="utf-8")) if rejects else None
            rej = _Tee(rej, verbose, redact) if verbose or redact else rej
            sink = None
            if extra.get("store_target"):
                from ..store import open_sink
                sink = open_sink(extra["store_target"], auth=auth,
                                 protocol=extra["store_protocol"], default_graph=extra["default_graph"],
                                 resume=extra["resume"], profiles=opts.profiles, inputs=list(inputs))
                stack.enter_context(sink)  # commits on success, keeps the checkpoint on failure
            # this process's checks keep the reports; the workers' (--jobs) only look
            made = {kind: make() for kind, make in _checks(extra, opts, keep_all=bool(extra.get("report_path")))}
            checks = list(made.values())
            validator, edm_checker = made.get("shacl"), made.get("edm")
            if jobs > 1 or dask or parts_dir:
                from .. import parallel
                summary, _ = parallel.convert(
                    opts, outs, jobs=jobs, dask=dask, parts=parts_dir, parts_format=fmt or "nq", sink=sink,
                    rejects=rej, progress=progress_display, checks=checks, worker_checks=[make for _, make in _checks(extra, opts)],
                    size=extra.get("partition_size"),
                    on_plan=None if quiet else lambda plan: progress_display.display.note(plan.line()))
            else:
                summary, _ = run_convert(opts, outs, rejects=rej, progress=progress_display, validator=checks, sink=sink)
        progress_display.done()
    if validator is not None:
        if extra.get("report_path"):
            from ..shacl import write_report
            with reported():
                write_report(extra["report_path"], validator.report.all)
        click.echo(validator.report.summary() if not quiet else validator.report.summary().splitlines()[0], err=True)
    if edm_checker is not None:
        click.echo(edm_checker.summary.text() if not quiet else edm_checker.summary.line(), err=True)
    if verbose:  # the summary counts them; --verbose names them
        for name in summary.unmatched_enrichments:
            click.echo(f"unmatched: {name}: enrichment file matched no record (not used)", err=True)
        for name in summary.skipped_files:
            click.echo(f"skipped: {name} (not a record file name)", err=True)
        for name in summary.empty_files:
            click.echo(f"no records: {name}", err=True)
    click.echo(summary.line(), err=True)
    if summary.peak_rss and not quiet:
        click.echo(f"arkgraph: {'dask' if dask else jobs} worker{'s' if dask or jobs > 1 else ''}: peak memory "
                   f"{summary.peak_rss / 1e6:.0f} MB in the largest", err=True)
    if summary.rights_line():
        click.echo(summary.rights_line(), err=True)
    if summary.rejected:
        sys.exit(1)


def _jobs(text: str) -> int:
    if text.strip().lower() == "auto":
        from ..parallel import auto_jobs
        return auto_jobs()
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise click.BadParameter(f"{text!r}: a number of processes (1 or more) or 'auto'", param_hint="'--jobs'")
    return n


def _checks(extra: dict[str, Any], opts: Any, keep_all: bool = False) -> list[tuple[str, Any]]:
    """The record checks the options ask for, in order, as (kind, maker): a maker is picklable (a class and its
    arguments), for the workers of --jobs."""
    import functools
    out: list[tuple[str, Any]] = []
    if [p for p in opts.profiles if p != "edm"] and (extra.get("validate_") or extra.get("report_path") or extra.get("shapes_dir")):
        from ..shacl import RecordValidator
        out.append(("shacl", functools.partial(RecordValidator, extra.get("shapes_dir"),
                                               extra.get("on_invalid") or "keep", keep_all=keep_all)))
    if "edm" in opts.profiles and extra.get("validate_"):
        from ..edm_check import RecordChecker
        out.append(("edm", functools.partial(RecordChecker, extra.get("on_invalid") or "keep")))
    return out


class _Tee:
    """Rejects to the file and, with --verbose, one line each on stderr; known secrets redacted."""

    def __init__(self, fh: IO[str] | None, verbose: bool, redact: Redactor):
        self.fh, self.verbose, self.redact = fh, verbose, redact

    def write(self, line: str) -> None:
        line = self.redact(line)
        if self.fh:
            self.fh.write(line)
        if self.verbose:
            click.echo(f"rejected: {line.strip()}", err=True)

