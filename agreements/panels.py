"""Panels that higher layers add to agreement pages: a registry, so agreements never imports them.

A panel is a function (request, obj) -> HTML (a SafeString, e.g. from render_to_string) or "".
The conferences app registers, for example, the quality dialogue's Sitzungen and agreed measures.
"""

from __future__ import annotations

from collections.abc import Callable

QUALITY_DIALOGUE = "quality_dialogue"

_PANELS: dict[str, list[Callable]] = {}


def register(page: str, panel: Callable) -> None:
    """Add a panel to a page (once; registering the same function again does nothing)."""
    panels = _PANELS.setdefault(page, [])
    if panel not in panels:
        panels.append(panel)


def render_panels(page: str, request, obj) -> list[str]:
    """The page's panels rendered for this request, empty ones left out."""
    return [html for html in (panel(request, obj) for panel in _PANELS.get(page, ())) if html]
