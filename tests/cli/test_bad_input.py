"""Bad input as users give it (issue 8 defect 6): each a clear message naming the variable
or the path, exit 2 (the configuration's exit code), no traceback, no password shown;
every problem the configuration has is listed at once. The CLI in subprocesses; nothing
here reaches Zendesk (the configuration stops each run before)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from tests.cli.conftest import DEMO_CONFIG, ROOT, cli_env
from tests.store.conftest import postgres_server, scratch_postgres

__all__ = ["postgres_server", "scratch_postgres"]  # fixtures, from the store's tests

PASSWORD = "hunter2-s3cret"
#: Nothing listens there: connecting is refused at once.
NOBODY = "http://127.0.0.1:9"


def zdsync(
    env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sync", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)  # fmt: skip


def env_with(tmp_path: Path, **changes: str) -> dict[str, str]:
    return cli_env(NOBODY, tmp_path / "zdsync.db") | changes


def assert_config_error(run: subprocess.CompletedProcess[str], *named: str) -> None:
    said = run.stdout + run.stderr
    assert run.returncode == 2, said
    assert "Traceback" not in said and PASSWORD not in said, said
    for text in named:
        assert text in run.stderr, said


def not_a_database(tmp_path: Path) -> str:
    path = tmp_path / "notes.db"
    path.write_text("my notes, not a database\n")
    return str(path)


def under_a_file(tmp_path: Path) -> str:
    (tmp_path / "a-file").write_text("x")
    return str(tmp_path / "a-file" / "sub" / "zdsync.db")


#: ZDSYNC_DATABASE_URL -> what the message says. ``{tmp}`` is the test's folder.
DATABASE_URLS = {
    "folder under a file": ("sqlite:///{under_a_file}", "cannot be created"),
    # mkdir fails there even for root
    "folder in /proc": ("sqlite:////proc/zdsync-test/zdsync.db", "cannot be created"),
    "not a database": ("sqlite:///{not_a_database}", "file is not a database"),
    "server down": (
        f"postgresql+psycopg://zdsync:{PASSWORD}@127.0.0.1:9/zdsync",
        "zdsync:***@127.0.0.1:9/zdsync: connecting failed",
    ),
    "mysql": (f"mysql://zdsync:{PASSWORD}@db/zdsync", "mysql is not supported"),
    "garbage": ("not a url at all", "not a database URL"),
}


def database_url(template: str, tmp_path: Path) -> str:
    return template.format(
        under_a_file=under_a_file(tmp_path), not_a_database=not_a_database(tmp_path)
    )


@pytest.mark.slow
@pytest.mark.parametrize(("template", "said"), DATABASE_URLS.values(), ids=DATABASE_URLS.keys())
def test_a_database_url_that_cannot_work_is_exit_2_for_once_status_and_db(
    tmp_path: Path, template: str, said: str
) -> None:
    env = env_with(tmp_path, ZDSYNC_DATABASE_URL=database_url(template, tmp_path))
    for command in (["-v", "once"], ["status"], ["db", "upgrade"]):
        assert_config_error(zdsync(env, *command), "ZDSYNC_DATABASE_URL", said)


@pytest.mark.slow
@pytest.mark.postgres
def test_a_database_the_server_does_not_have_is_exit_2(
    tmp_path: Path, postgres_server: URL
) -> None:
    url = postgres_server.set(database="zdsync_no_such_db").render_as_string(False)
    env = env_with(tmp_path, ZDSYNC_DATABASE_URL=url)

    run = zdsync(env, "once")

    assert_config_error(run, "ZDSYNC_DATABASE_URL", 'database "zdsync_no_such_db" does not exist')


@pytest.mark.slow
def test_check_lists_the_database_and_exits_2(tmp_path: Path) -> None:
    env = env_with(tmp_path, ZDSYNC_DATABASE_URL=f"sqlite:///{not_a_database(tmp_path)}")

    run = zdsync(env, "check")

    assert run.returncode == 2, run.stdout + run.stderr
    assert "database" in run.stdout and "file is not a database" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_a_zendesk_url_naming_the_api_is_refused(tmp_path: Path) -> None:
    env = env_with(tmp_path, ZENDESK_URL="https://acme.zendesk.com/api/v2/")

    run = zdsync(env, "once")

    assert_config_error(run, "ZENDESK_URL", "names the API (/api/v2)", "https://acme.zendesk.com")


def test_a_zendesk_url_with_a_password_is_refused_without_showing_it(tmp_path: Path) -> None:
    env = env_with(tmp_path, ZENDESK_URL=f"https://zdsync:{PASSWORD}@acme.zendesk.com")

    run = zdsync(env, "-v", "once")

    assert_config_error(run, "ZENDESK_URL", "must not carry a user or password")


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    config = tmp_path / "zdsync.yaml"
    text = DEMO_CONFIG.read_text()
    config.write_text(text.replace("interval_seconds: 60", "interval_seconds: soon"))
    env = env_with(
        tmp_path, ZENDESK_URL=f"https://u:{PASSWORD}@acme.zendesk.com/api/v2",
        ZDSYNC_DATABASE_URL="mysql://u@db/z", ZDSYNC_LOG_LEVEL="LOUD", ZDSYNC_CONFIG=str(config),
    )  # fmt: skip

    run = zdsync(env, "once")

    assert_config_error(
        run, "ZENDESK_URL: must not carry", "ZDSYNC_DATABASE_URL: mysql://u@db/z: mysql is not",
        "ZDSYNC_LOG_LEVEL", "sync.interval_seconds", "(4 problem(s))",
    )  # fmt: skip


@pytest.mark.slow
def test_the_daemon_stops_at_once_on_a_url_that_cannot_work(tmp_path: Path) -> None:
    env = env_with(tmp_path, ZDSYNC_DATABASE_URL="mysql://u@db/z")
    assert_config_error(zdsync(env, "run"), "ZDSYNC_DATABASE_URL", "mysql is not supported")


class Forwarder:
    """A TCP port that forwards to ``target`` once started: a database server that comes
    up after the daemon did."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()  # nothing listens there until ``start``
        self.server: socket.socket | None = None

    def start(self) -> None:
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        assert self.server is not None
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(self.target)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        sink.close()


@pytest.fixture
def late_database(scratch_postgres: str) -> Iterator[tuple[Forwarder, str]]:
    """A scratch database behind a port that answers only once the test says so."""
    real = make_url(scratch_postgres)
    forwarder = Forwarder((real.host or "127.0.0.1", real.port or 5432))
    try:
        yield forwarder, real.set(port=forwarder.port).render_as_string(False)
    finally:
        forwarder.close()


def wait_for_line(lines: Iterator[str], text: str, seen: list[str]) -> None:
    for line in lines:
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"the daemon ended before saying {text!r}:\n" + "".join(seen))


@pytest.mark.slow
@pytest.mark.postgres
def test_the_daemon_waits_for_a_database_that_is_down_at_start(
    tmp_path: Path, late_database: tuple[Forwarder, str]
) -> None:
    forwarder, url = late_database
    env = env_with(tmp_path, ZDSYNC_DATABASE_URL=url)
    daemon = subprocess.Popen([sys.executable, "-m", "sync", "run"], env=env, cwd=ROOT,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    seen: list[str] = []
    try:
        assert daemon.stderr is not None
        lines = iter(daemon.stderr)
        wait_for_line(lines, "waiting for the database", seen)
        assert daemon.poll() is None  # still there, waiting

        forwarder.start()

        wait_for_line(lines, "the database answers", seen)
        wait_for_line(lines, "SIGTERM stops it", seen)  # its signal handlers are in place
        daemon.send_signal(signal.SIGTERM)
        rest = daemon.communicate(timeout=60)[1]
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    said = "".join(seen) + rest
    assert daemon.returncode == 0, said
    assert "Traceback" not in said and "connecting failed" in said
