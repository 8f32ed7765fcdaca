"""Gallica throughput: one large SRU file built from real sample records, converted to N-Triples with
both profiles in a single process. Prints records/s and triples/s against CPU time (``time.process_time``,
steady on a shared machine) and wall-clock time, and peak RSS.

    python bench/bench_gallica.py --records 100000
    python bench/bench_gallica.py --records 100000 --keep /tmp/big-sru.xml   # reuse: --input /tmp/big-sru.xml
    python bench/bench_gallica.py --records 20000 --stages    # CPU µs/record per stage (read, map, profiles, dedupe, write)
    python bench/bench_gallica.py --records 100000 --host-check   # and how fast the host was meanwhile (hostcheck.py)
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hostcheck  # noqa: E402

from arkgraph.pipeline import Options, convert  # noqa: E402

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


_DOC_ARK = re.compile(r"ark:/12148/(bpt6k|btv1b|bd6t|cb)([0-9a-z]+)")  # cb: periodical titles (…/date)
_CATALOGUE_ARK = re.compile(r"(catalogue\.bnf\.fr/ark:/12148/cb[0-9a-z]+)")
_SHELFMARK = re.compile(r"(<dc:source>[^<]*, [^<]*)</dc:source>")  # "holder, shelfmark": only the shelfmark varies
_DATE = re.compile(r"<dc:date>(\d{4})")


def generate(path: Path, n: int) -> None:
    """Repeat real records, varying what is unique to each document in real data (its ARK, catalogue
    record, shelfmark, title and date) so caches cannot hide the work. Creators, publishers, types,
    languages, rights and parent periodicals repeat, as they do in Gallica."""
    recs = real_records()
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEAD)
        for i in range(n):
            r = recs[i % len(recs)]
            r = _DOC_ARK.sub(rf"ark:/12148/\1\2x{i}", r)
            r = _CATALOGUE_ARK.sub(rf"\1x{i}", r)
            r = r.replace("<dc:title>", f"<dc:title>[{i}] ", 1)
            r = _SHELFMARK.sub(rf"\1 ({i})</dc:source>", r, count=1)
            r = _DATE.sub(f"<dc:date>{1700 + i % 300}", r, count=1)
            fh.write(r)
            fh.write("\n")
        fh.write(TAIL)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--keep", help="write the generated SRU file here instead of a temp dir")
    ap.add_argument("--input", help="convert this SRU file (e.g. one kept by --keep) instead of generating one")
    ap.add_argument("--stages", action="store_true",
                    help="instead of the end-to-end run, time each stage per record (CPU µs/record)")
    hostcheck.add_option(ap)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.input:
            src = Path(args.input)
        else:
            src = Path(args.keep) if args.keep else Path(tmp) / "big-sru.xml"
            t0 = time.perf_counter()
            generate(src, args.records)
            print(f"generated {args.records} records ({src.stat().st_size / 1e6:.0f} MB) in "
                  f"{time.perf_counter() - t0:.1f}s", file=sys.stderr)
        if args.stages:
            stages(src)
            return
        out = Path(tmp) / "out.nt"
        # the generator's own memory is not the converter's: measure the peak from here on where Linux allows
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        reset = _reset_peak_rss()
        cpu0 = time.process_time()
        with out.open("wb") as fh, hostcheck.HostCheck(args.host_check) as host:
            summary, _ = convert(Options([str(src)], source="gallica", profiles=("schemaorg", "linkedart"),
                                         output=str(out), fmt="nt"), fh)
        cpu = time.process_time() - cpu0
        out_size = out.stat().st_size
    rss = _peak_rss_mb() if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall = summary.seconds
    n, t = summary.converted, summary.triples
    print(f"{src.name}: {n} records converted (rejected {summary.rejected}), {t} triples, "
          f"{out_size / 1e6:.0f} MB of N-Triples")
    print(f"CPU  {cpu:7.1f}s: {n / cpu:8,.0f} records/s  {t / cpu:10,.0f} triples/s")
    print(f"wall {wall:7.1f}s: {n / wall:8,.0f} records/s  {t / wall:10,.0f} triples/s")
    print(f"peak RSS {rss:.0f} MB" + ("" if reset else f" (process peak; {rss_before:.0f} MB before converting)"))
    host.report()


def stages(src: Path) -> None:
    """The pipeline's loop for one Gallica file, stage by stage, each timed with ``time.thread_time``
    (the clock reads cost ~1 µs a record in all): the converting thread's CPU time, not the writer
    thread's (joining batches, the write calls). The output goes to /dev/null."""
    import gc
    import os

    from arkgraph import mappings, serialize
    from arkgraph.pipeline import PROFILES
    from arkgraph.sources import gallica
    from arkgraph.sources.common import RawRecord

    tables = mappings.load(None)
    mapper = gallica.Mapper(tables)
    emitters = [(p, PROFILES[p]) for p in ("schemaorg", "linkedart")]
    names = ["read", "map"] + [p for p, _ in emitters] + ["dedupe", "write"]
    spent = dict.fromkeys(names, 0.0)
    clock = time.thread_time
    n = triples = 0
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 50, 100)  # as pipeline.convert
    with open(src, "rb") as fh, open(os.devnull, "wb") as sink:
        writer = serialize.writer("nt", sink)
        it = gallica.read(fh, str(src))
        context: dict = {"enrichments": {}}
        t = clock()
        while True:
            item = next(it, None)
            t1 = clock()
            spent["read"] += t1 - t
            if item is None:
                break
            if not isinstance(item, RawRecord):
                t = clock()
                continue
            rec = mapper.map(item, context).record
            t2 = clock()
            spent["map"] += t2 - t1
            by_profile = {}
            for name, emit in emitters:
                by_profile[name] = emit(rec)
                t3 = clock()
                spent[name] += t3 - t2
                t2 = t3
            ts = serialize.unique(by_profile)
            t3 = clock()
            spent["dedupe"] += t3 - t2
            writer.record(rec.iri, by_profile, ts)
            t = clock()
            spent["write"] += t - t3
            n += 1
            triples += len(ts)
        writer.close()
    gc.set_threshold(*thresholds)
    total = sum(spent.values())
    print(f"{src.name}: {n} records, {triples / max(n, 1):.0f} triples/record")
    for k in names:
        print(f"  {k:10s} {1e6 * spent[k] / max(n, 1):7.1f} µs/record  {100 * spent[k] / total:5.1f} %")
    print(f"  {'total':10s} {1e6 * total / max(n, 1):7.1f} µs/record  → {n / total:,.0f} records per CPU-second")


def _reset_peak_rss() -> bool:
    """Linux ≥ 4.0: writing 5 to clear_refs resets VmHWM, so the peak is the converter's alone."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
