"""``arkgraph validate``: check RDF files against arkgraph's SHACL shapes, record by record.

    arkgraph validate out.nq --report report.ttl

The work is done by :func:`arkgraph.validate_files.validate_files` (reading, record cutting and
worker processes) and :mod:`arkgraph.shacl` (the shapes and the report).
"""

from __future__ import annotations

import sys

import click

from .. import shacl as V
from ..rdfio.cutting import PARALLEL_MIN_BYTES
from ..validate_files import MAX_DEFAULT_JOBS, validate_files
from .errors import reported


@click.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--shapes", "shapes_dir", type=click.Path(exists=True),
              help="A directory (or file) of SHACL shapes in Turtle, instead of the bundled ones.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the full W3C sh:ValidationReport here: Turtle (.ttl), N-Triples (.nt) or JSON-LD (.jsonld).")
@click.option("-q", "--quiet", is_flag=True, help="Only the summary line.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help=(f"Worker processes for a big file (plain .nq or .nt of {PARALLEL_MIN_BYTES >> 20} MB or more: "
                    "it is cut between records into parts the workers validate). Default: the CPUs "
                    f"available (at most {MAX_DEFAULT_JOBS}); 1 reads every file in one process. "
                    "The results, summary, report and exit status are the same whatever N."))
def validate(files: tuple[str, ...], shapes_dir: str | None, report_path: str | None, quiet: bool,
             jobs: int | None) -> None:
    """Check RDF files against arkgraph's SHACL shapes, record by record.

    FILE is .ttl .nt .nq .trig or .jsonld (optionally .gz), or '-' for N-Quads on stdin. In N-Quads
    and TriG a record is a named graph; in Turtle, N-Triples and JSON-LD records are cut where a
    record's main resource is typed. Memory stays bounded by the largest record.

    Exit status: 0 conforms (warnings allowed), 1 violations, 2 unreadable input or shapes.

    Example:

    \b
        arkgraph validate out.nq
        arkgraph validate out.ttl --report report.ttl
        arkgraph validate out.jsonld --shapes my-shapes/ --report report.jsonld
    """
    with reported():
        shapes = V.load(shapes_dir)
        report = V.Report(keep_all=bool(report_path), shapes=shapes)
        validate_files(files, shapes, report, jobs)
        if report_path:  # an unwritable report is one line too (OutputError)
            V.write_report(report_path, report.all)
    text = report.summary()
    click.echo(text.splitlines()[0] if quiet else text, err=True)
    sys.exit(1 if report.violations else 0)
