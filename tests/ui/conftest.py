from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True)
def fresh_settings(qapp):
    """Each test starts with no remembered window state (tab, columns, geometry)."""
    qapp.setOrganizationName("antq-desk-tests")
    QSettings().clear()
    yield
    QSettings().clear()
