"""``arkgraph validate``: check RDF files against arkgraph's SHACL shapes, record by record, or
(``--profile edm``) EDM RDF/XML record files against Europeana's own XSD and Schematron.

    arkgraph validate out.nq --report report.ttl
    arkgraph validate --profile edm out/edm/ --report failures.csv

The work is done by :func:`arkgraph.validate_files.validate_files` (reading, record cutting and
worker processes) and :mod:`arkgraph.shacl` (the shapes and the report); for EDM by
:mod:`arkgraph.edm_check`.
"""

from __future__ import annotations

import contextlib
import os
import sys

import click

from .. import progress
from .. import shacl as V
from ..rdfio.cutting import PARALLEL_MIN_BYTES
from ..validate_files import MAX_DEFAULT_JOBS, validate_files
from .errors import reported

REPORT_EXTENSIONS = (".ttl", ".nt", ".jsonld", ".json")  # what shacl.write_report writes


@click.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--profile", type=click.Choice(["shacl", "edm"]), default="shacl", show_default=True,
              help=("shacl: arkgraph's SHACL shapes on RDF files. edm: Europeana's EDM XSD and Schematron on "
                    "EDM RDF/XML record files (one record a file; a directory or .zip of them)."))
@click.option("--shapes", "shapes_dir", type=click.Path(exists=True),
              help="A directory (or file) of SHACL shapes in Turtle, instead of the bundled ones.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True),
              help=("Write the full W3C sh:ValidationReport here: Turtle (.ttl), N-Triples (.nt) or JSON-LD (.jsonld). "
                    "With --profile edm: every failure (file, record, stage, rule, message, line) as JSON Lines "
                    "(.jsonl) or CSV (.csv)."))
@click.option("-q", "--quiet", is_flag=True, help="Only the summary line.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help=(f"Worker processes for a big file (plain .nq or .nt of {PARALLEL_MIN_BYTES >> 20} MB or more: "
                    "it is cut between records into parts the workers validate). Default: the CPUs "
                    f"available (at most {MAX_DEFAULT_JOBS}); 1 reads every file in one process. "
                    "The results, summary, report and exit status are the same whatever N. SHACL only."))
def validate(files: tuple[str, ...], profile: str, shapes_dir: str | None, report_path: str | None, quiet: bool,
             jobs: int | None) -> None:
    """Check RDF files against arkgraph's SHACL shapes, record by record; or, with --profile edm, EDM
    RDF/XML records against Europeana's own XSD and Schematron (bundled: nothing is fetched).

    FILE is .ttl .nt .nq .trig or .jsonld (optionally .gz), or '-' for N-Quads on stdin. In N-Quads
    and TriG a record is a named graph; in Turtle, N-Triples and JSON-LD records are cut where a
    record's main resource is typed. Memory stays bounded by the largest record.

    With --profile edm, FILE is an EDM record file (.xml or .rdf: one rdf:RDF with one
    edm:ProvidedCHO), a directory of them (recursive) or a .zip of them; '-' is one record on stdin.
    The summary counts failures by rule, with an example file for each.

    Exit status: 0 conforms (warnings allowed), 1 violations (edm: some file fails), 2 unreadable
    input or shapes, or a usage error.

    Example:

    \b
        arkgraph validate out.nq
        arkgraph validate out.ttl --report report.ttl
        arkgraph validate out.jsonld --shapes my-shapes/ --report report.jsonld
        arkgraph validate --profile edm out/edm/ records.zip --report failures.jsonl
    """
    if profile == "edm":
        validate_edm(files, shapes_dir, report_path, quiet, jobs)
        return
    with reported():
        # refused before any work; a name without an extension gets Turtle, write_report's default
        if report_path and os.path.splitext(report_path)[1].lower() not in ("", *REPORT_EXTENSIONS):
            from ..errors import UsageError

            raise UsageError(f"--report {report_path}: the SHACL report is written as Turtle (.ttl), N-Triples (.nt) "
                             "or JSON-LD (.jsonld, .json); choose one of those extensions")
        shapes = V.load(shapes_dir)
        report = V.Report(keep_all=bool(report_path), shapes=shapes)
        with progress.Display("validating", unit="records", enabled=progress.wanted(quiet)) as display:
            validate_files(files, shapes, report, jobs, display.update if display.enabled else None)
        if report_path:  # an unwritable report is one line too (OutputError)
            V.write_report(report_path, report.all)
    text = report.summary()
    click.echo(text.splitlines()[0] if quiet else text, err=True)
    sys.exit(1 if report.violations else 0)


def validate_edm(files: tuple[str, ...], shapes_dir: str | None, report_path: str | None, quiet: bool,
                 jobs: int | None) -> None:
    """``validate --profile edm``: every record file through Europeana's XSD and Schematron; the summary
    by rule on stderr; the report streamed (committed whole, even when files fail; not at all on exit 2)."""
    from .. import edm_check as E
    from ..errors import UsageError
    from ..outputs import open_output

    with reported():
        if shapes_dir:
            raise UsageError("--shapes is for --profile shacl: --profile edm runs Europeana's bundled XSD and Schematron")
        if jobs is not None:
            raise UsageError("-j/--jobs is for --profile shacl: --profile edm checks one file at a time")
        fmt = E.report_format(report_path) if report_path else None  # refused before any work
        summary = E.Summary()
        checker = E.Checker()
        with contextlib.ExitStack() as stack:
            writer = None
            if report_path and fmt:
                writer = E.ReportWriter(stack.enter_context(open_output(report_path, encoding="utf-8")), fmt)
            for name, failures in E.check_paths(files, checker):
                summary.add(name, failures)
                if writer:
                    writer.write(failures)
    click.echo(summary.line() if quiet else summary.text(), err=True)
    sys.exit(1 if summary.failing else 0)
