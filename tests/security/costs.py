"""What a piece of work costs, measured from outside it: in a forked child with a CPU limit.

A denial-of-service test must not hang the suite on the code it protects against, nor trust
that code to measure itself: the work runs in a child process that is killed past
``CPU_LIMIT`` seconds of CPU, and its CPU time and memory growth are read by the child
around the work.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tandem.core.errors import BusinessError

CPU_LIMIT = 20  # seconds; the old code took minutes on some of these inputs


@dataclass(frozen=True)
class Cost:
    refusal: str | None  # the message of the expected error, or None when the work succeeded
    cpu_seconds: float
    peak_mb: float


def measure(work: Callable[[], object], refused: type[BusinessError]) -> Cost:
    """Run ``work`` in a forked child; a ``refused`` error counts as a refusal (its message)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read_end)
            resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT, CPU_LIMIT + 5))
            Path("/proc/self/clear_refs").write_text("5")  # peak memory starts at the current size
            start_kb = _status_kb("VmRSS")
            started = time.process_time()
            try:
                work()
                refusal = None
            except refused as error:
                refusal = error.message
            except Exception as error:  # reported as a failure, not a refusal
                os.write(write_end, json.dumps({"unexpected": repr(error)[:500]}).encode())
                raise
            cost = {
                "refusal": refusal,
                "cpu_seconds": time.process_time() - started,
                "peak_mb": (_status_kb("VmHWM") - start_kb) / 1024,
            }
            os.write(write_end, json.dumps(cost).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        report = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    if not report:
        pytest.fail(f"the work was killed (status {status}) after more than {CPU_LIMIT} s of CPU")
    found = json.loads(report)
    if "unexpected" in found:
        pytest.fail(f"the work raised {found['unexpected']} instead of refusing")
    return Cost(**found)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)
