"""The plugin's settings: the ``xl.remote-completion`` section of xl-release.conf.

Inside XL Release the section is read from the server's own resolved
configuration (``XlrConfig.getInstance().getRootConfig()``, a Typesafe
Config: includes, ``${?ENV}`` substitutions and system properties already
applied, as XL Release itself sees them).  Elsewhere (the sandbox, tests) the
file is parsed with pyhocon.  Both give the same keys, defaults and checks.
Values follow Typesafe config:

- durations: ``30 seconds``, ``30s``, ``2 minutes``, ``500 ms``, ``1.5 h``;
  a bare number is milliseconds (``30000`` is 30 seconds);
- sizes: ``1 MB`` (10^6 bytes), ``512 KiB`` / ``512K`` (2^10 multiples), or a
  bare number of bytes;
- booleans: ``true``/``false`` (also ``yes``/``no``, ``on``/``off``).

A missing file or section means defaults.  A file that cannot be parsed or a
bad value raises ``SettingsError`` naming the file, the key and the problem;
its message never quotes other parts of the file (xl-release.conf also holds
database passwords).
"""
from __future__ import absolute_import, division, unicode_literals

import datetime
import io
import os
import re
import sys
import threading

from .compat import HOST_ERRORS, JYTHON, integer_types, string_types, to_text

SECTION = 'xl.remote-completion'
ENV_HOME = 'XL_RELEASE_SERVER_HOME'
CONF_FILE = os.path.join('conf', 'xl-release.conf')

# RFC 2177: a client must re-issue IDLE at least every 29 minutes, or the
# server may drop the connection as inactive.
IDLE_REFRESH_LIMIT = 29 * 60.0
MIN_MESSAGE_SIZE = 1024

_DURATION_UNITS = {}
for _names, _seconds in (
        (('ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds'), 1e-9),
        (('us', 'micro', 'micros', 'microsecond', 'microseconds'), 1e-6),
        (('', 'ms', 'milli', 'millis', 'millisecond', 'milliseconds'), 1e-3),
        (('s', 'second', 'seconds'), 1.0),
        (('m', 'minute', 'minutes'), 60.0),
        (('h', 'hour', 'hours'), 3600.0),
        (('d', 'day', 'days'), 86400.0),
        # Not Typesafe, but pyhocon turns an unquoted "2 weeks" into a
        # timedelta, so the quoted form must mean the same.
        (('w', 'week', 'weeks'), 604800.0)):
    for _name in _names:
        _DURATION_UNITS[_name] = _seconds

_SIZE_UNITS = {}
for _names, _bytes in (
        (('', 'B', 'b', 'byte', 'bytes'), 1),
        (('kB', 'KB', 'kilobyte', 'kilobytes'), 10 ** 3),
        (('K', 'k', 'Ki', 'KiB', 'kibibyte', 'kibibytes'), 2 ** 10),
        (('MB', 'megabyte', 'megabytes'), 10 ** 6),
        (('M', 'm', 'Mi', 'MiB', 'mebibyte', 'mebibytes'), 2 ** 20),
        (('GB', 'gigabyte', 'gigabytes'), 10 ** 9),
        (('G', 'g', 'Gi', 'GiB', 'gibibyte', 'gibibytes'), 2 ** 30)):
    for _name in _names:
        _SIZE_UNITS[_name] = _bytes

_NUMBER_AND_UNIT = re.compile(r'^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*([A-Za-z]*)$')

_TRUE = ('true', 'yes', 'on')
_FALSE = ('false', 'no', 'off')


class SettingsError(ValueError):
    """xl-release.conf cannot be read, or holds a bad value for a key of ours."""

    def __init__(self, message, key=None, source=None):
        ValueError.__init__(self, message)
        self.key = key
        self.source = source


class _Problem(Exception):
    """A value's problem, turned into a SettingsError that names the key."""


# --- value parsers (raise _Problem) ---------------------------------------

def _show(value):
    """A bounded rendering of a value for an error message."""
    if isinstance(value, datetime.timedelta):
        return '%g seconds' % value.total_seconds()
    if isinstance(value, dict):
        return 'an object'
    if isinstance(value, (list, tuple)):
        return 'a list'
    if isinstance(value, integer_types + (float,)) and not isinstance(value, bool):
        return to_text(value)
    text = to_text(value)
    text = ' '.join(text.split())
    if len(text) > 60:
        text = text[:57] + '...'
    return '"%s"' % text


def parse_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, string_types):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _Problem('%s is not a boolean (use true or false)' % _show(value))


def parse_duration(value):
    """A HOCON duration as seconds (float).  A bare number is milliseconds."""
    if isinstance(value, bool):
        raise _Problem('%s is not a duration' % _show(value))
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, integer_types + (float,)):
        return value / 1000.0
    if type(value).__name__ == 'relativedelta':
        # pyhocon returns one for every unit when python-dateutil is installed.
        if getattr(value, 'months', 0) or getattr(value, 'years', 0):
            raise _Problem('months and years are not supported here (use days, hours, '
                           'minutes, seconds or ms)')
        return (value.days * 86400.0 + value.hours * 3600.0 + value.minutes * 60.0
                + value.seconds + value.microseconds / 1e6)
    if isinstance(value, string_types):
        match = _NUMBER_AND_UNIT.match(value.strip())
        if match:
            unit = match.group(2)
            factor = _DURATION_UNITS.get(unit, _DURATION_UNITS.get(unit.lower()))
            if factor is not None:
                return float(match.group(1)) * factor
            raise _Problem('%s has an unknown time unit "%s" (use ms, seconds, '
                           'minutes, hours or days; a bare number is milliseconds)'
                           % (_show(value), unit))
    raise _Problem('%s is not a duration (use e.g. "30 seconds", "2 minutes" or '
                   '"500 ms"; a bare number is milliseconds)' % _show(value))


def parse_size(value):
    """A HOCON size in bytes (int).  A bare number is bytes."""
    if isinstance(value, bool):
        raise _Problem('%s is not a size' % _show(value))
    if isinstance(value, datetime.timedelta):
        # pyhocon reads an unquoted "10 m" or "10m" as ten minutes.
        raise _Problem('%s was read as a duration ("m" means minutes to the HOCON '
                       'parser): write the size as e.g. "10 MiB" or "10 MB"' % _show(value))
    if isinstance(value, integer_types):
        return int(value)
    if isinstance(value, float):
        if value != int(value):
            raise _Problem('%s is not a whole number of bytes' % _show(value))
        return int(value)
    if isinstance(value, string_types):
        match = _NUMBER_AND_UNIT.match(value.strip())
        if match:
            factor = _SIZE_UNITS.get(match.group(2))
            if factor is not None:
                return int(float(match.group(1)) * factor)
            raise _Problem('%s has an unknown size unit "%s" (use bytes, kB, KiB, MB, '
                           'MiB, GB or GiB)' % (_show(value), match.group(2)))
    raise _Problem('%s is not a size (use e.g. "1 MB", "512 KiB" or a number of '
                   'bytes)' % _show(value))


def parse_url(value):
    """The server's URL (http or https, no query), or None when empty."""
    if value is None:
        return None
    if not isinstance(value, string_types) or isinstance(value, bool):
        raise _Problem('%s is not a URL' % _show(value))
    text = value.strip().rstrip('/')
    if not text:
        return None
    if not re.match(r'^https?://[^\s/?#@]+(/[^\s?#]*)?$', text):
        raise _Problem('%s is not an http(s) URL such as "https://xlr.example.com"'
                       % _show(value))
    return text


def parse_count(value):
    if isinstance(value, bool):
        raise _Problem('%s is not a whole number' % _show(value))
    if isinstance(value, integer_types):
        return int(value)
    if isinstance(value, float) and value == int(value):
        return int(value)
    if isinstance(value, string_types) and re.match(r'^[+-]?\d+$', value.strip()):
        return int(value.strip())
    raise _Problem('%s is not a whole number' % _show(value))


# --- checks on parsed values ----------------------------------------------

def _at_least(minimum, what):
    def check(value):
        if value < minimum:
            raise _Problem('must be at least %s' % what)
    return check


def _idle_refresh(seconds):
    if seconds < 1:
        raise _Problem('must be at least 1 second')
    if seconds >= IDLE_REFRESH_LIMIT:
        raise _Problem('must be shorter than 29 minutes (RFC 2177: servers may drop '
                       'an IDLE connection after 30 minutes)')


def _no_check(value):
    return None


# (HOCON key, attribute, parser, default, check)
KEYS = (
    ('fetching-enabled', 'fetching_enabled', parse_bool, True, _no_check),
    ('sync-interval', 'sync_interval', parse_duration, 30.0, _at_least(1, '1 second')),
    ('startup-delay', 'startup_delay', parse_duration, 30.0, _at_least(0, '0 seconds')),
    ('push-enabled', 'push_enabled', parse_bool, True, _no_check),
    ('idle-refresh', 'idle_refresh', parse_duration, 240.0, _idle_refresh),
    # XL Release push: the waiting script's reschedule interval (bounds reply
    # -> task ended) and how long the run holding the JVM-wide slot idles.
    ('wait-interval', 'wait_interval', parse_duration, 2.0, _at_least(1, '1 second')),
    ('xlr-push-session', 'xlr_push_session', parse_duration, 60.0, _idle_refresh),
    ('batch-size', 'batch_size', parse_count, 50, _at_least(1, '1')),
    ('max-message-size', 'max_message_size', parse_size, 10 ** 6,
     _at_least(MIN_MESSAGE_SIZE, '1 KiB (1024 bytes)')),
    ('network-timeout', 'network_timeout', parse_duration, 30.0,
     _at_least(0.1, '100 ms')),
    ('mail-debug', 'mail_debug', parse_bool, False, _no_check),
    # A claim older than this is taken back from a fetcher that died.
    ('claim-timeout', 'claim_timeout', parse_duration, 600.0, _at_least(10, '10 seconds')),
    # XL Release's own URL: the request mail links to the task (no link when unset).
    ('server-url', 'server_url', parse_url, None, _no_check),
    # Answer each reply's sender with what became of it.
    ('outcome-replies', 'outcome_replies', parse_bool, True, _no_check),
    # Plain replies go to mailbox+<token>: off for servers without sub-addressing.
    ('reply-subaddress', 'reply_subaddress', parse_bool, True, _no_check),
)
KNOWN_KEYS = tuple(k[0] for k in KEYS)


class Settings(object):
    """The section's values: durations in seconds (float), sizes in bytes.

    ``source`` is the file read (None when defaults were used because there
    was no file); ``unknown_keys`` lists keys in the section that this
    plugin does not know (probably typos: callers log them).
    """

    def __init__(self, source=None, unknown_keys=(), **values):
        # Values given here are taken as they are (tests use tiny intervals);
        # only load()/from_text() check them.
        fields = {}
        for key, attr, _parser, default, _check in KEYS:
            fields[attr] = values.pop(attr, default)
        if values:
            raise TypeError('unknown settings: %s' % ', '.join(sorted(values)))
        fields['source'] = source
        fields['unknown_keys'] = tuple(unknown_keys)
        self.__dict__.update(fields)

    def __setattr__(self, name, value):
        # Read-only: load() hands the same cached object to every caller.
        raise AttributeError('Settings are read-only; use replace(%s=...)' % name)

    def replace(self, **changes):
        """A copy with some values changed."""
        values = dict((attr, getattr(self, attr)) for _k, attr, _p, _d, _c in KEYS)
        values.update(changes)
        source = values.pop('source', self.source)
        unknown = values.pop('unknown_keys', self.unknown_keys)
        return Settings(source=source, unknown_keys=unknown, **values)

    def as_dict(self):
        """Values by HOCON key, e.g. {'sync-interval': 30.0, ...}."""
        return dict((key, getattr(self, attr)) for key, attr, _p, _d, _c in KEYS)

    def __eq__(self, other):
        return isinstance(other, Settings) and self.as_dict() == other.as_dict()

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return 'Settings(%s)' % ', '.join(
            '%s=%r' % (attr, getattr(self, attr)) for _k, attr, _p, _d, _c in KEYS)


def defaults():
    return Settings()


# --- reading --------------------------------------------------------------

def _raise(error):
    """Raise without the parser's exception chained (no pyhocon traceback)."""
    error.__cause__ = None
    error.__suppress_context__ = True
    raise error


def _java_user_dir():
    try:
        from java.lang import System  # Jython only
    except ImportError:
        return None
    return System.getProperty('user.dir')


def server_home(environ=None):
    """XL_RELEASE_SERVER_HOME, else Java's user.dir, else the working directory."""
    environ = os.environ if environ is None else environ
    home = environ.get(ENV_HOME)
    if home and home.strip():
        return home
    return _java_user_dir() or os.getcwd()


def conf_path(environ=None):
    return os.path.join(server_home(environ), CONF_FILE)


def _parse_error(error, source):
    name = type(error).__name__
    line = getattr(error, 'lineno', None)
    where = ' at line %s, column %s' % (line, getattr(error, 'col', '?')) if line else ''
    if name == 'ConfigSubstitutionException':
        # Names the unresolved ${variable}, never a value.
        detail = ' '.join(to_text(error).split())[:200]
        return SettingsError('cannot parse %s: %s' % (source, detail), source=source)
    return SettingsError('cannot parse %s: not valid HOCON (%s)%s' % (source, name, where),
                         source=source)


def _is_null(value):
    return type(value).__name__ == 'NoneValue'


def _kind(value):
    if isinstance(value, (list, tuple)):
        return 'a list'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, string_types):
        return 'a string'
    if isinstance(value, integer_types + (float,)):
        return 'a number'
    return 'a %s' % type(value).__name__


def _section(tree, source):
    node = tree
    for part in SECTION.split('.'):
        if not isinstance(node, dict):
            break
        node = dict.get(node, part)  # not ConfigTree.get: no key-path parsing
        if node is None or _is_null(node):
            return {}
    if not isinstance(node, dict):
        # Only the kind of value: the root of the file may hold anything.
        _raise(SettingsError('%s in %s must be an object ({ ... }), not %s'
                             % (SECTION, source, _kind(node)), key=SECTION, source=source))
    return node


def _value(section, key):
    """The key's value, or KeyError; pyhocon's ``null`` comes back as None."""
    value = dict.__getitem__(section, key)
    return None if _is_null(value) else value


def from_tree(tree, source='<settings>'):
    """Settings from a parsed HOCON tree (a pyhocon ConfigTree or a dict)."""
    return from_section(_section(tree, source), source)


def from_section(section, source='<settings>'):
    """Settings from the section's own keys (a dict)."""
    values = {}
    for key, attr, parser, _default, check in KEYS:
        try:
            raw = _value(section, key)
        except KeyError:
            continue
        full_key = SECTION + '.' + key
        try:
            if raw is None:
                raise _Problem('is null (remove the line to use the default)')
            value = parser(raw)
            check(value)
        except _Problem as problem:
            _raise(SettingsError('%s in %s: %s' % (full_key, source, problem),
                                 key=full_key, source=source))
        values[attr] = value
    unknown = sorted(k for k in section.keys() if to_text(k) not in KNOWN_KEYS)
    return Settings(source=source, unknown_keys=[to_text(k) for k in unknown], **values)


def _config_factory():
    """pyhocon's ConfigFactory: on Jython the copy vendored under this package
    (another plugin's pyhocon at the class path root must not be taken, nor
    ours given to it); on CPython the installed one, else the vendored one."""
    if not sys.platform.startswith('java'):
        try:
            from pyhocon import ConfigFactory
            return ConfigFactory
        except ImportError:
            pass
    from ._vendor.pyhocon import ConfigFactory
    return ConfigFactory


def from_text(text, source='<text>', basedir=None):
    """Settings from HOCON text (``include`` resolved relative to basedir)."""
    ConfigFactory = _config_factory()  # the library's name
    try:
        tree = ConfigFactory.parse_string(to_text(text), basedir=basedir)
    except Exception as error:  # pyparsing and pyhocon raise many classes
        _raise(_parse_error(error, source))
    return from_tree(tree, source)


# Parsing a real xl-release.conf takes ~0.4 s on Jython and the fetcher loads
# settings every cycle: keep the last result per file while it is unchanged.
_cache_lock = threading.Lock()
_cache = {}


def _stamp(path):
    try:
        info = os.stat(path)
    except (IOError, OSError):
        return None
    return (info.st_mtime, info.st_size)


# --- XL Release's own configuration -----------------------------------------

XLR_CONFIG = 'com.xebialabs.xlrelease.config.XlrConfig'
SERVER_SOURCE = 'the XL Release configuration (XlrConfig)'


# On Jython, XlrConfig missing from the JVM (outside XL Release: the
# sandbox, the benchmark) stays missing: the import is not tried again (a
# failed Java import costs about 2.5 ms there).  CPython tries every time
# (tests put a stand-in on the path).
_no_server_config = []


def server_config():
    """XL Release's resolved configuration (a Typesafe Config), or None
    outside XL Release (the class is not importable there)."""
    if _no_server_config:
        return None
    try:
        from com.xebialabs.xlrelease.config import XlrConfig
    except ImportError:
        if JYTHON:
            _no_server_config.append(True)
        return None
    try:
        return XlrConfig.getInstance().getRootConfig()
    except HOST_ERRORS:  # not initialised (yet): the file, as before
        return None


def _plain(value):
    """A Java value from Typesafe's unwrapped() as a Python value."""
    if value is None or isinstance(value, (bool, float) + integer_types + string_types):
        return value
    if hasattr(value, 'entrySet'):
        return dict((to_text(e.getKey()), _plain(e.getValue())) for e in value.entrySet())
    if hasattr(value, 'toArray') or isinstance(value, (list, tuple)):
        return [_plain(v) for v in (value.toArray() if hasattr(value, 'toArray') else value)]
    if hasattr(value, 'doubleValue') and not hasattr(value, 'intValue'):
        return float(value.doubleValue())
    return value


def from_server_config(root, source=SERVER_SOURCE):
    """Settings from a Typesafe Config (XlrConfig's root configuration)."""
    if not root.hasPath(SECTION):
        return Settings(source=source)
    try:
        section = root.getConfig(SECTION).root().unwrapped()
    except HOST_ERRORS:  # ConfigException.WrongType: never quote the value
        _raise(SettingsError('%s in %s must be an object ({ ... })' % (SECTION, source),
                             key=SECTION, source=source))
    return from_section(_plain(section), source)


def load(path=None, environ=None, use_cache=True):
    """Settings from XL Release's own configuration when running inside it,
    else from ``path`` (default: conf/xl-release.conf under the server
    home).  A missing file means defaults.  An unchanged file (same
    modification time and size) is not parsed again; errors are not cached."""
    if path is None:
        root = server_config()
        if root is not None:
            return from_server_config(root)
        path = conf_path(environ)
    if not os.path.exists(path):
        return Settings()
    stamp = _stamp(path) if use_cache else None
    if stamp is not None:
        with _cache_lock:
            cached = _cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    result = _read(path)
    if stamp is not None:
        with _cache_lock:
            _cache[path] = (stamp, result)
    return result


def load_or_defaults(report):
    """``load()``, or the defaults when the file is broken: a bad
    xl-release.conf must never stop the plugin.  ``report(text)`` gets the
    problem as one line (SettingsError texts name the key and never quote
    the file, which also holds database passwords)."""
    try:
        return load()
    except HOST_ERRORS as error:
        report(to_text(error) if isinstance(error, SettingsError)
               else '%s: %s' % (type(error).__name__, to_text(error)))
        return defaults()


def _read(path):
    try:
        with io.open(path, 'r', encoding='utf-8') as handle:
            text = handle.read()
    except UnicodeDecodeError:
        _raise(SettingsError('cannot read %s: not UTF-8 text' % path, source=path))
    except (IOError, OSError) as error:
        _raise(SettingsError('cannot read %s: %s' % (path, getattr(error, 'strerror', None)
                                                      or type(error).__name__),
                             source=path))
    return from_text(text, source=path, basedir=os.path.dirname(os.path.abspath(path)))
