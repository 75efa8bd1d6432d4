"""Read the POST forms of a rendered page: field names, current values and the options of selects."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    checked: bool = False
    multiple: bool = False


@dataclass
class Form:
    action: str
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def data(self) -> dict[str, str | list[str]]:
        """What a browser would submit (the first named submit button included)."""
        data: dict[str, str | list[str]] = {}
        for f in self.fields:
            if f.kind in ("checkbox", "radio"):
                if f.checked:
                    if f.kind == "checkbox" and f.name in data:
                        previous = data[f.name]
                        data[f.name] = [*(previous if isinstance(previous, list) else [previous]), f.value]
                    else:
                        data[f.name] = f.value or "on"
            elif f.kind == "select":
                chosen = f.selected or f.options[:1]
                if f.multiple:
                    data[f.name] = list(f.selected)
                elif chosen:
                    data[f.name] = chosen[0]
            elif f.kind not in ("submit", "button", "file", "reset", "image"):
                data[f.name] = f.value
        if self.buttons:
            name, value = self.buttons[0]
            data.setdefault(name, value)
        return data

    def names(self) -> list[str]:
        return sorted({f.name for f in self.fields if f.kind not in ("submit", "button", "reset", "image")})

    def options(self, name: str) -> list[str]:
        values: list[str] = []
        for f in self.fields:
            if f.name == name:
                values += f.options if f.kind == "select" else [f.value] if f.kind in ("radio", "checkbox") else []
        return values


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: str | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(action=a.get("action", ""))
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self._form.buttons.append((name, a.get("value", "")))
            self._form.fields.append(Field(name, kind, a.get("value", ""), checked="checked" in a))
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            self._form.buttons.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = Field(name, "select", multiple="multiple" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._option = value
            if value is not None:
                self._select.options.append(value)
                if "selected" in a:
                    self._select.selected.append(value)
        elif tag == "textarea" and name:
            self._textarea = Field(name, "textarea")
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None and self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]
            self._textarea = None


def post_forms(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms


def main_form(html: str, path: str) -> Form | None:
    """The page's own POST form: posting to the page itself, the one with the most fields."""
    candidates = [f for f in post_forms(html) if f.action in ("", path) and f.fields]
    return max(candidates, key=lambda f: len(f.fields), default=None)
