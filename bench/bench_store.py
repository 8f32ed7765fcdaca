"""Benchmark loading: embedded bulk load, and record-by-record upserts to a real local Oxigraph server.

    python bench/bench_store.py                   # 1.1M triples bulk (fresh, re-load, 10% re-load), 220k upserted
    python bench/bench_store.py --records 50000 --upsert-records 10000 --threads 1

Each line gives triples/s by wall clock and by CPU time (all threads of the loading process, RocksDB's
background compactions included; client + Oxigraph server for the remote runs), and the peak RSS.
The bulk runs happen in a child process, so their peak RSS is the loader's own. Then the same file is
loaded the way a user does it, `arkgraph load FILE --store DIR` in a fresh process (Python start-up and
imports included, shown on their own line), and by the `oxigraph load --lenient` binary alone
(Rust only, no arkgraph: the reference for what this machine can do; skip it with --skip-reference).

Targets (issue 5): bulk ≥ 150,000 triples/s; remote upserts ≥ 20,000 triples/s.
Data are SYNTHETIC records shaped like `arkgraph convert -o out.nq` output for Paris Musées works
(both profiles: Schema.org + Linked Art patterns, ~44 triples per record, per-record named graphs).
Counts are input triples; provenance (3 triples per graph) is loaded on top and not counted.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from arkgraph.http import RetryPolicy  # noqa: E402
from arkgraph.store import load_files  # noqa: E402

S = "http://schema.org/"
C = "http://www.cidoc-crm.org/cidoc-crm/"
X = "http://www.w3.org/2001/XMLSchema#"
R = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RS = "http://www.w3.org/2000/01/rdf-schema#"
AAT = "http://vocab.getty.edu/aat/"


def record(i: int, rnd: random.Random, version: int = 1) -> list[tuple[str, str, str]]:
    r = f"https://n2t.net/ark:99999/pm{i:07d}"
    a = f"<https://n2t.net/ark:99999/pmagent{rnd.randrange(20000)}>"
    y = 1700 + rnd.randrange(300)
    t = [
        (f"<{r}>", f"<{R}type>", f"<{S}VisualArtwork>"),
        (f"<{r}>", f"<{R}type>", f"<{C}E22_Human-Made_Object>"),
        (f"<{r}>", f"<{S}name>", f'"Vase à décor de fleurs n°{i} (v{version})"@fr'),
        (f"<{r}>", f"<{RS}label>", f'"Vase à décor de fleurs n°{i}"@fr'),
        (f"<{r}>", f"<{S}identifier>", f'"OA {i:05d}"'),
        (f"<{r}>", f"<{S}url>", f"<https://www.parismusees.paris.fr/fr/oeuvre/vase-{i}>"),
        (f"<{r}>", f"<{S}dateCreated>", f'"{y}"^^<{X}gYear>'),
        (f"<{r}>", f"<{S}creator>", a),
        (a, f"<{R}type>", f"<{S}Person>"),
        (a, f"<{S}name>", f'"Artiste {i % 20000}"'),
        (f"<{r}>", f"<{S}description>", f'"Une description \\"assez longue\\" de l\'œuvre numéro {i}, '
                                          f'avec le contexte de sa production et de son acquisition."@fr'),
        (f"<{r}>", f"<{S}material>", f'"porcelaine dure"@fr'),
        (f"<{r}>", f"<{C}P1_is_identified_by>", f"<{r}#id-accession>"),
        (f"<{r}#id-accession>", f"<{R}type>", f"<{C}E42_Identifier>"),
        (f"<{r}#id-accession>", f"<{C}P190_has_symbolic_content>", f'"OA {i:05d}"'),
        (f"<{r}#id-accession>", f"<{C}P2_has_type>", f"<{AAT}300312355>"),
        (f"<{r}>", f"<{C}P1_is_identified_by>", f"<{r}#name-1>"),
        (f"<{r}#name-1>", f"<{R}type>", f"<{C}E33_E41_Linguistic_Appellation>"),
        (f"<{r}#name-1>", f"<{C}P190_has_symbolic_content>", f'"Vase à décor de fleurs n°{i}"@fr'),
        (f"<{r}>", f"<{C}P108i_was_produced_by>", f"<{r}#production>"),
        (f"<{r}#production>", f"<{R}type>", f"<{C}E12_Production>"),
        (f"<{r}#production>", f"<{C}P14_carried_out_by>", a),
        (f"<{r}#production>", f"<{C}P4_has_time-span>", f"<{r}#production-ts>"),
        (f"<{r}#production-ts>", f"<{R}type>", f"<{C}E52_Time-Span>"),
        (f"<{r}#production-ts>", f"<{C}P82a_begin_of_the_begin>", f'"{y}-01-01T00:00:00Z"^^<{X}dateTime>'),
        (f"<{r}#production-ts>", f"<{C}P82b_end_of_the_end>", f'"{y}-12-31T23:59:59Z"^^<{X}dateTime>'),
        (f"<{r}#production-ts>", f"<{RS}label>", f'"Vers {y}"@fr'),
        (f"<{r}>", f"<{C}P45_consists_of>", f"<{AAT}300010662>"),
        (f"<{r}>", f"<{C}P2_has_type>", f"<{AAT}300132254>"),
    ]
    for d, kind in enumerate(("300055644", "300055647", "300072633")):
        n = f"<{r}#dim-{d}>"
        t += [(f"<{r}>", f"<{C}P43_has_dimension>", n),
              (n, f"<{R}type>", f"<{C}E54_Dimension>"),
              (n, f"<{C}P90_has_value>", f'"{rnd.random() * 100:.1f}"^^<{X}decimal>'),
              (n, f"<{C}P2_has_type>", f"<{AAT}{kind}>"),
              (n, f"<{C}P91_has_unit>", f"<{AAT}300379098>")]
    return t


def generate(path: Path, records: int, seed: int = 1) -> int:
    rnd = random.Random(seed)
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(records):
            g = f" <https://n2t.net/ark:99999/pm{i:07d}> .\n"
            triples = record(i, rnd)
            fh.write("".join(f"{s} {p} {o}{g}" for s, p, o in triples))
            n += len(triples)
    return n


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_now() -> float:
    """CPU seconds of this process, all threads (the machine may be shared: compare these, not only wall)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def proc_cpu(pid: int) -> float:
    """CPU seconds used so far by another process (the Oxigraph server), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def proc_peak_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return float("nan")


def report(name: str, triples: int, wall: float, cpu: float, server_cpu: float | None = None) -> float:
    total = cpu + (server_cpu or 0.0)
    who = f"client {cpu:.1f}s + server {server_cpu:.1f}s" if server_cpu is not None else f"{cpu:.1f}s"
    print(f"{name:<46} {triples:>10,} triples | wall {wall:6.2f}s = {triples / wall:>9,.0f}/s"
          f" | cpu {who} = {triples / total:>9,.0f}/s | peak RSS {rss_mb():,.0f} MB", flush=True)
    return triples / wall


def bench_bulk(tmp: Path, nq: Path, triples: int, repeat: int, strict: bool, threads: int | None) -> None:
    """In a child process (see main): its peak RSS is the loader's, not the generator's."""
    import arkgraph.store as st

    if threads:
        st.bulk_load_file.__kwdefaults__["threads"] = threads
    n = threads or st.bulk_threads()
    tag = f"{'strict, ' if strict else ''}{n} thread{'s' if n > 1 else ''}"
    for k in range(repeat):
        store = tmp / f"store-{k}"
        t0, c0 = time.perf_counter(), cpu_now()
        counts = load_files([nq], str(store), checkpoint="", lenient=not strict)
        assert counts["triples"] == triples and counts["bulk_files"] == 1, counts
        report(f"embedded bulk load, fresh store ({tag}) #{k + 1}", triples, time.perf_counter() - t0,
               cpu_now() - c0)
        if k == repeat - 1:
            t0, c0 = time.perf_counter(), cpu_now()
            counts = load_files([nq], str(store), checkpoint="", lenient=not strict)
            assert counts["triples"] == triples and counts["bulk_files"] == 1, counts
            report("embedded bulk re-load, replaces every graph", triples, time.perf_counter() - t0,
                   cpu_now() - c0)
            # a partial replace: a tenth of the records again, the rest untouched
            part = tmp / "tenth.nq"
            with open(nq, "rb") as fi, open(part, "wb") as fo:
                for i, line in enumerate(fi):
                    if i >= triples // 10:
                        break
                    fo.write(line)
            t0, c0 = time.perf_counter(), cpu_now()
            counts = load_files([part], str(store), checkpoint="", lenient=not strict)
            report("embedded bulk re-load of 10% (per-graph drops)", counts["triples"], time.perf_counter() - t0,
                   cpu_now() - c0)
        shutil.rmtree(store, ignore_errors=True)


def run_timed(cmd: list[str]) -> tuple[float, float, float, str]:
    """Run a command; its wall time, CPU seconds (all its threads) and peak RSS in MB, from wait4."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read() if proc.stdout else b""
    _pid, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = out.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {text}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, text


def report_cmd(name: str, triples: int, wall: float, cpu: float, rss: float) -> None:
    rate_w = f"{triples / wall:>9,.0f}/s" if triples else " " * 11
    rate_c = f"{triples / cpu:>9,.0f}/s" if triples else " " * 11
    print(f"{name:<46} {triples:>10,} triples | wall {wall:6.2f}s = {rate_w} | cpu {cpu:.1f}s = {rate_c}"
          f" | peak RSS {rss:,.0f} MB", flush=True)


def bench_commands(tmp: Path, nq: Path, triples: int, reference: bool) -> None:
    """The load as a user runs it (a fresh `arkgraph load` process), and Oxigraph's own loader binary."""
    boot = "import sys; sys.path.insert(0, sys.argv.pop(1)); from arkgraph.cli import main; main()"
    arkgraph = [sys.executable, "-c", boot, str(Path(__file__).resolve().parents[1] / "src")]
    wall, cpu, rss, _ = run_timed(arkgraph + ["load", "--help"])
    report_cmd("  arkgraph start-up alone (load --help)", 0, wall, cpu, rss)
    store = tmp / "store-cli"
    wall, cpu, rss, out = run_timed(arkgraph + ["load", str(nq), "--store", str(store), "-q"])
    report_cmd("arkgraph load FILE --store DIR (whole command)", triples, wall, cpu, rss)
    print(f"  {out.splitlines()[-1] if out else ''}", flush=True)
    shutil.rmtree(store, ignore_errors=True)
    if reference and shutil.which("oxigraph"):
        store = tmp / "store-oxigraph"
        wall, cpu, rss, _ = run_timed(["oxigraph", "load", "--location", str(store), "--file", str(nq), "--lenient"])
        report_cmd("reference: oxigraph load --lenient (Rust only)", triples, wall, cpu, rss)
        shutil.rmtree(store, ignore_errors=True)


def wait_up(url: str) -> None:
    for _ in range(400):
        try:
            httpx.get(url + "/", timeout=1, trust_env=False)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("oxigraph server did not start")


def bench_upsert(tmp: Path, records: int, batch: int) -> None:
    part = tmp / "upsert.nq"
    triples = generate(part, records, seed=2)
    port = free_port()
    log = open(tmp / "oxigraph.log", "wb")
    proc = subprocess.Popen(["oxigraph", "serve", "--location", str(tmp / "server-db"),
                             "--bind", f"127.0.0.1:{port}"], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_up(url)
        policy = RetryPolicy(max_retries=5, backoff=0.2)
        for label in ("new graphs", "replacing every graph"):
            t0, c0, s0 = time.perf_counter(), cpu_now(), proc_cpu(proc.pid)
            counts = load_files([part], url, checkpoint="", protocol="update", policy=policy, batch_records=batch)
            assert counts["triples"] == triples, counts
            report(f"remote upserts (update, batch {batch}), {label}", triples, time.perf_counter() - t0,
                   cpu_now() - c0, proc_cpu(proc.pid) - s0)
        small = tmp / "upsert-small.nq"
        small_triples = generate(small, max(records // 10, 100), seed=3)
        t0, c0, s0 = time.perf_counter(), cpu_now(), proc_cpu(proc.pid)
        load_files([small], url, checkpoint="", protocol="gsp", policy=policy)
        report("remote upserts (gsp, PUT per record), new", small_triples, time.perf_counter() - t0,
               cpu_now() - c0, proc_cpu(proc.pid) - s0)
    finally:
        server_rss = proc_peak_rss_mb(proc.pid)  # read before it exits (RUSAGE_CHILDREN mixes in the bulk child)
        proc.terminate()
        proc.wait(10)
        print(f"  oxigraph server peak RSS {server_rss:,.0f} MB", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=25_000, help="records in the bulk file (~44 triples each)")
    ap.add_argument("--upsert-records", type=int, default=5_000, help="records upserted to the server")
    ap.add_argument("--batch", type=int, default=500, help="records per upsert request")
    ap.add_argument("--repeat", type=int, default=1, help="fresh bulk runs (the machine may be shared)")
    ap.add_argument("--threads", type=int, default=0, help="bulk loader threads (default: one per core, up to 4)")
    ap.add_argument("--strict", action="store_true", help="also run the bulk load with full IRI validation")
    ap.add_argument("--skip-upsert", action="store_true")
    ap.add_argument("--skip-bulk", action="store_true")
    ap.add_argument("--skip-reference", action="store_true", help="don't run the oxigraph binary's own loader")
    ap.add_argument("--child", nargs=2, metavar=("NQ", "TRIPLES"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:  # the bulk runs, in their own process
        nq = Path(args.child[0])
        bench_bulk(nq.parent, nq, int(args.child[1]), args.repeat, args.strict, args.threads or None)
        return
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} (wall figures suffer on a busy machine: "
          "the CPU figures are the fairer comparison)", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="arkgraph-bench-", dir=Path.cwd() / "output"
                                if (Path.cwd() / "output").is_dir() else None))
    try:
        if not args.skip_bulk:
            nq = tmp / "big.nq"
            t0 = time.perf_counter()
            triples = generate(nq, args.records)
            print(f"generated {triples:,} triples in {args.records:,} graphs ({nq.stat().st_size / 1e6:,.0f} MB) "
                  f"in {time.perf_counter() - t0:.1f}s", flush=True)
            child = [sys.executable, __file__, "--child", str(nq), str(triples), "--repeat", str(args.repeat),
                     "--threads", str(args.threads)]
            subprocess.run(child + (["--strict"] if args.strict else []), check=True)
            bench_commands(tmp, nq, triples, not args.skip_reference)
            nq.unlink()
        if not args.skip_upsert:
            bench_upsert(tmp, args.upsert_records, args.batch)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average now {os.getloadavg()[0]:.1f}", flush=True)
    print("targets (issue 5): bulk >= 150,000 triples/s; remote upserts >= 20,000 triples/s", flush=True)


if __name__ == "__main__":
    main()
