"""The one progress display (arkgraph.progress, on tqdm): counts, a rate and, when the input's size is known, a
bar with an ETA, on a terminal only; nothing when stderr is piped or under --quiet."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from arkgraph import progress

FIXTURES = Path(__file__).parent / "fixtures"
WORKS = FIXTURES / "parismusees" / "synthetic-works.jsonl"


def on_a_terminal(*args: str) -> str:
    """What a command writes on stderr when stderr is a terminal (a pseudo-terminal without a size)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "arkgraph", *args], stderr=slave, stdout=subprocess.DEVNULL)
    os.close(slave)
    out = b""
    while True:
        try:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                break
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        out += chunk
    proc.wait()
    os.close(master)
    return out.decode("utf-8", "replace")


def test_a_display_shows_counts_a_rate_and_a_bar_when_the_total_is_known() -> None:
    out = io.StringIO()
    with progress.Display("converting", unit="B", total=1000, stream=out) as d:
        d.update(500, read=10, rejected=1)
    assert "converting:  50%" in out.getvalue() and "read=10" in out.getvalue() and "rejected=1" in out.getvalue()


def test_without_a_total_it_shows_counts_and_a_rate_and_no_bar() -> None:
    out = io.StringIO()
    with progress.Display("loading", unit="records", stream=out) as d:
        d.update(1200, triples=90000)
    assert "loading: 1200 records" in out.getvalue() and "%|" not in out.getvalue()


def test_no_display_when_stderr_is_not_a_terminal_or_under_quiet() -> None:
    assert not progress.wanted(False, io.StringIO())
    assert not progress.wanted(True, sys.stderr)


def test_convert_shows_its_progress_on_a_terminal_against_the_input_size(tmp_path: Path) -> None:
    big = tmp_path / "works.jsonl"
    big.write_bytes(WORKS.read_bytes() * 400)  # the same works again and again: duplicates, but records to count
    err = on_a_terminal("convert", str(big), "-o", str(tmp_path / "out.nt"))
    assert "converting:" in err and "%|" in err and "read=" in err
    assert "arkgraph: read " in err  # the summary line after it
    quiet = on_a_terminal("convert", str(big), "-q", "-o", str(tmp_path / "out.nt"))
    assert "converting:" not in quiet


def test_the_input_size_is_the_size_of_the_files_a_run_reads(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b"x" * 10)
    (tmp_path / "notes.txt").write_bytes(b"y" * 99)  # not a record file: not read, not counted
    assert progress.input_bytes([str(tmp_path)]) == 10
    assert progress.input_bytes(["-"]) is None


def test_validate_load_and_embed_show_the_same_display_on_a_terminal_and_none_when_quiet(tmp_path: Path) -> None:
    nq = tmp_path / "out.nq"
    subprocess.run([sys.executable, "-m", "arkgraph", "convert", str(FIXTURES / "gallica" / "sru"), "-q",
                    "-o", str(nq)], check=False, capture_output=True)
    shown = {
        "validating:": ("validate", str(nq)),
        "loading:": ("load", str(nq), "--store", str(tmp_path / "store")),
        "embedding:": ("embed", str(nq), "--out", str(tmp_path / "snippets")),
    }
    for what, args in shown.items():
        assert what in on_a_terminal(*args), what
        assert what not in on_a_terminal(*args, "-q"), what
    assert "%|" in on_a_terminal("load", str(nq), "--store", str(tmp_path / "store2"))  # the files' size: a bar
