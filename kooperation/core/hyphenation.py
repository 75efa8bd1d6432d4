"""Hyphenation patterns for WeasyPrint, loaded in milliseconds instead of half a second.

The print stylesheets hyphenate (``hyphens: auto``), so the first PDF of a process made pyphen
parse the German pattern file: 77,000 patterns in about 0.5 s of pure Python, more than the
rest of that document took. ``preload()`` puts the same file into pyphen's cache, but reads a
pattern's hyphenation values only when a word first looks the pattern up; the keys (and so
pyphen's result for every word) are those of pyphen's own parser (tests/test_hyphenation.py
compares both for every dictionary pyphen ships).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache
from itertools import accumulate

import pyphen

# What pyphen parses in a way of its own: ^^hh escapes, alternatives ("ff1/f=f,1,1"), two digits in a row,
# digits other than 0-9 (pyphen's \d is Unicode).
_SPECIAL = [re.compile(r"\^\^"), re.compile("/"), re.compile("[0-9][0-9]"), re.compile(r"[^\D0-9]")]
# Bytes to delete from UTF-8 text (0-9 are single bytes there, never part of another character).
_ASCII_DIGITS = b"0123456789"
_ALL_BUT_NONZERO_DIGITS = bytes(b for b in range(256) if b not in b"123456789\n")
_PADDING = re.compile(r"(?<!\d)(?=\D)|(?<!\d)$")


def _parse(pattern: str) -> tuple[int, tuple[int, ...]]:
    """(offset, values) of a plain pattern, as pyphen.HyphDict stores them."""
    digits = _PADDING.sub("0", pattern)[0::2]  # the value before each letter and after the last one
    offset = len(digits) - len(digits.lstrip("0"))
    return offset, tuple(int(d) for d in digits.strip("0"))


def _parse_special(pattern: str) -> tuple[str, tuple] | None:
    """pyphen's own parser (pyphen.HyphDict.__init__), for the few patterns it treats specially."""
    pattern = pyphen.parse_hex(lambda match: chr(int(match.group(1), 16)), pattern)
    if "/" in pattern and "=" in pattern:
        pattern, alternative = pattern.split("/", 1)
        factory = pyphen.AlternativeParser(pattern, alternative)
    else:
        factory = int
    tags, values = zip(*[(string, factory(i or "0")) for i, string in pyphen.parse(pattern)], strict=True)
    if max(values) == 0:
        return None
    start, end = 0, len(values)
    while not values[start]:
        start += 1
    while not values[end - 1]:
        end -= 1
    return "".join(tags), (start, values[start:end])


class LazyPatterns(dict):
    """letters -> (offset, values); a value is kept as its pattern text until first looked up."""

    __slots__ = ()

    def get(self, key, default=None):
        value = dict.get(self, key, default)
        if type(value) is str:
            value = _parse(value)
            self[key] = value
        return value

    def __getitem__(self, key):
        value = self.get(key, self)
        if value is self:
            raise KeyError(key)
        return value


def load(path) -> pyphen.HyphDict:
    """A pyphen.HyphDict of the pattern file, with the same patterns as pyphen's parser gives."""
    with path.open("rb") as handle:
        encoding = handle.readline().decode()
    if encoding.lower() == "microsoft-cp1251":
        encoding = "cp1251"
    lines = [line.strip() for line in path.read_text(encoding).split("\n")[1:]]
    lines = [line for line in lines if line and not line.startswith(pyphen.ignored)]
    text = "\n".join(lines)
    # Whole-file passes: each line's letters, and its nonzero values (none: pyphen skips the pattern).
    raw = text.encode()
    letters = raw.translate(None, _ASCII_DIGITS).decode().split("\n")
    nonzero: list = raw.translate(None, _ALL_BUT_NONZERO_DIGITS).split(b"\n")
    special = [match.start() for pattern in _SPECIAL for match in pattern.finditer(text)]
    if special:
        ends = list(accumulate(len(line) + 1 for line in lines))
        for offset in special:
            nonzero[bisect_right(ends, offset)] = None
    patterns = LazyPatterns()
    for key, line, values in zip(letters, lines, nonzero, strict=True):
        if values:
            patterns[key] = line
        elif values is None:
            parsed = _parse_special(line)
            if parsed:
                patterns[parsed[0]] = parsed[1]
    hyph = pyphen.HyphDict.__new__(pyphen.HyphDict)
    hyph.patterns = patterns
    hyph.cache = {}
    hyph.maxlen = max(map(len, patterns))
    return hyph


@cache
def preload(language: str) -> None:
    """Put the patterns of a language into pyphen's cache (where WeasyPrint's pyphen.Pyphen finds them)."""
    name = pyphen.language_fallback(language)
    if name is None:
        return
    path = pyphen.LANGUAGES[name]
    if path not in pyphen.hdcache:
        pyphen.hdcache[path] = load(path)
