"""Benchmark: the EDM profile against --profile schemaorg on the same N generated Paris Musées records.

    python bench/bench_edm.py 100000            # 3 alternating rounds: schemaorg → N-Triples, edm → N-Triples, DIR/, .zip
    python bench/bench_edm.py 100000 --rounds 5 --dir /scratch   # the outputs' file system matters (see --help)

Each run is a fresh ``arkgraph convert`` process (so its peak RSS is its own), in one time window, the
kinds alternating, as the host's speed drifts. Prints records/s (wall, and per CPU-second of the process and
its EDM writer process) and peak RSS per run (the larger of the two processes), and the median ratio
EDM/schemaorg. Target (issue 18): EDM at least 0.7 × schemaorg's rate, memory bounded. The generated
records carry no image, so the provider's --edm-rights gives their rights.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402

_EDM = ["--profile", "edm", "--edm-provider", "Bench", "--edm-rights", "http://rightsstatements.org/vocab/InC/1.0/"]
KINDS = {
    "schemaorg": (["--profile", "schemaorg"], "out.nt"),
    "edm-nt": (_EDM, "edm.nt"),
    "edm-dir": (["--profile", "edm", "--edm-provider", "Bench", "--edm-rights",
                 "http://rightsstatements.org/vocab/InC/1.0/"], "edm/"),
    "edm-zip": (["--profile", "edm", "--edm-provider", "Bench", "--edm-rights",
                 "http://rightsstatements.org/vocab/InC/1.0/"], "edm.zip"),
}


def run(kind: str, src: Path, tmp: Path) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS MB, converted) of one conversion in its own process."""
    args, out = KINDS[kind]
    target = f"{tmp}/{out}"  # a Path would drop the final slash that asks for a directory
    cmd = [sys.executable, "-c", _CHILD, "convert", str(src), "-q", "-o", target, *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in (0, 1):
        raise SystemExit(f"{kind}: exit {p.returncode}: {p.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    converted = int(p.stderr.split("converted ", 1)[1].split(",", 1)[0])
    rss = float(p.stderr.rsplit("peak-rss-mb ", 1)[1])
    return wall, cpu, rss, converted


# the CLI in a child that reports its own peak RSS, or its EDM writer's if larger (the bench's RUSAGE_CHILDREN
# would give the largest of all runs so far)
_CHILD = """
import atexit, resource, sys
atexit.register(lambda: print("peak-rss-mb", max(resource.getrusage(who).ru_maxrss for who in
                                                  (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024,
                              file=sys.stderr))
from arkgraph.cli import main
sys.argv[0] = "arkgraph"
main()
"""


def main(n: int, rounds: int, where: str | None) -> None:
    with tempfile.TemporaryDirectory(dir=where) as d:
        tmp = Path(d)
        src = tmp / "works.json"
        generate.write(src, n)
        print(f"input: {n} generated Paris Musées records, {src.stat().st_size / 1e6:.1f} MB; {os.cpu_count()} CPUs")
        rates: dict[str, list[float]] = {k: [] for k in KINDS}
        cpu_rates: dict[str, list[float]] = {k: [] for k in KINDS}
        for r in range(rounds):
            for kind in KINDS:
                wall, cpu, rss, converted = run(kind, src, tmp)
                rates[kind].append(converted / wall)
                cpu_rates[kind].append(converted / cpu)
                print(f"round {r + 1} {kind:9s}: {converted} records in {wall:6.2f}s  {converted / wall:8,.0f} records/s wall"
                      f"  {converted / cpu:8,.0f} per CPU-second  peak RSS {rss:.0f} MB")
        base = statistics.median(rates["schemaorg"])
        base_cpu = statistics.median(cpu_rates["schemaorg"])
        for kind in ("edm-nt", "edm-dir", "edm-zip"):
            print(f"{kind} / schemaorg: {statistics.median(rates[kind]) / base:.2f} wall, "
                  f"{statistics.median(cpu_rates[kind]) / base_cpu:.2f} CPU (median of {rounds})")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("records", type=int, nargs="?", default=100000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default=".", help="where the input and outputs go (default: here). Creating files "
                    "costs 20 µs each on this host's /work and 500 µs in its /tmp: say where you measured")
    a = ap.parse_args()
    main(a.records, a.rounds, a.dir)
