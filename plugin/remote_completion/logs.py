"""Logging for the plugin: one logger name, secrets masked, untrusted text cleaned.

Inside XL Release (Jython with SLF4J on the class path) messages go to the
SLF4J logger ``com.xebialabs.xlrelease.plugins.remotecompletion`` so that
``logback.xml`` controls them.  Elsewhere they go to the Python ``logging``
logger of the same name.  Levels: info for the basic flow (one verdict per
message, one line per request mail), debug for details, trace for raw data.
"""
from __future__ import absolute_import, unicode_literals

import logging
import re
import threading

from .compat import string_types, to_text

LOGGER_NAME = 'com.xebialabs.xlrelease.plugins.remotecompletion'
TRACE = 5
INFO = logging.INFO
logging.addLevelName(TRACE, 'TRACE')

MASK = '********'

_secrets_lock = threading.Lock()
_secrets = set()

# C0/C1 controls, DEL, and Unicode line/paragraph separators and bidi controls:
# anything that could forge a new log line or reorder what an admin reads.
_UNSAFE = re.compile('[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]')
# Not str.split(): on Jython it splits astral characters (emoji) into halves.
_SPACES = re.compile(r'\s+', re.UNICODE)
# What either substitution would change: an unsafe character, white space
# other than a space, or two white space characters in a row.  Most text
# has none, and one search costs less than two substitutions (on Jython
# each costs a few us).
_DIRTY = re.compile(_UNSAFE.pattern + '|[^\\S ]|\\s\\s', re.UNICODE)


def register_secret(value):
    """Remember a secret (password, HMAC key) so no log line can show it."""
    value = to_text(value)
    if value and len(value) >= 3:
        with _secrets_lock:
            _secrets.add(value)


def forget_secret(value):
    """A secret that is no longer used (a replaced OAuth access token): the
    set of secrets stays small, since every log line is checked against it."""
    with _secrets_lock:
        _secrets.discard(to_text(value))


def mask_secrets(text):
    text = to_text(text)
    if not text:
        return text
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def clean(value, limit=200):
    """Untrusted text made safe for one log line or a comment field.

    Control characters become spaces, runs of white space fold to one, the
    result is bounded to ``limit`` characters (with an ellipsis).
    """
    if value is None:
        return ''
    text = to_text(value)
    if _DIRTY.search(text) is not None:
        text = _SPACES.sub(' ', _UNSAFE.sub(' ', text))
    text = text.strip()
    if len(text) > limit:
        text = text[:max(0, limit - 3)]
        if text and 0xD800 <= ord(text[-1]) <= 0xDBFF:
            text = text[:-1]  # never leave half a surrogate pair
        text += '...'
    return text


def _slf4j_logger():
    try:
        from org.slf4j import LoggerFactory  # only inside XL Release
    except Exception:
        return None
    try:
        return LoggerFactory.getLogger(LOGGER_NAME)
    except Exception:
        return None


_JAVA_IS_ENABLED = {TRACE: 'isTraceEnabled', logging.DEBUG: 'isDebugEnabled',
                    logging.INFO: 'isInfoEnabled'}


class PluginLogger(object):
    """A thin logger that masks secrets in every message it writes."""

    def __init__(self):
        self._java = _slf4j_logger()
        self._py = logging.getLogger(LOGGER_NAME)

    def _emit(self, level, java_method, message, args):
        if args:
            try:
                message = message % args
            except (TypeError, ValueError):
                message = '%s %r' % (message, args)
        message = mask_secrets(message if isinstance(message, string_types) else to_text(message))
        if self._java is not None:
            getattr(self._java, java_method)(message)
        else:
            self._py.log(level, message)

    def is_enabled(self, level):
        if self._java is not None:
            return getattr(self._java, _JAVA_IS_ENABLED.get(level, 'isWarnEnabled'))()
        return self._py.isEnabledFor(level)

    def trace(self, message, *args):
        if self.is_enabled(TRACE):
            self._emit(TRACE, 'trace', message, args)

    def debug(self, message, *args):
        if self.is_enabled(logging.DEBUG):
            self._emit(logging.DEBUG, 'debug', message, args)

    def info(self, message, *args):
        # Formatting and masking only for a line that is written: one info
        # line a mail, and a server may log at warning.
        if self.is_enabled(logging.INFO):
            self._emit(logging.INFO, 'info', message, args)

    def warning(self, message, *args):
        self._emit(logging.WARNING, 'warn', message, args)

    warn = warning

    def error(self, message, *args):
        self._emit(logging.ERROR, 'error', message, args)


_logger = None


def get_logger():
    global _logger
    if _logger is None:
        _logger = PluginLogger()
    return _logger


def describe_error(error, limit=300):
    """One secret-free log line for an error: its class and message, masked
    and cleaned (the one describer the library uses)."""
    return clean(mask_secrets('%s: %s' % (type(error).__name__, to_text(error))), limit)
