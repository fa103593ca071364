"""The active language and its gettext catalog, for every user-visible string.

Vietnamese is the source language and the default; English is the other choice. The choice
is read, on the first translated string, from ``ANTQ_LANG`` or else from the settings file in
the data folder (so the window and the ``antq`` command agree), and stays for the life of the
process: changing it in Settings takes effect at the next start. Module-level constants that
must follow the language are marked with ``N_`` and translated with ``_`` where shown.

Catalogs: ``resources/translations/<lang>/LC_MESSAGES/messages.mo`` (maintained by
``desktop/i18n_catalogs.py``, ``make messages``).
"""

from __future__ import annotations

import contextlib
import gettext
import os

DEFAULT_LANGUAGE = "vi"
# Language code → its own name (shown in Settings in that language, as is the custom).
LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
# The babel/CLDR locale used for numbers and dates in each language.
BABEL_LOCALES = {"vi": "vi_VN", "en": "en_US"}
DOMAIN = "messages"

_translation: gettext.NullTranslations | None = None
_language: str = DEFAULT_LANGUAGE


def configured_language() -> str:
    """``ANTQ_LANG`` if it names a known language, else the saved setting, else Vietnamese."""
    env = (os.environ.get("ANTQ_LANG") or "").strip().lower()[:2]
    if env in LANGUAGES:
        return env
    from desktop import settings

    saved = str(settings.get("language") or "").lower()
    return saved if saved in LANGUAGES else DEFAULT_LANGUAGE


def catalog_dir():
    from desktop.resources import resource_path

    return resource_path("translations")


def activate(language: str | None = None) -> str:
    """Load the catalog of ``language`` (default: the configured one); returns the code."""
    global _language
    lang = language if language in LANGUAGES else configured_language()
    translation: gettext.NullTranslations = gettext.NullTranslations()
    if lang != DEFAULT_LANGUAGE:  # the source text is Vietnamese: its catalog is identity
        # No compiled catalog: the source (Vietnamese) text is shown.
        with contextlib.suppress(OSError):
            translation = gettext.translation(DOMAIN, str(catalog_dir()), languages=[lang])
    install(translation)
    _language = lang
    return lang


def install(translation: gettext.NullTranslations) -> None:
    """Make ``translation`` the active catalog for ``_``."""
    global _translation
    _translation = translation


def current_language() -> str:
    if _translation is None:
        activate()
    return _language


def babel_locale() -> str:
    return BABEL_LOCALES[current_language()]


def _active() -> gettext.NullTranslations:
    if _translation is None:
        activate()
    return _translation  # type: ignore[return-value]


def _(message: str) -> str:
    return _active().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _active().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _active().pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a string for the catalog without translating it yet (module-level constants)."""
    return message


def localize_argparse() -> None:
    """argparse's own words ("usage:", "options", its error messages) in Vietnamese when that
    is the language: argparse looks up ``_`` and ``ngettext`` in its module at each use, so
    they are pointed at the catalog ``resources/translations/vi/LC_MESSAGES/argparse.mo``."""
    if current_language() != "vi":
        return
    try:
        words = gettext.translation("argparse", str(catalog_dir()), languages=["vi"])
    except OSError:
        return
    import argparse

    argparse._ = words.gettext  # type: ignore[attr-defined]
    argparse.ngettext = words.ngettext  # type: ignore[attr-defined]
