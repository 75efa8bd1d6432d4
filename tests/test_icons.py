"""The icon sprite holds every icon the templates ask for; the tag hides icons from screen readers."""

from __future__ import annotations

import re
from pathlib import Path

from django.template import Context, Template

ROOT = Path(__file__).resolve().parent.parent
SPRITE = ROOT / "static" / "vendor" / "bootstrap-icons" / "bootstrap-icons.svg"
ICON_TAG = re.compile(r"""{%\s*icon\s+["']([a-z0-9-]+)["']""")


def _sprite_ids() -> set[str]:
    return set(re.findall(r'<symbol[^>]*\sid="([^"]+)"', SPRITE.read_text()))


def test_every_icon_used_in_a_template_is_in_the_sprite():
    used = {
        (name, str(path.relative_to(ROOT)))
        for path in (ROOT / "templates").rglob("*.html")
        for name in ICON_TAG.findall(path.read_text())
    }
    assert used, "no template uses {% icon %}"
    missing = sorted(entry for entry in used if entry[0] not in _sprite_ids())
    assert not missing, f"icons missing in {SPRITE.name}: {missing}"


def test_icon_is_decorative_and_points_into_the_same_origin_sprite():
    html = Template('{% load icons %}{% icon "pencil" "me-1" %}').render(Context())
    assert html == (
        '<svg class="bi me-1" aria-hidden="true" focusable="false">'
        '<use href="/static/vendor/bootstrap-icons/bootstrap-icons.svg#pencil"></use></svg>'
    )
