"""ALTO reader throughput (issue #19): N pages read through ``gallica_alto.read``, in one process. The pages are
the real sample pages (tests/fixtures/gallica/alto/bpt6k5628146t/f1-f15.xml) repeated, each copy given its own
document ARK (``bpt6k5628146t`` + ``x<i>``) so nothing can be cached; they are held in memory (``--dir`` writes
them to a temporary directory and reads each file from disk instead). Prints pages/s against wall-clock time
and CPU time (``time.process_time``), words/s, and the peak RSS of the reading (the pages themselves are held
before it starts: the figure says how much that was).

    python bench/bench_alto.py --pages 20000
    python bench/bench_alto.py --pages 20000 --dir      # from files on disk, one read at a time
    python bench/bench_alto.py --pages 5000 --big 50     # pages 50 times as long (memory stays flat)
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

from arkgraph.model import PageText
from arkgraph.sources import gallica_alto

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gallica import _peak_rss_mb, _reset_peak_rss  # noqa: E402 - one way to read the peak RSS, for every bench

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "gallica" / "alto" / "bpt6k5628146t"
_BLOCKS = re.compile(rb"(<PrintSpace[^>]*>)(.*)(</PrintSpace>)", re.S)


def pages(n: int, big: int = 1) -> Iterator[tuple[str, bytes]]:
    """``n`` (name, bytes) pages: the samples in turn, each copy naming its own document."""
    real = [p.read_bytes() for p in sorted(SAMPLES.glob("f*.xml"), key=lambda p: int(p.stem[1:]))]
    if big > 1:  # the page's content repeated: a page of a dense newspaper rather than a small book
        real = [_BLOCKS.sub(lambda m: m.group(1) + m.group(2) * big + m.group(3), d, count=1) for d in real]
    for i in range(n):
        d = real[i % len(real)].replace(b"bpt6k5628146t", b"bpt6k5628146tx%d" % i)
        yield f"bpt6k5628146tx{i}/f{i % len(real) + 1}.xml", d


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=20_000)
    ap.add_argument("--big", type=int, default=1, help="repeat each page's content this many times")
    ap.add_argument("--dir", action="store_true", help="read the pages from files in a temporary directory")
    args = ap.parse_args()
    data: list[tuple[str, bytes]] = []
    files: list[Path] = []
    size = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, d in pages(args.pages, args.big):  # with --dir, written as made: only the reading is in memory
            size += len(d)
            if args.dir:
                files.append(Path(tmp) / name)
                files[-1].parent.mkdir(exist_ok=True)
                files[-1].write_bytes(d)
            else:
                data.append((name, d))
        held = _rss_mb()
        reset = _reset_peak_rss()
        n = words = rejected = 0
        cpu0, t0 = time.process_time(), time.perf_counter()
        source = ((str(f), f.read_bytes()) for f in files) if args.dir else iter(data)
        for name, d in source:
            for item in gallica_alto.read(d, name):
                if isinstance(item, tuple) and isinstance(item[1], PageText):
                    n += 1
                    words += item[1].words
                else:
                    rejected += 1
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    rss = _peak_rss_mb()
    print(f"{n} ALTO pages read (rejected {rejected}), {words:,} words, {size / 1e6:.0f} MB "
          f"({size / max(n + rejected, 1) / 1e3:.1f} kB a page){' from files' if args.dir else ' in memory'}")
    print(f"CPU  {cpu:7.2f}s: {n / cpu:8,.0f} pages/s  {words / cpu:10,.0f} words/s")
    print(f"wall {wall:7.2f}s: {n / wall:8,.0f} pages/s  {words / wall:10,.0f} words/s")
    print(f"peak RSS {rss:.0f} MB" + (f" (the pages held in memory before reading: {held:.0f} MB)" if reset
                                      else " (process peak)"))


if __name__ == "__main__":
    sys.exit(main())
