"""Gallica throughput: one large SRU file built from real sample records, converted to N-Triples with
both profiles in a single process. Prints records/s, triples/s and peak RSS.

    python bench/bench_gallica.py --records 100000
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

from arkgraph.pipeline import Options, convert

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "gallica" / "sru"
HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<srw:searchRetrieveResponse '
        'xmlns:srw="http://www.loc.gov/zing/srw/" xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<srw:version>1.2</srw:version>\n<srw:records>\n')
TAIL = "</srw:records>\n</srw:searchRetrieveResponse>\n"


def real_records() -> list[str]:
    out = []
    for p in sorted(SAMPLES.glob("*.xml")):
        out += re.findall(r"<srw:record>.*?</srw:record>", p.read_text(encoding="utf-8"), re.S)
    return out


def generate(path: Path, n: int) -> None:
    """Repeat real records with varied ARKs, titles and dates so caches cannot hide the work."""
    recs = real_records()
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEAD)
        for i in range(n):
            r = recs[i % len(recs)]
            r = re.sub(r"ark:/12148/(bpt6k|btv1b|bd6t)([0-9a-z]+)", lambda m: f"ark:/12148/{m.group(1)}{m.group(2)}x{i}", r)
            r = r.replace("<dc:title>", f"<dc:title>[{i}] ", 1)
            r = re.sub(r"<dc:date>(\d{4})", lambda m: f"<dc:date>{1700 + i % 300}", r, count=1)
            fh.write(r)
            fh.write("\n")
        fh.write(TAIL)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--keep", help="write the generated SRU file here instead of a temp dir")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(args.keep) if args.keep else Path(tmp) / "big-sru.xml"
        t0 = time.perf_counter()
        generate(src, args.records)
        size = src.stat().st_size
        print(f"generated {args.records} records ({size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        out = Path(tmp) / "out.nt"
        with out.open("wb") as fh:
            summary, _ = convert(Options([str(src)], source="gallica", profiles=("schemaorg", "linkedart"),
                                         output=str(out), fmt="nt"), fh)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = summary.seconds
    print(f"records {summary.converted} (rejected {summary.rejected}) in {s:.1f}s: {summary.converted / s:,.0f} records/s, "
          f"{summary.triples / s:,.0f} triples/s, {summary.triples} triples; peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
