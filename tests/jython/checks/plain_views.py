# -*- coding: utf-8 -*-
"""What reply._plain_mail's shortcut is compared by, the same on CPython
(tests/security/test_plain_split.py) and on Jython (check_parser_security):
the bytes parse_reply hands its parsers, a message as reply.py reads it,
and a ParsedReply's every field."""
from __future__ import absolute_import, unicode_literals

from remote_completion import reply


def prepared(raw):
    """The bytes parse_reply hands to the parsers (None: refused before them)."""
    try:
        return reply._guard(raw.replace(b'\r\n', b'\n').replace(b'\r', b'\n'))
    except reply.OverCap:
        return None


def message_view(msg):
    names = sorted(set(k.lower() for k, _ in msg.items())) + [
        'content-type', 'content-transfer-encoding', 'From', 'X-Absent']
    return (list(msg.items()), [(n, msg.get_all(n), msg.get(n), msg.get(n, '')) for n in names],
            msg.get_content_type(), msg.is_multipart(), msg.get_payload(decode=True))


def reply_view(parsed):
    values = dict(vars(parsed))
    values['tokens'] = [(t.run_id, t.mac, t.task_id) for t in parsed.tokens]
    return values
