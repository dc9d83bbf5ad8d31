# -*- coding: utf-8 -*-
"""xl-release.conf cases for remote_completion.settings, run on BOTH lanes.

CPython: tests/unit/test_settings.py parametrizes over CASES (with the
venv's pyhocon).  Jython: check_settings.py runs them all (with the vendored
pyhocon 0.3.60 / pyparsing 2.4.7).  Python 2.7 syntax; not a check module
itself (its name does not start with ``check_``).
"""
from __future__ import absolute_import, unicode_literals

SECTION = 'xl.remote-completion'


def ok(**values):
    """The settings equal the defaults except ``values`` (by attribute);
    ``unknown_keys=(...)`` checks the typo list too."""
    return ('ok', values)


def error(key, *fragments, **kwargs):
    """A SettingsError for ``key`` (None: the file itself) whose message holds
    every fragment and none of ``absent``."""
    return ('error', key, fragments, tuple(kwargs.get('absent', ())))


def conf(body):
    return 'xl.remote-completion {\n%s\n}\n' % body


CASES = [
    # --- defaults -----------------------------------------------------------
    ('empty file', '', ok()),
    ('only comments', '# nothing\n// here\n', ok()),
    (
        'other sections only', 'xl.database { db-url = "jdbc:h2:file" }\nxl.server.port = 5516\n',
        ok()),
    ('empty section', conf(''), ok()),
    # --- booleans -----------------------------------------------------------
    ('fetching-enabled false', conf('fetching-enabled = false'), ok(fetching_enabled=False)),
    ('fetching-enabled off', conf('fetching-enabled = off'), ok(fetching_enabled=False)),
    ('fetching-enabled quoted yes', conf('fetching-enabled = "yes"'), ok(fetching_enabled=True)),
    ('push-enabled false', conf('push-enabled = false'), ok(push_enabled=False)),
    ('mail-debug true', conf('mail-debug = true'), ok(mail_debug=True)),
    ('mail-debug on', conf('mail-debug = on'), ok(mail_debug=True)),
    ('boolean as number', conf('mail-debug = 1'), error('mail-debug', 'not a boolean')),
    (
        'boolean as word', conf('push-enabled = maybe'),
        error('push-enabled', '"maybe"', 'not a boolean')),
    # --- durations ----------------------------------------------------------
    ('sync-interval seconds', conf('sync-interval = 10 seconds'), ok(sync_interval=10.0)),
    ('sync-interval 10s', conf('sync-interval = 10s'), ok(sync_interval=10.0)),
    ('sync-interval minutes', conf('sync-interval = 2 minutes'), ok(sync_interval=120.0)),
    ('sync-interval 1 h', conf('sync-interval = 1 h'), ok(sync_interval=3600.0)),
    ('sync-interval quoted', conf('sync-interval = "1 minute"'), ok(sync_interval=60.0)),
    ('sync-interval fraction', conf('sync-interval = 1.5 minutes'), ok(sync_interval=90.0)),
    ('bare number is milliseconds', conf('sync-interval = 45000'), ok(sync_interval=45.0)),
    ('quoted bare number is milliseconds', conf('sync-interval = "2500"'), ok(sync_interval=2.5)),
    (
        'sync-interval below a second', conf('sync-interval = 500 ms'),
        error('sync-interval', 'at least 1 second')),
    ('sync-interval zero', conf('sync-interval = 0'), error('sync-interval', 'at least 1 second')),
    (
        'sync-interval negative', conf('sync-interval = "-5 seconds"'),
        error('sync-interval', 'at least 1 second')),
    (
        'sync-interval words', conf('sync-interval = often'),
        error('sync-interval', '"often"', 'not a duration', 'milliseconds')),
    (
        'sync-interval unknown unit', conf('sync-interval = "5 fortnights"'),
        error('sync-interval', 'unknown time unit', 'fortnights')),
    (
        'sync-interval months', conf('sync-interval = "2 months"'),
        error('sync-interval', 'unknown time unit')),
    (
        'sync-interval boolean', conf('sync-interval = true'),
        error('sync-interval', 'not a duration')),
    ('sync-interval list', conf('sync-interval = [1, 2]'), error('sync-interval', 'a list')),
    ('sync-interval object', conf('sync-interval { a = 1 }'), error('sync-interval', 'an object')),
    ('sync-interval null', conf('sync-interval = null'), error('sync-interval', 'null')),
    ('startup-delay zero', conf('startup-delay = 0 seconds'), ok(startup_delay=0.0)),
    ('startup-delay ms', conf('startup-delay = 1500 ms'), ok(startup_delay=1.5)),
    (
        'startup-delay negative', conf('startup-delay = "-1 s"'),
        error('startup-delay', 'at least 0')),
    ('idle-refresh minutes', conf('idle-refresh = 10 minutes'), ok(idle_refresh=600.0)),
    ('wait-interval seconds', conf('wait-interval = 3 seconds'), ok(wait_interval=3.0)),
    ('wait-interval too short', conf('wait-interval = 500 ms'),
     error('wait-interval', 'at least 1 second')),
    ('xlr-push-session minutes', conf('xlr-push-session = 2 minutes'),
     ok(xlr_push_session=120.0)),
    ('idle-refresh 28 minutes', conf('idle-refresh = 28 minutes'), ok(idle_refresh=1680.0)),
    (
        'idle-refresh 29 minutes', conf('idle-refresh = 29 minutes'),
        error('idle-refresh', 'shorter than 29 minutes')),
    ('idle-refresh one hour', conf('idle-refresh = 1 hour'), error('idle-refresh', '29 minutes')),
    ('idle-refresh zero', conf('idle-refresh = 0'), error('idle-refresh', 'at least 1 second')),
    ('network-timeout ms', conf('network-timeout = 500 ms'), ok(network_timeout=0.5)),
    ('claim-timeout minutes', conf('claim-timeout = 2 minutes'), ok(claim_timeout=120.0)),
    (
        'claim-timeout too short', conf('claim-timeout = 5 seconds'),
        error('claim-timeout', 'at least 10 seconds')),
    ('network-timeout minute', conf('network-timeout = 1 minute'), ok(network_timeout=60.0)),
    (
        'network-timeout zero', conf('network-timeout = 0 s'),
        error('network-timeout', 'at least 100 ms')),
    (
        'network-timeout nanoseconds', conf('network-timeout = 2 ns'),
        error('network-timeout', 'at least 100 ms')),
    # --- counts -------------------------------------------------------------
    ('batch-size', conf('batch-size = 10'), ok(batch_size=10)),
    ('batch-size quoted', conf('batch-size = "25"'), ok(batch_size=25)),
    ('batch-size zero', conf('batch-size = 0'), error('batch-size', 'at least 1')),
    ('batch-size negative', conf('batch-size = -3'), error('batch-size', 'at least 1')),
    ('batch-size fraction', conf('batch-size = 1.5'), error('batch-size', 'not a whole number')),
    (
        'batch-size word', conf('batch-size = ten'),
        error('batch-size', '"ten"', 'not a whole number')),
    # --- sizes --------------------------------------------------------------
    ('max-message-size MB', conf('max-message-size = 1 MB'), ok(max_message_size=1000000)),
    ('max-message-size KiB', conf('max-message-size = 512 KiB'), ok(max_message_size=524288)),
    (
        'max-message-size MiB no space', conf('max-message-size = 2MiB'),
        ok(max_message_size=2097152)),
    ('max-message-size K', conf('max-message-size = 64K'), ok(max_message_size=65536)),
    ('max-message-size kB', conf('max-message-size = "10 kB"'), ok(max_message_size=10000)),
    ('max-message-size fraction', conf('max-message-size = 1.5 MB'), ok(max_message_size=1500000)),
    ('max-message-size bytes', conf('max-message-size = 4096'), ok(max_message_size=4096)),
    (
        'max-message-size bytes word', conf('max-message-size = 2048 bytes'),
        ok(max_message_size=2048)),
    ('max-message-size GiB', conf('max-message-size = 1 GiB'), ok(max_message_size=2**30)),
    (
        'max-message-size too small', conf('max-message-size = 100'),
        error('max-message-size', '1 KiB')),
    (
        'max-message-size read as minutes', conf('max-message-size = 10 m'),
        error('max-message-size', 'read as a duration', 'MiB')),
    (
        'max-message-size unknown unit', conf('max-message-size = "5 parsecs"'),
        error('max-message-size', 'unknown size unit', 'parsecs')),
    (
        'max-message-size fractional bytes', conf('max-message-size = 2048.5'),
        error('max-message-size', 'whole number of bytes')),
    (
        'max-message-size boolean', conf('max-message-size = false'),
        error('max-message-size', 'not a size')),
    # --- nested, dotted, merged ---------------------------------------------
    (
        'nested', 'xl {\n  remote-completion {\n    sync-interval = 5 seconds\n  }\n}\n',
        ok(sync_interval=5.0)),
    ('dotted', 'xl.remote-completion.sync-interval = 5 seconds\n', ok(sync_interval=5.0)),
    ('half dotted', 'xl { remote-completion.batch-size = 5 }\n', ok(batch_size=5)),
    ('quoted key', conf('"batch-size" = 6'), ok(batch_size=6)),
    (
        'later value wins', conf('batch-size = 5') + 'xl.remote-completion.batch-size = 7\n',
        ok(batch_size=7)),
    (
        'blocks merge',
        conf('batch-size = 5') + 'xl { remote-completion { push-enabled = false } }\n',
        ok(batch_size=5, push_enabled=False)),
    (
        'JSON syntax', '{"xl": {"remote-completion": {"batch-size": 9, "mail-debug": true}}}',
        ok(batch_size=9, mail_debug=True)),
    (
        'colon separator and commas', conf('batch-size: 8, push-enabled: false'),
        ok(batch_size=8, push_enabled=False)),
    (
        'substitution', 'base = 12 seconds\n' + conf('sync-interval = ${base}'),
        ok(sync_interval=12.0)),
    (
        'optional env substitution unset',
        conf('sync-interval = ${?XLRC_TEST_SURELY_UNSET_VARIABLE}'), ok()),
    (
        'all keys at once',
        conf(
            '\n'.join(
                [
                    'fetching-enabled = false', 'sync-interval = 1 minute', 'startup-delay = 5 s',
                    'push-enabled = false', 'idle-refresh = 20 minutes', 'batch-size = 100',
                    'max-message-size = 2 MB', 'network-timeout = 10 seconds', 'mail-debug = true']
            )
        ),
        ok(
            fetching_enabled=False, sync_interval=60.0, startup_delay=5.0, push_enabled=False,
            idle_refresh=1200.0, batch_size=100, max_message_size=2000000, network_timeout=10.0,
            mail_debug=True),
    ),
    (
        'unknown keys listed', conf('sync-intervall = 5s\nbatch-size = 3'),
        ok(batch_size=3, unknown_keys=('sync-intervall',))),
    # --- whole-section and whole-file problems ------------------------------
    (
        'section is a number', 'xl.remote-completion = 5\n',
        error('', 'must be an object', 'a number')),
    ('xl is a string', 'xl = "nope"\n', error('', 'must be an object', 'a string')),
    ('unclosed brace', conf('sync-interval = 10 seconds')[:-2], error(None, 'cannot parse')),
    ('garbage', '}}} {{{', error(None, 'cannot parse', 'line')),
    (
        'unresolved substitution', conf('sync-interval = ${NOPE_NOT_DEFINED}'),
        error(None, 'cannot parse', 'NOPE_NOT_DEFINED')),
    # The rest of xl-release.conf holds database passwords: never echo it.
    (
        'parse error does not echo the file',
        'xl.database.db-password = "hunter2-do-not-echo"\nxl.remote-completion { a = {{ }\n',
        error(None, 'cannot parse', absent=('hunter2',)),
    ),
    (
        'section error does not echo the root', 'xl = "hunter2-do-not-echo"\n',
        error('', 'must be an object', absent=('hunter2',))),
]


def _same(actual, expected):
    if isinstance(expected, float) or isinstance(actual, float):
        return abs(actual - expected) < 1e-9
    return actual == expected


def run_case(settings, case):
    """Run one case against the ``remote_completion.settings`` module given;
    raises AssertionError saying what differed."""
    name, text, expect = case
    source = '<case %s>' % name
    if expect[0] == 'ok':
        try:
            result = settings.from_text(text, source=source)
        except settings.SettingsError as exc:
            raise AssertionError('%s: unexpected SettingsError: %s' % (name, exc))
        wanted = settings.defaults().as_dict()
        values = dict(expect[1])
        unknown = tuple(values.pop('unknown_keys', ()))
        for key, attr, _parser, _default, _check in settings.KEYS:
            if attr in values:
                wanted[key] = values.pop(attr)
        assert not values, '%s: case names unknown attributes %r' % (name, sorted(values))
        got = result.as_dict()
        for key in sorted(wanted):
            assert _same(got[key], wanted[key]), '%s: %s is %r, expected %r' % (
                name, key, got[key], wanted[key])
            # bool must stay bool, counts int, durations float
            assert type(got[key]) is type(settings.defaults().as_dict()[key]), (
                '%s: %s has type %s' % (name, key, type(got[key]).__name__))
        assert result.unknown_keys == unknown, '%s: unknown_keys %r, expected %r' % (
            name, result.unknown_keys, unknown)
        assert result.source == source
        return
    _kind, key, fragments, absent = expect
    try:
        result = settings.from_text(text, source=source)
    except settings.SettingsError as exc:
        message = '%s' % (exc,)
        if key is None:
            assert exc.key is None, '%s: error names key %r: %s' % (name, exc.key, message)
        else:
            full = SECTION + ('.' + key if key else '')
            assert exc.key == full, '%s: error key %r, expected %r' % (name, exc.key, full)
            assert full in message, '%s: message does not name %s: %s' % (name, full, message)
        assert source in message, '%s: message does not name the file: %s' % (name, message)
        for fragment in fragments:
            assert fragment in message, '%s: %r not in message: %s' % (name, fragment, message)
        for fragment in absent:
            assert fragment not in message, '%s: %r leaked into: %s' % (name, fragment, message)
        assert exc.__cause__ is None and getattr(exc, '__suppress_context__', False), (
            '%s: the parser exception is chained' % name)
        assert '\n' not in message, '%s: multi-line message: %s' % (name, message)
        return
    raise AssertionError('%s: no SettingsError, got %r' % (name, result))
