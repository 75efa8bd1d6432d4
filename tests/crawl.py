"""Follow every link a demo user is shown and record what each one answers.

`crawl(client)` starts at the dashboard and visits, breadth first, every `<a href>` and the
action of every GET form (with its fields left empty) that points into the site. A link that
answers 403 or 404 is a dead link: the page offered something the user may not use.
Each HTML page visited is handed to `on_page` (the HTML checker collects them from there).

The same route with other ids or query strings mostly renders the same template again, so at most
`per_route` URLs of one route (URL pattern) are visited; the first ones found, breadth first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from time import perf_counter
from urllib.parse import urldefrag, urljoin, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve, reverse

# Never followed: signing out ends the crawl's session; the language switch is a POST form anyway.
SKIP_PREFIXES = ("/konto/abmelden/", "/static/", "/media/")
# A query string repeats a page with other filters or pages of a list: a few variants are enough.
MAX_VARIANTS_PER_PATH = 2
# Other ids on the same route: a few cover the states the demo data show (draft, in force, planned, held …).
PER_ROUTE = 3
DEAD = {403, 404}


class _Links(HTMLParser):
    """The targets of `<a href>` and of GET forms in one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.targets.append(values["href"] or "")
        elif tag == "form" and (values.get("method") or "get").lower() == "get":
            self.targets.append(values.get("action") or "")


@dataclass
class CrawlResult:
    """What one user's crawl saw: every URL's status and the dead links with the page that showed them."""

    statuses: dict[str, int] = field(default_factory=dict)
    dead: list[tuple[str, str, int]] = field(default_factory=list)  # (source page, link, status)
    seconds: dict[str, float] = field(default_factory=dict)  # time per route, to find what makes a crawl slow

    def describe_dead(self) -> str:
        return "\n".join(f"  {status} {link}  (verlinkt auf {source})" for source, link, status in self.dead)


def _inside(base: str, href: str) -> str | None:
    """The site path (with query) `href` leads to from `base`, or None for other sites and schemes."""
    if href.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    target, _fragment = urldefrag(urljoin(base, href))
    parts = urlsplit(target)
    if parts.scheme not in {"", "http"} or parts.netloc not in {"", "testserver"}:
        return None
    if parts.path.startswith(SKIP_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def route_of(path: str) -> str:
    """The URL pattern `path` matches (the path itself when none does)."""
    try:
        return resolve(path).route
    except Resolver404:
        return path


def crawl(
    client: Client,
    start: str | None = None,
    on_page: Callable[[str, bytes], None] | None = None,
    limit: int = 400,
    per_route: int = PER_ROUTE,
) -> CrawlResult:
    """Visit the pages reachable from `start` for the signed-in `client` (at most `limit` pages,
    `per_route` of one URL pattern)."""
    result = CrawlResult()
    start = start or reverse("dashboard")
    queue: deque[tuple[str, str]] = deque([("", start)])
    seen = {start}
    variants: dict[str, int] = {}
    routes: dict[str, int] = {}
    while queue and len(result.statuses) < limit:
        source, url = queue.popleft()
        started = perf_counter()
        response = client.get(url)
        route = route_of(urlsplit(url).path)
        result.seconds[route] = result.seconds.get(route, 0.0) + perf_counter() - started
        result.statuses[url] = response.status_code
        if response.status_code in DEAD:
            result.dead.append((source, url, response.status_code))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        if response.streaming:
            continue
        if on_page is not None:
            on_page(url, response.content)
        parser = _Links()
        parser.feed(response.content.decode(response.charset or "utf-8"))
        for href in parser.targets:
            target = _inside(url, href)
            if target is None or target in seen:
                continue
            path = urlsplit(target).path
            if "?" in target:
                if variants.get(path, 0) >= MAX_VARIANTS_PER_PATH:
                    continue
                variants[path] = variants.get(path, 0) + 1
            route = route_of(path)
            if routes.get(route, 0) >= per_route:
                continue
            routes[route] = routes.get(route, 0) + 1
            seen.add(target)
            queue.append((url, target))
    return result
