"""`arkgraph validate --jobs N`: a big file cut between records, one worker process per part, the
same summary, report and exit status as one process (real converted files, faults injected)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from validate_helpers import PM_REAL

from arkgraph import validate_files as VF
from arkgraph.rdfio import cutting, readers
from arkgraph import shacl as V
from arkgraph.shacl.terms import TYPE
from arkgraph.cli import main

ARK_ID = '<http://schema.org/propertyID> "ark"'
DIM_UNIT = "<http://www.cidoc-crm.org/cidoc-crm/P91_has_unit>"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    """The real Paris Musées query sample converted (its first 100 records or so, 4 MB), with faults:
    every third record loses its ARK identifier, some dimensions lose their unit, and a record's
    triples are also written in the default graph, in the middle of the file."""
    d = tmp_path_factory.mktemp("par")
    out = {}
    for ext in ("nq", "nt"):
        p = d / f"q.{ext}"
        assert run("convert", str(PM_REAL[0]), "-o", str(p), "-q").exit_code in (0, 1)
        lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
        lines = lines[:len(lines) * 2 // 5]  # about 100 records, 4 MB
        kept: list[str] = []
        n_ark = 0
        for i, ln in enumerate(lines):
            if ARK_ID in ln:
                n_ark += 1
                if n_ark % 3 == 0:
                    continue
            if DIM_UNIT in ln and i % 7 == 0:
                continue
            kept.append(ln)
        if ext == "nq":
            mid = len(kept) // 2
            g = kept[mid].rsplit(" ", 2)[1]
            default = [ln.replace(f" {g} .", " .") for ln in kept if ln.endswith(f" {g} .\n")]
            assert default
            kept[mid + 1:mid + 1] = default[:40]
        bad = d / f"bad.{ext}"
        bad.write_text("".join(kept), encoding="utf-8")
        out[ext] = bad
    return out


@pytest.fixture
def small_threshold(monkeypatch) -> None:
    monkeypatch.setattr(cutting, "PARALLEL_MIN_BYTES", 64 << 10)


@pytest.mark.slow
@pytest.mark.parametrize("ext", ["nq", "nt"])
def test_jobs_give_the_same_summary_report_and_status(converted, small_threshold, tmp_path, ext: str) -> None:
    path = str(converted[ext])
    shapes = V.load()
    for jobs in (2, 3):
        cuts = cutting.plan(path, jobs, shapes.root_classes)
        assert cuts is not None and len(cuts) == jobs * cutting.PARTS_PER_JOB  # the file is really cut
    if ext == "nt":  # and the N-Triples cuts start records (else the file is read again in one process)
        assert VF.validate_parts(path, shapes, V.Report(shapes=shapes), cuts, 3)
    rep = tmp_path / ("seq.ttl" if ext == "nq" else "seq.jsonld")
    seq = run("validate", path, "--jobs", "1", "--report", str(rep))
    assert seq.exit_code == 1 and "with violations" in seq.stderr
    assert "ags:SdoWork schema:identifier  QualifiedMinCount" in seq.stderr
    assert "LaDimension crm:P91_has_unit" in seq.stderr
    for jobs in ("2", "3"):
        rep_j = tmp_path / f"{jobs}{rep.suffix}"
        par = run("validate", path, "--jobs", jobs, "--report", str(rep_j))
        assert (par.exit_code, par.stderr, par.stdout) == (seq.exit_code, seq.stderr, seq.stdout)
        assert rep_j.read_bytes() == rep.read_bytes()
    q = run("validate", path, "-j", "2", "-q")  # no report: counts and first examples only
    assert q.exit_code == 1 and q.stderr == seq.stderr.splitlines()[0] + "\n"
    if ext == "nq":  # two files into one summary, with the default number of workers
        both = run("validate", path, path, "-j", "1")
        assert both.exit_code == 1 and run("validate", path, path).stderr == both.stderr


def test_conforming_file_exit_0(tmp_path, small_threshold) -> None:
    p = tmp_path / "ok.nq"
    assert run("convert", str(PM_REAL[0]), "-o", str(p), "-q").exit_code in (0, 1)
    lines = p.read_bytes().splitlines(keepends=True)
    p.write_bytes(b"".join(lines[:len(lines) // 4]))
    seq, par = run("validate", str(p), "-j", "1"), run("validate", str(p), "-j", "2")
    assert seq.exit_code == par.exit_code == 0
    assert seq.stderr == par.stderr and " 0 with violations" in par.stderr


@pytest.mark.parametrize("bad", ['<http://a/b> <http://p/x> "unterminated <http://g/1> .\n',
                                 '<http://a/b> <http://p/x> <rel> <http://g/1> .\n',
                                 b"<http://a/b> <http://p/x> \"\xff\" <http://g/1> .\n"])
def test_syntax_error_in_a_later_part(converted, small_threshold, tmp_path, bad: str | bytes) -> None:
    data = converted["nq"].read_bytes()
    cuts = cutting.plan(str(converted["nq"]), 2, V.load().root_classes)
    assert cuts is not None and len(cuts) == 2 * cutting.PARTS_PER_JOB
    at = data.index(b"\n", cuts[1][0] + 5000) + 1  # well inside the second part
    p = tmp_path / "broken.nq"
    p.write_bytes(data[:at] + (bad if isinstance(bad, bytes) else bad.encode()) + data[at:])
    seq, par = run("validate", str(p), "-j", "1"), run("validate", str(p), "-j", "2")
    assert seq.exit_code == par.exit_code == 2
    assert par.stderr == seq.stderr and f"{p}: not readable as N-Quads: " in par.stderr
    assert "Traceback" not in par.output and len(par.stderr.strip().splitlines()) == 1
    line = data[:at].count(b"\n") + 1
    assert f"line {line}" in par.stderr


# ---------------------------------------------------------------------------------------------
# Cut points

TRICKY = [
    '<http://a/1> <http://p/x> "ends like a quad <http://g/2> ." <http://g/1> .',
    '<http://a/1> <http://p/y> "x" <http://g/1> .',
    '<http://a/1> <http://p/z> "more <http://g/3> . <http://g/2> ." <http://g/1> .',
    '<http://a/2> <http://p/x> "y <http://g/1> ." <http://g/2> .',
    '<http://a/2> <http://p/x> <http://o/1> .',  # default graph, in the middle of g/2
    '<http://a/2> <http://p/y> "z"@fr <http://g/2> .',
    '<http://a/3> <http://p/x> "a <x> ." <http://g/3> .',
    '<http://a/3> <http://p/x>   "spaced"   <http://g/3>   .',
    '# a comment',
    '',
    '<http://a/3> <http://p/y> "q" <http://g/3> . # a comment <http://g/4> .',
    '<http://a/4> <http://p/x> "tail <x> ." _:g4 .',
    '<http://a/4> <http://p/y> "\\"" _:g4 .',
    '<http://a/5> <http://p/x> "w" <http://g/1> .',  # g/1 again: another record
    '<http://a/5> <http://p/x> "v"^^<http://www.w3.org/2001/XMLSchema#integer> <http://g/1> .',
    '<http://a/6> <http://p/x> "ends <x> ." .',
    '<http://a/6> <http://p/x> "ends <y> ." <http://g/6> .',
]


def _graph(line: str) -> str | None:
    quads = list(ox.parse(line.encode(), format=ox.RdfFormat.N_QUADS))
    if len(quads) != 1 or isinstance(quads[0].graph_name, ox.DefaultGraph):
        return None
    return str(quads[0].graph_name)


def test_nq_cuts_never_split_a_record() -> None:
    text = ("\n".join(TRICKY * 3) + "\n").encode()
    starts = [0]
    for ln in text.splitlines(keepends=True)[:-1]:
        starts.append(starts[-1] + len(ln))
    lines = text.decode().split("\n")
    # the starts of the lines in a named graph after a line in another named graph
    expected = [starts[i] for i in range(1, len(starts))
                if _graph(lines[i]) is not None and _graph(lines[i - 1]) not in (None, _graph(lines[i]))]
    assert len(expected) == 3 * 5 - 1
    roots: set[str] = set()
    default: list[list[str]] = []
    whole = list(readers.index_records(io.BytesIO(text), roots, chunk=64, default=default))
    checked: set[int] = set()
    assert default and len({g for g, _ in whole}) == 5
    for pos in range(len(text)):
        cut = cutting.nquads_cut(io.BytesIO(text), pos, len(text), roots)
        first = next(s for s in [*starts, len(text)] if s >= pos)  # the first line it looks at
        after = [s for s in expected if s > first]
        if not after:
            assert cut is None
            continue
        assert cut is not None and cut[0] == after[0], pos
        i = starts.index(cut[0])
        assert cut[1] == _graph(lines[i])
        if cut[0] in checked:
            continue
        checked.add(cut[0])
        # the records of the two parts (default-graph rows kept apart, as the workers do) are the file's
        d1: list[list[str]] = []
        d2: list[list[str]] = []
        parts = (list(readers.index_records(io.BytesIO(text[:cut[0]]), roots, chunk=64, default=d1))
                 + list(readers.index_records(io.BytesIO(text[cut[0]:]), roots, chunk=64, default=d2)))
        assert parts == whole and d1 + d2 == default, pos


def test_nq_cut_is_bounded_by_its_limit() -> None:
    text = ("\n".join(TRICKY) + "\n").encode()
    first = cutting.nquads_cut(io.BytesIO(text), 0, len(text), set())
    assert first is not None
    assert cutting.nquads_cut(io.BytesIO(text), 0, first[0], set()) is None
    assert cutting.nquads_cut(io.BytesIO(text), 0, first[0] + 1, set()) == first


def test_nt_cut_is_checked_against_the_previous_part(tmp_path) -> None:
    """A cut in N-Triples at a line typing a sub-resource of the current record with a root class
    would start a record where the record rule does not: it is refused after the fact, and the
    file validated in one process (same results)."""
    shapes = V.load()
    root_cls = min(shapes.root_classes)
    typ = TYPE
    lines = [f"<http://r/1> {typ} {root_cls} .",
             '<http://r/1> <http://p/x> "1" .',
             f"<http://r/1/a> {typ} {root_cls} .",  # a sub-resource: same record
             '<http://r/1/a> <http://p/x> "2" .',
             f"<http://r/1/b> {typ} {root_cls} .",  # not under r/1/a, but under r/1: same record
             '<http://r/1/b> <http://p/x> "3" .',
             f"<http://r/2> {typ} {root_cls} .",    # a record
             '<http://r/2> <http://p/x> "4" .']
    text = "\n".join(lines) + "\n"
    p = tmp_path / "t.nt"
    p.write_text(text, encoding="utf-8")
    offs = [0]
    for ln in lines:
        offs.append(offs[-1] + len(ln) + 1)
    seq = V.Report(shapes=shapes)
    for record, idx in readers.read_indexed(str(p), shapes.root_classes):
        seq.add(record, shapes.validate_index(idx))
    # what ntriples_cut picks from a window that starts after r/1's line: r/1/b (it does not extend r/1/a)
    assert cutting.ntriples_cut(io.BytesIO(text.encode()), offs[2], len(text), shapes.root_classes) == (offs[4], "<http://r/1/b>")
    wrong = V.Report(shapes=shapes)
    assert not VF.validate_parts(str(p), shapes, wrong, [(0, ""), (offs[4], "<http://r/1/b>")], 2)
    assert wrong.records == 0  # nothing added
    right = V.Report(shapes=shapes)
    assert VF.validate_parts(str(p), shapes, right, [(0, ""), (offs[6], "<http://r/2>")], 2)
    assert (right.records, right.counts, right.first) == (seq.records, seq.counts, seq.first) and seq.records == 2


def test_small_gz_and_stdin_stay_in_one_process(converted, tmp_path) -> None:
    shapes = V.load()
    assert cutting.plan(str(converted["nq"]), 2, shapes.root_classes) is None  # under the threshold
    assert cutting.plan("-", 2, shapes.root_classes) is None
    assert cutting.plan(str(converted["nq"]), 1, shapes.root_classes) is None
    assert 1 <= VF.default_jobs() <= VF.MAX_DEFAULT_JOBS


def test_a_worker_that_dies_is_reported_not_waited_for(converted, small_threshold, monkeypatch) -> None:
    def die(*args: object) -> None:
        os._exit(3)

    monkeypatch.setattr(VF, "worker", die)  # the workers run this (forked): they end without an answer
    r = run("validate", str(converted["nq"]), "-j", "2")
    assert r.exit_code == 2 and "ended without an answer (exit status 3)" in r.stderr
    assert "Traceback" not in r.output


def test_a_worker_that_dies_in_a_part_is_reported(converted, small_threshold, monkeypatch) -> None:
    validate_range = VF.validate_range
    cuts = cutting.plan(str(converted["nq"]), 2, V.load().root_classes)
    assert cuts is not None

    def die_in_third_part(path: str, fmt: ox.RdfFormat, start: int, *args: object) -> object:
        if start == cuts[2][0]:
            os._exit(4)
        return validate_range(path, fmt, start, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(VF, "validate_range", die_in_third_part)
    r = run("validate", str(converted["nq"]), "-j", "2")
    assert r.exit_code == 2 and "ended without an answer (exit status 4)" in r.stderr
