"""Keeping the gettext catalogs in step with the code (a developer tool; ``make messages``).

``python -m desktop.i18n_catalogs update`` extracts every ``_()``/``N_()``/``ngettext``/
``pgettext`` string from ``desktop/`` into ``resources/translations/messages.pot``, merges it
into each language's ``messages.po`` (Vietnamese is the source language, so its catalog is
the identity and is filled in here; English entries new since the last run are left empty for
a person to translate) and compiles the ``.mo`` files. ``check`` lists what is missing,
untranslated, fuzzy or not compiled; the test suite runs it.

The compiled ``.mo`` files are kept in the source tree beside their ``.po``: the program runs
from a checkout (``make run``), an installed wheel and the frozen build without a compile
step, and ``check`` fails when a ``.mo`` is older in content than its ``.po``.
"""

from __future__ import annotations

import gettext
import io
import sys
from pathlib import Path
from string import Formatter

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from desktop.i18n import DOMAIN, LANGUAGES
from desktop.resources import resource_path

PACKAGE = Path(__file__).resolve().parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PROJECT = "ANTQ Desk"


def translations_dir() -> Path:
    return resource_path("translations")


def po_path(lang: str) -> Path:
    return translations_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Every marked string of the code, with where it is used."""
    catalog = Catalog(project=PROJECT, copyright_holder=PROJECT, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("Translators:",), strip_comment_tags=True):
        catalog.add(message, None, [(f"desktop/{filename}", lineno)],
                    auto_comments=comments, context=context)
    return catalog


def read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project=PROJECT, copyright_holder=PROJECT, fuzzy=False)
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def _po_bytes(catalog: Catalog, **kw) -> bytes:
    buf = io.BytesIO()
    # No line numbers: every edit elsewhere in a file would otherwise rewrite the catalogs.
    write_po(buf, catalog, width=0, include_lineno=False, **kw)
    return buf.getvalue()


def compile_mo(lang: str) -> Path:
    catalog = read(lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    target = po_path(lang).with_suffix(".mo")
    _write(target, buf.getvalue())
    return target


ARGPARSE_DOMAIN = "argparse"  # argparse's own words, in Vietnamese (written by hand)


def argparse_po() -> Path:
    return translations_dir() / "vi" / "LC_MESSAGES" / f"{ARGPARSE_DOMAIN}.po"


def argparse_messages() -> set[str]:
    """The messages Python's argparse passes to gettext (its source, read as code)."""
    import argparse
    import ast
    import inspect

    found: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(argparse))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ("_", "ngettext") and node.args and \
                isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            found.add(node.args[0].value)
    return found


def argparse_mo_bytes() -> bytes:
    with argparse_po().open("rb") as f:
        catalog = read_po(f, locale="vi")
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def compile_argparse() -> Path:
    target = argparse_po().with_suffix(".mo")
    _write(target, argparse_mo_bytes())
    return target


def update() -> None:
    compile_argparse()
    _write(translations_dir() / f"{DOMAIN}.pot", _po_bytes(extract()))
    for lang in LANGUAGES:
        catalog = read(lang)
        catalog.update(extract(), no_fuzzy_matching=True)  # a fresh template: update shares
        # the template's message objects with the catalog
        catalog.obsolete.clear()
        for message in catalog:
            if not message.id:
                continue
            if lang == "vi":  # the source language: identity
                message.string = message.id
            message.flags.discard("fuzzy")
        _write(po_path(lang), _po_bytes(catalog, ignore_obsolete=True))
        compile_mo(lang)


def _fields(text: str) -> set[str]:
    """The ``str.format`` fields of a message: a translation must keep every one."""
    try:
        return {f"{name}!{conv}:{spec}" for _lit, name, spec, conv in Formatter().parse(text)
                if name is not None}
    except ValueError:
        return {"<unparsable>"}


def _key(message) -> tuple:
    mid = message.id if isinstance(message.id, str) else tuple(message.id)
    return (message.context, mid)


def problems() -> list[str]:
    """Strings of the code missing from a catalog, untranslated or fuzzy entries, stale .mo."""
    wanted = {_key(m) for m in extract() if m.id}
    out: list[str] = []
    for lang in LANGUAGES:
        catalog = read(lang)
        have = {_key(m): m for m in catalog if m.id}
        for key in sorted(wanted - have.keys(), key=str):
            out.append(f"{lang}: missing {key[1]!r}")
        for key, m in have.items():
            strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
            if not all(strings):
                out.append(f"{lang}: untranslated {key[1]!r}")
            if m.fuzzy:
                out.append(f"{lang}: fuzzy {key[1]!r}")
            ids = (m.id,) if isinstance(m.id, str) else tuple(m.id)
            if any(s and _fields(s) != _fields(ids[0]) for s in strings):
                out.append(f"{lang}: placeholders differ in {key[1]!r}")
        mo = po_path(lang).with_suffix(".mo")
        if not mo.exists():
            out.append(f"{lang}: {mo.name} not compiled")
            continue
        with mo.open("rb") as f:
            compiled = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
        expected = {}
        for m in catalog:
            strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
            if not m.id or m.fuzzy or not all(strings):  # write_mo leaves these out
                continue
            ids = (m.id,) if isinstance(m.id, str) else tuple(m.id)
            msgid = ids[0] if m.context is None else f"{m.context}\x04{ids[0]}"
            if len(ids) == 1:
                expected[msgid] = m.string
            else:
                for i, s in enumerate(m.string):
                    expected[(msgid, i)] = s
        compiled = {k: v for k, v in compiled.items() if k != ""}
        if compiled != expected:
            out.append(f"{lang}: {mo.name} is out of date (run `make messages`)")
    return out


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
    elif command == "compile":
        for lang in LANGUAGES:
            compile_mo(lang)
    issues = problems()
    for line in issues:
        print(line)
    if not issues:
        print(f"{sum(1 for m in extract() if m.id)} strings, all translated in "
              f"{', '.join(LANGUAGES)}")
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
