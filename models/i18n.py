"""One message catalogue for everything a person reads: gettext, French by default.

Source strings are English (the gettext convention: an English message is its own key);
``models/locale/fr/LC_MESSAGES/attribution.po`` translates every one of them into French,
and the compiled ``attribution.mo`` beside it is shipped in the package, so a fresh
``pip install`` needs no build step. After editing the ``.po``, recompile it with
``python -m attribution.models.i18n`` (needs Babel, a development dependency);
``tests/integration/test_i18n.py`` fails when a message used in the code is missing from the
catalogue, when a translation drops or adds a ``{placeholder}``, or when the ``.mo`` is
older than the ``.po``.

The language is a context variable: :func:`set_language` (the ``--lang`` option of the
commands) or ``with language("en"): ...``. Numbers and dates for people are formatted by
:func:`num`, :func:`pct` and :func:`date` in the current language (``17 132``,
``60,2 %``, ``01/03/2025`` in French); machine files (CSV, JSON) never go through them.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import gettext as _gettext
import math
from collections.abc import Iterator
from pathlib import Path

DOMAIN = "attribution"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: Languages of the outputs, the default first.
LANGUAGES = ("fr", "en")
DEFAULT = "fr"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("attribution_lang",
                                                               default=DEFAULT)
_cache: dict[str, _gettext.NullTranslations] = {}

NBSP = "\u00a0"        # before ':', '%', ';' and between a number and its unit
THIN = "\u202f"        # French thousands separator (narrow no-break space, as CLDR)


def translations(lang: str | None = None) -> _gettext.NullTranslations:
    """The gettext catalogue of ``lang`` (the current language by default)."""
    lang = lang or _current.get()
    if lang not in _cache:
        if lang not in LANGUAGES:
            raise ValueError(f"The language must be one of {', '.join(LANGUAGES)}; "
                             f"got {lang!r} instead.")
        if lang == "en":  # the source language: messages are their own translation
            _cache[lang] = _gettext.NullTranslations()
        else:
            _cache[lang] = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
    return _cache[lang]


def current() -> str:
    """The current language code."""
    return _current.get()


def set_language(lang: str) -> contextvars.Token:
    """Set the language for the rest of this context (``fr`` or ``en``); returns the token
    :func:`reset_language` takes to restore the previous one."""
    translations(lang)  # fails early on an unknown code
    return _current.set(lang)


def reset_language(token: contextvars.Token) -> None:
    """Restore the language in force before :func:`set_language` returned ``token``."""
    _current.reset(token)


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """Run a block in ``lang``, then restore the previous language."""
    translations(lang)
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """``message`` (English source text) in the current language."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural of a message in the current language, for ``n``."""
    return translations().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for the catalogue without translating it yet (tables of labels)."""
    return message


def num(value: float | int | None, decimals: int = 0) -> str:
    """A number for people: ``17 132`` / ``3,5`` (fr), ``17,132`` / ``3.5`` (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if current() == "fr":
        text = text.replace(",", THIN).replace(".", ",")
        if text.startswith("-"):
            text = "−" + text[1:]
    return text


def pct(value: float | None, decimals: int = 1) -> str:
    """A share for people: ``60,2 %`` (fr), ``60.2%`` (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = num(100 * float(value), decimals)
    return f"{text}{NBSP}%" if current() == "fr" else f"{text}%"


def date(value: dt.date | str | None) -> str:
    """A date for people: ``01/03/2025`` (fr), ``2025-03-01`` (en)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y") if current() == "fr" else value.isoformat()


def colon(label: str) -> str:
    """``label :`` in French (no-break space before the colon), ``label:`` in English."""
    return f"{label}{NBSP}:" if current() == "fr" else f"{label}:"


def compile_catalogues() -> list[Path]:
    """Compile every ``.po`` of :data:`LOCALE_DIR` into its ``.mo`` (needs Babel)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with open(po, "rb") as f:
            catalog = read_po(f)
        fixed = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)   # reproducible bytes
        catalog.creation_date = catalog.revision_date = fixed
        mo = po.with_suffix(".mo")
        with open(mo, "wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        written.append(mo)
    return written


if __name__ == "__main__":  # python -m attribution.models.i18n
    for path in compile_catalogues():
        print(f"compiled {path}")


def extract_messages(root: Path | None = None) -> dict[str | tuple[str, str], list[str]]:
    """Every message of the package: the literal arguments of ``_``, ``N_`` and
    ``ngettext`` calls (f-strings included), read from the source with :mod:`ast`.

    Returns message (a string, or ``(singular, plural)``) → ``["path:line", ...]``.
    """
    import ast

    root = root or Path(__file__).resolve().parents[1]
    found: dict[str | tuple[str, str], list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in ("tests", "benchmarks", "build") or rel.parts[0].startswith("."):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str)
                    else None for a in node.args]
            if node.func.id in ("_", "N_") and args and args[0] is not None:
                key: str | tuple[str, str] = args[0]
            elif node.func.id == "ngettext" and len(args) >= 2 and None not in args[:2]:
                key = (args[0], args[1])
            else:
                continue
            found.setdefault(key, []).append(f"{rel}:{node.lineno}")
    return found
