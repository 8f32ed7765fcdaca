"""The EDM files of a run, one per record, in a directory (``-o edm/``) or a zip (``-o edm.zip``), whole or not
at all, written by a process of their own.

A file per record is a file system call or three, and a zip member a deflate: done by the converting process,
even on a thread, they held its GIL between calls and cut the EDM rate to 0.55-0.69 of schemaorg's
(bench/bench_edm.py, 100,000 records on tmpfs). A child process (``python -m arkgraph.edm_package``) takes the
files through a pipe and writes them, on the other core, while the parent converts the next records.

    with Package("edm/") as package:
        package.add("ark:12148/bpt6k58017546", xml_bytes)

The pipe carries frames: name length and data length (two little-endian uint32), the file name, the bytes.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import IO, Any

from .errors import OutputError, UsageError

MARKER = ".arkgraph-edm"  # names a directory arkgraph wrote, which a later run may replace
_FRAME = struct.Struct("<II")
_PIPE_BUFFER = 1 << 20  # what the pipe holds: a few hundred records in flight, so neither side waits on the other
_WRITE_BUFFER = 1 << 16  # what the parent gathers before a write: well under the pipe's size
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed: the same input gives the same zip


class Package:
    """Where one file per record goes. A directory is written beside its target and swapped in on success; an
    existing target is replaced only if it is empty or an earlier arkgraph EDM output (it holds the
    ``.arkgraph-edm`` marker). A zip goes through :func:`arkgraph.outputs.open_output` (a temporary file renamed
    on success), with fixed dates. A failed write, in the child, is an OutputError here, at the next file or at
    the end; a failed run (an exception in the ``with`` block, Ctrl-C) leaves the previous output as it was."""

    def __init__(self, path: str):
        from .edm_xml import file_name  # here, not at the top: the writer process needs none of it

        self._name = file_name
        self.path = path.rstrip("/") or path
        self.zip = path.lower().endswith(".zip")
        self._stack: Any = None
        self._raw: IO[bytes] | None = None
        self._tmp: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Package":
        if self.zip:
            from .outputs import open_output

            self._stack = open_output(self.path, parents=True)
            self._raw = self._stack.__enter__()
            self._raw.flush()
            target, fds = str(self._raw.fileno()), (self._raw.fileno(),)
        else:
            self._tmp = self._prepare_directory()
            target, fds = str(self._tmp), ()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "arkgraph.edm_package", "zip" if self.zip else "dir", target, self.path],
                stdin=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=fds, bufsize=_WRITE_BUFFER)
        except OSError as exc:
            self._discard()
            raise OutputError(f"cannot write {self.path}: cannot start its writer: {exc.strerror or exc}") from None
        _widen(self._proc.stdin)
        return self

    def _prepare_directory(self) -> Path:
        target = Path(self.path)
        if target.exists() and not target.is_dir():
            raise UsageError(f"-o {self.path}/: {self.path} exists and is not a directory")
        if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
            raise UsageError(f"-o {self.path}/: the directory holds files arkgraph did not write; "
                             "choose a new or empty directory")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.parent / f".{target.name}.{os.getpid()}.part"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            (tmp / MARKER).write_text("EDM records written by arkgraph convert --profile edm\n")
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        return tmp

    def add(self, ark: str, data: bytes) -> str:
        """Send one record's file (named after its ARK) to the writer; returns its name."""
        name = self._name(ark)
        encoded = name.encode("utf-8")
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(_FRAME.pack(len(encoded), len(data)) + encoded)
            self._proc.stdin.write(data)
        except (BrokenPipeError, OSError):
            raise self._child_error() from None
        return name

    def _child_error(self) -> OutputError:
        """The writer stopped: its one-line reason."""
        assert self._proc is not None
        try:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        except OSError:
            pass
        self._proc.wait()
        said = (self._proc.stderr.read() if self._proc.stderr else b"").decode("utf-8", "replace").strip()
        last = said.splitlines()[-1] if said else f"its writer stopped (exit {self._proc.returncode})"
        return OutputError(last if last.startswith("cannot write") else f"cannot write {self.path}: {last}")

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:  # the run failed or was interrupted: nothing replaces the previous output
            self._stop()
            self._discard()
            return
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.close()  # flushes: the writer sees the end, finishes and exits
        except (BrokenPipeError, OSError):
            pass
        self._proc.wait()
        if self._proc.returncode != 0:
            error = self._child_error()
            self._discard()
            raise error
        self._commit()

    def _stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def _discard(self) -> None:
        if self._stack is not None:
            self._stack.__exit__(OutputError, OutputError(f"{self.path}: not written"), None)
            self._stack = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _commit(self) -> None:
        if self._stack is not None:
            assert self._raw is not None
            self._raw.seek(0, os.SEEK_END)  # the child wrote through the same open file
            self._stack.__exit__(None, None, None)
            return
        assert self._tmp is not None
        target = Path(self.path)
        try:
            if target.exists():
                old = target.parent / f".{target.name}.{os.getpid()}.old"
                target.rename(old)
                self._tmp.rename(target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                self._tmp.rename(target)
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from None


def _widen(pipe: IO[bytes] | None) -> None:
    """Let the pipe hold _PIPE_BUFFER bytes (Linux; 64 KB otherwise): with only 64 KB, the parent's writes
    wait for the child and the child then waits for the parent, one after the other instead of together."""
    try:
        import fcntl
    except ImportError:  # not on Windows: the default size
        return
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None)
    if pipe is not None and setsize is not None:
        try:
            fcntl.fcntl(pipe.fileno(), setsize, _PIPE_BUFFER)
        except OSError:  # above /proc/sys/fs/pipe-max-size: keep the default
            pass


def _serve(mode: str, target: str, display: str) -> int:
    """The writer: frames from stdin to files in the directory ``target``, or to a zip on the inherited file
    descriptor ``target``. One line on stderr and exit 1 when a write fails; exit 3 when the parent went away."""
    inp = sys.stdin.buffer
    name = ""
    try:
        if mode == "zip":
            out = os.fdopen(int(target), "wb", buffering=_PIPE_BUFFER)
            archive: zipfile.ZipFile | None = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
            dir_fd = None
        else:
            archive = None
            dir_fd = os.open(target, os.O_RDONLY)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        while True:
            head = inp.read(_FRAME.size)
            if not head:
                break
            if len(head) < _FRAME.size:
                return 3
            n, m = _FRAME.unpack(head)
            name = inp.read(n).decode("utf-8")
            data = inp.read(m)
            if len(data) < m:
                return 3
            if archive is not None:
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
            else:
                fd = os.open(name, flags, 0o644, dir_fd=dir_fd)
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                finally:
                    os.close(fd)
        name = ""
        if archive is not None:
            archive.close()
            out.close()
    except OSError as exc:
        where = f"{display}/{name}" if name and mode != "zip" else display
        sys.stderr.write(f"cannot write {where}: {exc.strerror or exc}\n")
        return 1
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the parent discards the output
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(_serve(*sys.argv[1:4]))
