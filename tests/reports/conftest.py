"""Fixtures for the report engine: the sample reports registered for one test, files read back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.plugins.host import plugin_host
from core.testing.fixtures import read_csv  # noqa: F401 (the reports tests import it from here)
from tests.reports import sample_plugin


@pytest.fixture
def sample_reports(app) -> Iterator[object]:
    """``sample.*`` reports offered in every tenant for the test's duration."""
    pm = plugin_host(app).pm
    pm.register(sample_plugin, name="tests.reports.sample_plugin")
    saved = dict(sample_plugin.CRAFTED)
    try:
        yield sample_plugin
    finally:
        pm.unregister(sample_plugin)
        sample_plugin.CRAFTED.clear()
        sample_plugin.CRAFTED.update(saved)
