"""A cached brief page under load: requests/s, p99 latency and errors, 50 connections, loopback only.

    python benchmarks/bench_web.py [--seconds 60] [--connections 50] [--baseline-seconds 10]

The app (``movedesk serve``'s app, uvicorn, one process) serves the demo store's SMIC brief on a free
loopback port. Load comes from ``wrk`` when installed (Debian package), else from a bounded asyncio
load generator in this script. Baseline, same run: the same page with the page cache off (rendered
per request: store read, chart, templates).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SERVER = textwrap.dedent(
    """
    import logging, sys
    import uvicorn
    from movedesk.config import Settings
    from movedesk.web.app import create_app

    db, port, ttl = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    app = create_app(Settings(db=db, secret_key="bench"), page_ttl=ttl)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=2)
    """
)


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: str, ttl: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = open(Path(db).with_suffix(f".server-{port}.log"), "w")  # noqa: SIM115 (kept open for the child)
    proc = subprocess.Popen([sys.executable, "-c", SERVER, db, str(port), str(ttl)],
                            env={**os.environ, "PYTHONWARNINGS": "ignore"}, stderr=log)
    return proc, wait_healthy(proc, port)


def wait_healthy(proc: subprocess.Popen[bytes], port: int) -> str:
    """The server's base URL once /healthz answers (the process is killed if it never does)."""
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            return base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, seconds: int, connections: int) -> Result:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s", url],
        capture_output=True, text=True, check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    took = re.search(r"requests in ([\d.]+)(s|m)", out)
    secs = float(took.group(1)) * (60 if took.group(2) == "m" else 1)  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        errors += int(non2xx.group(1))
    return Result(requests, secs, p50, p99, errors, "wrk")


async def _client(
    host: str, port: int, path: str, until: float, lat: list[float], errs: list[int], interval: float = 0.0
) -> None:
    """One keep-alive connection; with ``interval`` it sends on a fixed schedule (open loop) and measures
    latency from the scheduled time, so a stalled server is not hidden by the client waiting for it."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    reader, writer = await asyncio.open_connection(host, port)
    next_at = time.perf_counter() + (interval * (hash(writer) % 1000) / 1000 if interval else 0.0)
    try:
        while time.perf_counter() < until:
            if interval:
                delay = next_at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                t0 = next_at
                next_at += interval
            else:
                t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            lat.append(time.perf_counter() - t0)
            if status != 200:
                errs.append(status)
    except (OSError, asyncio.IncompleteReadError):
        errs.append(0)
    finally:
        writer.close()


def run_python(url: str, seconds: int, connections: int, rate: float = 0.0) -> Result:
    m = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    assert m
    host, port, path = m.group(1), int(m.group(2)), m.group(3)
    lat: list[float] = []
    errs: list[int] = []

    async def main() -> None:
        until = time.perf_counter() + seconds
        interval = connections / rate if rate else 0.0
        await asyncio.gather(*(_client(host, port, path, until, lat, errs, interval) for _ in range(connections)))

    started = time.perf_counter()
    asyncio.run(main())
    took = time.perf_counter() - started
    lat.sort()
    pick = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
    tool = f"python load generator at {rate:,.0f} req/s" if rate else "python asyncio load generator"
    return Result(len(lat), took, pick(0.50), pick(0.99), len(errs), tool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="duration of the cached-page run (the issue: 60)")
    parser.add_argument("--baseline-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk exists")
    parser.add_argument("--rate", type=float, default=1000.0,
                        help="also measure p99 at this fixed request rate (open loop, Python generator); 0: skip")
    args = parser.parse_args()

    from movedesk.demo import run_demo

    tmp = Path(tempfile.mkdtemp(prefix="movedesk-bench-web-"))
    db = str(tmp / "bench.duckdb")
    demo = run_demo(tmp / "demo", db=db)
    slug = demo.paths["json"].stem
    load = run_python if args.python_load or not shutil.which("wrk") else run_wrk

    results = {}
    runs = [("baseline (no page cache)", 0.0, args.baseline_seconds, load, 0.0),
            ("ours (cached brief page)", 3600.0, args.seconds, load, 0.0)]
    if args.rate:
        runs.append((f"ours at {args.rate:,.0f} req/s", 3600.0, args.seconds, run_python, args.rate))
    for name, ttl, seconds, gen, rate in runs:
        proc, base = start_server(db, ttl)
        try:
            url = f"{base}/briefs/{slug}"
            urllib.request.urlopen(url, timeout=30).read()  # warm up (fills the cache when it is on)
            results[name] = gen(url, seconds, args.connections, rate) if rate else gen(url, seconds, args.connections)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    print(f"GET /briefs/{slug}, {args.connections} connections, loopback, uvicorn 1 process; "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, r in results.items():
        print(f"  {name:26s}: {r.rps:8,.0f} req/s  p50 {r.p50_ms:6.1f} ms  p99 {r.p99_ms:6.1f} ms  "
              f"errors {r.errors}  ({r.requests:,} requests in {r.seconds:.0f} s; {r.tool})")
    ours, base_r = results["ours (cached brief page)"], results["baseline (no page cache)"]
    print(f"  ratio ours/baseline: {ours.rps / max(base_r.rps, 1e-9):.0f}x req/s")
    for name, r in results.items():
        if name.startswith("ours"):
            ok = r.rps >= 500 and r.p99_ms <= 50 and r.errors == 0
            print(f"  target >= 500 req/s at p99 <= 50 ms, 0 errors ({name}): {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
