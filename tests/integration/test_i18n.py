"""The message catalogue: every message of the code translated into French, the same
placeholders in both languages, the shipped .mo compiled from the .po, people's number and
date formats, and no internal identifier in a quota's label."""

import gettext
import io
import re
import string

import pytest

from attribution.models import i18n
from attribution.models.i18n import LOCALE_DIR, date, extract_messages, language, num, pct

PO = LOCALE_DIR / "fr" / "LC_MESSAGES" / "attribution.po"
MO = PO.with_suffix(".mo")


def _po_entries():
    """msgid (or (singular, plural)) → translation(s), read from the .po with Babel."""
    pofile = pytest.importorskip("babel.messages.pofile")
    with open(PO, "rb") as f:
        catalog = pofile.read_po(f)
    return {m.id: m.string for m in catalog if m.id}, catalog


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_every_message_of_the_code_has_a_french_translation():
    """Extracted from the source (f-strings included): nothing missing, nothing empty,
    nothing fuzzy, and no entry the code no longer uses."""
    entries, catalog = _po_entries()
    used = extract_messages()
    assert len(used) > 250
    missing = [k for k in used if k not in entries]
    empty = [k for k in used if k in entries and (
        not entries[k] if isinstance(k, str) else not all(entries[k][:2]))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    unused = [k for k in entries if k not in used]
    assert not missing, f"messages missing from {PO.name}: {missing[:10]}"
    assert not empty and not fuzzy, (empty[:10], fuzzy[:10])
    assert not unused, f"entries no longer used by the code: {unused[:10]}"


def test_placeholders_are_the_same_in_both_languages():
    """A translation that drops or renames a {field} would fail at run time."""
    entries, _ = _po_entries()
    bad = []
    for key, value in entries.items():
        pairs = ([(key, value)] if isinstance(key, str)
                 else [(key[0], value[0]), (key[1], value[1])])
        for en, fr in pairs:
            # a French singular may spell out "one" instead of {n}
            if _fields(fr) - _fields(en) or (_fields(en) - _fields(fr) - {"n"}):
                bad.append((en, fr))
    assert not bad, bad[:5]


def test_english_is_every_message_itself_and_formats():
    """--lang en: messages are their own text; every message formats with its fields."""
    with language("en"):
        for key in extract_messages():
            text = key if isinstance(key, str) else key[1]
            assert i18n._(text) == text if isinstance(key, str) else \
                i18n.ngettext(key[0], key[1], 2) == key[1]
            text.format(**{f: "x" for f in _fields(text)})
    with language("fr"):
        for key in extract_messages():
            text = i18n._(key) if isinstance(key, str) else i18n.ngettext(*key, 2)
            text.format(**{f: "x" for f in _fields(text)})


def test_the_shipped_mo_is_compiled_from_the_po():
    """python -m attribution.models.i18n was run after the last edit of the .po."""
    mofile = pytest.importorskip("babel.messages.mofile")
    _, catalog = _po_entries()
    buffer = io.BytesIO()
    mofile.write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    fresh = gettext.GNUTranslations(buffer)
    with open(MO, "rb") as f:
        shipped = gettext.GNUTranslations(f)
    strip = lambda c: {k: v for k, v in c.items() if k != ""}  # noqa: E731 (header: dates)
    assert strip(shipped._catalog) == strip(fresh._catalog)
    assert shipped.ngettext("{n} unit", "{n} units", 1) == "{n} logement"
    assert shipped.ngettext("{n} unit", "{n} units", 2) == "{n} logements"


def test_numbers_and_dates_for_people():
    """17 132, 60,2 %, 01/03/2025 in French; 17,132, 60.2%, 2025-03-01 in English."""
    import datetime as dt
    with language("fr"):
        assert num(17132) == "17\u202f132" and num(3.5, 1) == "3,5"
        assert pct(0.602) == "60,2\u00a0%" and date(dt.date(2025, 3, 1)) == "01/03/2025"
        assert num(-1234) == "−1\u202f234"
    with language("en"):
        assert num(17132) == "17,132" and pct(0.602) == "60.2%"
        assert date("2025-03-01") == "2025-03-01"
    assert num(float("nan")) == "–" and pct(None) == "–"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="fr, en"):
        i18n.set_language("de")


def test_quota_labels_carry_no_internal_identifier():
    """Every quota row of a territory reads as words in both languages: no brackets,
    no arrows, no snake_case, no '.min'."""
    from builders import random_territory
    from attribution.models.compatibility import build_problem
    from attribution.models.quotas import build_quotas
    from attribution.reporting.text.labels import quota_label

    names = [q.name for q in build_quotas(build_problem(random_territory(5, 80, 10))).rows]
    assert any(n.startswith("spatial[") for n in names) and any("→" in n for n in names)
    ident = re.compile(r"[\[\]→]|\b\w+_\w+\b|\.(min|max)\b")
    for lang in ("fr", "en"):
        with language(lang):
            for n in names:
                assert not ident.search(quota_label(n).replace("PLAI-A", "")), quota_label(n)
    with language("fr"):
        assert quota_label("spatial[Pornichet].priority.max") == \
            "le plafond de ménages prioritaires de Pornichet"
        assert quota_label("flow[Atlantique Habitations→etat].min").startswith(
            "la part minimale des logements d’Atlantique Habitations")
