"""Benchmark: arkgraph's SHACL validator vs pySHACL, side by side in one run.

    python bench/bench_validate.py 20000                 # pySHACL on a 5,000-record subset, extrapolated
    python bench/bench_validate.py 100000 --pyshacl-all  # pySHACL over every record, in chunks (slow)

1. Generates N realistic Paris Musées records (bench/generate.py varies the real samples).
2. Converts them (both profiles) to N-Quads, timed alone: the conversion time.
3. Converts again with the validator hook (``convert --validate``), timing only the validator
   calls: the in-process validation time (records are validated one at a time, as they stream).
4. Runs ``arkgraph validate out.nq`` (a separate process, default --jobs: one worker process per
   usable CPU, up to 8, each validating a part of the file cut between records) on the conversion's
   output: the standalone validation time, reading included, wall and CPU (its workers included),
   compared with the conversion's. With --sequential-too, ``--jobs 1`` as well.
5. Runs pySHACL on the same records and shapes, read back from out.nq:
   - by default on the first --subset records as one graph (extrapolated linearly to N, and said so);
   - with --pyshacl-all on every record, --chunk records at a time, each chunk its own rdflib graph
     (records are independent named graphs: a chunk's results are its records' results; pySHACL
     on the whole 26M-triple graph of 100,000 records would not fit in memory). Memory stays
     bounded by one chunk. Each chunk's results are compared with arkgraph's on the same records
     (sets of focus node, path, constraint component, severity).

CPU time (time.process_time, or the child's rusage) is printed beside wall time: the machine may
be shared with other jobs, and CPU time is the fairer measure there.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

from arkgraph import shacl as V
from arkgraph.rdfio.cutting import plan
from arkgraph.rdfio.readers import read_records
from arkgraph.validate_files import default_jobs
from arkgraph.pipeline import Options, convert

Triples = list[tuple[str, str, str]]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def log(msg: str) -> None:
    print(msg, flush=True)


class TimedValidator:
    """The ``convert --validate`` hook, timing only the validator calls."""

    def __init__(self) -> None:
        self.shapes = V.load()
        self.seconds = 0.0
        self.cpu = 0.0
        self.records = 0
        self.triples = 0
        self.violations = 0
        self.warnings = 0

    def __call__(self, iri: str, triples: Triples) -> None:
        t, c = time.perf_counter(), time.process_time()
        results = self.shapes.validate(triples, unique=True)
        self.seconds += time.perf_counter() - t
        self.cpu += time.process_time() - c
        self.records += 1
        self.triples += len(triples)
        for r in results:
            if r.severity == "Violation":
                self.violations += 1
            else:
                self.warnings += 1


def standalone(path: Path, jobs: int | None = None) -> tuple[float, float, float, str]:
    """``arkgraph validate -q path [--jobs N]`` in its own process: (wall s, CPU s of it and its
    workers, peak RSS MB of the biggest, its summary line)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", "from arkgraph.cli import main; main()", "validate", "-q", str(path)]
                          + ([] if jobs is None else ["--jobs", str(jobs)]),
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"arkgraph validate failed ({proc.returncode}): {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024, proc.stderr.strip().splitlines()[0]


class PySHACL:
    """pySHACL on chunks of records, each chunk one rdflib graph; results as comparable keys."""

    def __init__(self) -> None:
        import pyshacl
        import rdflib
        self.pyshacl, self.rdflib = pyshacl, rdflib
        self.sg = rdflib.Graph().parse(data=V.shapes_turtle(), format="nt")
        self.SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
        self.parse_cpu = self.cpu = self.wall = 0.0
        self.results = 0

    def run(self, records: list[Triples]) -> set[tuple]:
        rdflib, SH = self.rdflib, self.SH
        c = time.process_time()
        text = "".join(f"{s} {p} {o} .\n" for ts in records for s, p, o in ts)
        g = rdflib.Graph().parse(data=text, format="nt")
        del text
        self.parse_cpu += time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        _, report, _ = self.pyshacl.validate(g, shacl_graph=self.sg)
        self.wall += time.perf_counter() - t
        self.cpu += time.process_time() - c
        top = next(report.subjects(rdflib.RDF.type, SH.ValidationReport))
        keys = set()
        for r in report.objects(top, SH.result):  # top-level results only (sh:detail nests others)
            self.results += 1
            path = report.value(r, SH.resultPath)
            keys.add((report.value(r, SH.focusNode).n3(),
                      path.n3() if isinstance(path, rdflib.URIRef) else None if path is None else "complex",
                      str(report.value(r, SH.sourceConstraintComponent)).split("#")[1],
                      str(report.value(r, SH.resultSeverity)).split("#")[1]))
        return keys


def arkgraph_keys(shapes: V.Shapes, records: list[Triples]) -> tuple[set[tuple], int, float]:
    keys: set[tuple] = set()
    n = 0
    c = time.process_time()
    for ts in records:
        for r in shapes.validate(ts):
            n += 1
            keys.add((r.focus, r.path if r.path is None or r.path.startswith("<") else "complex", r.component,
                      r.severity))
    return keys, n, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=20000)
    ap.add_argument("--subset", type=int, default=5000, help="records pySHACL validates (without --pyshacl-all)")
    ap.add_argument("--pyshacl-all", action="store_true", help="run pySHACL over all N records, chunk by chunk")
    ap.add_argument("--chunk", type=int, default=500,
                    help="records per pySHACL graph with --pyshacl-all (about 500 keeps it near its best throughput)")
    ap.add_argument("--no-pyshacl", action="store_true", help="only arkgraph (conversion, in-process, standalone)")
    ap.add_argument("--sequential-too", action="store_true", help="also time `arkgraph validate out.nq --jobs 1`")
    ap.add_argument("--workdir", help="keep the generated input and out.nq here (default: a temporary directory)")
    args = ap.parse_args()
    n = args.n
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        src = work / "works.json"
        log(f"generating {n} records…")
        generate.write(src, n)
        out_path = work / "out.nq"

        log("converting (both profiles, N-Quads)…")
        opts = Options([str(src)], output=str(out_path), fmt="nq")
        t, c0 = time.perf_counter(), time.process_time()
        with open(out_path, "wb") as out:
            conv, _ = convert(opts, out)
        conv_wall, conv_cpu = time.perf_counter() - t, time.process_time() - c0
        size = out_path.stat().st_size
        log(f"conversion: {conv.converted} records, {conv.triples} triples ({size / 1e6:,.0f} MB of N-Quads) "
            f"in {conv_wall:.1f}s wall, CPU {conv_cpu:.1f}s ({conv.converted / conv_cpu:,.0f} records/s CPU)")

        log("converting again with the validator hook (convert --validate)…")
        tv = TimedValidator()
        with open(os.devnull, "wb") as out:
            convert(Options([str(src)], output=os.devnull, fmt="nq"), out, validator=tv)
        log(f"in-process validation: {tv.records} records, {tv.triples} triples in {tv.seconds:.1f}s wall, "
            f"CPU {tv.cpu:.1f}s ({tv.records / tv.cpu:,.0f} records/s, {tv.triples / tv.cpu:,.0f} triples/s CPU); "
            f"{tv.violations} violations, {tv.warnings} warnings")
        log(f"in-process validation / conversion: {tv.cpu / conv_cpu:.2f} CPU, {tv.seconds / conv_wall:.2f} wall")

        jobs = default_jobs()
        cuts = plan(str(out_path), jobs, V.load().root_classes)
        workers = min(jobs, len(cuts)) if cuts else 1
        how = f"{workers} worker processes, {len(cuts)} parts" if cuts else "one process"
        log(f"arkgraph validate {out_path.name} (standalone, its own process; default --jobs {jobs}: "
            f"{how} on this file)…")
        sa_wall, sa_cpu, sa_rss, sa_line = standalone(out_path)
        log(f"standalone `arkgraph validate out.nq` ({how}): {sa_wall:.1f}s wall, CPU {sa_cpu:.1f}s "
            f"(workers included; {n / sa_cpu:,.0f} records/s CPU), peak RSS {sa_rss:.0f} MB; it said: {sa_line}")
        log(f"  beside the conversion: {sa_wall:.1f}s vs {conv_wall:.1f}s wall, {sa_cpu:.1f}s vs {conv_cpu:.1f}s CPU")
        log(f"standalone validation / conversion: {sa_cpu / conv_cpu:.2f} CPU, {sa_wall / conv_wall:.2f} wall "
            f"({'within' if sa_wall <= conv_wall else 'NOT within'} the conversion's wall time)")
        if args.sequential_too:
            sq_wall, sq_cpu, sq_rss, _ = standalone(out_path, jobs=1)
            log(f"standalone `arkgraph validate out.nq --jobs 1` (one process): {sq_wall:.1f}s wall, "
                f"CPU {sq_cpu:.1f}s, peak RSS {sq_rss:.0f} MB; / conversion: {sq_cpu / conv_cpu:.2f} CPU, "
                f"{sq_wall / conv_wall:.2f} wall")
        log(f"peak RSS so far (this process): {rss_mb():.0f} MB")
        if args.no_pyshacl:
            return

        shapes = V.load()
        ps = PySHACL()
        records = (ts for _, ts in read_records(str(out_path), shapes.root_classes))
        if not args.pyshacl_all:
            subset = list(itertools.islice(records, args.subset))
            sub_triples = sum(len(ts) for ts in subset)
            theirs = ps.run(subset)
            mine, nmine, mine_cpu = arkgraph_keys(shapes, subset)
            log(f"subset: {len(subset)} records, {sub_triples} triples: pySHACL CPU {ps.cpu:.1f}s "
                f"({ps.wall:.1f}s wall; parsing for it {ps.parse_cpu:.1f}s more), {ps.results} results; "
                f"arkgraph CPU {mine_cpu:.2f}s, {nmine} results; same results: {mine == theirs}; "
                f"speedup {ps.cpu / mine_cpu:.1f}x CPU")
            est = ps.cpu * n / len(subset)
            log(f"pySHACL on {n} records, EXTRAPOLATED linearly from the subset: ~{est:.0f}s CPU; "
                f"arkgraph measured in-process {tv.cpu:.1f}s CPU: speedup ~{est / tv.cpu:.1f}x")
            log(f"peak RSS: {rss_mb():.0f} MB")
            return

        log(f"pySHACL on all {n} records, {args.chunk} records per graph…")
        done = chunks = disagree = 0
        mine_cpu = 0.0
        t0 = time.perf_counter()
        while True:
            chunk = list(itertools.islice(records, args.chunk))
            if not chunk:
                break
            theirs = ps.run(chunk)
            mine, _, cpu = arkgraph_keys(shapes, chunk)
            mine_cpu += cpu
            chunks += 1
            done += len(chunk)
            if mine != theirs:
                disagree += 1
                log(f"  chunk {chunks}: results DIFFER: only arkgraph {sorted(mine - theirs)[:3]}, "
                    f"only pySHACL {sorted(theirs - mine)[:3]}")
            del chunk, theirs, mine
            if chunks % 10 == 0 or done == n:
                el = time.perf_counter() - t0
                log(f"  {done}/{n} records: pySHACL CPU {ps.cpu:.0f}s ({done / ps.cpu:.1f} records/s), "
                    f"parsing {ps.parse_cpu:.0f}s; {el:.0f}s elapsed, ~{el * (n - done) / done:.0f}s to go; "
                    f"RSS peak {rss_mb():.0f} MB")
        log(f"pySHACL, all {done} records in {chunks} graphs of {args.chunk}: validate CPU {ps.cpu:.1f}s "
            f"({ps.wall:.1f}s wall), + rdflib parsing CPU {ps.parse_cpu:.1f}s; {ps.results} results; "
            f"chunks whose results differ from arkgraph's: {disagree}")
        log(f"arkgraph on the same {n} records: in-process validator CPU {tv.cpu:.1f}s ({tv.seconds:.1f}s wall); "
            f"standalone `arkgraph validate` (reading included) CPU {sa_cpu:.1f}s ({sa_wall:.1f}s wall); "
            f"re-validating the chunks CPU {mine_cpu:.1f}s")
        log(f"speedup on {n} records: validator vs pySHACL's validate {ps.cpu / tv.cpu:.1f}x CPU "
            f"({ps.wall / tv.seconds:.1f}x wall); "
            f"`arkgraph validate out.nq` vs pySHACL with its parsing {(ps.cpu + ps.parse_cpu) / sa_cpu:.1f}x CPU")
        log(f"peak RSS: {rss_mb():.0f} MB (this process), {sa_rss:.0f} MB (arkgraph validate)")


if __name__ == "__main__":
    main()
