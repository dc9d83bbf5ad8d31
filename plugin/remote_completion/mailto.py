"""RFC 6068 ``mailto:`` URIs: build and parse.

Text is UTF-8 and percent-encoded; only unreserved characters stay literal
(and ``@`` in the address), so a space is ``%20`` (never ``+``, which mail
clients keep as a plus) and a line break is ``%0D%0A``.  Nothing in a field
can end the field or start another one.
"""
from __future__ import absolute_import, unicode_literals

import re

from .compat import to_bytes, to_text

# Outlook refuses longer links; request mails stay well below it.
OUTLOOK_LIMIT = 2000

_UNRESERVED = frozenset(bytearray(
    b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'))
_ADDRESS_SAFE = _UNRESERVED | frozenset(bytearray(b'@'))
_PERCENT = re.compile(r'%([0-9A-Fa-f]{2})')


def quote(text, safe=_UNRESERVED):
    out = []
    for byte in bytearray(to_bytes(to_text(text), 'utf-8')):
        if byte in safe:
            out.append(chr(byte))
        else:
            out.append('%%%02X' % byte)
    return ''.join(out)


def unquote(text):
    """Percent-decoding to UTF-8 text; ``+`` stays a plus (RFC 6068)."""
    text = to_text(text)
    data = bytearray()
    index = 0
    while index < len(text):
        match = _PERCENT.match(text, index)
        if match:
            data.append(int(match.group(1), 16))
            index = match.end()
        else:
            data.extend(text[index].encode('utf-8'))
            index += 1
    return bytes(data).decode('utf-8', 'replace')


def crlf(text):
    """Line breaks as CRLF, as RFC 6068 asks for in a body."""
    text = to_text(text or '')
    return text.replace('\r\n', '\n').replace('\r', '\n').replace('\n', '\r\n')


def build(to, subject, body):
    """``mailto:<to>?subject=...&body=...`` with the body's line breaks as CRLF."""
    return 'mailto:%s?subject=%s&body=%s' % (
        quote(to, _ADDRESS_SAFE), quote(subject or ''), quote(crlf(body)))


def parse(uri):
    """(to, subject, body, other headers as a dict of lower-case names).

    Raises ValueError if ``uri`` is not a mailto URI.
    """
    uri = to_text(uri or '').strip()
    if uri[:7].lower() != 'mailto:':
        raise ValueError('not a mailto URI')
    rest = uri[7:]
    to_part, _, query = rest.partition('?')
    to = unquote(to_part)
    subject = None
    body = None
    others = {}
    for field in query.split('&') if query else []:
        if not field:
            continue
        name, _, value = field.partition('=')
        name = unquote(name).lower()
        value = unquote(value)
        if name == 'subject':
            subject = value
        elif name == 'body':
            body = value
        elif name == 'to':
            to = to + ',' + value if to else value
        else:
            others[name] = value
    return to, subject, body, others
