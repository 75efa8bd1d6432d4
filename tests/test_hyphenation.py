"""The fast loader of hyphenation patterns gives exactly what pyphen's own parser gives; the renderer's warm-up."""

from __future__ import annotations

import pyphen
import pytest
from django.conf import settings

from kooperation.core import hyphenation
from kooperation.core.documents import warm_up

WORDS = [
    "Kooperationsvereinbarung",
    "Familienhebamme",
    "Rückmeldung",
    "Unterzeichnung",
    "Blutharnstoff",
    "Schifffahrt",
    "Zuckerbäckerei",
    "Straßenbahnhaltestelle",
    "Qualitätsdialog",
]


# The documents' German (de → de_AT), and dictionaries with what pyphen parses specially: ^^hh escapes (af_ZA),
# alternatives like "ff1/f=f,1,1" (hu_HU, ca), other encodings (ru_RU: ISO8859-5, el_GR: ISO8859-7).
# Checked once for all 85 dictionaries pyphen 0.18 ships (too slow for every test run).
@pytest.mark.parametrize("language", ["de", "de_DE", "de_CH", "af_ZA", "hu_HU", "ca", "ru_RU", "el_GR", "en_US"])
def test_dictionaries_give_pyphens_patterns(language):
    path = pyphen.LANGUAGES[language]
    fast, own = hyphenation.load(path), pyphen.HyphDict(path)
    assert {key: fast.patterns.get(key) for key in list(dict.keys(fast.patterns))} == own.patterns
    assert fast.maxlen == own.maxlen


def test_german_words_hyphenate_as_with_pyphen():
    path = pyphen.LANGUAGES[pyphen.language_fallback("de")]
    fast, own = hyphenation.load(path), pyphen.HyphDict(path)
    for word in WORDS:
        assert fast.positions(word) == own.positions(word), word
        assert [p.data for p in fast.positions(word)] == [p.data for p in own.positions(word)], word


def test_preload_fills_pyphens_cache():
    hyphenation.preload("de")
    path = pyphen.LANGUAGES[pyphen.language_fallback("de")]
    assert isinstance(pyphen.hdcache[path].patterns, hyphenation.LazyPatterns)
    assert pyphen.Pyphen(lang="de").inserted("Kooperationsvereinbarung") == "Ko-ope-ra-ti-ons-ver-ein-ba-rung"


def test_warm_up_prepares_hyphenation_and_the_print_styles(caplog):
    """What a worker does when it starts (kooperation/wsgi.py): no request waits for it, nothing is logged."""
    warm_up()
    path = pyphen.LANGUAGES[pyphen.language_fallback(settings.LANGUAGE_CODE)]
    assert isinstance(pyphen.hdcache[path].patterns, hyphenation.LazyPatterns)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "WARNING")]
