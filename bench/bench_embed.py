"""Benchmark `arkgraph embed --out`: N records (default 100,000) of N-Quads → one snippet file each.

The input is the converter's real output for the Paris Musées fixtures (tests/fixtures/parismusees/),
repeated with each copy's record ARKs renamed, so every record is distinct and has the real shape.
Prints records/s and the peak RSS of the process.

    python bench/bench_embed.py [N] [--profile schemaorg|linkedart|both] [--keep DIR]
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from arkgraph import embed
from arkgraph.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "parismusees"


def make_input(n: int, work: Path, profile: str) -> Path:
    base = work / "base.nq"
    inputs = [str(FIXTURES / "nodequery-chinese-works-even.json")]
    if (FIXTURES / "synthetic-full-nodeoeuvre.json").exists():
        inputs.append(str(FIXTURES / "synthetic-full-nodeoeuvre.json"))
    conv_profile = "schemaorg" if profile == "schemaorg" else "all"
    res = CliRunner().invoke(main, ["convert", *inputs, "--profile", conv_profile, "-o", str(base)])
    assert base.exists(), res.output
    graphs: dict[str, list[str]] = {}
    for line in base.read_text(encoding="utf-8").splitlines(keepends=True):
        graphs.setdefault(line.rsplit(" ", 2)[-2], []).append(line)
    templates = [(g[1:-1], "".join(lines)) for g, lines in graphs.items()]
    out = work / "records.nq"
    with open(out, "w", encoding="utf-8") as fh:
        for i in range(n):
            iri, text = templates[i % len(templates)]
            name = iri.rsplit("/", 1)[1]  # e.g. pm216702: its sub-resources share the prefix
            fh.write(re.sub(re.escape(iri) + r"(?=[/>])", iri[: -len(name)] + f"pm{9_000_000 + i}", text))
    return out


def main_(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, nargs="?", default=100_000)
    ap.add_argument("--profile", choices=["schemaorg", "linkedart", "both"], default="schemaorg")
    ap.add_argument("--keep", help="keep the input and snippets in this directory")
    args = ap.parse_args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="arkgraph-bench-embed-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        src = make_input(args.n, work, args.profile)
        print(f"input: {args.n:,} records, {src.stat().st_size / 1e6:,.0f} MB of N-Quads "
              f"(made in {time.perf_counter() - t0:.1f}s)", file=sys.stderr)
        profiles = embed.PROFILES if args.profile == "both" else (args.profile,)
        t0 = time.perf_counter()
        summary = embed.write_snippets(embed.read_records(str(src)), work / "snippets", profiles)
        secs = time.perf_counter() - t0
        assert summary.written == args.n, summary.line()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(summary.line(), file=sys.stderr)
        print(f"embed --out ({args.profile}): {args.n:,} records in {secs:.1f}s = {args.n / secs:,.0f} records/s; "
              f"peak RSS {rss:,.0f} MB")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main_()
