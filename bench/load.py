"""Serving with gunicorn as README's production section does, and measuring with ``wrk``.

``Server`` starts ``gunicorn -w 2`` (sync workers) on a free port for an app
path, waits until it answers and stops it by its own process id. ``wrk``
runs Debian's ``wrk`` against one URL and reads requests/s, the 50th and
99th percentile latency and the non-2xx answers from its ``--latency``
output.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from config import ROOT

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn master (sync workers) serving ``app_path``; ``stop()`` ends it and its workers."""

    def __init__(self, app_path: str, env: dict[str, str], *, workers: int = 2, log: Path | None = None):
        self.port = free_port()
        self.app_path = app_path
        self.env = {**os.environ, **env}
        self.workers = workers
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/", timeout: float = 60) -> Server:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [gunicorn, "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", self.app_path],
            env=self.env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app_path} exited with {self.process.returncode}; see {self.log}")
            try:
                urllib.request.urlopen(self.base + ready_path, timeout=2).read()
                return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn {self.app_path} did not answer within {timeout:.0f} s; see {self.log}")

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker (children of the master), in MB, from ps."""
        if self.process is None:
            return []
        out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(v) / 1024 for v in out.split()]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn stops its workers on TERM
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    not_ok: int


def _ms(value: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not found:
        raise ValueError(f"not a wrk duration: {value!r}")
    return float(found.group(1)) * UNITS[found.group(2)]


def parse_wrk(output: str) -> WrkResult:
    def percentile(p: str) -> float:
        found = re.search(rf"^\s*{p}%\s+(\S+)", output, re.M)
        return _ms(found.group(1)) if found else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    not_ok = int(bad.group(1)) if bad else 0
    if errors:
        not_ok += sum(int(g) for g in errors.groups())
    return WrkResult(
        requests_per_second=float(rps.group(1)) if rps else 0.0,
        p50_ms=percentile("50"),
        p99_ms=percentile("99"),
        requests=int(total.group(1)) if total else 0,
        not_ok=not_ok,
    )


def wrk(url: str, headers: dict[str, str], *, seconds: int, connections: int, threads: int = 1) -> WrkResult:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def status_of(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
