"""Translation hook for every user-visible string.

Strings are marked with ``_()`` now so that the catalogs (a later issue) can be
extracted with pybabel; until a catalog is installed ``_`` returns the Vietnamese
source text unchanged.
"""

from __future__ import annotations

import gettext

_translation: gettext.NullTranslations = gettext.NullTranslations()


def install(translation: gettext.NullTranslations) -> None:
    """Make ``translation`` the active catalog for ``_``."""
    global _translation
    _translation = translation


def _(message: str) -> str:
    return _translation.gettext(message)
