"""Benchmark: arkgraph's SHACL validator vs pySHACL, side by side in one run.

    python bench/bench_validate.py 100000            # pySHACL on a 5,000-record subset, extrapolated
    python bench/bench_validate.py 100000 --pyshacl-all   # pySHACL over every record, in chunks (slow)

1. Generates N realistic Paris Musées records (bench/generate.py varies the real samples).
2. Converts them (both profiles) to N-Triples, timed alone: the conversion time.
3. Converts again with the validator hook, timing only the validator calls: the validation time
   (records are validated one at a time, as they stream; memory stays bounded).
4. Runs pySHACL on the same records and shapes: on a subset of --subset records as one graph
   (extrapolated linearly to N, and said so), or on all of them with --pyshacl-all (chunks of
   --subset records, each chunk its own graph). arkgraph's validator is timed on that same subset too.

Prints records/s, triples/s, peak RSS and the speedup.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

from arkgraph import validate as V
from arkgraph.pipeline import Options, convert


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TimedValidator:
    def __init__(self, keep: int) -> None:
        self.shapes = V.load()
        self.seconds = 0.0
        self.cpu = 0.0
        self.records = 0
        self.triples = 0
        self.violations = 0
        self.warnings = 0
        self.keep = keep
        self.kept: list[list[tuple[str, str, str]]] = []

    def __call__(self, iri: str, triples: list[tuple[str, str, str]]) -> None:
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
        if len(self.kept) < self.keep:
            self.kept.append(triples)


def run_pyshacl(chunks: list[list[list[tuple[str, str, str]]]]) -> tuple[float, int]:
    import pyshacl
    import rdflib
    sg = rdflib.Graph().parse(data=V.shapes_turtle(), format="nt")
    total, nres = 0.0, 0
    for chunk in chunks:
        text = "".join(f"{s} {p} {o} .\n" for ts in chunk for s, p, o in ts)
        g = rdflib.Graph().parse(data=text, format="nt")
        t = time.perf_counter()
        _, report, _ = pyshacl.validate(g, shacl_graph=sg)
        total += time.perf_counter() - t
        SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
        top = next(report.subjects(rdflib.RDF.type, SH.ValidationReport))
        nres += len(list(report.objects(top, SH.result)))
    return total, nres


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=20000)
    ap.add_argument("--subset", type=int, default=5000, help="records pySHACL validates (per chunk with --pyshacl-all)")
    ap.add_argument("--pyshacl-all", action="store_true", help="run pySHACL over all N records, chunk by chunk")
    args = ap.parse_args()
    n = args.n
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "works.json"
        generate.write(src, n)
        out_path = Path(tmp) / "out.nt"

        opts = Options([str(src)], output=str(out_path), fmt="nt")
        c0 = time.process_time()
        with open(out_path, "wb") as out:
            conv, _ = convert(opts, out)
        conv_cpu = time.process_time() - c0
        print(f"conversion: {conv.converted} records, {conv.triples} triples in {conv.seconds:.2f}s "
              f"({conv.converted / conv.seconds:,.0f} records/s), CPU {conv_cpu:.2f}s")

        keep = n if args.pyshacl_all else args.subset
        tv = TimedValidator(keep=min(keep, n))
        with open(out_path, "wb") as out:
            convert(opts, out, validator=tv)
        print(f"arkgraph validate: {tv.records} records, {tv.triples} triples in {tv.seconds:.2f}s "
              f"({tv.records / tv.seconds:,.0f} records/s, {tv.triples / tv.seconds:,.0f} triples/s); "
              f"{tv.violations} violations, {tv.warnings} warnings")
        print(f"validation / conversion time: {tv.seconds / conv.seconds:.2f} wall, "
              f"{tv.cpu / conv_cpu:.2f} CPU (validation CPU {tv.cpu:.2f}s; the machine is shared, CPU time is fairer)")
        print(f"peak RSS so far: {rss_mb():.0f} MB (kept {len(tv.kept)} records for pySHACL)")

        subset = tv.kept[: args.subset]
        sub_triples = sum(len(ts) for ts in subset)
        shapes = V.load()
        t = time.perf_counter()
        mine = sum(len(shapes.validate(ts)) for ts in subset)
        mine_sub = time.perf_counter() - t

        if args.pyshacl_all:
            chunks = [tv.kept[i:i + args.subset] for i in range(0, len(tv.kept), args.subset)]
            ps, nres = run_pyshacl(chunks)
            print(f"pySHACL (all {len(tv.kept)} records, {len(chunks)} chunks of {args.subset}): {ps:.1f}s, "
                  f"{nres} results")
            print(f"speedup on {n} records: {ps / tv.seconds:.1f}x")
        else:
            ps, nres = run_pyshacl([subset])
            print(f"subset: {len(subset)} records, {sub_triples} triples: pySHACL {ps:.1f}s ({nres} results), "
                  f"arkgraph {mine_sub:.2f}s ({mine} results): speedup {ps / mine_sub:.1f}x")
            est = ps * n / len(subset)
            print(f"pySHACL on {n} records, EXTRAPOLATED linearly from the subset: ~{est:.0f}s; "
                  f"arkgraph measured {tv.seconds:.1f}s: speedup ~{est / tv.seconds:.1f}x")
        print(f"peak RSS: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
