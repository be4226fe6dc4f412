"""Closed-loop load generators against 127.0.0.1, bounded in time and in request count.

``wrk`` (Debian package, C, one thread) is used when installed: it costs the 2-core machine
little CPU. Otherwise a Python generator (httpx, asyncio) runs in its own process. Both keep
``concurrency`` requests in flight, each sending its next request when the previous answers.

Run as ``python -m bench.loadgen URL --body JSON --header K:V --concurrency N --duration S
--max-requests M`` to print one JSON summary line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [==[{body}]==]
{headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{{"requests":%d,"socket_errors":%d,"non_2xx":%d,"duration_s":%.6f,'
    .. '"p50_ms":%.3f,"p90_ms":%.3f,"p95_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}}\\n',
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(95) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
"""


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def summarise(latencies_s: list[float], *, errors: int, duration_s: float) -> dict[str, Any]:
    values = sorted(latencies_s)
    ms = [v * 1000 for v in values]
    return {
        "requests": len(values),
        "errors": errors,
        "duration_s": round(duration_s, 3),
        "rps": round(len(values) / duration_s, 1) if duration_s > 0 else 0.0,
        "p50_ms": round(percentile(ms, 0.50), 3),
        "p90_ms": round(percentile(ms, 0.90), 3),
        "p95_ms": round(percentile(ms, 0.95), 3),
        "p99_ms": round(percentile(ms, 0.99), 3),
        "max_ms": round(ms[-1], 3) if ms else float("nan"),
    }


async def python_load(
    url: str,
    *,
    body: str,
    headers: dict[str, str],
    concurrency: int,
    duration_s: float,
    max_requests: int,
) -> dict[str, Any]:
    """The Python generator: ``concurrency`` workers on one keep-alive pool."""
    latencies: list[float] = []
    errors = 0
    sent = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    payload = body.encode()
    all_headers = {"content-type": "application/json", **headers}
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:
        started = time.perf_counter()
        deadline = started + duration_s

        async def worker() -> None:
            nonlocal errors, sent
            while time.perf_counter() < deadline and sent < max_requests:
                sent += 1
                t0 = time.perf_counter()
                try:
                    response = await client.post(url, content=payload, headers=all_headers)
                    ok = response.status_code < 300
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    result = summarise(latencies, errors=errors, duration_s=elapsed)
    result["generator"] = "python-httpx"
    return result


def wrk_load(
    url: str,
    *,
    body: str,
    headers: dict[str, str],
    concurrency: int,
    duration_s: float,
) -> dict[str, Any]:
    """Run ``wrk`` with one thread; its Lua ``done`` hook prints the summary as JSON."""
    wrk = shutil.which("wrk")
    assert wrk is not None
    header_lines = "\n".join(
        f'wrk.headers["{k}"] = "{v}"'
        for k, v in {"Content-Type": "application/json", **headers}.items()
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.format(body=body, headers=header_lines))
    try:
        completed = subprocess.run(
            [
                wrk,
                "-t1",
                f"-c{concurrency}",
                f"-d{max(1, round(duration_s))}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration_s + 60,
            check=True,
        )
    finally:
        Path(script.name).unlink()
    line = [x for x in completed.stdout.splitlines() if x.startswith("{")][-1]
    found: dict[str, Any] = json.loads(line)
    # wrk's request count includes non-2xx answers but not socket errors (e.g. timeouts).
    non_2xx = found.pop("non_2xx")
    found["errors"] = found.pop("socket_errors") + non_2xx
    found["requests"] = found["requests"] - non_2xx
    found["rps"] = round(found["requests"] / found["duration_s"], 1)
    found["generator"] = "wrk"
    return found


def load(
    url: str,
    *,
    body: dict[str, Any],
    headers: dict[str, str],
    concurrency: int,
    duration_s: float,
    max_requests: int,
    use_wrk: bool,
) -> dict[str, Any]:
    """One closed-loop run in a separate process; returns its summary."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("the load generator only targets 127.0.0.1")
    text = json.dumps(body)
    if use_wrk and shutil.which("wrk"):
        return wrk_load(
            url, body=text, headers=headers, concurrency=concurrency, duration_s=duration_s
        )
    # The Python generator runs in the harness process: a process of its own, apart from
    # every server under test.
    return asyncio.run(
        python_load(
            url,
            body=text,
            headers=headers,
            concurrency=concurrency,
            duration_s=duration_s,
            max_requests=max_requests,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--body", required=True)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    args = parser.parse_args()
    if not args.url.startswith("http://127.0.0.1:"):
        raise SystemExit("the load generator only targets 127.0.0.1")
    headers = dict(h.split(":", 1) for h in args.header)
    result = asyncio.run(
        python_load(
            args.url,
            body=args.body,
            headers=headers,
            concurrency=args.concurrency,
            duration_s=args.duration,
            max_requests=args.max_requests,
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
