"""Real processes for the pipeline's fault tests: a redis-server, Celery workers, a web server.

Each runs in a session (process group) of its own, so stopping or killing it takes its children
along: the prefork pool, the embedded beat, gunicorn's workers. Every start, stop and wait has a
deadline, and ``Processes.close`` (called by a fixture's teardown) stops whatever a test started,
whether it passed or not, printing the end of each log when it failed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import pytest

from config.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
T = TypeVar("T")

START_TIMEOUT = 30.0  # a worker or web server that is not ready by then is broken
STOP_TIMEOUT = 10.0  # after this, SIGTERM becomes SIGKILL
_POLL = 0.1
# One key for every child of the run: none of them writes var/secret_key in the repository.
_SECRET_KEY = secrets.token_urlsafe(32)


def free_port() -> int:
    """A port nobody listens on right now (the kernel's choice for a bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    predicate: Callable[[], T],
    *,
    timeout: float,
    what: str,
    interval: float = _POLL,
    diagnostics: Callable[[], str] | None = None,
) -> T:
    """Poll ``predicate`` until it returns something truthy (returned) or ``timeout`` passes
    (the test fails, saying what it waited for, plus ``diagnostics()`` when given)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            extra = f"\n{diagnostics()}" if diagnostics is not None else ""
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}{extra}")
        time.sleep(interval)


def database_url() -> str:
    """A DATABASE_URL for child processes: the test database this test run created."""
    from django.db import connection

    settings = connection.settings_dict
    if not settings["ENGINE"].endswith("postgresql"):
        pytest.fail(
            "the pipeline's process tests need PostgreSQL (mark them @pytest.mark.postgres): "
            "other processes cannot share SQLite's test database"
        )
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or ""
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(str(settings['NAME']), safe='')}"


def settings_under(env: Mapping[str, str], *names: str) -> dict[str, Any]:
    """The named settings as a fresh process would compute them with ``env``: settings are read
    at import, so only a new interpreter shows what an environment really produces."""
    script = (
        "import json, sys\n"
        "import config.settings as s\n"
        "json.dump({n: getattr(s, n) for n in sys.argv[1:]}, sys.stdout, default=str)\n"
    )
    done = subprocess.run(
        [PYTHON, "-c", script, *names],
        cwd=REPO_ROOT,
        env=_base_env() | dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _base_env() -> dict[str, str]:
    """The parent's environment without anything that configures Claimtrail, Django or Celery,
    so a child sees only what the test gives it."""
    dropped = ("CLAIMTRAIL_", "DJANGO_", "CELERY_", "REDIS_URL", "DATABASE_URL")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env.update(
        {
            "PYTHONPATH": str(REPO_ROOT),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": _SECRET_KEY,
        }
    )
    return env


# --- Processes -----------------------------------------------------------------------------------


class Process:
    """A child process in its own session, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], folder: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = dict(env)
        self.log_path = folder / f"{name}.log"
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.popen is None or self.popen.poll() is not None, f"{self.name} is running"
        with open(self.log_path, "ab") as log:
            log.write(f"--- starting: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                self.argv,
                cwd=REPO_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal_group(self, signum: int) -> None:
        """Send ``signum`` to the process and everything it started."""
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signum)  # the session leader's pid is the group's id

    def kill(self, signum: int = signal.SIGKILL) -> None:
        """``signum`` to the whole group, then wait (bounded) for the leader to go."""
        self.signal_group(signum)
        self._wait(STOP_TIMEOUT)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM to the group; SIGKILL if it is not gone within ``timeout``."""
        self.terminate()
        self.finish(timeout)

    def terminate(self) -> None:
        if self.alive:
            self.signal_group(signal.SIGTERM)

    def finish(self, timeout: float = STOP_TIMEOUT) -> None:
        """Wait for a terminated process; SIGKILL after ``timeout``. Stray members of the group
        (a pool child orphaned by its parent) get a SIGKILL either way."""
        if self.popen is None:
            return
        if not self._wait(timeout):
            self.signal_group(signal.SIGKILL)
            self._wait(STOP_TIMEOUT)
        self.signal_group(signal.SIGKILL)

    def _wait(self, timeout: float) -> bool:
        assert self.popen is not None
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        tail = "\n".join(self.log().splitlines()[-lines:])
        return f"===== {self.name} ({self.log_path}), last {lines} lines =====\n{tail}"

    def wait_for_log(self, text: str, *, timeout: float) -> None:
        wait_for(
            lambda: text in self.log(),
            timeout=timeout,
            what=f"{text!r} in the log of {self.name}",
            diagnostics=self.log_tail,
        )

    def assert_running(self) -> None:
        if not self.alive:
            pytest.fail(
                f"{self.name} exited ({self.popen and self.popen.returncode})\n{self.log_tail()}"
            )


class RedisServer(Process):
    """``redis-server`` on a port of its own, nothing persisted. Stop and start it again to
    simulate an outage: it comes back on the same port, empty."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        executable = shutil.which("redis-server")
        if executable is None:
            # Never a skip: on CI a missing Redis must turn the run red, not quietly green.
            ci = " (CI=true: the fault tests must run)" if os.environ.get("CI") == "true" else ""
            pytest.fail(f"redis-server is not installed or not on PATH{ci}")
        argv = [
            executable,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ]
        super().__init__(f"redis-{self.port}", argv, _base_env(), folder)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Any:
        """A redis-py client that fails at once rather than retrying."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        return redis.Redis(
            host="127.0.0.1",
            port=self.port,
            db=0,
            socket_timeout=2,
            socket_connect_timeout=1,
            retry=Retry(NoBackoff(), 0),
        )

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        super().start()

        def answers() -> bool:
            self.assert_running()
            return self.ping()

        wait_for(
            answers,
            timeout=START_TIMEOUT,
            what=f"redis-server on port {self.port}",
            diagnostics=self.log_tail,
        )

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        super().stop(timeout)
        wait_for(lambda: not self.ping(), timeout=timeout, what=f"redis on {self.port} to go away")


class Worker(Process):
    """``celery -A config worker`` on both queues; with ``beat``, the scheduler runs inside it
    (as ``make run`` does), so the sweeper runs every ``CLAIMTRAIL_SWEEP_INTERVAL`` seconds."""

    def __init__(
        self,
        folder: Path,
        env: Mapping[str, str],
        name: str,
        *,
        concurrency: int = 1,
        beat: bool = False,
    ) -> None:
        argv = [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "captures,default",
            "-n",
            f"{name}@%h",
            "--concurrency",
            str(concurrency),
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ]
        if beat:
            argv += ["--beat", "--schedule", str(folder / f"{name}-beat-schedule")]
        super().__init__(f"worker-{name}", argv, env, folder)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        def ready() -> bool:
            self.assert_running()
            return " ready." in self.log()

        wait_for(ready, timeout=timeout, what=f"{self.name} to be ready", diagnostics=self.log_tail)


class WebServer(Process):
    """gunicorn serving the project on a loopback port: the API as a client really meets it."""

    def __init__(self, folder: Path, env: Mapping[str, str], workers: int = 2) -> None:
        self.port = free_port()
        argv = [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--timeout",
            "30",
            "--graceful-timeout",
            "3",
        ]
        super().__init__(f"web-{self.port}", argv, env, folder)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        token: str | None = None,
        timeout: float = 30.0,
    ) -> tuple[int, Any, float]:
        """One HTTP request over a fresh connection: (status, decoded JSON or None, seconds)."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Token {token}"
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        elapsed = time.monotonic() - started
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw.decode(errors="replace")
        return response.status, decoded, elapsed

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        def answers() -> bool:
            self.assert_running()
            try:
                status, _, _ = self.request("GET", "/api/v1/sources/", timeout=2)
            except OSError:
                return False
            return status == 401

        wait_for(answers, timeout=timeout, what=f"{self.name} to answer", diagnostics=self.log_tail)


class Processes:
    """What one test started; ``close`` stops all of it."""

    def __init__(self, folder: Path, archive_root: Path) -> None:
        self.folder = folder
        self.archive_root = archive_root
        self.started: list[Process] = []

    def redis(self) -> RedisServer:
        server = RedisServer(self.folder)
        self.started.append(server)
        server.start()
        return server

    def env(self, redis: RedisServer, **overrides: float | str) -> dict[str, str]:
        """The environment of a worker or web process of this test. The defaults keep every
        wait short: a sweep every second, a backoff of about a second, fetches bounded."""
        env = _base_env()
        env.update(
            {
                "DATABASE_URL": database_url(),
                "REDIS_URL": redis.url,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "CLAIMTRAIL_VAR_DIR": str(self.folder / "var"),
                "CLAIMTRAIL_ARCHIVE_ROOT": str(self.archive_root),
                "CLAIMTRAIL_FETCH_ALLOW_ADDRESSES": "127.0.0.1",
                "CLAIMTRAIL_FETCH_DEADLINE": "10",
                "CLAIMTRAIL_FETCH_CONNECT_TIMEOUT": "2",
                "CLAIMTRAIL_FETCH_READ_TIMEOUT": "5",
                "CLAIMTRAIL_CAPTURE_SOFT_TIME_LIMIT": "20",
                "CLAIMTRAIL_CAPTURE_TIME_LIMIT": "30",
                "CLAIMTRAIL_CAPTURE_RETRY_BASE": "1",
                "CLAIMTRAIL_CAPTURE_RETRY_MAX_DELAY": "5",
                "CLAIMTRAIL_ENQUEUE_TIMEOUT": "1",
                "CLAIMTRAIL_SWEEP_INTERVAL": "1",
                "CLAIMTRAIL_SWEEP_PENDING_AFTER": "1",
                "LOG_LEVEL": "INFO",
            }
        )
        env.update({key: str(value) for key, value in overrides.items()})
        return env

    def worker(
        self, env: Mapping[str, str], name: str, *, concurrency: int = 1, beat: bool = False
    ) -> Worker:
        worker = Worker(self.folder, env, name, concurrency=concurrency, beat=beat)
        self.started.append(worker)
        worker.start()
        worker.wait_ready()
        return worker

    def web(self, env: Mapping[str, str]) -> WebServer:
        server = WebServer(self.folder, env)
        self.started.append(server)
        server.start()
        server.wait_ready()
        return server

    def tails(self) -> str:
        return "\n".join(process.log_tail() for process in self.started)

    def close(self, *, failed: bool) -> None:
        """Stop everything: workers and web servers together (a warm shutdown takes a few
        seconds each), Redis last, so no worker spends its shutdown reconnecting."""
        if failed:
            print(self.tails())
        errors = []
        redis = [p for p in self.started if isinstance(p, RedisServer)]
        others = [p for p in self.started if not isinstance(p, RedisServer)]
        for group in (others, redis):
            for process in group:
                process.terminate()
            for process in group:
                try:
                    process.finish()
                except BaseException as exc:  # keep stopping the others
                    process.signal_group(signal.SIGKILL)
                    errors.append(f"{process.name}: {exc!r}")
        leftovers = [p.name for p in self.started if p.alive]
        assert not errors and not leftovers, (errors, leftovers)


# --- The in-process Celery app --------------------------------------------------------------


def _reset_pools(app: Any) -> None:
    """Forget every pooled connection and producer (kombu keeps them per broker URL)."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def app_broker(url: str, transport_options: Mapping[str, Any] | None = None) -> Iterator[None]:
    """Point this process's Celery app at another broker for a while (the suite's default is an
    in-memory one): what the test process enqueues on commit then reaches the real workers."""
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    _reset_pools(app)
    app.conf.broker_url = url
    app.conf.broker_transport_options = dict(transport_options or {})
    try:
        yield
    finally:
        _reset_pools(app)
        app.conf.broker_url, app.conf.broker_transport_options = saved


def drained(queue: str = "captures") -> list[tuple[str, tuple[Any, ...]]]:
    """(task name, args) of every message waiting in a queue of the in-memory broker the
    in-process tests use; the queue is left empty."""
    from config.celery import app

    assert str(app.conf.broker_url).startswith("memory"), app.conf.broker_url
    messages = []
    with app.connection_for_read() as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            args, _kwargs, _embed = message.payload
            messages.append((message.headers["task"], tuple(args)))
    return messages


# --- Test data --------------------------------------------------------------------------------


def newsroom_user(username: str, role: Role = Role.FACT_CHECKER) -> User:
    """A user in the role's group. The group is fetched or made here: a transactional test's
    flush may have emptied the table the migration filled."""
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    group, _ = Group.objects.get_or_create(name=role.group_name)
    user = UserFactory(username=username)
    user.groups.add(group)
    return user


def article(title: str, paragraph: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{paragraph}</p></article></body></html>\n"
    )
