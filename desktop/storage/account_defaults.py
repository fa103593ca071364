"""The first account's name and the demo database's password, apart from the account code:
the login prompt shows them before it paints, and desktop/storage/accounts.py brings the key
derivation and the cipher with it (imported while the password is typed, issue 12)."""

from __future__ import annotations

DEFAULT_ACCOUNT = "admin"
# The demo database's chief (printed by `antq demo`, shown by the window's login).
DEMO_PASSWORD = "dulieumau"
