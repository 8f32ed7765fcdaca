"""Where arkgraph writes: a file is replaced whole or not at all (a symlink is followed and stays a
link), a FIFO or a device is written through and never replaced, a failed write is one line naming
the file, and a killed run's temporary is removed by the next run, never a live run's."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from arkgraph.cli import main
from arkgraph.outputs import remove_stale_temps
from helpers import PM
from oxigraph_server import OxigraphServer

REAL = PM / "nodequery-chinese-works-even.json"  # its one null entity is a reject: exit 1
DAMAGED = PM / "damaged"
CLI = [sys.executable, "-c", "from arkgraph.cli import main; main()"]


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def temps(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.endswith(".part"))


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The N-Quads of REAL, as written to a plain new file."""
    out = tmp_path_factory.mktemp("expected") / "o.nq"
    assert run("convert", str(REAL), "-o", str(out), "-q").exit_code == 1
    return out.read_bytes()


def test_a_fifo_is_written_through_to_its_reader(tmp_path: Path, expected: bytes) -> None:
    fifo = tmp_path / "pipe.nq"
    os.mkfifo(fifo)
    got: dict[str, bytes] = {}
    reader = threading.Thread(target=lambda: got.update(data=fifo.read_bytes()))
    reader.start()
    try:
        r = run("convert", str(REAL), "-o", str(fifo), "-q")
    finally:
        if reader.is_alive() and "data" not in got:  # the run never opened the FIFO: end the reader's wait
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join()
    assert r.exit_code == 1, r.stderr
    assert got["data"] == expected
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the FIFO, not a file renamed over it
    assert [p.name for p in tmp_path.iterdir()] == ["pipe.nq"]


def test_a_symlink_stays_a_link_and_its_file_gets_the_output(tmp_path: Path, expected: bytes) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "target.nq"
    target.write_text("previous")
    target.chmod(0o640)
    link = tmp_path / "link.nq"
    link.symlink_to("real/target.nq")
    dangling = tmp_path / "new.nq"
    dangling.symlink_to("real/created.nq")  # as `>` would, the missing file is created
    assert run("convert", str(REAL), "-o", str(link), "-o", str(dangling), "-q").exit_code == 1
    assert link.is_symlink() and os.readlink(link) == "real/target.nq"
    assert target.read_bytes() == expected
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the replaced file keeps its permissions
    assert dangling.is_symlink() and (tmp_path / "real" / "created.nq").read_bytes() == expected
    assert temps(tmp_path) == temps(tmp_path / "real") == []


def test_a_new_file_gets_the_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        run("convert", str(REAL), "-o", str(tmp_path / "o.nq"), "-q")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "o.nq").stat().st_mode) == 0o640


def test_dev_null_takes_every_output_and_stays_a_device(tmp_path: Path) -> None:
    r = run("convert", str(DAMAGED), "-o", "/dev/null", "--format", "nq", "--rejects", "/dev/null",
            "--coverage", "/dev/null")
    assert r.exit_code == 1 and "Error" not in r.stderr, r.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("option", ["-o", "--rejects", "--coverage"])
def test_a_full_device_is_one_line_naming_it(tmp_path: Path, option: str) -> None:
    args = ["-o", str(tmp_path / "o.nq")] if option != "-o" else ["--format", "nq"]
    r = run("convert", str(DAMAGED), *args, option, "/dev/full")
    assert r.exit_code == 2
    assert r.stderr.strip() == "Error: cannot write /dev/full: No space left on device"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_unwritable_rejects_are_named_and_no_output_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "o.nq"
    out.write_text("previous")
    rejects = tmp_path / "rejects.jsonl"
    rejects.symlink_to("/dev/full")
    r = run("convert", str(DAMAGED), "-o", str(out), "--rejects", str(rejects))
    assert r.exit_code == 2
    assert r.stderr.strip() == f"Error: cannot write {rejects}: No space left on device"
    assert out.read_text() == "previous" and temps(tmp_path) == []


def test_rejects_and_coverage_are_atomic_too(tmp_path: Path) -> None:
    rejects, coverage = tmp_path / "rejects.jsonl", tmp_path / "coverage.json"
    rejects.write_text("previous")
    coverage.write_text("previous")
    r = run("convert", str(DAMAGED), str(tmp_path / "missing.json"), "-o", str(tmp_path / "o.nq"),
            "--rejects", str(rejects), "--coverage", str(coverage))
    assert r.exit_code == 2 and "missing.json" in r.stderr
    assert rejects.read_text() == coverage.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coverage.json", "rejects.jsonl"]


def test_a_directory_is_refused_not_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "out.nq"
    folder.mkdir()
    r = run("convert", str(REAL), "-o", str(folder))
    assert r.exit_code == 2
    assert r.stderr.strip() == f"Error: cannot write {folder}: Is a directory"
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_validate_report_on_a_full_device_is_one_line(tmp_path: Path, expected: bytes) -> None:
    data = tmp_path / "o.nq"
    data.write_bytes(expected)
    r = run("validate", str(data), "--report", "/dev/full", "--jobs", "1")
    assert r.exit_code == 2
    assert r.stderr.strip() == "Error: cannot write /dev/full: No space left on device"


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="no /dev/stdout here")
def test_dev_stdout_is_this_process_stdout_never_replaced(expected: bytes) -> None:
    # run as root in a container, a rename would replace /dev/stdout itself
    link = os.readlink("/dev/stdout")
    p = subprocess.run([*CLI, "convert", str(REAL), "-o", "/dev/stdout", "--format", "nq", "-q"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.returncode == 1, p.stderr
    assert p.stdout == expected
    assert os.path.islink("/dev/stdout") and os.readlink("/dev/stdout") == link


def _blocked_run(out: Path) -> subprocess.Popen[bytes]:
    """A real convert that has opened its output and waits for stdin, which the test holds open."""
    return subprocess.Popen([*CLI, "convert", "-", "--source", "parismusees", "-o", str(out), "-q"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _temp_of(child: subprocess.Popen[bytes], directory: Path) -> Path:
    """Wait for ``child``'s temporary to appear (the event), failing if the child ends first."""
    while True:
        mine = [p for p in temps(directory) if f".{child.pid}." in p.name]
        if mine:
            return mine[0]
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=0.02)  # a pause between looks, and notice a child that died
            raise AssertionError(child.stderr.read().decode() if child.stderr else "child ended")


def test_the_next_run_removes_a_killed_runs_temporary_never_a_live_ones(tmp_path: Path, expected: bytes) -> None:
    out = tmp_path / "o.nq"
    out.write_text("previous")
    killed, live = _blocked_run(out), _blocked_run(out)
    try:
        stale = _temp_of(killed, tmp_path)
        running = _temp_of(live, tmp_path)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert stale.exists() and out.read_text() == "previous"  # killed mid-run: the old output is intact
        assert run("convert", str(REAL), "-o", str(out), "-q").exit_code == 1
        assert out.read_bytes() == expected
        assert temps(tmp_path) == [running]
    finally:
        for child in (killed, live):
            child.kill()
            child.communicate()
    assert remove_stale_temps(tmp_path, "o.nq") == 1 and temps(tmp_path) == []


def test_a_locked_temporary_is_kept_even_if_its_pid_looks_dead(tmp_path: Path) -> None:
    # a writer in another PID namespace (another container on a shared volume): its PID means
    # nothing here, its lock does
    fcntl = pytest.importorskip("fcntl")
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait()
    temp = tmp_path / f".o.nq.{gone.pid}.0123abcd.part"
    temp.write_bytes(b"half")
    with open(temp, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert remove_stale_temps(tmp_path, "o.nq") == 0 and temp.exists()
    assert remove_stale_temps(tmp_path, "o.nq") == 1 and not temp.exists()


def test_a_store_credential_never_reaches_a_rejects_line(tmp_path: Path, oxigraph_server: OxigraphServer) -> None:
    # the real GraphQL errors body, its message made to quote the credential (as a careless proxy might)
    doc = json.loads((DAMAGED / "graphql-errors.json").read_text())
    secret = "s3cr3t-Pa55word"
    doc["errors"][0]["message"] = f"Syntax Error near basic:ann:{secret}"
    src = tmp_path / "errors.json"
    src.write_text(json.dumps(doc))
    rejects = tmp_path / "rejects.jsonl"
    r = CliRunner().invoke(main, ["convert", str(src), "-o", str(tmp_path / "o.nq"), "--rejects", str(rejects), "-v",
                                  "--store", oxigraph_server.url, "--store-auth-env", "ARKGRAPH_TEST_AUTH"],
                           env={"ARKGRAPH_TEST_AUTH": f"basic:ann:{secret}"}, catch_exceptions=False)
    assert r.exit_code == 1, r.stderr
    line = json.loads(rejects.read_text())
    assert line["reason"] == "GraphQL errors in response: Syntax Error near basic:ann:[REDACTED]"
    assert secret not in r.stderr + r.stdout and "[REDACTED]" in r.stderr
