"""Running on several machines: health endpoints, the mail outbox with retries, job locks, S3 storage."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from unittest import mock

import boto3
import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from moto.server import ThreadedMotoServer

from agreements.models import Agreement, FrozenContract
from kooperation.core.mail import notify
from kooperation.env import default_storage_from_env
from kooperation.ops import outbox
from kooperation.ops.locks import run_once
from kooperation.ops.models import JobLock, MailStatus, OutgoingMail
from tests import signing_data as sd

pytestmark = pytest.mark.django_db

REMINDER = "Erinnerung: Ihre Unterschrift fehlt noch"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Health ------------------------------------------------------------------------------------------------------


def test_live_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_ready_when_database_migrations_and_storage_are_fine(client, settings):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert list((settings.MEDIA_ROOT / "health").iterdir()) == []  # the probe file is deleted again


def test_ready_answers_503_when_the_database_is_down(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert b"refused" not in response.content


def test_ready_answers_503_with_an_unapplied_migration(client):
    with mock.patch.object(MigrationExecutor, "migration_plan", return_value=[(mock.Mock(), False)]):
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_ready_answers_503_when_storage_is_not_writable(client):
    with mock.patch.object(default_storage, "save", side_effect=PermissionError("read-only file system")):
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_health_is_not_redirected_to_https_but_other_pages_are(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health/live").status_code == 200
    assert client.get("/health/ready").status_code == 200
    assert client.get(reverse("login")).status_code == 301


# The outbox --------------------------------------------------------------------------------------------------


class RefusingBackend:
    """A mail backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")


def test_notify_records_the_mail_and_the_task_sends_it(member, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert notify([member], "Betreff", "Eine Nachricht.", "/") == 1
    mail = OutgoingMail.objects.get()
    assert (mail.recipient, mail.subject, mail.status, mail.attempts) == (member.email, "Betreff", "gesendet", 1)
    assert mail.sent_at is not None
    assert [m.to for m in mailoutbox] == [[member.email]]
    assert "Eine Nachricht." in mailoutbox[0].body


def test_mails_recorded_in_bulk_are_sent_together_after_the_commit(member, coordinator, mailoutbox):
    """Seeding: no task per mail; after the block every mail is sent once, through one connection."""
    with outbox.sent_in_bulk(), transaction.atomic():
        notify([member, coordinator], "Betreff", "Eine Nachricht.", "/")
        notify([member], "Zweiter Betreff", "Noch eine.", "/")
        assert not mailoutbox
    mails = OutgoingMail.objects.order_by("pk")
    assert [(m.recipient, m.status, m.attempts) for m in mails] == [
        (member.email, MailStatus.SENT, 1),
        (coordinator.email, MailStatus.SENT, 1),
        (member.email, MailStatus.SENT, 1),
    ]
    assert all(m.sent_at for m in mails)
    assert sorted(m.subject for m in mailoutbox) == ["Betreff", "Betreff", "Zweiter Betreff"]


def test_a_failing_bulk_send_falls_back_to_the_usual_way_and_loses_nothing(
    member, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_ops.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True), outbox.sent_in_bulk(), transaction.atomic():
        notify([member], "Betreff", "Eine Nachricht.", "/")
    mail = OutgoingMail.objects.get()
    # One task per mail as usual: the immediate backend cannot defer, so the mail is marked failed with its error.
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, 1)
    assert mail.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"


def test_failed_send_stays_visible_and_administration_sends_it_again(
    client_for, admin_user, caseworker, settings, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    settings.EMAIL_BACKEND = "tests.test_ops.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("user_invite", args=[caseworker.pk]), follow=True)
    assert response.status_code == 200
    assert f"Die Einladung wurde erneut an {caseworker.email} verschickt." in response.content.decode()
    mail = OutgoingMail.objects.get(recipient=caseworker.email)
    # The immediate backend cannot defer a retry: the mail is marked failed, with the error, not lost.
    assert mail.status == MailStatus.FAILED
    assert mail.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"

    page = client.get(reverse("mail_list")).content.decode()
    assert "1 E-Mail konnte nicht gesendet werden." in page
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in page
    assert reverse("mail_resend", args=[mail.pk]) in page
    assert "erneut senden" in page
    filtered = client.get(reverse("mail_list"), {"status": "gesendet"}).content.decode()
    assert caseworker.email not in filtered

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mail_resend", args=[mail.pk]), follow=True)
    assert f"Die E-Mail an {caseworker.email} wird erneut gesendet." in response.content.decode()
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 1)
    assert [m.subject for m in mailoutbox] == ["Ihr Zugang zu Kooperation"]


def test_mail_list_is_paginated(client_for, admin_user):
    OutgoingMail.objects.bulk_create(
        [OutgoingMail(recipient=f"p{i}@example.org", subject=f"Nr. {i}", body="x") for i in range(60)]
    )
    page = client_for(admin_user).get(reverse("mail_list")).content.decode()
    assert "Seite 1 von 2" in page
    assert "Nr. 59" in page
    assert "Nr. 0<" not in page


@pytest.fixture
def database_tasks(settings):
    """Production's task backend: tasks wait in the database for `db_worker`."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def run_worker() -> None:
    """One pass of the production worker: run every task that is due, then stop."""
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


class RecordingHandler:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.mark.django_db(transaction=True)
def test_mail_server_outage_during_an_invitation_is_retried_until_it_is_back(
    client_for, admin_user, caseworker, settings, database_tasks
):
    port = free_port()  # nothing listens here yet: the mail server is down
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.MAIL_RETRY_SECONDS = 1

    # The administrator re-sends the invitation and sees success at once.
    response = client_for(admin_user).post(reverse("user_invite", args=[caseworker.pk]), follow=True)
    assert f"Die Einladung wurde erneut an {caseworker.email} verschickt." in response.content.decode()
    mail = OutgoingMail.objects.get(recipient=caseworker.email)
    assert mail.status == MailStatus.WAITING
    assert DBTaskResult.objects.count() == 1

    # First attempt: connection refused; the task is rescheduled with back-off.
    run_worker()
    mail.refresh_from_db()
    print(f"\nattempt 1: status={mail.status} error={mail.last_error!r} next={mail.next_attempt_at:%H:%M:%S}")
    assert mail.status == MailStatus.RETRY
    assert mail.attempts == 1
    assert "Connection refused" in mail.last_error
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after == mail.next_attempt_at
    assert retry.run_after > timezone.now() - timezone.timedelta(seconds=1)

    # The mail server comes back; once the back-off has passed the worker sends the mail.
    handler = RecordingHandler()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        while timezone.now() <= mail.next_attempt_at:
            time.sleep(0.1)
        run_worker()
    finally:
        server.stop()
    mail.refresh_from_db()
    print(f"attempt 2: status={mail.status} sent_at={mail.sent_at:%H:%M:%S} to={handler.envelopes[0].rcpt_tos}")
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 2)
    assert [e.rcpt_tos for e in handler.envelopes] == [[caseworker.email]]
    assert b"Subject: Ihr Zugang zu Kooperation" in handler.envelopes[0].original_content


@pytest.mark.django_db(transaction=True)
def test_a_mail_that_keeps_failing_ends_as_failed_after_the_last_attempt(member, settings, database_tasks):
    settings.EMAIL_BACKEND = "tests.test_ops.RefusingBackend"
    settings.MAIL_RETRY_SECONDS = 0
    settings.MAIL_MAX_ATTEMPTS = 3
    notify([member], "Betreff", "Text", "/")
    for _ in range(3):
        run_worker()
    mail = OutgoingMail.objects.get()
    assert (mail.status, mail.attempts, mail.next_attempt_at) == (MailStatus.FAILED, 3, None)
    assert not DBTaskResult.objects.filter(status="READY").exists()


# Jobs that run once ------------------------------------------------------------------------------------------


def test_a_stale_lock_row_is_taken_over(db, settings):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL uses advisory locks, which end with the session")
    JobLock.objects.create(name="test-job", acquired_at=timezone.now() - timezone.timedelta(hours=7), holder="dead")
    with run_once("test-job") as mine:
        assert mine
    assert not JobLock.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_daily_runs_at_once_send_the_reminders_exactly_once(
    institution, partner_institution, coordinator, leader_user, mailoutbox, monkeypatch
):
    parties = [
        sd.party(institution, koordination=coordinator, leitung=leader_user),
        sd.party(partner_institution),
    ]
    agreement = sd.approved(parties)
    sd.release(agreement, coordinator)
    sd.sign(agreement, parties[0])
    mailoutbox.clear()

    # The first run holds the lock while the second starts ("two servers at the same minute").
    inside, finish = threading.Event(), threading.Event()
    real_daily = sd.validity.daily

    def slow_daily(*args, **kwargs):
        inside.set()
        assert finish.wait(30)
        return real_daily(*args, **kwargs)

    monkeypatch.setattr("agreements.jobs.daily", slow_daily)
    outputs: dict[str, str] = {}

    def server(name: str) -> None:
        out = io.StringIO()
        try:
            call_command("agreements_daily", stdout=out)
        finally:
            connection.close()
        outputs[name] = out.getvalue()

    first = threading.Thread(target=server, args=["A"])
    first.start()
    assert inside.wait(30)
    second = threading.Thread(target=server, args=["B"])
    second.start()
    second.join(30)
    finish.set()
    first.join(60)

    assert "Erinnerungen an Unterschriften: 1" in outputs["A"]
    assert outputs["B"].startswith("Übersprungen: die tägliche Prüfung läuft bereits auf einem anderen Server.")
    assert [m.to for m in mailoutbox if m.subject == REMINDER] == [[parties[1].leitung.email]]
    assert OutgoingMail.objects.filter(subject=REMINDER).count() == 1


@pytest.mark.django_db(transaction=True)
def test_conference_reminders_skip_while_another_server_runs_them(capsys):
    with run_once("conferences_daily") as mine:
        assert mine
        other = threading.Thread(target=lambda: (call_command("conferences_daily"), connection.close()))
        other.start()
        other.join(30)
    assert "Übersprungen: die Erinnerungen laufen bereits auf einem anderen Server." in capsys.readouterr().out


def test_daily_commands_can_hand_the_job_to_the_worker(database_tasks, capsys):
    call_command("agreements_daily", "--enqueue")
    call_command("conferences_daily", "--enqueue")
    assert "Als Hintergrundaufgabe eingereiht" in capsys.readouterr().out
    assert sorted(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "agreements.jobs.daily_task",
        "conferences.jobs.reminders_task",
    ]


# Shared storage (S3) -----------------------------------------------------------------------------------------


@pytest.fixture
def s3(settings, monkeypatch):
    """A local S3 stand-in (moto in server mode) and the storage configured as production would from env."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {
        "DJANGO_S3_BUCKET": "kooperation-test",
        "DJANGO_S3_ENDPOINT_URL": endpoint,
        "DJANGO_S3_ACCESS_KEY_ID": "test-access",
        "DJANGO_S3_SECRET_ACCESS_KEY": "test-secret",
        "DJANGO_S3_REGION": "us-east-1",
        "DJANGO_S3_SSE": "AES256",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test-access",
        aws_secret_access_key="test-secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="kooperation-test")
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env()}
    yield client
    server.stop()


def test_s3_settings_are_private_and_encrypted(s3):
    options = default_storage_from_env()["OPTIONS"]
    assert options["default_acl"] is None
    assert options["querystring_auth"] is True
    assert options["object_parameters"] == {"ServerSideEncryption": "AES256"}


def test_frozen_contract_is_stored_in_s3_and_downloaded_through_the_view(
    s3, institution, partner_institution, coordinator, leader_user, client_for
):
    parties = [
        sd.party(institution, koordination=coordinator, leitung=leader_user),
        sd.party(partner_institution),
    ]
    agreement = sd.approved(parties)
    contract = sd.release(agreement, coordinator)
    key = contract.file.name
    assert key.startswith("vertraege/")

    stored = s3.get_object(Bucket="kooperation-test", Key=key)
    data = stored["Body"].read()
    assert stored["ServerSideEncryption"] == "AES256"
    assert data.startswith(b"%PDF-")
    grants = s3.get_object_acl(Bucket="kooperation-test", Key=key)["Grants"]
    assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers / AuthenticatedUsers grant

    response = client_for(coordinator).get(reverse("contract_download", args=[agreement.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == data
    assert FrozenContract.objects.get(agreement=Agreement.objects.get(pk=agreement.pk)).sha256 == contract.sha256

    # Health probes write and delete an object in the bucket.
    assert client_for(coordinator).get("/health/ready").status_code == 200
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="kooperation-test").get("Contents", [])] == [key]


# Settings -----------------------------------------------------------------------------------------------------


def test_local_disk_is_the_default_storage(monkeypatch):
    monkeypatch.delenv("DJANGO_S3_BUCKET", raising=False)
    assert default_storage_from_env() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_an_unknown_server_side_encryption_is_refused(monkeypatch):
    monkeypatch.setenv("DJANGO_S3_BUCKET", "b")
    monkeypatch.setenv("DJANGO_S3_SSE", "rot13")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_S3_SSE='rot13' is not one of AES256, aws:kms"):
        default_storage_from_env()


def test_an_unknown_task_backend_stops_the_start(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SECRET_KEY": "a-test-secret-key-that-is-long-enough-0123456789-abcdefghijklmnop",
        "DJANGO_TASKS_BACKEND": "celery",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "DJANGO_TASKS_BACKEND='celery' is not one of immediate, database." in done.stderr
