"""Page benchmark at 1× and N× demo data: query counts, latency over gunicorn, PDFs, 50 concurrent users.

    manage.py bench_pages                      # 1× and 100× (seeded once into .bench/, then reused)
    manage.py bench_pages --scale 5 --pages agreement_list,network_picture --skip-load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x manage.py bench_pages   # databases bench_1x, bench_100x

The command runs itself in a subprocess per database (`--probe`, with that database's DATABASE_URL) to
create sessions, resolve the pages' addresses and count queries in-process; gunicorn (2 workers) then
serves that database on a free port of 127.0.0.1 and the pages are timed over HTTP.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings
from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.demo import MAIN_TITLE
from agreements.management.commands.bench_pdf import Command as PdfBench
from agreements.models import Agreement
from agreements.services.contract import page_count
from kooperation.core import documents
from kooperation.network.models import User
from kooperation.pages.benchmark import ANONYMOUS, DOMAIN, FLOOR, ROLES, pages_to_visit, session_for


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Misst Seiten bei 1× und N× Demodaten: Abfragen, Antwortzeit (gunicorn), PDFs, 50 gleichzeitige Nutzer."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=100, help="Größe der großen Datenbank (Standard 100)")
        parser.add_argument("--pages", default="", help="nur Seiten, deren Name einen dieser Teile enthält (Komma)")
        parser.add_argument("--requests", type=int, default=15, help="gemessene Aufrufe je Seite")
        parser.add_argument("--users", type=int, default=50, help="gleichzeitige Nutzer im Lasttest")
        parser.add_argument(
            "--baseline-users", type=int, default=4, help="wenige gleichzeitige Nutzer zum Vergleich des Durchsatzes"
        )
        parser.add_argument("--seconds", type=int, default=20, help="Dauer des Lasttests")
        parser.add_argument("--skip-load", action="store_true")
        parser.add_argument("--skip-pdf", action="store_true")
        parser.add_argument("--reseed", action="store_true", help="Datenbanken neu anlegen")
        parser.add_argument("--dir", default=str(Path(settings.BASE_DIR) / ".bench"))
        parser.add_argument("--probe", action="store_true", help="intern: im Unterprozess messen")

    def handle(self, *args, **options):
        if options["probe"]:
            return self._probe(options)
        bench_dir = Path(options["dir"])
        bench_dir.mkdir(exist_ok=True)
        scales = [1, options["scale"]] if options["scale"] != 1 else [1]
        results = {}
        for scale in scales:
            env = self._environment(bench_dir, scale)
            self._seed(env, bench_dir, scale, options["reseed"])
            probe = self._run_probe(env, options)
            self.stderr.write(f"{scale}×: gunicorn …")
            with self._gunicorn(env) as (base, master):
                timings = self._time_pages(base, probe, options["requests"])
                load = []
                if scale == scales[-1] and not options["skip_load"]:
                    # The same pages with a few users first, then many: throughput must hold up under concurrency.
                    for users in (options["baseline_users"], options["users"]):
                        load.append(self._load(base, probe, users, options["seconds"], master))
            results[scale] = {"probe": probe, "timings": timings, "load": load}
        self._report(scales, results)

    # ---- databases ----------------------------------------------------------------------------------
    def _environment(self, bench_dir: Path, scale: int) -> dict:
        env = dict(os.environ)
        url = os.environ.get("DATABASE_URL", "")
        vendor = "pg" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
        if vendor == "pg":
            parts = urlsplit(url)
            env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/bench_{scale}x"))
            self._create_postgres_database(parts, f"bench_{scale}x")
        else:
            env["DATABASE_URL"] = f"sqlite:///{bench_dir.resolve() / f'bench_{scale}x.sqlite3'}"
        env.update(
            DJANGO_MEDIA_ROOT=str(bench_dir.resolve() / f"media_{vendor}_{scale}x"),
            KOOPERATION_DOCUMENT_CACHE_DIR=str(bench_dir.resolve() / f"documents_{vendor}_{scale}x"),
            BENCH_VENDOR=vendor,
            KOOPERATION_BENCH="true",
            DJANGO_DEBUG="false",
            DJANGO_HTTPS="false",
            DJANGO_STATIC_MANIFEST="false",
            DJANGO_LOG_LEVEL="WARNING",
            DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or "bench-only-secret-key-" + "x" * 40,
        )
        return env

    def _create_postgres_database(self, parts, name: str) -> None:
        admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')

    def _seed(self, env: dict, bench_dir: Path, scale: int, reseed: bool) -> None:
        marker = bench_dir / f"bench_{scale}x.{env['BENCH_VENDOR']}.seeded"
        key = f"{env['DATABASE_URL']} scale={scale}"
        if not reseed and marker.exists() and marker.read_text() == key:
            migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
            subprocess.run(migrate, env=env, check=True, cwd=settings.BASE_DIR)  # noqa: S603 - fixed argv
            return
        if env["DATABASE_URL"].startswith("sqlite:///"):
            Path(env["DATABASE_URL"].removeprefix("sqlite:///")).unlink(missing_ok=True)
        else:
            subprocess.run([sys.executable, "manage.py", "flush", "--noinput"], env=env, check=False)
        started = time.perf_counter()
        for command in (["migrate", "--noinput", "-v0"], ["seed_demo", "--scale", str(scale)]):
            subprocess.run(  # noqa: S603 - fixed argv: this interpreter and our own manage.py
                [sys.executable, "manage.py", *command],
                env=env,
                check=True,
                cwd=settings.BASE_DIR,
                stdout=subprocess.DEVNULL,
            )
        self.stderr.write(f"{scale}×: Demodaten in {time.perf_counter() - started:.0f} s geladen")
        marker.write_text(key)

    def _run_probe(self, env: dict, options) -> dict:
        command = [sys.executable, "manage.py", "bench_pages", "--probe", "--pages", options["pages"]]
        if options["skip_pdf"]:
            command.append("--skip-pdf")
        done = subprocess.run(  # noqa: S603 - fixed argv: this interpreter and our own manage.py
            command, env=env, check=True, cwd=settings.BASE_DIR, capture_output=True, text=True
        )
        return json.loads(done.stdout)

    # ---- in-process measurement (subprocess with the database's settings) --------------------------
    def _probe(self, options) -> None:
        sessions = {role: session_for(User.objects.get(email=f"{local}@{DOMAIN}")) for role, local in ROLES.items()}
        pages, pdfs = pages_to_visit()
        wanted = [w.strip() for w in options["pages"].split(",") if w.strip()]
        pages = [p for p in pages if p.name in (FLOOR, ANONYMOUS) or not wanted or any(w in p.name for w in wanted)]
        out = {"pages": [], "pdf": {}, "sessions": sessions}
        for page in pages:
            client = Client(HTTP_HOST="127.0.0.1")
            if page.role:
                client.cookies[settings.SESSION_COOKIE_NAME] = sessions[page.role]
            client.get(page.url)  # warm: caches, the once-a-minute session renewal
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page.url)
            out["pages"].append(
                {
                    "name": page.name,
                    "role": page.role,
                    "url": page.url,
                    "status": response.status_code,
                    "queries": len(queries),
                    "bytes": len(response.content),
                }
            )
        if not options["skip_pdf"]:
            out["pdf"] = self._probe_pdfs(sessions, pdfs)
        self.stdout.write(json.dumps(out))

    def _probe_pdfs(self, sessions: dict, pdfs: dict) -> dict:
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions["Koordination"]
        fachkraft = Client(HTTP_HOST="127.0.0.1")
        fachkraft.cookies[settings.SESSION_COOKIE_NAME] = sessions["Fachkraft"]
        result = {}
        # As in a gunicorn worker, which warms the renderer up when it starts (kooperation/wsgi.py).
        documents.warm_up()

        def measure(label, who, url, runs=2, cached=False):
            times, data = [], b""
            for _ in range(runs):
                if not cached:
                    caches["documents"].clear()  # rendered each time; the repeated preview is its own row
                start = time.perf_counter()
                response = who.get(url)
                data = b"".join(response.streaming_content) if response.streaming else response.content
                times.append(time.perf_counter() - start)
            pages = page_count(data) if data.startswith(b"%PDF") else 0
            result[label] = {"seconds": statistics.median(times), "pages": pages, "status": response.status_code}

        for label, url in pdfs.items():
            measure(f"{label} (Demo)", fachkraft if label == "Protokoll" else client, url)
        measure("Vertrag (Vorschau, wiederholt: Cache)", client, pdfs["Vertrag (Vorschau)"], runs=3, cached=True)
        # The same contract and sheet with 20 partners, rolled back afterwards.
        main = Agreement.objects.get(title=MAIN_TITLE)
        with transaction.atomic():
            large = PdfBench()._large(main, 20)
            admin = Client(HTTP_HOST="127.0.0.1")
            admin.cookies[settings.SESSION_COOKIE_NAME] = sessions["Administration"]
            large.created_by = main.created_by
            measure("Vertrag (Vorschau, 20 Partner)", admin, reverse("contract_preview", args=[large.pk]))
            transaction.set_rollback(True)
        return result

    # ---- over HTTP ----------------------------------------------------------------------------------
    def _gunicorn(self, env: dict):
        class Server:
            def __enter__(self):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", 0))
                    port = sock.getsockname()[1]
                gunicorn = str(Path(sys.executable).with_name("gunicorn"))
                self.process = subprocess.Popen(  # noqa: S603 - fixed argv: gunicorn of this environment
                    [gunicorn, "kooperation.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120"],
                    env=env,
                    cwd=settings.BASE_DIR,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                base = f"http://127.0.0.1:{port}"
                for _ in range(600):
                    try:
                        urllib.request.urlopen(f"{base}/_bench/anonym/", timeout=2).read()  # noqa: S310 - http://127.0.0.1
                        break
                    except (urllib.error.URLError, ConnectionError, OSError):
                        time.sleep(0.1)
                else:
                    self.process.terminate()
                    raise CommandError("gunicorn antwortet nicht.")
                return base, self.process.pid

            def __exit__(self, *exc):
                self.process.terminate()
                self.process.wait(timeout=30)
                return False

        return Server()

    def _get(self, base: str, page: dict, sessions: dict) -> tuple[float, int, int]:
        request = urllib.request.Request(base + page["url"])  # noqa: S310 - http://127.0.0.1 only
        if page["role"]:
            request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={sessions[page['role']]}")
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - http://127.0.0.1 only
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
        except TimeoutError:
            body, status = b"", 0  # counted as an error; the time is the 60 s waited
        return time.perf_counter() - start, status, len(body)

    def _time_pages(self, base: str, probe: dict, requests: int) -> dict:
        timings = {}
        for page in probe["pages"]:
            for _ in range(2):
                self._get(base, page, probe["sessions"])
            samples = [self._get(base, page, probe["sessions"]) for _ in range(requests)]
            timings[page["name"]] = {
                "p50": statistics.median(s[0] for s in samples),
                "status": samples[-1][1],
                "bytes": samples[-1][2],
            }
        return timings

    def _load(self, base: str, probe: dict, users: int, seconds: int, master: int) -> dict:
        pages = [p for p in probe["pages"] if p["name"] not in (FLOOR, ANONYMOUS)]
        latencies, errors, lock = [], [], threading.Lock()
        started = time.monotonic()
        stop = started + seconds

        def user(n: int) -> None:
            i = n
            while time.monotonic() < stop:
                page = pages[i % len(pages)]
                i += 1
                try:
                    elapsed, status, _size = self._get(base, page, probe["sessions"])
                except OSError as error:
                    with lock:
                        errors.append(str(error))
                    continue
                with lock:
                    latencies.append(elapsed)
                    if status >= 400:
                        errors.append(f"{status} {page['url']}")

        threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
        for thread in threads:
            thread.start()
        rss = []
        while any(t.is_alive() for t in threads):
            rss = [max(a, b) for a, b in zip(self._worker_rss(master), rss or [0, 0], strict=False)] or rss
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        return {
            "users": users,
            "seconds": seconds,
            "requests": len(latencies),
            "per_second": len(latencies) / elapsed if elapsed else 0,
            "errors": len(errors),
            "error_sample": errors[:3],
            "p50": _percentile(latencies, 0.5) if latencies else 0,
            "p99": _percentile(latencies, 0.99) if latencies else 0,
            "rss_mb": rss,
        }

    @staticmethod
    def _worker_rss(master: int) -> list[float]:
        result = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("PPid", "").strip() == str(master) and "VmRSS" in fields:
                result.append(int(fields["VmRSS"].split()[0]) / 1024)
        return sorted(result)

    # ---- the table ----------------------------------------------------------------------------------
    def _report(self, scales: list[int], results: dict) -> None:
        small, big = scales[0], scales[-1]
        a, b = results[small], results[big]
        probe_b = {p["name"]: p for p in b["probe"]["pages"]}
        floor = {s: results[s]["timings"][FLOOR]["p50"] for s in scales}
        x1, xn = f"{small}×", f"{big}×"
        w = self.stdout.write
        w(f"| Seite | Abfragen {x1}/{xn} | p50 ms {x1}/{xn} | × Floor {x1}/{xn} | KB {x1}/{xn} | Status |")
        w("|---|---|---|---|---|---|")
        for page in a["probe"]["pages"]:
            name = page["name"]
            other = probe_b.get(name, page)
            ta, tb = a["timings"][name], b["timings"].get(name, a["timings"][name])
            w(
                f"| {name} | {page['queries']}/{other['queries']} "
                f"| {ta['p50'] * 1000:.0f}/{tb['p50'] * 1000:.0f} "
                f"| {ta['p50'] / floor[small]:.1f}/{tb['p50'] / floor[big]:.1f} "
                f"| {ta['bytes'] / 1024:.0f}/{tb['bytes'] / 1024:.0f} "
                f"| {ta['status']}/{tb['status']} |"
            )
        w(f"\nFloor p50: {floor[small] * 1000:.1f} ms ({x1}), {floor[big] * 1000:.1f} ms ({xn})")
        if a["probe"]["pdf"]:
            w(f"\n| PDF | s {x1}/{xn} | Seiten | Seiten/s {x1}/{xn} |")
            w("|---|---|---|---|")
            for label, pa in a["probe"]["pdf"].items():
                pb = b["probe"]["pdf"].get(label, pa)
                rate = [p["pages"] / p["seconds"] if p["seconds"] else 0 for p in (pa, pb)]
                w(
                    f"| {label} | {pa['seconds']:.2f}/{pb['seconds']:.2f} | {pa['pages']} "
                    f"| {rate[0]:.1f}/{rate[1]:.1f} |"
                )
        for load in b["load"] or []:
            w(
                f"\nLast ({xn}, {load['users']} gleichzeitige Nutzer, {load['seconds']} s, 2 Worker): "
                f"{load['requests']} Aufrufe ({load['per_second']:.1f}/s), {load['errors']} Fehler, "
                f"p50 {load['p50'] * 1000:.0f} ms, p99 {load['p99'] * 1000:.0f} ms, "
                f"RSS je Worker {', '.join(f'{r:.0f} MB' for r in load['rss_mb'])}"
            )
            if load["error_sample"]:
                w(f"Fehler (Beispiele): {load['error_sample']}")
        if len(b["load"] or []) == 2 and b["load"][0]["per_second"]:
            few, many = b["load"]
            w(
                f"Durchsatz {many['users']} Nutzer / {few['users']} Nutzer: "
                f"{many['per_second'] / few['per_second']:.2f}× (Ziel ≥ 0,8×)"
            )
