"""Benchmark: N generated Paris Musées records → both profiles → N-Triples, single process.

    python bench/bench_convert.py 100000
    python bench/bench_convert.py 100000 --host-check   # and how fast the host was meanwhile (hostcheck.py)

Prints records/s, triples/s and peak RSS. Targets (issue 2): ≥ 2,000 records/s, peak RSS < 300 MB.
Records/s is given by the wall clock and by CPU time: of all threads (the output is joined and
written on a thread of its own), and of the converting thread alone, which other jobs on a shared
machine disturb least.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
import hostcheck  # noqa: E402

from arkgraph.pipeline import Options, convert  # noqa: E402


def main(n: int, fmt: str = "nt", host_check: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "works.json"
        t0 = time.perf_counter()
        generate.write(src, n)
        gen = time.perf_counter() - t0
        size = src.stat().st_size
        out_path = Path(tmp) / f"out.{fmt}"
        opts = Options([str(src)], output=str(out_path), fmt=fmt)
        cpu0, thread0 = time.process_time(), time.thread_time()
        with open(out_path, "wb") as out, hostcheck.HostCheck(host_check) as host:
            summary, _ = convert(opts, out)
        cpu, thread = time.process_time() - cpu0, time.thread_time() - thread0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"input: {n} records, {size / 1e6:.1f} MB JSON (generated in {gen:.1f}s)")
        print(f"converted {summary.converted} records, {summary.triples} triples, format {fmt}, in {summary.seconds:.2f}s")
        # the machine may be shared: CPU time shows what the converter itself costs
        print(f"records/s: {summary.converted / summary.seconds:,.0f} wall, {summary.converted / cpu:,.0f} per CPU-second"
              f" (all threads), {summary.converted / thread:,.0f} per CPU-second of the converting thread")
        print(f"triples/s: {summary.triples / summary.seconds:,.0f} wall, {summary.triples / cpu:,.0f} per CPU-second")
        print(f"peak RSS: {rss:.0f} MB")
        host.report()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("records", type=int, nargs="?", default=20000)
    ap.add_argument("format", nargs="?", default="nt", help="nt, nq, ttl, trig or jsonld (default nt)")
    hostcheck.add_option(ap)
    a = ap.parse_args()
    main(a.records, a.format, a.host_check)
