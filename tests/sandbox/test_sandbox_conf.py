"""conf/xl-release.conf as the host reads it: defaults, durations, bad values."""
from __future__ import annotations

import pytest

from sandbox import ConfError
from sandbox.conf import SCHEDULE_INTERVAL_KEY, parse_duration, read_host_conf, write_conf
from sandbox.rules import ScheduledJob, Setting

JOB = ScheduledJob("remoteCompletion.FetchMail", "remoteCompletion/FetchMail.py",
                   Setting("xl.remote-completion.fetching-enabled", "true"),
                   Setting("xl.remote-completion.sync-interval", "30 seconds"),
                   Setting("xl.remote-completion.startup-delay", "30 seconds"))


def conf(tmp_path, text):
    write_conf(tmp_path, text)
    return read_host_conf(tmp_path, [JOB])


def test_defaults_without_a_file(tmp_path):
    result = read_host_conf(tmp_path, [JOB])
    job = result.jobs[JOB.name]
    assert (job.enabled, job.interval, job.startup_delay) == (True, 30.0, 30.0)
    assert result.schedule_interval == 5.0
    assert result.path is None


def test_defaults_for_missing_keys(tmp_path):
    job = conf(tmp_path, "xl.remote-completion { sync-interval = 10 seconds }").jobs[JOB.name]
    assert (job.enabled, job.interval, job.startup_delay) == (True, 10.0, 30.0)


@pytest.mark.parametrize("text, seconds", [
    ("30 seconds", 30.0), ("30s", 30.0), ("2 minutes", 120.0), ("500 ms", 0.5), ('"1 h"', 3600.0),
    ("1500", 1.5),  # a bare number is milliseconds (HOCON)
    ('"45 seconds"', 45.0), ("1.5 seconds", 1.5),
])
def test_durations(tmp_path, text, seconds):
    job = conf(tmp_path, "xl.remote-completion.sync-interval = %s" % text).jobs[JOB.name]
    assert job.interval == pytest.approx(seconds)


def test_nested_and_dotted_forms_are_the_same(tmp_path):
    nested = conf(tmp_path, "xl { remote-completion { fetching-enabled = false } }").jobs[JOB.name]
    assert nested.enabled is False


@pytest.mark.parametrize("key, value, fragment", [
    ("sync-interval", "soon", "not a duration"),
    ("sync-interval", "0 seconds", "more than zero"),
    ("startup-delay", "-5 seconds", "negative"),
    ("startup-delay", "3 fortnights", "not a duration"),
    ("fetching-enabled", "maybe", "not a boolean"),
    ("fetching-enabled", "1", "not a boolean"),
])
def test_bad_values_name_the_key(tmp_path, key, value, fragment):
    with pytest.raises(ConfError) as error:
        conf(tmp_path, "xl.remote-completion.%s = %s" % (key, value))
    assert "xl.remote-completion." + key in str(error.value)
    assert fragment in str(error.value)


def test_schedule_interval_may_not_be_below_one_second(tmp_path):
    assert conf(tmp_path, "%s = 2 seconds" % SCHEDULE_INTERVAL_KEY).schedule_interval == 2.0
    with pytest.raises(ConfError, match=SCHEDULE_INTERVAL_KEY):
        conf(tmp_path, "%s = 500 ms" % SCHEDULE_INTERVAL_KEY)


def test_unparseable_file_does_not_echo_its_content(tmp_path):
    with pytest.raises(ConfError) as error:
        conf(tmp_path, 'xl.db.password = "hunter2-secret\nxl.remote-completion {{{ ')
    assert "hunter2" not in str(error.value)
    assert "xl-release.conf" in str(error.value)


def test_parse_duration_rejects_booleans():
    with pytest.raises(ConfError):
        parse_duration(True, "k")


def test_server_start_fails_on_a_bad_conf(tmp_path):
    from sandbox import Server, VirtualClock
    from sandbox_helpers import fixture_plugin
    write_conf(tmp_path / "home", "xl.fixture.sync-interval = never")
    server = Server(tmp_path / "home", [fixture_plugin()], clock=VirtualClock())
    with pytest.raises(ConfError, match="xl.fixture.sync-interval"):
        server.start()
