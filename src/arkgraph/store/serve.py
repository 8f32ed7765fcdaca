"""Serving an embedded store over HTTP: Oxigraph's own server, read-only, with its SPARQL query page (YASGUI).

:func:`start` checks what can be checked before the server starts (the server binary, the address,
the store: an Oxigraph store, written by an arkgraph whose layout this one serves, not open for
writing by another process), then runs ``oxigraph serve-read-only --union-default-graph`` on it:
records live in named graphs, and without the union a query over HTTP would see none of them (the
embedded ``arkgraph query`` queries the union too). The :class:`Server` it returns holds the store's
lock while it runs, so no load can write under the read-only server (RocksDB leaves that undefined).
``arkgraph serve`` (:mod:`arkgraph.cli.serve`) is a thin layer over it.

The server binary comes with the ``oxigraph`` package on PyPI: ``pip install 'arkgraph[serve]'``.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import os
import re
import shutil
import signal
import time
import socket
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path
from typing import Callable

from .. import __version__
from ..errors import ArkgraphError, InputError, UsageError
from ..terms import AG

DEFAULT_BIND = "localhost:7878"


class ServeError(ArkgraphError):
    """The server could not start (exit 2, like the checks made before it starts)."""

    exit_code = 2

# The oldest arkgraph whose stores this one serves: one named graph per record with its provenance in it,
# as written since 0.1.0. A store loaded by an older arkgraph is to be loaded again.
OLDEST_SERVED = (0, 1, 0)
INSTALL_HINT = "pip install 'arkgraph[serve]' (the oxigraph package ships Oxigraph's server)"


def find_oxigraph() -> str:
    """The ``oxigraph`` server binary: on PATH, else beside this Python (a venv run by its path, not activated)."""
    found = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if not found:
        raise UsageError(f"arkgraph serve needs Oxigraph's server, which is not installed: {INSTALL_HINT}")
    return found


def parse_bind(bind: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for an IPv6 address) as host and port."""
    m = re.fullmatch(r"(\[[^\]]+\]|[^:\[\]]+):(\d{1,5})", bind)
    if not m or not 0 < int(m[2]) < 65536:
        raise UsageError(f"--bind must be HOST:PORT (e.g. {DEFAULT_BIND}), not {bind!r}")
    return m[1].strip("[]"), int(m[2])


def check_port(bind: str) -> None:
    """Fail now, in one line, if the address cannot be listened on (the server would say so in a backtrace)."""
    host, port = parse_bind(bind)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"--bind {bind}: unknown host {host!r} ({exc.strerror})") from None
    family, _, _, _, addr = infos[0]  # the server listens on the first address too
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is no conflict
        try:
            s.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(f"--bind {bind}: port {port} is already in use (another server?); "
                                    f"stop it or choose another port: --bind {host}:PORT") from None
            raise UsageError(f"--bind {bind}: cannot listen there ({exc.strerror})") from None


def _version(text: str) -> tuple[int, ...] | None:
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(x or 0) for x in m.groups()) if m else None


IN_USE = ("the store {path} is in use by another process (a load, a query or a server); wait for it or stop it")


def _no_store(path: str) -> InputError | None:
    p = Path(path)
    if not p.is_dir():
        return InputError(f"no store at {path} (load something first: arkgraph load FILE --store {path})")
    if not (p / "CURRENT").is_file():
        return InputError(f"{path} is not a store: it holds no Oxigraph database (no CURRENT file); "
                          f"make one with arkgraph load FILE --store {path}")
    return None


def check_store(path: str) -> None:
    """The store opens, nobody else has it open, and every arkgraph that wrote to it wrote the layout this
    one serves (its graphs' ``ag:arkgraphVersion``).

    It is opened for writing, as ``arkgraph query`` does, since that is what fails when another process (or
    this one) holds the store; a read-only open would succeed and serve a store being written.
    """
    import pyoxigraph as ox

    if (error := _no_store(path)) is not None:
        raise error
    try:
        store = ox.Store(path)
    except (OSError, RuntimeError) as exc:  # RuntimeError: RocksDB's "Corruption: …"
        text = _first_line(str(exc))
        if "lock" in text.lower():
            raise InputError(IN_USE.format(path=path)) from None
        raise InputError(f"{path} is not a readable Oxigraph store: {text}") from None
    try:
        found = {row[0].value for row in store.query(
            f"SELECT DISTINCT ?v WHERE {{ {{ ?g <{AG}arkgraphVersion> ?v }} UNION "
            f"{{ GRAPH ?x {{ ?g <{AG}arkgraphVersion> ?v }} }} }}")}
    except (OSError, RuntimeError) as exc:
        found, failed = set(), exc
    else:
        failed = None
    finally:
        del store  # closes it, and frees its lock (pyoxigraph has no close())
        gc.collect()
    if failed is not None:
        raise InputError(f"{path} is not a readable Oxigraph store: {_first_line(str(failed))}")
    old = sorted((v for v in found if (_version(v) or (0,)) < OLDEST_SERVED), key=lambda v: _version(v) or (0,))
    if old:
        oldest = ".".join(map(str, OLDEST_SERVED))
        raise InputError(f"the store {path} was written by arkgraph {old[0]}, older than {oldest} (the oldest whose "
                         f"stores arkgraph {__version__} serves); load the records again into a new store: "
                         f"arkgraph load FILE --store NEW")


def lock_store(path: str) -> int:
    """Take the store's own lock (RocksDB's ``LOCK`` file, a POSIX record lock) and return its descriptor.

    While it is held no other process can open the store for writing: serving a store that is being
    written is undefined behaviour for Oxigraph's read-only mode. Closing the descriptor releases it.
    """
    if (error := _no_store(path)) is not None:
        raise error
    try:
        fd = os.open(Path(path, "LOCK"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise InputError(f"cannot open the store {path}: {exc.strerror}") from None
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise InputError(IN_USE.format(path=path)) from None
    return fd


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0] if lines else "no reason given"


def _server_error(output: list[str], code: int | None) -> str:
    """The server's failure as one line: its ``Error: …`` line without the prefix (no backtrace)."""
    for line in output:
        if line.startswith("Error: "):
            return line[len("Error: "):].strip()
    return _first_line("\n".join(output)) if output else f"exit status {code}"


def _child_setup() -> None:  # pragma: no cover - runs in the child, between fork and exec
    """The server stops on SIGINT even when arkgraph runs in the background (a shell's ``&`` ignores SIGINT
    for it, and that would be inherited); on Linux it gets SIGTERM if arkgraph dies, even by SIGKILL, so it
    never outlives its lock."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


STOP_GRACE = 10  # seconds a server asked to stop has before it is killed


class Server:
    """A running read-only Oxigraph server on a store; :meth:`stop` (or leaving the ``with``) ends it."""

    def __init__(self, proc: subprocess.Popen[str], lock_fd: int, url: str, output: deque[str]):
        self.proc = proc
        self.url = url
        self._lock_fd: int | None = lock_fd
        self._output = output
        self.stopping = False

    @property
    def query_url(self) -> str:
        return self.url + "query"

    def wait(self) -> int:
        """Block until the server exits; its exit status. Raises if it stopped by itself with an error.
        Once asked to stop, it has STOP_GRACE seconds to do so before it is killed (a client holding a
        connection open can keep a graceful shutdown waiting: a CI run saw one outlast 60 s)."""
        asked = None
        while True:
            try:
                code = self.proc.wait(1)
                break
            except subprocess.TimeoutExpired:
                if self.stopping:
                    asked = asked or time.monotonic()
                    if time.monotonic() - asked > STOP_GRACE:
                        self.proc.kill()
        self._release()
        if not self.stopping and code != 0:
            raise ArkgraphError(f"the server stopped: {_server_error(list(self._output), code)}")
        return code

    def run(self, serving: Callable[[], object] | None = None) -> None:
        """Serve until SIGINT (Ctrl-C) or SIGTERM, which go on to the server; then reap it. Main thread only.

        ``serving`` is called once the signals are caught (to say where it serves, open a browser): a
        signal sent as soon as that is seen stops the server cleanly too."""
        def forward(sig: int, _frame: object) -> None:
            self.stopping = True
            if self.proc.poll() is None:
                self.proc.send_signal(sig)

        previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            if serving is not None:
                serving()
            self.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.stop()

    def stop(self, sig: int = signal.SIGINT) -> None:
        """Pass ``sig`` on to the server (as Ctrl-C would), reap it, release the store."""
        self.stopping = True
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._release()

    def _release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the lock
            self._lock_fd = None

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(path: str, bind: str = DEFAULT_BIND, *, oxigraph: str | None = None, timeout_s: int | None = None) -> Server:
    """Serve the store at ``path`` read-only on ``bind`` (``HOST:PORT``), the union of its graphs as the default
    graph. Returns once the server listens; raises :class:`ArkgraphError` (one line) when it cannot.

    ``timeout_s`` bounds each query's time on the server (Oxigraph's ``--timeout-s``).
    """
    binary = oxigraph or find_oxigraph()
    check_port(bind)
    check_store(path)
    fd = lock_store(path)  # another process may take the store between the two: then this one fails
    try:
        cmd = [binary, "serve-read-only", "--location", str(path), "--bind", bind, "--union-default-graph"]
        if timeout_s:
            cmd += ["--timeout-s", str(timeout_s)]
        env = {**os.environ, "RUST_BACKTRACE": "0", "RUST_LIB_BACKTRACE": "0"}
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace", env=env,
                                preexec_fn=_child_setup)
    except BaseException:
        os.close(fd)
        raise
    output: deque[str] = deque(maxlen=200)
    ready = threading.Event()

    def pump() -> None:  # the server's output, kept for an error message; the pipe must never fill up
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line.rstrip("\n"))
            if line.startswith("Listening for requests at"):
                ready.set()
        ready.set()  # it exited

    threading.Thread(target=pump, daemon=True).start()
    host, port = parse_bind(bind)
    server = Server(proc, fd, f"http://{'[' + host + ']' if ':' in host else host}:{port}/", output)
    try:
        ready.wait()  # no deadline: the server either comes up or exits
    except BaseException:  # Ctrl-C while it starts
        server.stop()
        raise
    if not any(line.startswith("Listening for requests at") for line in output):
        code = proc.wait()
        server._release()
        raise ServeError(f"the server could not start on {path}: {_server_error(list(output), code)}")
    return server
