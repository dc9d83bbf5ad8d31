"""maildebug: the protocol trace, on only when asked and never with credentials."""
from __future__ import annotations

import io

import pytest

from remote_completion import logs, maildebug


@pytest.fixture(autouse=True)
def reset(monkeypatch):
    monkeypatch.delenv("XLR_MAIL_DEBUG", raising=False)
    maildebug.set_enabled(None)
    maildebug.set_conf_enabled(False)
    yield
    maildebug.set_enabled(None)
    maildebug.set_conf_enabled(False)


def test_off_unless_asked(monkeypatch):
    assert not maildebug.enabled()
    monkeypatch.setenv("XLR_MAIL_DEBUG", "true")
    assert maildebug.enabled()


def test_the_conf_turns_on_only_what_it_turned_on(monkeypatch):
    maildebug.set_conf_enabled(True)
    assert maildebug.enabled()
    maildebug.set_conf_enabled(False)
    assert not maildebug.enabled()
    monkeypatch.setenv("XLR_MAIL_DEBUG", "TRUE")
    assert maildebug.enabled()


@pytest.mark.parametrize("protocol, line, expected", [
    ("IMAP", "a1 LOGIN alice s3cret-pw", "a1 LOGIN " + logs.MASK),
    ("IMAP", "a2 AUTHENTICATE XOAUTH2 dXNlcj1h", "a2 AUTHENTICATE XOAUTH2 " + logs.MASK),
    ("SMTP", "AUTH PLAIN AGFsaWNlAHB3", "AUTH PLAIN " + logs.MASK),
    ("SMTP", "Authorization: Bearer abc.def-ghi", "Authorization: Bearer " + logs.MASK),
    ("IMAP", "* OK ready\r\n", "* OK ready"),
])
def test_credentials_are_masked(protocol, line, expected):
    assert maildebug.redact(protocol, line) == expected


def test_a_continuation_line_inside_auth_is_masked():
    assert maildebug.redact("SMTP", "dXNlcj1hbGljZQ==", in_auth=True) == logs.MASK


def test_trace_writes_only_when_on():
    out = io.StringIO()
    maildebug.trace("IMAP", "C", "a1 LOGIN alice pw", stream=out)
    assert out.getvalue() == ""
    maildebug.set_enabled(True)
    maildebug.trace("IMAP", "C", "a1 LOGIN alice pw", stream=out)
    assert out.getvalue() == "DEBUG IMAP: C a1 LOGIN %s\n" % logs.MASK
