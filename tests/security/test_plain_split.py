"""reply._plain_mail: a single-part text/plain mail split without the email
package must read exactly as the feed parser's split of it (the same fields,
values, content type and body bytes), and every mail must get the same
ParsedReply with the shortcut as without it: the adversarial corpus, and
generated mails around the shortcut's edges (folding, empty values, 8-bit
and control bytes, other content types and transfer encodings, no body)."""
from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings, strategies as st

from remote_completion import reply
from tests.security import corpus as corpus_mod
from tests.support import lanes

sys.path.insert(0, str(lanes.JYTHON_CHECKS_DIR))
from plain_views import message_view, prepared, reply_view  # noqa: E402 - shared with Jython


def without_shortcut(raw, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(reply, "_plain_mail", lambda raw: None)
        return reply_view(reply.parse_reply(raw))


def check_same(raw, monkeypatch):
    ready = prepared(raw)
    plain = reply._plain_mail(ready) if ready is not None else None
    if plain is not None:
        assert message_view(plain) == message_view(reply._message_from_bytes(ready))
    assert reply_view(reply.parse_reply(raw)) == without_shortcut(raw, monkeypatch)
    return plain is not None


def test_the_corpus_reads_the_same_with_and_without_the_shortcut(monkeypatch):
    entries = corpus_mod.build().entries
    taken = sum(check_same(entry.raw, monkeypatch) for entry in entries)
    # The shortcut is taken for the simple replies, not for everything.
    assert 0 < taken < len(entries)


_NAMES = st.sampled_from(["From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To",
                          "Content-Type", "content-transfer-encoding", "MIME-Version",
                          "Auto-Submitted", "X-XLR-Remote-Completion", "Precedence",
                          "Authentication-Results", "X-A", "From ", ":", "Bad Name", ""])
_VALUES = st.sampled_from([
    "alice@corp.com", "Alice Smith <alice@corp.com>", "=?utf-8?b?w6lsw6k=?= <a@b.example>",
    "text/plain; charset=utf-8", "TEXT/PLAIN", " text/plain ;format=flowed", "text/html",
    "multipart/alternative; boundary=xx", "text/plain/x", "message/rfc822", "7bit", "8BIT ",
    "base64", "quoted-printable", "binary", "", "  ", "\t", "x\x7fy", "caf\xe9", "a\x0bb",
    "request", "auto-replied", "bulk", "<id@x>", "v2.0123456789abcdef.00"])
_FOLDS = st.sampled_from(["", "\n\tcontinued", "\n continued two", "\n\t", "\n \t x"])
_BODIES = st.sampled_from([
    "", "hello\n", "Approved.\n\nMETADATA (DO NOT MODIFY)\nACTION: COMPLETE\n",
    "--b\nContent-Type: text/html\n\n<p>x</p>\n", "caf\xe9 \u00e9t\u00e9\n", "a\rb\r\nc",
    "line\n\nsecond paragraph\n", "=C3=A9\n", "From the top\n"])
_ENDS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def mails(draw):
    fields = draw(st.lists(st.tuples(_NAMES, _VALUES, _FOLDS), max_size=8))
    end = draw(_ENDS)
    lines = ["%s:%s%s%s" % (name, draw(st.sampled_from([" ", "", "  ", "\t"])), value, fold)
             for name, value, fold in fields]
    head = end.join(lines).replace("\n", end) if end != "\n" else "\n".join(lines)
    body = draw(_BODIES)
    tail = draw(st.sampled_from([end + end + body, end + body, ""]))
    return (head + tail).encode(draw(st.sampled_from(["utf-8", "latin-1"])), "replace")


@settings(max_examples=1500, deadline=None)
@given(mails())
def test_generated_mails_read_the_same_with_and_without_the_shortcut(raw):
    with pytest.MonkeyPatch.context() as monkeypatch:
        check_same(raw, monkeypatch)


def test_the_shortcut_is_taken_for_a_button_reply_and_not_past_its_edges():
    ready = prepared(b"From: a@corp.com\r\nSubject: Re: x\r\n\tfolded\r\n"
                     b"Content-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n")
    plain = reply._plain_mail(ready)
    assert plain.items() == [("From", "a@corp.com"), ("Subject", "Re: x\n\tfolded"),
                             ("Content-Type", "text/plain; charset=utf-8")]
    assert plain.get_payload(decode=True) == b"body\n"
    for refused in (b"From: a@corp.com\n\nx",            # no Content-Type is text/plain: taken
                    b"Subject:\n\tfolded after nothing\n\nx",
                    b"Content-Type: text/html\n\nx",
                    b"Content-Transfer-Encoding: base64\n\nx",
                    b"From: caf\xc3\xa9@corp.com\n\nx",
                    b"From: a@corp.com\nnot a field\n\nx",
                    b"From: a@corp.com\n",
                    b"\nFrom: a@corp.com\n\nx"):
        taken = reply._plain_mail(prepared(refused)) is not None
        assert taken == (refused == b"From: a@corp.com\n\nx"), refused
