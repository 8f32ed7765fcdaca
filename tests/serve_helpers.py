"""`arkgraph serve` run as a user runs it: a separate process, on a free loopback port, stopped by SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from oxigraph_server import free_port

# the command line exactly as the `arkgraph` script runs it, with this interpreter
ARKGRAPH = [sys.executable, "-c", "import sys; from arkgraph.cli import main; sys.exit(main(prog_name='arkgraph'))"]


class ServeProcess:
    def __init__(self, store: Path, *extra: str, env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen([*ARKGRAPH, "serve", "--store", str(store), "--bind", f"127.0.0.1:{self.port}",
                                      *extra], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
        assert self.proc.stderr is not None
        # the first line says where it serves, once the server listens (or the error, if it could not start)
        self.first_line = self.proc.stderr.readline()
        assert self.first_line.startswith("serving "), self.first_line + self.proc.stderr.read()

    def server_pid(self) -> int:
        """The Oxigraph server's process id: arkgraph's one child."""
        (child,) = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return int(child)

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C: SIGINT to arkgraph alone (a terminal would send it to both); its exit status and stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        _out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, self.first_line + err

    def __enter__(self) -> "ServeProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.interrupt()
