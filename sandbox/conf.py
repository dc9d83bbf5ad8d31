"""The host's part of ``<home>/conf/xl-release.conf`` (HOCON, read with pyhocon).

The sandbox reads only what the host itself uses: the keys xl-rules.xml names
for each scheduled job (for the fetch job ``xl.remote-completion.fetching-enabled``,
``sync-interval``, ``startup-delay``) and the default wait between scheduled
task scripts (``xl.durations.customScriptTaskScheduleInterval``).  The plugin's own keys
are the plugin's business (``remote_completion.settings``).

Durations follow the HOCON/Typesafe Config rules: a number alone is
milliseconds; otherwise a number and a unit (``ns us ms s m h d`` and their
long forms, e.g. ``30 seconds``).  A value that is not a duration, a negative
duration, or a zero fetch interval is a ``ConfError`` naming the key.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
from pathlib import Path

from pyhocon import ConfigFactory
from pyhocon.exceptions import ConfigException

from .errors import ConfError

SCHEDULE_INTERVAL_KEY = "xl.durations.customScriptTaskScheduleInterval"

_UNITS = {
    1e-9: ("ns", "nano", "nanos", "nanosecond", "nanoseconds"),
    1e-6: ("us", "micro", "micros", "microsecond", "microseconds"),
    1e-3: ("ms", "milli", "millis", "millisecond", "milliseconds"),
    1.0: ("s", "second", "seconds"),
    60.0: ("m", "minute", "minutes"),
    3600.0: ("h", "hour", "hours"),
    86400.0: ("d", "day", "days"),
    604800.0: ("w", "week", "weeks"),  # pyhocon reads an unquoted "2 weeks" too
}
_UNIT_SECONDS = {name: factor for factor, names in _UNITS.items() for name in names}
_DURATION = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")


def parse_duration(value, key: str) -> float:
    """A HOCON duration value as seconds; ``ConfError`` naming ``key`` if it is not one."""
    if isinstance(value, bool):
        raise ConfError("%s: %r is not a duration (e.g. '30 seconds')" % (key, value))
    if isinstance(value, datetime.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)):
        seconds = value / 1000.0  # HOCON: a bare number is milliseconds
    elif isinstance(value, str):
        match = _DURATION.match(value)
        unit = match.group(2) if match else None
        if not match or (unit and unit not in _UNIT_SECONDS):
            raise ConfError("%s: %r is not a duration (e.g. '30 seconds')" % (key, value))
        seconds = float(match.group(1)) * (_UNIT_SECONDS[unit] if unit else 1e-3)
    else:
        # pyhocon gives relativedelta for months/years: not a fixed length.
        raise ConfError("%s: %r is not a duration (e.g. '30 seconds')" % (key, value))
    if seconds < 0:
        raise ConfError("%s: a duration cannot be negative (%r)" % (key, value))
    return seconds


def parse_boolean(value, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (
        "true", "yes", "on", "false", "no", "off"):
        return value.strip().lower() in ("true", "yes", "on")
    raise ConfError("%s: %r is not a boolean (true or false)" % (key, value))


@dataclasses.dataclass(frozen=True)
class JobConf:
    """When a scheduled job runs, as read from xl-release.conf (or the defaults)."""
    enabled: bool = True
    interval: float = 30.0          # seconds, fixed delay between the end of a run and the next
    startup_delay: float = 30.0     # seconds before the first run


@dataclasses.dataclass(frozen=True)
class HostConf:
    schedule_interval: float = 5.0  # default wait of task.schedule(script)
    jobs: dict = dataclasses.field(default_factory=dict)  # job name -> JobConf
    path: Path | None = None        # the file read, None if there was none


def _read_tree(path: Path):
    if not path.exists():
        return None
    try:
        return ConfigFactory.parse_file(str(path))
    except Exception as exc:  # pyparsing errors are not ConfigException
        # Only the position: the file also holds other systems' passwords.
        where = " at line %s" % exc.lineno if getattr(exc, "lineno", None) else ""
        raise ConfError("%s: not valid HOCON%s" % (path, where)) from None


def _get(tree, key, default):
    if tree is None:
        return default
    try:
        return tree.get(key, default)
    except ConfigException:
        raise ConfError("%s: not a value of the expected shape" % key) from None


def read_host_conf(home: Path, jobs=()) -> HostConf:
    """The host's keys; ``jobs`` are the plugin's scheduled jobs (rules.ScheduledJob)."""
    path = Path(home) / "conf" / "xl-release.conf"
    tree = _read_tree(path)
    job_confs = {}
    for job in jobs:
        enabled = parse_boolean(
            _get(tree, job.enabled.conf_key, job.enabled.default), job.enabled.conf_key
        )
        interval = parse_duration(
            _get(tree, job.interval.conf_key, job.interval.default), job.interval.conf_key
        )
        delay = parse_duration(_get(tree, job.startup_delay.conf_key, job.startup_delay.default),
                               job.startup_delay.conf_key)
        if interval <= 0:
            raise ConfError("%s: must be more than zero" % job.interval.conf_key)
        job_confs[job.name] = JobConf(enabled, interval, delay)
    schedule = parse_duration(_get(tree, SCHEDULE_INTERVAL_KEY, "5 seconds"), SCHEDULE_INTERVAL_KEY)
    if schedule < 1:
        # using-scheduling-in-scripts.md: "The interval may not be less than 1 second."
        raise ConfError("%s: may not be less than 1 second" % SCHEDULE_INTERVAL_KEY)
    return HostConf(schedule, job_confs, path if tree is not None else None)


def write_conf(home: Path, text: str) -> Path:
    """Write ``<home>/conf/xl-release.conf`` (used by the demo and tests)."""
    path = Path(home) / "conf" / "xl-release.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
