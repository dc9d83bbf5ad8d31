"""reply.py's bounds and decoders (issue 11); client shapes are in
tests/fetcher/test_reply.py, the adversarial corpus in tests/security."""
from __future__ import annotations

import bz2
import zlib

import pytest

from remote_completion import reply

HEAD = "From: alice@corp.com\r\nTo: xlr@corp.com\r\nSubject: x\r\n"


def mail(body="hello", extra="", ctype="text/plain; charset=utf-8"):
    return (HEAD + extra + "Content-Type: " + ctype + "\r\n\r\n" + body).encode("utf-8")


@pytest.mark.parametrize("name", ["bz2_codec", "bz2", "zlib_codec", "zlib", "ZLIB--codec", "hex",
                                  "base64", "uu", "rot13", "unicode_escape", "punycode", "idna",
                                  "utf-7", "x-nope", "", None, "utf\u00a08", "a" * 500])
def test_only_listed_charsets_are_used(name, monkeypatch):
    assert reply.charset_codec(name) is None
    calls = []
    monkeypatch.setattr(bz2, "decompress", lambda *a: calls.append("bz2"))
    monkeypatch.setattr(zlib, "decompress", lambda *a: calls.append("zlib"))
    data = bz2.compress(b"x" * 1000)
    assert reply.decode_text(data, name) in (data.decode("cp1252", "strict") if _cp1252(data)
                                             else data.decode("latin-1"),)
    assert calls == []


def _cp1252(data):
    try:
        data.decode("utf-8")
        return False
    except UnicodeError:
        pass
    try:
        data.decode("cp1252")
        return True
    except UnicodeError:
        return False


@pytest.mark.parametrize("name,codec", [("UTF-8", "utf-8"), ("utf8", "utf-8"),
                                        ("us-ascii", "ascii"),
                                        ("ISO-8859-15", "iso8859-15"), ("iso_8859-2", "iso8859-2"),
                                        ("Windows-1252", "cp1252"), ('"koi8-r"', "koi8-r"),
                                        ("Shift_JIS", "shift_jis"), ("ks_c_5601-1987", "cp949")])
def test_listed_charsets_and_their_spellings(name, codec):
    assert reply.charset_codec(name) == codec


def test_rfc2231_charsets_are_disarmed_before_the_email_package():
    """Python 2's email package decodes RFC 2231 values with the charset
    they name (a decompressor on Jython); the star is replaced first."""
    bomb = "".join("%%%02X" % c for c in bz2.compress(b"\0" * 100000))
    raw = mail("ok", ctype="text/plain; charset*=bz2_codec''" + bomb + "; name*0*=zlib''x")
    guarded = reply._guard(raw.replace(b"\r\n", b"\n"))
    assert b"charset*=" not in guarded and b"name*0*" not in guarded
    assert b"charset-=bz2_codec" in guarded


@pytest.mark.parametrize("extra,detail", [
    ("X-Long: " + "a" * 20000 + "\r\n", "header line"),
    ("X-Folded: a\r\n" + " bbbbbbbbbb\r\n" * 2000, "header field"),
    ("".join("X-%d: v\r\n" % i for i in range(600)), "header fields"),
    ("To: " + ", ".join("u%d@corp.com" % i for i in range(150)) + "\r\n", "To and Cc"),
    ("Cc: a@b.c " + "(" * 40 + ")" * 40 + "\r\n", "comments"),
    ("Authentication-Results: x; none\r\n" * 60, "Authentication-Results"),
])
def test_headers_past_a_bound_are_refused_not_cut(extra, detail):
    parsed = reply.parse_reply(mail(extra=extra))
    assert parsed.error == reply.OVER_CAP
    assert detail in parsed.error_detail


def test_a_second_from_behind_a_long_comment_is_never_cut_away():
    pad = "\r\n ".join(["x" * 70] * 100)     # 7 K: the old 8 K cut ended inside
    raw = ("From: alice@corp.com (" + pad + "), mallory@evil.io\r\n"
           "To: xlr@corp.com\r\n\r\nhi").encode()
    assert reply.parse_reply(raw).error == reply.BAD_SENDER
    pad = "\r\n ".join(["x" * 70] * 300)     # past the field bound
    raw = ("From: alice@corp.com (" + pad + "), mallory@evil.io\r\n"
           "To: xlr@corp.com\r\n\r\nhi").encode()
    assert reply.parse_reply(raw).error == reply.OVER_CAP


def test_parts_text_and_nesting_past_their_bounds_are_refused():
    assert reply.parse_reply(mail("x" * (reply.MAX_TEXT_CHARS + 10))).error == reply.OVER_CAP
    part = "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
    parts = part * (reply.MAX_PARTS + 1)
    raw = mail(parts + "--b--\r\n", ctype='multipart/mixed; boundary="b"')
    assert reply.parse_reply(raw).error == reply.OVER_CAP
    html = "<blockquote>" * (reply.MAX_QUOTE_DEPTH + 1)
    assert reply.parse_reply(mail(html, ctype="text/html")).error == reply.OVER_CAP


def test_html_to_text():
    text = reply.html_to_text('<p a="x>y" b=\'>\'>one&amp;two&#33;&#x41;&nbsp;&bogus; &</p>'
                              "<blockquote><div>q</div></blockquote><script>no</script>"
                              "<!-- c --><br>end <b")
    lines = [line for line in text.split("\n") if line]
    assert lines == ["one&two!A\u00a0&bogus; &", "> q", "end "]
    assert reply.html_to_text("it's <a title=don't>x</a>") == "it's x"


def test_unflow():
    assert reply.unflow("a \nb\n> c \n> d\n-- \nsig") == "a b\n> c d\n-- \nsig"
    assert reply.unflow("a \nb", delsp=True) == "ab"
