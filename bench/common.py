"""Shared pieces of Kaiku's benchmarks: a real server, load generators and statistics.

A benchmark starts gunicorn the way `make run` does (``kaiku.wsgi``, 2 workers with
4 threads each) on a throwaway database, fills it with generated data, and drives
it over HTTP from this process, so that the server and the load generator are
separate processes. Results are JSON files under ``bench/results/``.

Two ways to load a server:

- ``fixed_rate``: open loop at a fixed rate (requests start on a schedule whatever
  the server does). Latency is measured from the *scheduled* start, so a server
  that falls behind shows it instead of slowing the generator down (no coordinated
  omission).
- ``max_throughput``: closed loop with a few connections, as fast as the server
  answers. Uses ``wrk`` (Debian package) when it is installed, because a C client
  leaves more of the two cores to the server; otherwise Python threads.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import math
import os
import platform
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
WITH_POSTGRES = str(ROOT / "scripts" / "with-postgres.sh")


# --------------------------------------------------------------------------- results


# Setup code for ``django_script``: the benchmark's area with its municipality and
# distributor site, and ``active_cards(count, birth_year)``, which registers that many active
# personal cards there (``birth_year()`` gives each card's).
AREA_SETUP = """
import datetime as dt
from django.utils import timezone
from kaiku.cards import numbers
from kaiku.cards.models import Card
from kaiku.network.models import Area, Municipality, NationalSettings, Sector, Site

NationalSettings.get()
today = timezone.localdate()
area = Area.objects.create(name="Benchmark", slug="bench", status=Area.Status.ACTIVE)
muni = Municipality.objects.create(code="837", name_fi="Tampere", name_sv="Tammerfors", area=area)
distributor = Site.objects.create(kind=Site.Kind.DISTRIBUTOR, name="Social office", area=area, municipality=muni)


def active_cards(count, birth_year):
    seen, cards = set(), []
    while len(cards) < count:
        number = numbers.generate()
        if number in seen:
            continue
        seen.add(number)
        cards.append(Card(
            number=number, site=distributor, status=Card.Status.ACTIVE, kind=Card.Kind.PERSONAL,
            registered_on=today - dt.timedelta(days=100), issued_on=today - dt.timedelta(days=100),
            valid_until=today + dt.timedelta(days=265), birth_year=birth_year(), municipality=muni,
            postal_code="33100", children=2,
        ))
    Card.objects.bulk_create(cards, batch_size=2000)
"""


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Measurement:
    """One phase of a benchmark: how many requests, how fast, how many failed."""

    name: str
    requests: int
    errors: int
    seconds: float
    median_ms: float
    p99_ms: float
    max_ms: float = 0.0
    target_rate: float | None = None
    tool: str = "python"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        """Answered requests a second (requests a fixed-rate phase dropped are not counted)."""
        answered = self.requests - int(self.extra.get("dropped", 0))
        return answered / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["throughput"] = round(self.throughput, 1)
        return data

    def line(self) -> str:
        rate = f" at {self.target_rate:g}/s" if self.target_rate else " (max)"
        return (
            f"{self.name:<28}{rate:<12} {self.throughput:8.1f} req/s  median {self.median_ms:6.2f} ms"
            f"  p99 {self.p99_ms:7.2f} ms  errors {self.errors}/{self.requests}  [{self.tool}]"
            + (f"  server CPU {self.extra['server_cpu_ms']:.2f} ms/req" if "server_cpu_ms" in self.extra else "")
            + (f"  ({self.extra['dropped']} dropped: the server fell behind)" if self.extra.get("dropped") else "")
        )


def median_of(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": list(os.getloadavg()),
    }


def save_result(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = RESULTS / f"{name}-{stamp}.json"
    result = {"benchmark": name, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(), **result}
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return path


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_env(tmp: Path) -> dict[str, str]:
    """Settings for a throwaway database: PostgreSQL when DATABASE_URL is set, else SQLite in tmp."""
    env = {
        "KAIKU_DEV": "1",
        "DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "kaiku.settings",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "ERROR",
    }
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        create_postgres_database(os.environ["DATABASE_URL"])
    else:
        env["SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    return env


def create_postgres_database(url: str) -> None:
    """scripts/with-postgres.sh starts an empty cluster: create the database it names."""
    import psycopg

    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def django_script(code: str, env: dict[str, str]) -> str:
    """Run Python code with Django set up in a child process; return its stdout."""
    prelude = "import django; django.setup()\n"
    proc = subprocess.run(
        [PYTHON, "-c", prelude + code],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"setup script failed:\n{proc.stderr[-4000:]}")
    return proc.stdout


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
        env={**os.environ, **env},
        cwd=ROOT,
        check=True,
    )


@dataclass
class Server:
    url: str
    host: str
    port: int
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, threads: int = 4, app: str = "kaiku.wsgi") -> Iterator[Server]:
    """gunicorn serving kaiku.wsgi as `make run` does (without the access log), until the block ends.

    ``app`` names another WSGI module to serve instead (importable from ``env``'s path).
    """
    # Static files have content-hashed names from a manifest, as `make run` collects them.
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        env={**os.environ, **env},
        cwd=ROOT,
        check=True,
    )
    port = free_port()
    cmd = [
        GUNICORN,
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT, start_new_session=True)
    # The server runs in its own session: stop it on SIGTERM too, not only on normal exit.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        wait_until_up("127.0.0.1", port, proc)
        yield Server(url=f"http://127.0.0.1:{port}", host="127.0.0.1", port=port, process=proc)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        signal.signal(signal.SIGTERM, previous)


def wait_until_up(host: str, port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", "/healthz")
            first = conn.getresponse()
            first.read()
            if first.status == 200:
                # Warm both workers: each imports and connects lazily.
                for _ in range(20):
                    conn.request("GET", "/healthz")
                    conn.getresponse().read()
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


@contextlib.contextmanager
def temp_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="kaiku-bench-") as tmp:
        yield Path(tmp)


# --------------------------------------------------------------------------- HTTP sessions


@dataclass
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class Browser:
    """A minimal cookie-keeping client for signing in over HTTP."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"Cookie": self.cookie_header(), "Referer": f"http://{self.host}:{self.port}{path}"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, text

    def cookie_header(self, names: tuple[str, ...] | None = None) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items() if names is None or k in names)

    def sign_in(self, email: str, password: str) -> None:
        self.request("GET", "/accounts/login/")
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            {"username": email, "password": password, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"signing in as {email} failed (HTTP {status})")


# --------------------------------------------------------------------------- load generators


def _send(conn: http.client.HTTPConnection, req: Request) -> int:
    conn.request(req.method, req.path, body=req.body or None, headers=req.headers)
    response = conn.getresponse()
    response.read()
    return response.status


def _send_or_reconnect(
    server: Server, conn: http.client.HTTPConnection, req: Request
) -> tuple[int, http.client.HTTPConnection]:
    """The response's status and the connection to go on with: a dropped connection counts as
    status 0 (an error) and is opened again."""
    try:
        return _send(conn, req), conn
    except OSError:
        conn.close()
        return 0, http.client.HTTPConnection(server.host, server.port, timeout=30)


def _ok(status: int, expected: tuple[int, ...]) -> bool:
    return status in expected


def fixed_rate(
    server: Server,
    name: str,
    make_request: Callable[[int], Request],
    rate: float,
    seconds: float,
    expected: tuple[int, ...] = (200,),
    connections: int = 16,
    give_up_after: float = 5.0,
) -> Measurement:
    """Start rate requests a second for the given time; latency from each request's scheduled start.

    A request that could not even start within ``give_up_after`` seconds of its slot (the
    server is that far behind) is not sent: it counts as an error and as "dropped", with
    its wait so far as its latency (a lower bound), so an overloaded server ends the phase
    in bounded time instead of working through minutes of backlog.
    """
    total = int(rate * seconds)
    jobs: queue.Queue[tuple[float, int] | None] = queue.Queue()
    latencies: list[float] = []
    errors = 0
    dropped = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal errors, dropped
        conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
        while True:
            job = jobs.get()
            if job is None:
                break
            scheduled, i = job
            waited = time.perf_counter() - scheduled
            if waited > give_up_after:
                with lock:
                    latencies.append(waited * 1000)
                    errors += 1
                    dropped += 1
                continue
            status, conn = _send_or_reconnect(server, conn, make_request(i))
            took = (time.perf_counter() - scheduled) * 1000
            with lock:
                latencies.append(took)
                if not _ok(status, expected):
                    errors += 1
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        jobs.put((scheduled, i))
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return Measurement(
        name=name,
        requests=total,
        errors=errors,
        seconds=elapsed,
        median_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        max_ms=max(latencies, default=0.0),
        target_rate=rate,
        extra={"dropped": dropped},
    )


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        todo.extend(children.get(current, []))
    return total / os.sysconf("SC_CLK_TCK")


def max_throughput(
    server: Server,
    name: str,
    make_request: Callable[[int], Request],
    seconds: float,
    connections: int = 8,
    expected: tuple[int, ...] = (200,),
    wrk_lua: str | None = None,
) -> Measurement:
    """As many requests as the server answers over a few keep-alive connections.

    Also records the CPU time the server's processes spent per answered request
    (``extra["server_cpu_ms"]``; not the database server's on PostgreSQL): unlike
    throughput, it hardly moves when something else on the machine takes a core.
    """
    cpu_before = process_tree_cpu(server.process.pid)
    if wrk_lua is not None and shutil.which("wrk"):
        measured = _wrk(server, name, wrk_lua, seconds, connections)
    else:
        measured = _python_closed_loop(server, name, make_request, seconds, connections, expected)
    answered = measured.requests - measured.errors
    if answered > 0:
        cpu_ms = (process_tree_cpu(server.process.pid) - cpu_before) * 1000 / answered
        measured.extra["server_cpu_ms"] = round(cpu_ms, 3)
    return measured


def _python_closed_loop(
    server: Server,
    name: str,
    make_request: Callable[[int], Request],
    seconds: float,
    connections: int,
    expected: tuple[int, ...],
) -> Measurement:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(10**12))
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < stop_at:
            with lock:
                i = next(counter)
            req = make_request(i)
            began = time.perf_counter()
            status, conn = _send_or_reconnect(server, conn, req)
            mine.append((time.perf_counter() - began) * 1000)
            failed += not _ok(status, expected)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return Measurement(
        name=name,
        requests=len(latencies),
        errors=errors,
        seconds=elapsed,
        median_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        max_ms=max(latencies, default=0.0),
    )


# wrk's done() hook prints one JSON line that _wrk parses.
WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'KAIKU_RESULT {"requests": %d, "duration_us": %d, "errors": %d, "non2xx3xx": %d, '
    .. '"p50_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def _wrk(server: Server, name: str, lua: str, seconds: float, connections: int) -> Measurement:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua + WRK_DONE)
        script = f.name
    try:
        proc = subprocess.run(
            [
                "wrk",
                "-t",
                str(min(2, connections)),
                "-c",
                str(connections),
                "-d",
                f"{seconds:g}s",
                "--timeout",
                "10s",
                "-s",
                script,
                server.url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script)
    match = re.search(r"KAIKU_RESULT (\{.*\})", proc.stdout)
    if not match:
        raise RuntimeError(f"could not read wrk's result:\n{proc.stdout}\n{proc.stderr}")
    data = json.loads(match.group(1))
    return Measurement(
        name=name,
        requests=data["requests"],
        errors=data["errors"] + data["non2xx3xx"],
        seconds=data["duration_us"] / 1e6,
        median_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        tool="wrk",
    )


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for ASCII text


def reexec_with_postgres(argv: list[str]) -> None:
    """Run this benchmark again inside scripts/with-postgres.sh (which sets DATABASE_URL)."""
    if os.environ.get("DATABASE_URL"):
        return
    env = {**os.environ, "KAIKU_PG_PORT": os.environ.get("KAIKU_PG_PORT", "5499")}
    os.execvpe(WITH_POSTGRES, [WITH_POSTGRES, sys.executable, *argv], env)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def codes_js_page() -> Iterator[Any]:
    """A Chromium page with the door's ``codes.js`` loaded, for timing it in the browser.

    WebCrypto wants a secure context, so the page comes from a localhost server of the
    door's static folder.
    """
    from playwright.sync_api import sync_playwright

    from kaiku.testing.browser import CHROMIUM, CHROMIUM_ARGS

    directory = ROOT / "kaiku" / "door" / "static" / "door"
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a, **k: _QuietHandler(*a, directory=str(directory), **k)
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_port}/door.css")
            page.add_script_tag(path=str(directory / "codes.js"))
            try:
                yield page
            finally:
                browser.close()
    finally:
        server.shutdown()
