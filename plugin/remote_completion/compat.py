"""Python 2.7 (Jython) / Python 3 compatibility and Java value normalisation.

Inside XL Release the scripts receive Java objects: a ``set_of_string``
property is a ``java.util.Set``, lists are ``java.util.List``, dates are
``java.util.Date``, enums are Java enums.  Elsewhere (the sandbox, tests) the
same values arrive as Python objects.  Everything in the library goes through
the helpers here, so the pure code only ever sees Python shapes.
"""
from __future__ import absolute_import, unicode_literals

import datetime
import hashlib
import hmac
import struct
import sys

PY2 = sys.version_info[0] == 2
JYTHON = sys.platform.startswith('java')

# What "any failure" means where the plugin must go on (a fetch cycle, the
# push loop): on Jython a java.lang.Error (OutOfMemoryError, StackOverflowError)
# is no Python Exception, and ``except Exception`` lets it through.
# HOST_ERRORS guards a host API call: a Java exception the API raises (its
# NotFoundException, a permission refusal) is no Python Exception either
# (checked on Jython 2.7.3).  java.lang.Exception, not Throwable: an Error
# (out of memory) must still end the script; loops that must survive those
# use ANY_ERROR.
if JYTHON:  # pragma: no cover - exercised by the Jython lane
    from java.lang import Exception as _JavaException
    from java.lang import Throwable as _Throwable
    ANY_ERROR = (Exception, _Throwable)
    HOST_ERRORS = (Exception, _JavaException)
else:
    ANY_ERROR = (Exception,)
    HOST_ERRORS = (Exception,)

if PY2:  # pragma: no cover - exercised by the Jython lane
    text_type = unicode  # noqa: F821 - Python 2 only, guarded by PY2
    binary_type = str
    string_types = (str, unicode)  # noqa: F821 - Python 2 only
    integer_types = (int, long)  # noqa: F821 - Python 2 only
else:
    text_type = str
    binary_type = bytes
    string_types = (str,)
    integer_types = (int,)


# Every ASCII byte, for to_text: on Jython the ASCII codec is a shortcut
# inside the runtime, while UTF-8 goes through the codec registry and a
# Python-level wrapper (about 1 us more a call, a dozen calls a reply).
_ASCII_BYTES = bytes(bytearray(range(128)))


def to_text(value, encoding='utf-8', errors='replace'):
    """Any value as text; bytes are decoded, None stays None."""
    if value is None:
        return None
    if isinstance(value, text_type):
        return value
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value)
        if JYTHON and encoding == 'utf-8' and not value.translate(None, _ASCII_BYTES):
            return value.decode('ascii')   # ASCII bytes: the same text as UTF-8
        return value.decode(encoding, errors)
    return text_type(value)


def to_bytes(value, encoding='utf-8'):
    if value is None:
        return None
    if isinstance(value, binary_type):
        return value
    if isinstance(value, bytearray):
        return bytes(value)
    return to_text(value).encode(encoding)


def constant_time_equals(a, b):
    """Compare two strings or byte strings without leaking where they differ.

    Jython 2.7 has no ``hmac.compare_digest``; the fallback folds every byte
    with XOR so its running time depends on the length only.
    """
    a = to_bytes(a)
    b = to_bytes(b)
    compare = getattr(hmac, 'compare_digest', None)
    if compare is not None:
        return compare(a, b)
    if len(a) != len(b):
        # Still walk one input so the time does not reveal the early exit.
        result = 1
        b = a
    else:
        result = 0
    for x, y in zip(bytearray(a), bytearray(b)):
        result |= x ^ y
    return result == 0


def _python_hmac_sha256_hex(key, message):
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class _KeyedSha256(object):
    """HMAC-SHA256 (RFC 2104) from hashlib states keyed once per key: on
    Jython the hmac module is pure Python and pads, translates and hashes
    the key again for every MAC (about 40 us); copying the two keyed states
    is a few native calls.  The states are only ever copied, never updated,
    so threads may share them.  The same digest as the hmac module
    (tests/unit/test_compat.py, the Jython compat check)."""

    BLOCK = 64   # SHA-256's block size in bytes

    def __init__(self):
        self.states = {}

    def _pads(self, key):
        states = self.states.get(key)
        if states is None:
            raw = hashlib.sha256(key).digest() if len(key) > self.BLOCK else key
            raw = bytearray(raw + b'\x00' * (self.BLOCK - len(raw)))
            states = (hashlib.sha256(bytes(bytearray(b ^ 0x36 for b in raw))),
                      hashlib.sha256(bytes(bytearray(b ^ 0x5c for b in raw))))
            if len(self.states) >= 16:
                self.states = {}
            self.states[key] = states
        return states

    def __call__(self, key, message):
        inner, outer = self._pads(key)
        inner = inner.copy()
        inner.update(message)
        outer = outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


_HMAC_SHA256_HEX = _KeyedSha256() if JYTHON else _python_hmac_sha256_hex


def chunks(items, size):
    """Consecutive slices of the sequence ``items``, ``size`` long (the last
    may be shorter)."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def hmac_sha256_hex(key, message):
    """Lower-case hex HMAC-SHA256 of ``message`` under ``key`` (text is UTF-8)."""
    return _HMAC_SHA256_HEX(key.encode('utf-8') if isinstance(key, text_type) else to_bytes(key),
                            message.encode('utf-8') if isinstance(message, text_type)
                            else to_bytes(message))


# --- Java value normalisation ---------------------------------------------

def _is_java_collection(value):
    return hasattr(value, 'toArray') and hasattr(value, 'size')


def as_list(value):
    """A list/set/array/java.util.Collection (or None) as a Python list."""
    if value is None:
        return []
    if isinstance(value, string_types) or isinstance(value, (bytes, bytearray)):
        return [value]
    if isinstance(value, dict):
        return list(value.keys())
    if _is_java_collection(value):
        return list(value.toArray())
    try:
        return list(value)
    except TypeError:
        return [value]


def as_string_list(value):
    """Like ``as_list`` but text items only, stripped, empty ones dropped.

    A single string holding a comma or newline separated list (what an admin
    might type in a plain text field) is split too.
    """
    items = []
    for item in as_list(value):
        if item is None:
            continue
        text = to_text(item)
        for part in text.replace('\n', ',').split(','):
            part = part.strip()
            if part:
                items.append(part)
    return items


def as_dict(value):
    """A dict or java.util.Map as a Python dict."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    if hasattr(value, 'entrySet'):
        return dict((e.getKey(), e.getValue()) for e in as_list(value.entrySet()))
    return dict(value)


def _unwrap_serialized(value):
    """Plain values out of javaobj-py3 shapes (Java objects deserialized on
    CPython): boxed primitives keep ``.value``; a ``java.util.Date`` keeps
    its epoch milliseconds as 8 bytes of block data.  Anything else as is."""
    name = getattr(getattr(value, 'classdesc', None), 'name', None)
    if not isinstance(name, string_types):
        return value
    if name == 'java.util.Date':
        for block in getattr(value, 'annotations', None) or ():
            if isinstance(block, string_types):
                block = block.encode('latin-1')  # javaobj keeps raw bytes as latin-1 text
            if isinstance(block, (bytes, bytearray)) and len(block) == 8:
                return struct.unpack(str('>q'), bytes(block))[0]
        return value
    if name.startswith('java.lang.') and hasattr(value, 'value'):
        return value.value
    return value


def as_bool(value, default=False):
    value = _unwrap_serialized(value)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if hasattr(value, 'booleanValue'):
        return bool(value.booleanValue())
    text = to_text(value).strip().lower()
    if text in ('true', 'yes', 'on', '1'):
        return True
    if text in ('false', 'no', 'off', '0', ''):
        return False
    raise ValueError('not a boolean: %r' % (text,))


def as_int(value, default=None):
    value = _unwrap_serialized(value)
    if value is None or (isinstance(value, string_types) and not value.strip()):
        return default
    if hasattr(value, 'longValue'):  # any java.lang.Number (Integer, Long, ...)
        return int(value.longValue())
    if hasattr(value, 'intValue'):
        return int(value.intValue())
    try:
        return int(value)
    except TypeError:
        # A java.lang.String (or other CharSequence) that Jython did not convert.
        text = to_text(value).strip()
        if not text:
            return default
        return int(text)


_EPOCH = datetime.datetime(1970, 1, 1)


def as_datetime(value):
    """A java.util.Date, datetime or epoch milliseconds as a naive UTC datetime."""
    value = _unwrap_serialized(value)
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None) - value.utcoffset()
        return value
    if hasattr(value, 'getTime'):  # java.util.Date
        millis = value.getTime()
    elif hasattr(value, 'toEpochMilli'):  # java.time.Instant
        millis = value.toEpochMilli()
    elif hasattr(value, 'longValue'):  # a boxed java.lang.Long
        millis = value.longValue()
    else:
        millis = value
    return _EPOCH + datetime.timedelta(milliseconds=int(millis))


def enum_name(value):
    """Name of a Java enum or a Python string/enum (e.g. a TaskStatus)."""
    if value is None:
        return None
    if hasattr(value, 'name') and callable(value.name):
        return to_text(value.name())
    name = getattr(value, 'name', None)
    if isinstance(name, string_types):
        return to_text(name)
    return to_text(value)


def prop(obj, name, default=None):
    """Read a bean property from a Java object, a Python object or a dict.

    Tries ``obj.name``, then ``obj.getName()``, then ``obj.getProperty(name)``
    (configuration items), then ``obj[name]``.
    """
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    value = getattr(obj, name, None)
    if value is not None and not callable(value):
        return value
    getter = getattr(obj, 'get' + name[:1].upper() + name[1:], None)
    if callable(getter):
        try:
            value = getter()
        except TypeError:
            value = None
        if value is not None:
            return value
    get_property = getattr(obj, 'getProperty', None)
    if callable(get_property):
        try:
            value = get_property(name)
        except HOST_ERRORS:  # Java raises for unknown properties
            value = None
        if value is not None:
            return value
    return default
