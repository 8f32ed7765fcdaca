"""How fast was the host while a benchmark ran? A fixed pure-Python workload, timed in CPU time every
2 s by a small separate process (about 50 ms of work per 2 s on a quiet machine here: ~2.5 % of one
core), beside the run.

On a shared machine the same code's speed swings with what the host's other tenants do, in CPU time
as well as wall time (on this project's machine a fixed loop took from 1.0 to 2.0 s minutes apart).
A benchmark's records/s only means something next to the host's speed during that run: the median
sample rises when the host is slower.

    hostcheck.add_option(parser)                 # --host-check
    with HostCheck(args.host_check) as host:     # does nothing when not asked for
        run()
    host.report()
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from typing import Self

_SAMPLER = r"""
import time
def work():
    d = {}
    s = 0
    for i in range(150_000):
        t = (str(i % 1000), "p", "o")
        d[t] = i
        s += len(" ".join(t))
    return s
work()  # warm-up: the first call is slower whatever the host
while True:
    c = time.thread_time()
    work()
    print(f"{time.thread_time() - c:.4f}", flush=True)
    time.sleep(2)
"""


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host-check", action="store_true",
                        help="time a fixed workload every 2 s in a small separate process during the conversion")


class HostCheck:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.samples: list[float] = []
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Self:
        if self.enabled:
            self._proc = subprocess.Popen([sys.executable, "-c", _SAMPLER], stdout=subprocess.PIPE, text=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        out, _ = self._proc.communicate()
        lines = out.split("\n")
        self.samples = [float(x) for x in lines[:-1]]  # the last line may have been cut by terminate()

    def summary(self) -> str:
        if not self.samples:
            return "host check: no sample"
        ms = sorted(s * 1000 for s in self.samples)
        return (f"host check: a fixed workload took median {statistics.median(ms):.0f} ms CPU "
                f"(min {ms[0]:.0f}, max {ms[-1]:.0f}, {len(ms)} samples) during the run; "
                f"higher means a slower host")

    def report(self) -> None:
        """Print the summary, if the check ran."""
        if self.enabled:
            print(self.summary())
