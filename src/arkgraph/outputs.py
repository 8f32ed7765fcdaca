"""Every file arkgraph writes goes through :func:`open_output`: whole or not at all, and never
by replacing something that is not a plain file.

* A regular file, or a new path, is written to a hidden temporary file next to it
  (``.<name>.<pid>.<random>.part``) renamed over it only on success, so a failed or killed run
  leaves the previous file as it was. A symlink is followed: the file it points to is replaced
  and the link stays a link. The mode of a file being replaced is kept.
* Anything else (a FIFO, ``/dev/null``, ``/dev/full``, a terminal, ``/dev/stdout`` and other
  ``/proc/self/fd`` links) is written through, as a shell redirection would: renaming a file
  over ``/dev/stdout`` would replace the device itself when running as root.
* Every failure is one :class:`~arkgraph.errors.OutputError` naming the path as given:
  ``cannot write /dev/full: No space left on device``. A broken pipe stays a ``BrokenPipeError``
  (the reader went away; not an error to report).
* A temporary file left by a killed run is removed by the next run writing the same output,
  only once its writer is gone: its PID (in the name) is not alive and its lock is free (a live
  writer holds an ``flock`` on it, which also covers writers in another PID namespace).
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterator
from typing import IO, Any

from .errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: the PID check alone decides
    fcntl = None  # type: ignore[assignment]

PathLike = str | os.PathLike[str]

# .<name>.<pid>.<8 hex>.part; the PID tells a killed writer's leftovers from a live one's
_TEMP = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.part")


class _Raw(io.FileIO):
    """The file under the buffer: its writes happen once per buffer, so naming the output in
    their errors costs nothing on the hot path."""

    display = ""

    def write(self, b: Any) -> int:  # type: ignore[override]
        try:
            return super().write(b)
        except OSError as exc:
            raise _error(self.display, exc) from None

    def close(self) -> None:
        try:
            super().close()
        except OSError as exc:  # NFS and some FUSE mounts report a full disk only here
            raise _error(self.display, exc) from None


def _error(display: str, exc: OSError) -> Exception:
    if isinstance(exc, BrokenPipeError):
        return exc
    return OutputError(f"cannot write {display}: {exc.strerror or exc}")


@contextlib.contextmanager
def open_output(path: PathLike, *, encoding: str | None = None, fsync: bool = False, parents: bool = False,
                clean: bool = True) -> Iterator[IO[Any]]:
    """A binary (or, with ``encoding``, text) file object for ``path``, committed on a clean exit.

    ``fsync`` makes the content durable before the rename (harvests rely on it); ``parents``
    creates missing directories; ``clean`` removes this output's temporaries left by killed runs.
    """
    display = os.fspath(path)
    try:
        target, through = _resolve(display)
        if through:
            fd = os.open(display, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
            tmp = None
        else:
            if parents:
                os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            if clean:
                remove_stale_temps(os.path.dirname(target) or ".", os.path.basename(target))
            fd, tmp = _create_temp(target)
    except OSError as exc:
        raise _error(display, exc) from None
    raw = _Raw(fd, "w", closefd=True)
    raw.display = display
    fh: IO[Any] = io.BufferedWriter(raw)
    if encoding:
        fh = io.TextIOWrapper(fh, encoding=encoding, newline="\n")  # type: ignore[arg-type]
    try:
        yield fh
        try:  # only the commit is wrapped here: an error raised by the caller's own work is not ours to name
            fh.flush()
            if fsync and tmp is not None:
                os.fsync(fd)
            fh.close()
            if tmp is not None:
                os.replace(tmp, target)
                tmp = None
        except OSError as exc:
            raise _error(display, exc) from None
    finally:
        with contextlib.suppress(Exception):  # already failing: the first error is the one to report
            fh.close()
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_output(path: PathLike, data: bytes, **kwargs: Any) -> None:
    """Write ``data`` to ``path`` with :func:`open_output`."""
    with open_output(path, **kwargs) as fh:
        fh.write(data)


def _resolve(path: str) -> tuple[str, bool]:
    """(the file a rename would replace, whether to write through instead).

    Follows the symlink chain by hand: a chain that passes through /proc (``/dev/stdout`` →
    ``/proc/self/fd/1``) names an open file of this process, always written through.
    """
    p = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on a chain of links
        parent = os.path.realpath(os.path.dirname(p))
        if parent == "/proc" or parent.startswith("/proc/"):
            return p, True
        p = os.path.join(parent, os.path.basename(p))
        try:
            link = os.readlink(p)
        except OSError:  # not a link (or not there): p is the end of the chain
            break
        p = os.path.normpath(os.path.join(parent, link))
    else:
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
    try:
        mode = os.stat(p).st_mode
    except FileNotFoundError:
        return p, False
    if stat.S_ISDIR(mode):
        raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    return p, not stat.S_ISREG(mode)


def _create_temp(target: str) -> tuple[int, str]:
    directory, name = os.path.split(target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    while True:
        tmp = os.path.join(directory, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.part")
        try:
            # 0666 less the umask, as a new file from a shell redirection would be
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            break
        except FileExistsError:
            continue
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held until closed: "a writer is alive"
        if mode is not None:
            os.fchmod(fd, mode)  # replacing a file keeps its permissions
    except OSError:
        os.close(fd)
        os.unlink(tmp)
        raise
    return fd, tmp


def remove_stale_temps(directory: PathLike, name: str | None = None, *, recursive: bool = False) -> int:
    """Remove temporaries of killed writers in ``directory`` (of output ``name`` only, if given).

    A temporary is removed only if the PID in its name is not a live process and nobody holds
    its lock; one of this process is never touched (another thread may be writing it).
    Returns how many were removed.
    """
    removed = 0
    prefix = f".{name}." if name is not None else "."
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        if recursive and entry.is_dir(follow_symlinks=False):
            removed += remove_stale_temps(entry.path, name, recursive=True)
            continue
        if not entry.name.startswith(prefix):
            continue
        m = _TEMP.fullmatch(entry.name)
        if not m or (name is not None and m["name"] != name) or not _stale(entry.path, int(m["pid"])):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed += 1
    return removed


def _stale(path: str, pid: int) -> bool:
    if pid == os.getpid() or _alive(pid):
        return False
    if fcntl is None:
        return True
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:  # locked: a writer we cannot see (another PID namespace) is alive
        return False
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, someone else's
        return True
    return True


@contextlib.contextmanager
def open_destination(path: str | None) -> Iterator[IO[bytes]]:
    """stdout for '-' or None; otherwise :func:`open_output` (atomic for files)."""
    if not path or path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with open_output(path, parents=True) as raw:
        if path.endswith(".gz"):
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                yield gz  # type: ignore[misc]
        else:
            yield raw
