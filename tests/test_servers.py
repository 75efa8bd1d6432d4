"""Two app servers, one PostgreSQL database, one S3 stand-in, one task worker: a journey that alternates.

Starts two gunicorn servers on free ports against a fresh PostgreSQL database, moto's S3 server,
a local SMTP server and `manage.py db_worker`, then: sign in on A; change the password on B with the
CSRF token of A's page; release the agreement for signing on A and read the confirmation message on B;
download the contract (rendered by the worker, stored in S3) on B; two daily runs at once send each
reminder exactly once. Skipped when PostgreSQL is unreachable, a failure under CI=true.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import psycopg
import pytest
import requests
from aiosmtpd.controller import Controller
from moto.server import ThreadedMotoServer

pytestmark = pytest.mark.servers

BASE_DIR = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("KOOPERATION_SERVERS_PG", "postgres://postgres@127.0.0.1:5432/postgres")
BUCKET = "kooperation-zwei-server"
REMINDER = "Erinnerung: Ihre Unterschrift fehlt noch"
TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(check, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what() if callable(what) else what}")


class Mailbox:
    """aiosmtpd handler: keeps (recipient, subject) of every mail received."""

    def __init__(self):
        self.received: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        subject = str(email.message_from_bytes(envelope.original_content, policy=email.policy.default)["Subject"])
        self.received.extend((rcpt, subject) for rcpt in envelope.rcpt_tos)
        return "250 OK"

    def subjects_to(self, subject: str) -> list[str]:
        return sorted(rcpt for rcpt, text in self.received if text == subject)


@pytest.fixture
def database():
    """A fresh PostgreSQL database, dropped afterwards."""
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI: {error}")
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    name = f"kooperation_servers_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1"
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.stop()


@pytest.fixture
def mailbox():
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port
    yield box
    controller.stop()


@pytest.fixture
def environment(database, s3_endpoint, mailbox, tmp_path):
    endpoint, _client = s3_endpoint
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        {
            "DATABASE_URL": database,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "two-servers-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DJANGO_HTTPS": "false",
            "DJANGO_STATIC_MANIFEST": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_MEDIA_ROOT": str(tmp_path / "not-used"),
            "DJANGO_TASKS_BACKEND": "database",
            "DJANGO_S3_BUCKET": BUCKET,
            "DJANGO_S3_ENDPOINT_URL": endpoint,
            "DJANGO_S3_ACCESS_KEY_ID": "k",
            "DJANGO_S3_SECRET_ACCESS_KEY": "s",
            "DJANGO_S3_REGION": "us-east-1",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(mailbox.port),
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore",
        }
    )
    return env


def _manage(env, *args: str, timeout: float = 180) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def processes(environment, tmp_path):
    """Migrate, seed, then start server A, server B and the worker; stop them by PID afterwards."""
    _manage(environment, "migrate", "--noinput", "-v0")
    seed = json.loads(
        _manage(environment, "shell", "-c", "from tests.servers_seed import main; main()").strip().splitlines()[-1]
    )
    started: list[subprocess.Popen] = []
    logs = []

    def start(name: str, *command: str) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("w")
        logs.append(log)
        process = subprocess.Popen(  # noqa: S603 - fixed command lines
            command, cwd=BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        started.append(process)
        return process

    urls = {"worker_log": lambda: (tmp_path / "worker.log").read_text()[-3000:]}
    for name in ("A", "B"):
        port = _free_port()
        start(name, sys.executable, "-m", "gunicorn", "kooperation.wsgi", "--bind", f"127.0.0.1:{port}", "-w", "1")
        urls[name] = f"http://127.0.0.1:{port}"
    start("worker", sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay")
    try:
        for url in (urls["A"], urls["B"]):

            def ready(url=url) -> bool:
                try:
                    return requests.get(f"{url}/health/ready", timeout=30).status_code == 200
                except requests.RequestException:
                    return False

            _wait_until(ready, f"{url}/health/ready")
        yield urls, seed
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()


def _token(response: requests.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    assert match, f"no CSRF token on {response.url}"
    return match.group(1)


def test_a_journey_across_two_app_servers(processes, environment, s3_endpoint, mailbox):
    (urls, seed), (_endpoint, s3) = processes, s3_endpoint
    a, b = urls["A"], urls["B"]
    worker_log = urls["worker_log"]
    agreement = seed["agreement"]
    browser = requests.Session()  # cookies are per host, not per port: both servers see them

    # Sign in on A.
    login = browser.get(f"{a}/konto/anmelden/", timeout=10)
    response = browser.post(
        f"{a}/konto/anmelden/",
        {"username": seed["coordinator"], "password": seed["password"], "csrfmiddlewaretoken": _token(login)},
        headers={"Referer": f"{a}/konto/anmelden/"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    assert browser.get(f"{b}/", timeout=10).status_code == 200  # B knows the session (database sessions)

    # Edit on B with the CSRF token from A's page: change the password (writes the session too).
    form = browser.get(f"{a}/konto/passwort/aendern/", timeout=10)
    new_password = "ein-neues-passwort-fuer-b-2026"
    response = browser.post(
        f"{b}/konto/passwort/aendern/",
        {
            "old_password": seed["password"],
            "new_password1": new_password,
            "new_password2": new_password,
            "csrfmiddlewaretoken": _token(form),
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:2000]
    assert response.headers["Location"].endswith("/konto/passwort/geaendert/")
    assert browser.get(f"{a}/", timeout=10).status_code == 200  # still signed in on A after B's change

    # Release for signing on A; the confirmation message shows on B (messages travel with the session/cookie).
    detail = browser.get(f"{b}/vereinbarungen/{agreement}/", timeout=10)
    response = browser.post(
        f"{a}/vereinbarungen/{agreement}/schritt/release_for_signing/",
        {"csrfmiddlewaretoken": _token(detail)},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302
    page = browser.get(f"{b}/vereinbarungen/{agreement}/", timeout=10).text
    assert "Die Vereinbarung hat jetzt den Status" in page

    # The worker renders the contract into S3; B streams it through the permission-checked view.
    def rendered() -> list[str]:
        return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []) if "vertraege/" in o["Key"]]

    keys = _wait_until(rendered, "the worker to render the contract into S3")
    contract = browser.get(f"{b}/vereinbarungen/{agreement}/vertrag.pdf", timeout=30)
    assert contract.status_code == 200
    assert contract.headers["Content-Type"] == "application/pdf"
    assert contract.content == s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()
    assert len(rendered()) == 1  # rendered once, by the worker
    anonymous = requests.get(f"{b}/vereinbarungen/{agreement}/vertrag.pdf", allow_redirects=False, timeout=10)
    assert anonymous.status_code == 302  # no session, no file: the view sends to the login page

    # The worker sends the release mails to the Leitung of both partners.
    release_subject = "Eine Kooperationsvereinbarung liegt zur Unterzeichnung vor"
    _wait_until(
        lambda: mailbox.subjects_to(release_subject) == seed["leitung"],
        lambda: f"the release mails; received {mailbox.received}, worker log: {worker_log()}",
    )

    # Both "servers" start the daily job at the same moment: the reminders go out exactly once.
    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "agreements_daily"],
            cwd=BASE_DIR,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    reminded = sum(int(m.group(1)) for m in (re.search(r"Unterschriften: (\d+)", out) for out in outputs) if m)
    assert reminded == len(seed["leitung"]), outputs
    _wait_until(lambda: mailbox.subjects_to(REMINDER) == seed["leitung"], "the reminders")
    time.sleep(1.5)  # nothing more arrives
    assert mailbox.subjects_to(REMINDER) == seed["leitung"]
    assert requests.get(f"{a}/health/ready", timeout=10).json() == {"status": "ok"}
