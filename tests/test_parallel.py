"""convert --jobs N and --dask: the same bytes as one process, whatever the partitions; failures that cost
only their partition's records, said in the rejects."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("out.nq", "out.nt", "out.ttl", "out.trig", "out.jsonld", "rejects.jsonl", "coverage.json")

# every sample directory: real records, damaged files and attacks among them
INPUTS = {
    "samples": ["samples"],
    "parismusees": ["tests/fixtures/parismusees"],
    "gallica": ["tests/fixtures/gallica"],
}


def summary_line(stderr: str) -> str:
    """The run's summary line, its seconds left out."""
    line = next(line for line in stderr.splitlines() if line.startswith("arkgraph: read "))
    return re.sub(r" in [0-9.]+s", "", line)


def graphs(nq: Path) -> set[str]:
    """The named graphs (records) of an N-Quads file arkgraph wrote."""
    return {line.rsplit(" ", 2)[-2] for line in nq.read_text(encoding="utf-8").splitlines() if line}


def same_files(a: Path, b: Path, names: tuple[str, ...] = FORMATS) -> list[str]:
    return [n for n in names if (a / n).read_bytes() != (b / n).read_bytes()]


@pytest.mark.parametrize("inputs", sorted(INPUTS))
def test_two_and_three_jobs_write_the_bytes_of_one_process_in_every_format(convert_run, inputs):  # type: ignore[no-untyped-def]
    code1, err1, one = convert_run("one", INPUTS[inputs])
    for n in (2, 3):
        # partitions of a few KB: most files are a partition of their own, and the merge meets them out of order
        code, err, many = convert_run(f"jobs{n}", INPUTS[inputs], "--jobs", str(n), "--partition-size", "4000")
        assert same_files(one, many) == []
        assert (code, summary_line(err)) == (code1, summary_line(err1))


def test_europeana_files_and_their_checks_are_the_same_with_jobs(convert_run):  # type: ignore[no-untyped-def]
    args = ["--profile", "all,edm", "--edm-provider", "Test aggregator", "--validate", "--on-invalid", "reject"]
    _, err1, one = convert_run("one", ["samples"], *args, outputs=("out.nq", "edm.zip"))
    _, err2, two = convert_run("two", ["samples"], *args, "--jobs", "2", "--partition-size", "4000",
                               outputs=("out.nq", "edm.zip"))
    assert same_files(one, two, ("out.nq", "edm.zip", "rejects.jsonl", "coverage.json")) == []
    assert summary_line(err1) == summary_line(err2)
    # the validation summaries count each record once, duplicates not at all, as one process does
    assert [line for line in err1.splitlines() if "validation" in line] == \
        [line for line in err2.splitlines() if "validation" in line]


def test_a_worker_killed_at_every_attempt_costs_its_partition_said_in_the_rejects(convert_run):  # type: ignore[no-untyped-def]
    _, _, one = convert_run("one", ["samples"])
    code, err, run = convert_run("killed", ["samples"], "--jobs", "2", "--partition-size", "4000",
                                 env={"ARKGRAPH_TEST_FAULT": "kill:1"})
    assert code == 1
    lost = [r for r in map(json.loads, (run / "rejects.jsonl").read_text().splitlines())
            if "failed twice" in r["reason"]]
    assert lost and all("worker process died" in r["reason"] for r in lost)
    lost_files = {r["file"] for r in lost}
    # the run went on: every other file's records are written, in order, and the counts add up
    m = re.search(r"read (\d+) records, converted (\d+), rejected (\d+)", err)
    assert m and int(m[1]) == int(m[2]) + int(m[3])
    # exactly the records of the lost files are missing: the graphs one process writes for them alone
    _, _, alone = convert_run("alone", sorted(lost_files), outputs=("out.nq",))
    assert graphs(one / "out.nq") - graphs(run / "out.nq") == graphs(alone / "out.nq") != set()
    assert graphs(run / "out.nq") <= graphs(one / "out.nq")


def test_a_worker_killed_once_is_retried_and_nothing_is_lost(convert_run):  # type: ignore[no-untyped-def]
    code1, err1, one = convert_run("one", ["samples"])
    code, err, again = convert_run("again", ["samples"], "--jobs", "2", "--partition-size", "4000",
                                   env={"ARKGRAPH_TEST_FAULT": "kill-once:2"})
    assert (again / "out.nq").exists(), err
    assert same_files(one, again) == []
    assert (code, summary_line(err)) == (code1, summary_line(err1))


def test_a_partition_that_raises_twice_becomes_rejects_naming_the_error(convert_run):  # type: ignore[no-untyped-def]
    code, err, run = convert_run("raised", ["samples"], "--jobs", "2", "--partition-size", "4000",
                                 env={"ARKGRAPH_TEST_FAULT": "raise:0"})
    assert code == 1
    reasons = [r["reason"] for r in map(json.loads, (run / "rejects.jsonl").read_text().splitlines())]
    assert any("RuntimeError: fault injected in partition 0" in r for r in reasons)
    assert "Traceback" not in err


def test_ctrl_c_stops_the_workers_and_leaves_no_output(tmp_path: Path) -> None:
    out = tmp_path / "out.nq"
    proc = subprocess.Popen([sys.executable, "-m", "arkgraph", "convert", "samples", "-o", str(out), "--jobs", "2",
                             "--partition-size", "4000"], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "ARKGRAPH_TEST_FAULT": "hang:3"}, start_new_session=True)
    time.sleep(1)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        # the whole process group, as a terminal's Ctrl-C does; sent until the run has started its workers
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue
    assert proc.returncode not in (0, None)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no half-written file, no raw partition files
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")


def test_jobs_refuses_stdin_and_counts_that_are_not_numbers(convert_run):  # type: ignore[no-untyped-def]
    code, err, _ = convert_run("zero", ["samples"], "--jobs", "0")
    assert code == 2 and "--jobs" in err and "'auto'" in err
    code, err, _ = convert_run("stdin", ["-"], "--jobs", "2")
    assert code == 2 and "stdin" in err


def test_jobs_auto_takes_one_worker_per_cpu(convert_run):  # type: ignore[no-untyped-def]
    code1, err1, one = convert_run("one", ["samples"])
    code, err, auto = convert_run("auto", ["samples"], "--jobs", "auto")
    assert same_files(one, auto) == []
    assert "worker" in err and "plan:" in err


def test_the_store_takes_the_records_of_every_worker(tmp_path: Path, convert_run) -> None:  # type: ignore[no-untyped-def]
    import pyoxigraph as ox
    convert_run("one", ["samples"], "--store", str(tmp_path / "store1"))
    convert_run("two", ["samples"], "--store", str(tmp_path / "store2"), "--jobs", "2", "--partition-size", "4000")
    loaded = "<http://www.w3.org/ns/prov#generatedAtTime>"  # when each graph was loaded: the one difference

    def quads(path: Path) -> list[str]:
        return sorted(q for q in map(str, ox.Store.read_only(str(path))) if loaded not in q)
    assert quads(tmp_path / "store1") == quads(tmp_path / "store2")


@pytest.mark.slow
def test_a_dask_cluster_writes_the_bytes_of_one_process(convert_run, dask_cluster):  # type: ignore[no-untyped-def]
    code1, err1, one = convert_run("one", ["samples"])
    code, err, dask = convert_run("dask", ["samples"], "--dask", dask_cluster, "--partition-size", "4000")
    assert same_files(one, dask) == []
    assert (code, summary_line(err)) == (code1, summary_line(err1))


@pytest.mark.slow
def test_dask_parts_concatenate_to_the_one_process_output_and_load_as_it(tmp_path: Path, convert_run,  # type: ignore[no-untyped-def]
                                                                          dask_cluster) -> None:
    from arkgraph import parts
    _, _, one = convert_run("one", ["samples"], outputs=("out.nq",))
    code, err, run = convert_run("dask", ["samples"], "--dask", dask_cluster, "--partition-size", "4000",
                                 outputs=("parts/",))
    manifest = parts.read_manifest(run / "parts")
    assert parts.check(run / "parts", manifest) == []
    assert len(manifest.parts) > 3
    assert b"".join((run / "parts" / p.name).read_bytes() for p in manifest.parts) == (one / "out.nq").read_bytes()
    assert manifest.records == int(re.search(r"converted (\d+)", err)[1])  # type: ignore[index]
    assert sorted(os.listdir(run / "parts")) == sorted([p.name for p in manifest.parts] + ["manifest.json"])
    # arkgraph load DIR/ loads the parts in order: the store of the one file
    load = [sys.executable, "-m", "arkgraph", "load"]
    assert subprocess.run([*load, str(run / "parts"), "--store", str(tmp_path / "a")], cwd=ROOT).returncode == 0
    assert subprocess.run([*load, str(one / "out.nq"), "--store", str(tmp_path / "b")], cwd=ROOT).returncode == 0
    import pyoxigraph as ox
    a, b = (ox.Store.read_only(str(tmp_path / n)) for n in "ab")
    # each graph says when it was loaded and from which file: the only difference
    loaded = ("<http://www.w3.org/ns/prov#generatedAtTime>", "<http://www.w3.org/ns/prov#wasDerivedFrom>")
    def quads(s):  # type: ignore[no-untyped-def]
        return sorted(q for q in map(str, s) if not any(x in q for x in loaded))
    assert quads(a) == quads(b)


def test_parts_with_local_jobs_are_the_same_parts(convert_run) -> None:  # type: ignore[no-untyped-def]
    from arkgraph import parts
    _, _, one = convert_run("one", ["samples"], outputs=("out.nt",))
    _, _, run = convert_run("parts", ["samples"], "--jobs", "2", "--parts", "--format", "nt",
                            "--partition-size", "4000", outputs=("parts/",))
    manifest = parts.read_manifest(run / "parts")
    assert manifest.format == "nt"
    assert b"".join((run / "parts" / p.name).read_bytes() for p in manifest.parts) == (one / "out.nt").read_bytes()


def test_the_plan_cuts_big_files_of_every_kind_and_the_output_stays_the_same(tmp_path: Path, convert_run,  # type: ignore[no-untyped-def]
                                                                              pm_response, oai_parts) -> None:
    from arkgraph import parallel
    # a JSON Lines file of the real response's entities, and an OAI-PMH list of its real records three
    # times over (the later copies are duplicates: the first of each IRI is kept across partitions)
    entities = pm_response["data"]["nodeQuery"]["entities"]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "works.jsonl").write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities),
                                                 encoding="utf-8")
    head, records, tail = oai_parts
    (tmp_path / "in" / "list.xml").write_bytes(head + b"\n".join(records * 3) + tail)
    inputs = [str(tmp_path / "in"), "tests/fixtures/gallica/sru", "tests/fixtures/gallica/damaged",
              "tests/fixtures/parismusees/nodequery-chinese-works-even.json"]
    plan = parallel.plan(inputs, size=4000)
    cut = {Path(t.files[0]).name for t in plan.records if t.piece is not None}
    assert {"works.jsonl", "list.xml", "nodequery-chinese-works-even.json", "realRecord-arkPress-brazza.xml",
            "sru-overlapping-writes.xml"} <= cut  # a damaged file too: read again whole
    code1, err1, one = convert_run("one", inputs)
    code, err, two = convert_run("two", inputs, "--jobs", "2", "--partition-size", "4000")
    assert same_files(one, two) == []
    assert (code, summary_line(err)) == (code1, summary_line(err1))
    assert "duplicate" in (one / "rejects.jsonl").read_text()


def test_gzipped_outputs_and_stdout_are_the_same_bytes_with_jobs(convert_run) -> None:  # type: ignore[no-untyped-def]
    gz = ("out.nq.gz", "out.nt.gz", "out.ttl.gz", "out.jsonld.gz")
    _, _, one = convert_run("one", ["samples"], outputs=gz)
    _, _, two = convert_run("two", ["samples"], "--jobs", "2", "--partition-size", "4000", outputs=gz)
    assert same_files(one, two, gz) == []  # no flush of the gzip stream mid-way: the same compressed bytes

    def stdout(*args: str) -> bytes:
        return subprocess.run([sys.executable, "-m", "arkgraph", "convert", "samples", "-o", "-", "-q", *args],
                              cwd=ROOT, capture_output=True, timeout=300).stdout
    assert stdout("--jobs", "2", "--partition-size", "4000") == stdout()  # a pipe: sendfile, not copy_file_range
