"""Outage probe: gunicorn + PostgreSQL under traffic while the database is refused, locked and stalled.

Run from the project folder with the project's virtualenv (PostgreSQL on 127.0.0.1:5432, trust auth):

    .venv/bin/python .ci/outage_probe.py

It creates a throwaway database, starts gunicorn (2 workers) whose DATABASE_URL points at a small TCP
forwarder in this process, and sends traffic from 4 threads (a signed-in start page, and every fifth
request an agreement created with two partners — one atomic multi-row write). Phases:

    up → refused (forwarder closed, open connections cut) → up → table locked (ACCESS EXCLUSIVE held by
    another connection) → up → stalled (connections accepted, never answered) → up

It prints, per phase, the answers by status, the time until the first 200 after each fault, and checks
that every agreement created has both partners and its Basiskriterien (no half-written rows). Only
127.0.0.1 is contacted; the processes it starts are stopped by their PID.
"""

from __future__ import annotations

import collections
import contextlib
import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = ("127.0.0.1", 5432)
DB = "outage_probe"
PHASE_SECONDS = 10
GUNICORN_ARGS = ("--workers", "2", "--timeout", "30", "--log-level", "warning")
LOCK_SQL = f"BEGIN; LOCK TABLE agreements_agreement IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep({PHASE_SECONDS})"


class Forwarder:
    """A TCP forwarder to PostgreSQL whose behaviour can be switched: up, refused or stalled."""

    def __init__(self) -> None:
        self.mode = "up"
        self.port = _free_port()
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self._listen()

    def _listen(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections.append(client)
            if self.mode == "stalled":
                continue  # accepted, never answered
            try:
                upstream = socket.create_connection(PG)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections.append(upstream)
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _cut(self) -> None:
        with self.lock:
            for sock in self.connections:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                except OSError:
                    pass
            self.connections.clear()

    def set(self, mode: str) -> None:
        if mode == "refused":
            self.listener.close()
            self._cut()
        elif mode == "stalled":
            self._cut()  # the open connections end (as after a database restart); new ones hang
        if self.mode == "refused" and mode != "refused":
            self._listen()
        self.mode = mode


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(  # noqa: S603 - fixed argv, local server
        ["psql", f"postgres://postgres@127.0.0.1:5432/{database}", "-tAc", sql],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


SETUP = """
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from kooperation.network.models import Arbeitsfeld, Institution, Membership, Role, User
field = Arbeitsfeld.objects.first()
a = Institution.objects.create(name="Probe A", short_name="A", arbeitsfeld=field)
b = Institution.objects.create(name="Probe B", short_name="B", arbeitsfeld=field)
user = User.objects.create_user("probe@kooperation.example", "probe-passwort-123")
Membership.objects.create(user=user, institution=a, role=Role.KOORDINATION)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key, a.pk, b.pk)
"""


def main() -> int:
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_STATIC_MANIFEST": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_DB_CONNECT_TIMEOUT": "2",
        "DJANGO_DB_STATEMENT_TIMEOUT_MS": "3000",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    _psql(f'DROP DATABASE IF EXISTS "{DB}"')
    _psql(f'CREATE DATABASE "{DB}"')
    direct = {**env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}"}
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=direct, check=True)  # noqa: S603
    out = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=direct, check=True, capture_output=True, text=True
    ).stdout.split()
    session_key, a_pk, b_pk = out[-3:]
    forwarder = Forwarder()
    port = _free_port()
    served = {**env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{forwarder.port}/{DB}"}
    server = subprocess.Popen(  # noqa: S603
        [str(Path(PYTHON).parent / "gunicorn"), "kooperation.wsgi", "--bind", f"127.0.0.1:{port}", *GUNICORN_ARGS],
        cwd=ROOT,
        env=served,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(base + "/health/live", timeout=2)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.5)
        results: list[tuple[float, str, int, float]] = []
        phase = {"name": "up"}
        stop = threading.Event()

        def client(number: int) -> None:
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            cookie = f"sessionid={session_key}"
            count = 0
            while not stop.is_set():
                count += 1
                started = time.monotonic()
                kind = "write" if count % 5 == 0 else "read"
                try:
                    if kind == "read":
                        request = urllib.request.Request(base + "/", headers={"Cookie": cookie})  # noqa: S310
                    else:
                        token = secrets.token_hex(16)
                        data = urllib.parse.urlencode(
                            {
                                "csrfmiddlewaretoken": token,
                                "title": f"Probe {number}-{count}",
                                "preamble": "",
                                "coordinating_institution": a_pk,
                                "institutions": [a_pk, b_pk],
                            },
                            doseq=True,
                        ).encode()
                        request = urllib.request.Request(  # noqa: S310 - loopback only
                            base + "/vereinbarungen/neu/",
                            data=data,
                            headers={"Cookie": f"{cookie}; csrftoken={token}", "Referer": base + "/"},
                        )
                    status = opener.open(request, timeout=40).status
                except urllib.error.HTTPError as error:
                    status = error.code
                except OSError:
                    status = 0  # no answer (connection reset, time-out)
                results.append((started, phase["name"], status, time.monotonic() - started))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        locker: subprocess.Popen | None = None
        schedule = ["up", "refused", "up", "locked", "up", "stalled", "up"]
        fault_ends: dict[str, float] = {}
        for name in schedule:
            phase["name"] = name
            if name == "locked":
                locker = subprocess.Popen(  # noqa: S603
                    ["psql", f"postgres://postgres@127.0.0.1:5432/{DB}", "-c", LOCK_SQL],  # noqa: S607
                    stdout=subprocess.DEVNULL,
                )
            else:
                forwarder.set(name)
            time.sleep(PHASE_SECONDS)
            if name == "locked" and locker is not None:
                locker.wait(timeout=30)
            if name != "up":
                fault_ends[name] = time.monotonic()
                forwarder.set("up")
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        report(results, fault_ends)
        return check_rows()
    finally:
        server.terminate()
        server.wait(timeout=30)
        _psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


def report(results, fault_ends) -> None:
    by_phase: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    slowest: dict[str, float] = collections.defaultdict(float)
    for _started, name, status, seconds in results:
        by_phase[name][status] += 1
        slowest[name] = max(slowest[name], seconds)
    print(f"{'phase':10} answers by status (0 = no answer)            slowest")
    for name in ("up", "refused", "locked", "stalled"):
        counts = ", ".join(f"{status}: {n}" for status, n in sorted(by_phase[name].items()))
        print(f"{name:10} {counts:45} {slowest[name]:.1f} s")
    for name, ended in fault_ends.items():
        first_ok = min((s for s, phase, status, _d in results if s >= ended and status in (200, 302)), default=None)
        recovery = f"{first_ok - ended:.2f} s" if first_ok is not None else "never"
        print(f"first success after the end of '{name}': {recovery}")


def check_rows() -> int:
    """Each created agreement must be whole: the same partners and Basiskriterien as every other one."""
    shapes = _psql(
        "SELECT (SELECT count(*) FROM agreements_partner p WHERE p.agreement_id = a.id), "
        "(SELECT count(*) FROM agreements_criterion c WHERE c.agreement_id = a.id), count(*) "
        "FROM agreements_agreement a GROUP BY 1, 2 ORDER BY 1, 2",
        DB,
    ).splitlines()
    print(
        "agreements by (partners, Basiskriterien): "
        + "; ".join(f"({row.split('|')[0]}, {row.split('|')[1]}): {row.split('|')[2]}" for row in shapes)
    )
    whole = len(shapes) == 1 and shapes[0].split("|")[0] != "0"
    print("no half-written agreement" if whole else "HALF-WRITTEN ROWS FOUND")
    return 0 if whole else 1


if __name__ == "__main__":
    if not re.match(r"^3\.11", sys.version):
        print("warning: the project runs on Python 3.11")
    sys.exit(main())
