"""Who is at the keyboard: login, the screen lock, accounts, the audit log, backups and restore."""
