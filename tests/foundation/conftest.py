"""The plugin jar, built once per test session (gradle lane)."""
from __future__ import annotations

import pytest

from tests.support import lanes


@pytest.fixture(scope="session")
def plugin_jar(tmp_path_factory):
    ok, why = lanes.gradle_available()
    if not ok:
        pytest.skip(why)  # tests that use it carry @pytest.mark.gradle, which fails in CI instead
    return lanes.build_plugin_jar(tmp_path_factory.mktemp("gradle-build"))
