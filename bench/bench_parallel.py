"""Benchmark (issue 21): `arkgraph convert --jobs 1` against `--jobs 2`, and against a 2-worker Dask LocalCluster,
on N generated Paris Musées records plus N generated Gallica records.

    python bench/bench_parallel.py                          # 200,000 + 200,000 records, 3 rounds, ~100-record files
    python bench/bench_parallel.py --records 20000 --rounds 2 --layout big --no-dask

The inputs are clones of the real samples in tests/fixtures (Paris Musées GraphQL pages, Gallica SRU pages, and
Gallica Toc and Pagination side files joined to some documents), each clone with its own ids so that every
record has its own IRI: a Paris Musées ARK is minted from the node id (absolutePath /node/N), a Gallica one is
the dc:identifier's ARK. They are written once into --cache (reused when present), as a harvest writes them
(--layout files: one page of ~100 records a file) or as one big file per source (--layout big).

Each run is a fresh `arkgraph convert` process writing N-Quads to --out (tmpfs by default), the kinds alternating
in one time window (j1, j2, dask, j1, j2, dask, ...) as the host's speed drifts. Each output's sha256 is kept and
the output deleted. Peak RSS: /proc/PID/status VmHWM of the arkgraph process and of every descendant (the
--jobs workers), polled every 0.2 s, and of the Dask worker processes (their peak reset before each run through
/proc/PID/clear_refs). Targets: --jobs 2 at least 1.7 x faster than --jobs 1 (median of the rounds' ratios),
byte-identical outputs, every process under 300 MB. With --dask, the concatenation of the part files in
manifest.json's order must equal the --jobs 1 output. The partition plan's time is read from an
`arkgraph: plan: ... in X.XXs` line on stderr when the CLI prints one.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_gallica  # noqa: E402  (its SRU envelope, real records and id patterns: one way to clone Gallica)
import generate  # noqa: E402

FIXTURES = HERE.parent / "tests" / "fixtures" / "gallica"
PER_FILE = 100  # a harvest's page size
LIMIT_MB = 300
TARGET_SPEEDUP = 1.7
_DOC_NAME = re.compile(r"<dc:identifier>https?://gallica\.bnf\.fr/ark:/12148/((?:bpt6k|btv1b|bd6t)[0-9a-z]+)")
_PLAN = re.compile(r"arkgraph: plan: .* in (\d+(?:\.\d+)?)s")


# ---------------------------------------------------------------- data

def _chunks(n: int, layout: str) -> list[tuple[int, int]]:
    """(first, end) record ranges of the files: ~PER_FILE records each, or one range."""
    step = PER_FILE if layout == "files" else max(n, 1)
    return [(i, min(i + step, n)) for i in range(0, n, step)]


def _pm_files(root: Path, n: int, layout: str) -> None:
    out = root / "parismusees"
    out.mkdir(parents=True)
    entities = generate.records(n)
    for k, (first, end) in enumerate(_chunks(n, layout)):
        # a GraphQL nodeQuery page, as the harvest saves it
        with open(out / f"nodequery-{k:05d}.json", "w", encoding="utf-8") as fh:
            fh.write(f'{{"data": {{"nodeQuery": {{"count": {n}, "entities": [\n')
            fh.write(",\n".join(json.dumps(next(entities), ensure_ascii=False) for _ in range(first, end)))
            fh.write("\n]}}}\n")


def _gallica_clone(r: str, i: int) -> str:
    # as bench_gallica.generate: what is unique to each document varies, creators, periodicals etc. repeat
    b = bench_gallica
    r = b._DOC_ARK.sub(rf"ark:/12148/\1\2x{i}", r)
    r = b._CATALOGUE_ARK.sub(rf"\1x{i}", r)
    r = r.replace("<dc:title>", f"<dc:title>[{i}] ", 1)
    r = b._SHELFMARK.sub(rf"\1 ({i})</dc:source>", r, count=1)
    return b._DATE.sub(f"<dc:date>{1700 + i % 300}", r, count=1)


def _gallica_files(root: Path, n: int, layout: str, enrich_every: int) -> None:
    out = root / "gallica"
    (out / "enrich").mkdir(parents=True)
    recs = bench_gallica.real_records()
    # real side files: the Toc responses of enrich/ (joined by file name) and a Pagination (joined by idUPN)
    tocs = [p.read_bytes() for p in sorted((FIXTURES / "enrich").glob("*.xml"))]
    pagination = (FIXTURES / "pagination" / "pagination-bpt6k5603637g.xml").read_text(encoding="utf-8")
    for k, (first, end) in enumerate(_chunks(n, layout)):
        with open(out / f"sru-{k:05d}.xml", "w", encoding="utf-8") as fh:
            fh.write(bench_gallica.HEAD)
            for i in range(first, end):
                r = _gallica_clone(recs[i % len(recs)], i)
                fh.write(r)
                fh.write("\n")
                m = _DOC_NAME.search(r) if enrich_every and i % enrich_every == 0 else None
                if m is None:
                    continue
                name, j = m.group(1), i // enrich_every
                if j % 2:
                    (out / "enrich" / f"{name}.xml").write_bytes(tocs[j // 2 % len(tocs)])
                else:
                    (out / "enrich" / f"pagination-{name}.xml").write_text(
                        pagination.replace("<idUPN>bpt6k5603637g</idUPN>", f"<idUPN>{name}</idUPN>"), encoding="utf-8")
            fh.write(bench_gallica.TAIL)


def dataset(cache: Path, n: int, layout: str, enrich_every: int) -> tuple[Path, dict[str, Any]]:
    """The input directory (generated once, then reused) and what it holds."""
    root = cache / f"pm{n}-g{n}-{layout}-e{enrich_every}"
    ready = root / "READY.json"
    if ready.exists():
        return root / "data", json.loads(ready.read_text())
    shutil.rmtree(root, ignore_errors=True)
    data = root / "data"
    data.mkdir(parents=True)
    t0 = time.perf_counter()
    # the two sources in two processes: the generation takes about as long as the slower one
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        jobs = [pool.submit(_pm_files, data, n, layout), pool.submit(_gallica_files, data, n, layout, enrich_every)]
        for j in jobs:
            j.result()
    files = [p for p in data.rglob("*") if p.is_file()]
    info = {"records": 2 * n, "files": len(files), "enrichment_files": len(list((data / "gallica" / "enrich").iterdir())),
            "bytes": sum(p.stat().st_size for p in files), "seconds": round(time.perf_counter() - t0, 1)}
    ready.write_text(json.dumps(info))
    return data, info


# ---------------------------------------------------------------- memory

def _hwm_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # gone
        pass
    return None


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            ppid = int(stat.rsplit(b")", 1)[1].split()[1])  # the name in (...) may hold spaces
            kids.setdefault(ppid, []).append(int(d))
    return kids


class PeakPoller:
    """Every 0.2 s, VmHWM of a process, of all its descendants, and of extra (Dask worker) pids."""

    def __init__(self, root: int, extra: list[int]) -> None:
        self.root, self.extra = root, extra
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            kids = _children()
            todo, seen = [self.root, *self.extra], []
            while todo:
                p = todo.pop()
                seen.append(p)
                todo += kids.get(p, [])
            for p in seen:
                mb = _hwm_mb(p)
                if mb is not None and mb > self.peaks.get(p, 0):
                    self.peaks[p] = mb
            if self._stop.wait(0.2):
                return


def _reset_hwm(pids: list[int]) -> None:
    for p in pids:
        with open(f"/proc/{p}/clear_refs", "w") as fh:
            fh.write("5")  # 5: reset the peak RSS (VmHWM) to the current RSS


# ---------------------------------------------------------------- runs

# the CLI in a child that reports its own peak RSS and its largest reaped child's (exact, where the poller samples)
_CHILD = """
import atexit, resource, sys
atexit.register(lambda: print("peak-rss-mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, file=sys.stderr))
from arkgraph.cli import main
sys.argv[0] = "arkgraph"
main()
"""


class Failed(Exception):
    pass


@dataclass
class Run:
    kind: str
    round: int
    wall: float
    converted: int
    parent_mb: float
    worker_mb: float | None
    workers: int
    sha: str
    plan: float | None
    size: int
    stderr: str = field(repr=False, default="")


def _sha(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


def _parts(out_dir: Path) -> list[Path]:
    """The part files in manifest.json's order (a list of names, or of objects naming them, or under "parts")."""
    m = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    items = m.get("parts", m.get("files")) if isinstance(m, dict) else m
    names = [i if isinstance(i, str) else next(i[k] for k in ("file", "path", "name") if k in i) for i in items]
    return [out_dir / n for n in names]


def convert(kind: str, rnd: int, data: Path, out: Path, profile: str, flags: list[str], dask_pids: list[int]) -> Run:
    target = out / ("parts" if kind == "dask" else f"{kind}.nq")
    # a Path would drop the final slash that asks for a directory of parts
    dest = f"{target}/" if kind == "dask" else str(target)
    # not -q: the plan line is printed without it (and nothing else is added on a non-terminal stderr)
    cmd = [sys.executable, "-c", _CHILD, "convert", str(data), "--format", "nq", "-o", dest, "--profile", profile,
           *flags]
    if kind == "dask":
        _reset_hwm(dask_pids)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    with PeakPoller(p.pid, dask_pids if kind == "dask" else []) as poll:
        err = p.communicate()[1]
    wall = time.perf_counter() - t0
    if p.returncode not in (0, 1):
        raise Failed(f"{kind} run {rnd}: exit {p.returncode}: {err.strip()[-2000:]}")
    m = re.search(r"converted (\d+)", err)
    converted = int(m.group(1)) if m else 0
    self_mb, child_mb = (float(x) for x in err.rsplit("peak-rss-mb ", 1)[1].split())
    others = {pid: mb for pid, mb in poll.peaks.items() if pid != p.pid}
    worker_mb = max([*others.values(), *([child_mb] if child_mb and kind != "dask" else [])], default=None)
    try:
        outputs = _parts(target) if kind == "dask" else [target]
    except (OSError, ValueError, KeyError, TypeError, StopIteration) as exc:
        listing = sorted(os.listdir(target))[:5] if target.is_dir() else "no such directory"
        raise Failed(f"{kind} run {rnd}: no output to compare ({exc!r}; {target}: {listing}); "
                     f"stderr: {err.strip()[-500:]}") from None
    size = sum(o.stat().st_size for o in outputs)
    sha = _sha(outputs)
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    plan = _PLAN.search(err)
    return Run(kind, rnd, wall, converted, max(self_mb, poll.peaks.get(p.pid, 0)), worker_mb, len(others), sha,
               float(plan.group(1)) if plan else None, size, err)


# N-Quads bytes a record with --profile all (schemaorg ~11 KB, linkedart ~39 KB) on these inputs
_BYTES_PER_RECORD = 50_000


def _out_dir(records: int) -> str:
    if os.path.isdir("/dev/shm") and shutil.disk_usage("/dev/shm").free > 2 * records * _BYTES_PER_RECORD:
        return "/dev/shm"
    return tempfile.gettempdir()


def _help() -> str:
    return subprocess.run([sys.executable, "-c", _CHILD, "convert", "--help"], capture_output=True, text=True).stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=200_000, help="records per source (default 200000)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--layout", choices=("files", "big"), default="files",
                    help=f"files: ~{PER_FILE} records a file, as a harvest writes them; big: one file per source")
    ap.add_argument("--dask", action=argparse.BooleanOptionalAction, default=True,
                    help="also run on a distributed.LocalCluster of 2 worker processes (default on)")
    ap.add_argument("--format", choices=("nq",), default="nq", help="output format (N-Quads: the Dask parts concatenate)")
    ap.add_argument("--enrich-every", type=int, default=100,
                    help="one Gallica document in K gets a real Toc or Pagination side file (0: none; default 100)")
    ap.add_argument("--cache", default="/tmp/arkgraph-bench-parallel", help="where the generated inputs are kept")
    ap.add_argument("--profile", default="all", help="convert's --profile (default all, as convert's default)")
    ap.add_argument("--out", help="where the outputs are written, then deleted (default: /dev/shm, a tmpfs, when an "
                    f"output fits there twice over at {_BYTES_PER_RECORD // 1000} KB a record (both profiles, measured "
                    "on these inputs), else /tmp)")
    a = ap.parse_args()
    a.out = a.out or _out_dir(2 * a.records)

    data, info = dataset(Path(a.cache), a.records, a.layout, a.enrich_every)
    print(f"input: {a.records} Paris Musées + {a.records} Gallica records ({a.layout}), {info['files']} files "
          f"({info['enrichment_files']} Gallica side files), {info['bytes'] / 1e6:.0f} MB in {data} "
          f"(generated in {info['seconds']}s); {os.cpu_count()} CPUs")

    help_text = _help()
    has_jobs, has_dask = "--jobs" in help_text, "--dask" in help_text
    kinds: dict[str, list[str]] = {"j1": ["--jobs", "1"] if has_jobs else []}
    if has_jobs:
        kinds["j2"] = ["--jobs", "2"]
    else:
        print("convert has no --jobs option on this arkgraph: running --jobs 1 only (a plain convert)")
    cluster = client = None
    dask_pids: list[int] = []
    if a.dask and not has_dask:
        print("convert has no --dask option on this arkgraph: no Dask runs")
    elif a.dask:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            print("distributed is not installed: no Dask runs")
        else:
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
            dask_pids = list(client.run(os.getpid).values())
            kinds["dask"] = ["--dask", cluster.scheduler_address]
            print(f"dask: LocalCluster at {cluster.scheduler_address}, worker pids {dask_pids}")

    runs: list[Run] = []
    try:
        with tempfile.TemporaryDirectory(dir=a.out, prefix="arkgraph-bench-parallel-") as d:
            out = Path(d)
            print(f"outputs: N-Quads, --profile {a.profile}, in {out} (deleted after each run's sha256)")
            print(f"{'round':>5} {'kind':>4} {'wall s':>8} {'records/s':>10} {'parent MB':>9} {'worker MB':>9} "
                  f"{'procs':>5} {'plan s':>7} {'out GB':>6}  sha256")
            for rnd in range(1, a.rounds + 1):
                for kind, flags in list(kinds.items()):
                    try:
                        r = convert(kind, rnd, data, out, a.profile, flags, dask_pids)
                    except Failed as exc:
                        if kind != "dask":
                            raise SystemExit(str(exc)) from None
                        print(f"dask run failed, no more Dask runs: {exc}")
                        del kinds[kind]
                        continue
                    runs.append(r)
                    wk = f"{r.worker_mb:9.0f}" if r.worker_mb is not None else f"{'-':>9}"
                    pl = f"{r.plan:7.2f}" if r.plan is not None else f"{'n/a':>7}"
                    print(f"{rnd:5d} {kind:>4} {r.wall:8.2f} {r.converted / r.wall:10,.0f} {r.parent_mb:9.0f} {wk} "
                          f"{r.workers:5d} {pl} {r.size / 1e9:6.2f}  {r.sha[:16]}", flush=True)
    finally:
        if client is not None:
            client.close()
            cluster.close()
    verdicts(runs, 2 * a.records)


def verdicts(runs: list[Run], expected: int) -> None:
    by: dict[str, list[Run]] = {}
    for r in runs:
        by.setdefault(r.kind, []).append(r)
    j1 = by["j1"]
    def ok(b: bool) -> str:
        return "PASS" if b else "FAIL"

    print(f"--jobs 1: median {statistics.median(r.wall for r in j1):.2f}s, "
          f"{statistics.median(r.converted / r.wall for r in j1):,.0f} records/s; converted {j1[0].converted} of {expected}")
    ref = j1[0].sha
    print(f"verdict j1 identical across runs: {ok(all(r.sha == ref for r in j1))}")
    for kind, label in (("j2", "--jobs 2"), ("dask", "dask (2 workers)")):
        if kind not in by:
            print(f"verdict {label}: n/a (not run)")
            continue
        rs = by[kind]
        # each round's ratio against the --jobs 1 run next to it: the host's drift cancels within a round
        ratios = [j.wall / r.wall for j, r in zip(j1, rs)]
        med = statistics.median(ratios)
        print(f"verdict {label} speed: {' '.join(f'{x:.2f}' for x in ratios)} x, median {med:.2f} x "
              f"(target >= {TARGET_SPEEDUP}): {ok(med >= TARGET_SPEEDUP)}")
        print(f"verdict {label} output byte-identical to --jobs 1 (sha256, every run): "
              f"{ok(all(r.sha == ref for r in rs))}")
        parent = max(r.parent_mb for r in rs)
        worker = max((r.worker_mb for r in rs if r.worker_mb is not None), default=None)
        wtxt = f"{worker:.0f}" if worker is not None else "none seen"
        print(f"verdict {label} peak RSS: parent {parent:.0f} MB, largest worker {wtxt} MB (target < {LIMIT_MB}): "
              f"{ok(parent < LIMIT_MB and worker is not None and worker < LIMIT_MB)}")
        plans = [r.plan / r.wall for r in rs if r.plan is not None]
        print(f"{label} partition plan: " + (f"median {statistics.median(plans) * 100:.1f} % of the run"
                                              if plans else "n/a (no 'arkgraph: plan:' line)"))
    parent = max(r.parent_mb for r in j1)
    print(f"verdict --jobs 1 peak RSS: {parent:.0f} MB (target < {LIMIT_MB}): {ok(parent < LIMIT_MB)}")


if __name__ == "__main__":
    main()
