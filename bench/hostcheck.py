"""How fast was the host while a benchmark ran? A fixed pure-Python workload, timed in CPU time every
2 s by a small separate process (about 50 ms of work per 2 s on a quiet machine here: ~2.5 % of one
core), beside the run.

On a shared machine the same code's speed swings with what the host's other tenants do, in CPU time
as well as wall time (on this project's machine a fixed loop took from 1.0 to 2.0 s minutes apart).
A benchmark's records/s only means something next to the host's speed during that run: the median
sample rises when the host is slower.

    with HostCheck() as host:
        run()
    print(host.summary())
"""

from __future__ import annotations

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


class HostCheck:
    def __init__(self) -> None:
        self.samples: list[float] = []
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Self:
        self._proc = subprocess.Popen([sys.executable, "-c", _SAMPLER], stdout=subprocess.PIPE, text=True)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._proc is not None
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
