"""Mail protocol trace: the Python-side mirror of JavaMail's ``-Dmail.debug``.

On for the process when any of these is true:
- the Java system property ``mail.debug`` is ``true`` (inside XL Release:
  add ``-Dmail.debug=true`` to ``$JAVACMD`` in ``bin/run.sh``);
- the environment variable ``XLR_MAIL_DEBUG`` is ``true`` (CPython, the sandbox);
- ``xl.remote-completion.mail-debug = true`` in ``xl-release.conf``
  (passed in by the caller through ``set_conf_enabled``).

Trace lines go to standard error, as JavaMail's do, prefixed ``DEBUG IMAP:`` or
``DEBUG SMTP:``.  Credentials never appear: LOGIN/AUTHENTICATE arguments and
SMTP AUTH exchanges (the XOAUTH2/OAUTHBEARER initial response holds a bearer
token) are replaced by a mask, a bearer token in clear is masked wherever it
shows, and registered secrets are masked in every line.
"""
from __future__ import absolute_import, unicode_literals

import os
import re
import sys

from .compat import to_text
from .logs import MASK, mask_secrets

_forced = None          # set_enabled: tests, or a caller that knows better
_from_conf = [False]    # xl-release.conf's mail-debug, refreshed by every cycle

_IMAP_LOGIN = re.compile(r'^(\S+\s+(?:UID\s+)?LOGIN)\s.*$', re.IGNORECASE)
_IMAP_AUTH = re.compile(r'^(\S+\s+AUTHENTICATE\s+\S+)(\s.*)?$', re.IGNORECASE)
_SMTP_AUTH = re.compile(r'^(AUTH\s+\S+)(\s.*)?$', re.IGNORECASE)
# A lone base64 line sent during an AUTH exchange.
_BASE64_LINE = re.compile(r'^[A-Za-z0-9+/=]{4,}$')
# An OAuth 2.0 bearer token in clear (RFC 6750 b64token), wherever it shows.
_BEARER = re.compile(r'(Bearer\s+)[A-Za-z0-9\-._~+/]+=*', re.IGNORECASE)


_NO_JAVA = object()
_java_system = None


def _java_property():
    # The import is tried once: on CPython a failing import costs ~0.1 ms,
    # and this runs for every protocol line (it was most of a fetch cycle).
    global _java_system
    if _java_system is None:
        try:
            from java.lang import System  # Jython only
            _java_system = System
        except Exception:
            _java_system = _NO_JAVA
    if _java_system is _NO_JAVA:
        return None
    try:
        return _java_system.getProperty('mail.debug')
    except Exception:
        return None


def set_enabled(value):
    """Force the trace on or off (None: decide from the property/environment/conf)."""
    global _forced
    _forced = value


def set_conf_enabled(value):
    """What ``xl.remote-completion.mail-debug`` says now; removing the key
    turns off what it turned on, never what -Dmail.debug turned on."""
    _from_conf[0] = bool(value)


def enabled():
    if _forced is not None:
        return bool(_forced)
    if _from_conf[0]:
        return True
    for value in (_java_property(), os.environ.get('XLR_MAIL_DEBUG')):
        if value is not None and to_text(value).strip().lower() == 'true':
            return True
    return False


def redact(protocol, line, in_auth=False):
    """One protocol line with credentials removed."""
    text = to_text(line).rstrip('\r\n')
    if protocol == 'IMAP':
        m = _IMAP_LOGIN.match(text)
        if m:
            return m.group(1) + ' ' + MASK
        m = _IMAP_AUTH.match(text)
        if m:
            return m.group(1) + (' ' + MASK if m.group(2) else '')
    else:
        m = _SMTP_AUTH.match(text)
        if m:
            return m.group(1) + (' ' + MASK if m.group(2) else '')
    if in_auth and _BASE64_LINE.match(text.strip()):
        return MASK
    return mask_secrets(_BEARER.sub(lambda m: m.group(1) + MASK, text))


def trace(protocol, direction, line, in_auth=False, stream=None):
    """Write one trace line if the trace is on. direction: 'C' or 'S'."""
    if not enabled():
        return
    out = stream or sys.stderr
    out.write('DEBUG %s: %s %s\n' % (protocol, direction, redact(protocol, line, in_auth)))
    try:
        out.flush()
    except Exception:
        pass
