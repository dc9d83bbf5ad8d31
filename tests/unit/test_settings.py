"""remote_completion.settings on CPython with the venv's pyhocon.

The conf cases live in tests/jython/checks/settings_cases.py so that the
Jython lane (check_settings.py) runs exactly the same ones."""
from __future__ import annotations

import os
import traceback
from pathlib import Path

import pytest

from remote_completion import settings
from tests.jython.checks import settings_cases


@pytest.mark.parametrize("case", settings_cases.CASES, ids=[c[0] for c in settings_cases.CASES])
def test_case(case):
    settings_cases.run_case(settings, case)


def test_case_runner_can_fail():
    """A wrong expectation is caught (the table is not vacuous)."""
    with pytest.raises(AssertionError, match="sync-interval is 10.0, expected 11.0"):
        settings_cases.run_case(settings, ("x", "xl.remote-completion.sync-interval = 10s",
                                           settings_cases.ok(sync_interval=11.0)))
    with pytest.raises(AssertionError, match="no SettingsError"):
        settings_cases.run_case(settings, ("x", "", settings_cases.error(None, "cannot parse")))


def test_defaults():
    d = settings.defaults()
    assert (d.fetching_enabled, d.sync_interval, d.startup_delay) == (True, 30.0, 30.0)
    assert (d.push_enabled, d.idle_refresh, d.batch_size) == (True, 240.0, 50)
    assert (d.max_message_size, d.network_timeout, d.mail_debug) == (1_000_000, 30.0, False)
    assert d.idle_refresh < settings.IDLE_REFRESH_LIMIT == 29 * 60
    assert d.unknown_keys == () and d.source is None


def write_conf(home: Path, text: str) -> Path:
    (home / "conf").mkdir(parents=True, exist_ok=True)
    path = home / "conf" / "xl-release.conf"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_means_defaults(tmp_path):
    assert settings.load(str(tmp_path / "conf" / "xl-release.conf")) == settings.defaults()
    assert settings.load(environ={settings.ENV_HOME: str(tmp_path)}) == settings.defaults()


def test_explicit_path(tmp_path):
    path = write_conf(tmp_path, "xl.remote-completion.batch-size = 3\n")
    result = settings.load(str(path))
    assert result.batch_size == 3 and result.source == str(path)


def test_server_home_from_environment(tmp_path):
    write_conf(tmp_path, "xl { remote-completion { sync-interval = 12 seconds } }\n")
    environ = {settings.ENV_HOME: str(tmp_path)}
    assert settings.conf_path(environ) == str(tmp_path / "conf" / "xl-release.conf")
    assert settings.load(environ=environ).sync_interval == 12.0


def test_server_home_defaults_to_working_directory(tmp_path, monkeypatch):
    write_conf(tmp_path, "xl.remote-completion.push-enabled = false\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(settings.ENV_HOME, raising=False)
    assert settings.server_home() == os.getcwd()
    assert settings.load().push_enabled is False
    # An empty variable counts as unset.
    assert settings.server_home({settings.ENV_HOME: " "}) == os.getcwd()


def test_include_is_relative_to_the_file(tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "mail.conf").write_text("xl.remote-completion.batch-size = 17\n")
    path = write_conf(tmp_path, 'include "mail.conf"\nxl.remote-completion.mail-debug = true\n')
    result = settings.load(str(path))
    assert (result.batch_size, result.mail_debug) == (17, True)


def test_not_utf8(tmp_path):
    (tmp_path / "conf").mkdir()
    path = tmp_path / "conf" / "xl-release.conf"
    path.write_bytes(b"xl.remote-completion.batch-size = 5 # caf\xe9\n")
    with pytest.raises(settings.SettingsError, match="not UTF-8") as info:
        settings.load(str(path))
    assert info.value.source == str(path)


def test_path_is_a_directory(tmp_path):
    with pytest.raises(settings.SettingsError, match="cannot read"):
        settings.load(str(tmp_path))


def test_error_shows_no_parser_traceback(tmp_path):
    """What an admin sees: one line, no pyhocon/pyparsing frames or chained errors."""
    path = write_conf(tmp_path, "xl.remote-completion { sync-interval = 10 seconds\n")
    with pytest.raises(settings.SettingsError) as info:
        settings.load(str(path))
    shown = "".join(traceback.format_exception(info.value))
    assert "During handling" not in shown and "direct cause" not in shown
    assert "pyparsing" not in shown and "pyhocon" not in shown
    assert str(path) in str(info.value)


def test_settings_equality_and_repr():
    a = settings.Settings(batch_size=5)
    assert a == settings.Settings(batch_size=5) != settings.defaults()
    assert "batch_size=5" in repr(a)
    with pytest.raises(TypeError):
        settings.Settings(bogus=1)


def test_settings_are_read_only_and_replace_copies():
    a = settings.defaults()
    with pytest.raises(AttributeError):
        a.sync_interval = 1
    b = a.replace(sync_interval=5.0)
    assert (a.sync_interval, b.sync_interval, b.batch_size) == (30.0, 5.0, a.batch_size)


def test_unchanged_file_is_not_parsed_again(tmp_path, monkeypatch):
    path = write_conf(tmp_path, "xl.remote-completion.batch-size = 3\n")
    first = settings.load(str(path))
    parsed = []
    real = settings.from_text
    monkeypatch.setattr(settings, "from_text", lambda *a, **k: parsed.append(1) or real(*a, **k))
    assert settings.load(str(path)) is first and parsed == []
    # A change (new size and time) is read again.
    stat = path.stat()
    path.write_text("xl.remote-completion.batch-size = 44\n")
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert settings.load(str(path)).batch_size == 44 and parsed == [1]
    assert settings.load(str(path), use_cache=False).batch_size == 44 and parsed == [1, 1]


def test_errors_are_not_cached(tmp_path):
    path = write_conf(tmp_path, "xl.remote-completion.batch-size = 0\n")
    for _ in range(2):
        with pytest.raises(settings.SettingsError, match="batch-size"):
            settings.load(str(path))


def test_load_or_defaults_reports_a_bad_conf_once_and_goes_on(tmp_path, monkeypatch):
    write_conf(tmp_path, "xl.remote-completion.sync-interval = often\n")
    monkeypatch.setenv("XL_RELEASE_SERVER_HOME", str(tmp_path))
    reported = []
    result = settings.load_or_defaults(reported.append)
    assert result == settings.defaults()
    assert len(reported) == 1 and "sync-interval" in reported[0] and "often" in reported[0]


def test_load_or_defaults_reports_nothing_for_a_good_conf(tmp_path, monkeypatch):
    write_conf(tmp_path, "xl.remote-completion.sync-interval = 5 seconds\n")
    monkeypatch.setenv("XL_RELEASE_SERVER_HOME", str(tmp_path))
    reported = []
    assert settings.load_or_defaults(reported.append).sync_interval == 5.0
    assert reported == []
