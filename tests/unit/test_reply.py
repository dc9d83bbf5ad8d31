"""reply.py: parse_reply across the shapes real mail clients produce and
hostile mail, the bounds and decoders (issue 11); the adversarial corpus is in
tests/security."""
from __future__ import annotations

import bz2
import zlib

from hypothesis import given, settings, strategies as st
import pytest

from remote_completion import reply
from tests.fetcher import samples as s

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


COMMENT = "Looks good \u2013 d\u00e9ploy\u00e9 on all nodes, ship it.\nThanks, Alice"
WORDS = " ".join(COMMENT.split())


def flat(text):
    return " ".join(text.split())


def assert_block(parsed, action="COMPLETE", task_id=s.TASK_ID, sig=None):
    assert parsed.error is None, parsed
    assert parsed.action == action
    assert parsed.task_id == task_id
    assert parsed.signature == (sig or s.sign(action, task_id))
    assert parsed.sender == s.ALICE


CLIENTS = {
    "plain": s.plain,
    "gmail": s.gmail,
    "outlook-1252": s.outlook,
    "apple-flowed-delsp": s.apple_mail,
    "thunderbird-flowed": s.thunderbird,
    "hard-wrapped-40": s.hard_wrapped,
    "hard-wrapped-20": lambda body, **kw: s.hard_wrapped(body, 20, **kw),
    "html-only-base64": s.html_only,
    "plain-base64": s.base64_plain,
}


@pytest.mark.parametrize("client", sorted(CLIENTS))
@pytest.mark.parametrize("action", ["COMPLETE", "FAIL"])
def test_client_shapes_give_the_block_and_the_comment(client, action):
    _subject, body = s.template(action, comment=COMMENT)
    parsed = reply.parse_reply(CLIENTS[client](body))
    assert_block(parsed, action)
    assert flat(parsed.comment) == WORDS
    assert "Please send" not in parsed.comment and "METADATA" not in parsed.comment


def test_plain_part_is_preferred_and_html_used_only_without_one():
    _subject, body = s.template(comment="ok")
    assert reply.parse_reply(s.gmail(body)).metadata_source == "text/plain"
    assert reply.parse_reply(s.html_only(body)).metadata_source == "text/html"


def test_outlook_html_alone_with_nbsp_and_word_markup():
    _subject, body = s.template(comment="Fine by me")
    raw = s.outlook(body)
    # Drop the plain alternative: only the Word HTML is left.
    head, _, rest = raw.partition(b"Content-Type: text/plain")
    html_start = rest.index(b"--_000_")
    parsed = reply.parse_reply(
        head + rest[html_start + len(b"--_000_AM0PR01MB1234ABCDEFGHIJKLMNOP_\r\n") :]
    )
    assert_block(parsed)
    assert parsed.comment == "Fine by me"


def test_lf_only_lowercase_labels_and_stray_whitespace():
    sig = s.sign()
    text = (f"  ok  \n\nplease send this message to Complete task\n\n"
            f"   metadata (do not modify)  \n  action:   complete \n\tTask_Id :  {s.TASK_ID}  \n"
            f"signature:{sig}   \n")
    parsed = reply.parse_reply(s.plain(text))
    assert_block(parsed)
    assert parsed.comment == "ok"


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_quoted_history_any_depth(depth):
    _subject, body = s.template()
    parsed = reply.parse_reply(s.quoted_reply(body, "Done, see ticket 42.", depth=depth))
    assert_block(parsed)
    assert parsed.comment == "Done, see ticket 42."


def test_quoted_and_rewrapped_inside_the_quote():
    sig = s.sign()
    task_head, task_tail = s.TASK_ID[:30], s.TASK_ID[30:]
    text = (
        "Approved.\r\n\r\nOn Wed, 25 Nov 2026, Alice Smith wrote:\r\n"
        "> Please send this message to Complete task with title 'x'\r\n> on release 'y'\r\n>\r\n"
        f"> METADATA (DO NOT MODIFY)\r\n> ACTION: COMPLETE\r\n> TASK_ID: {task_head}\r\n> "
        f"{task_tail}\r\n"
        f"> SIGNATURE: {sig[:25]}\r\n> {sig[25:50]}\r\n>{sig[50:]}\r\n"
    )
    parsed = reply.parse_reply(s.plain(text))
    assert_block(parsed)
    assert parsed.comment == "Approved."


def test_identical_blocks_in_reply_and_quote_are_fine():
    _subject, body = s.template(comment="yes")
    quoted = "\r\n".join("> " + line for line in body.split("\r\n"))
    parsed = reply.parse_reply(s.plain(body + "\r\n\r\nOn Wed, Bob wrote:\r\n" + quoted))
    assert_block(parsed)
    assert parsed.comment == "yes"


@pytest.mark.parametrize("change", ["task", "action", "signature"])
def test_two_different_blocks_are_refused(change):
    _subject, body = s.template()
    other = {"task": s.template(task_id=s.TASK_ID + "0")[1],
             "action": s.template("FAIL")[1],
             "signature": s.template(sig="v1." + "0" * 64)[1]}[change]
    quoted = "\r\n".join("> " + line for line in other.split("\r\n"))
    parsed = reply.parse_reply(s.plain(body + "\r\n" + quoted))
    assert parsed.error == reply.CONFLICTING_METADATA
    assert parsed.action is None and parsed.signature is None


def test_a_partial_block_that_disagrees_is_a_conflict_and_one_that_agrees_is_not():
    _subject, body = s.template()
    agree = body + "\r\n> METADATA (DO NOT MODIFY)\r\n> ACTION: COMPLETE\r\n"
    assert reply.parse_reply(s.plain(agree)).error is None
    disagree = body + "\r\n> METADATA (DO NOT MODIFY)\r\n> ACTION: FAIL\r\n"
    assert reply.parse_reply(s.plain(disagree)).error == reply.CONFLICTING_METADATA


def test_missing_and_incomplete_blocks():
    assert reply.parse_reply(s.plain("Hello, just saying hi")).error == reply.NO_METADATA
    sig = s.sign()
    no_task = f"METADATA (DO NOT MODIFY)\r\nACTION: COMPLETE\r\nSIGNATURE: {sig}\r\n"
    assert reply.parse_reply(s.plain(no_task)).error == reply.INCOMPLETE_METADATA
    bad_action = (
        "METADATA (DO NOT MODIFY)\r\nACTION: APPROVE\r\n"
        f"TASK_ID: {s.TASK_ID}\r\nSIGNATURE: {sig}\r\n"
    )
    assert reply.parse_reply(s.plain(bad_action)).error == reply.INCOMPLETE_METADATA


def test_comment_lines_that_look_like_labels_are_comment():
    _subject, body = s.template(
        comment="Action: ask Bob first\nTask id: the db one\nSignature: Alice"
    )
    parsed = reply.parse_reply(s.plain(body))
    assert_block(parsed)
    assert parsed.comment == "Action: ask Bob first\nTask id: the db one\nSignature: Alice"


def test_comment_above_metadata_when_the_sentence_was_deleted():
    sig = s.sign()
    text = (
        "All checks green.\r\n\r\nMETADATA (DO NOT MODIFY)\r\nACTION: FAIL\r\n"
        f"TASK_ID: {s.TASK_ID}\r\nSIGNATURE: {s.sign('FAIL')}\r\n"
    )
    parsed = reply.parse_reply(s.plain(text))
    assert_block(parsed, "FAIL")
    assert parsed.comment == "All checks green."
    assert sig != parsed.signature


def test_comment_is_bounded_and_cleaned():
    hostile = "A\u202eevil\x1b[31m\x00 " + "x" * 5000
    _subject, body = s.template(comment=hostile)
    parsed = reply.parse_reply(s.plain(body))
    assert_block(parsed)
    assert len(parsed.comment) <= reply.MAX_COMMENT_CHARS
    assert not any(c in parsed.comment for c in "\u202e\x1b\x00")


def test_outlook_original_message_separator_ends_the_comment():
    _subject, body = s.template()
    text = (
        "Agreed.\r\n\r\n-----Original Message-----\r\nFrom: XL Release\r\nSent: Wednesday\r\n\r\n"
        + body
    )
    parsed = reply.parse_reply(s.plain(text))
    assert_block(parsed)
    assert parsed.comment == "Agreed."


@pytest.mark.parametrize(
    "charset,encoding",
    [
        ("iso-8859-1", "latin-1"),
        ("windows-1252", "cp1252"),
        ("x-no-such-charset", "utf-8"),
        ("x-no-such-charset", "cp1252"),
        ("us-ascii", "utf-8"),
    ],
)
def test_charsets_including_unknown_and_wrong_ones(charset, encoding):
    _subject, body = s.template(comment="Caf\u00e9 ok")
    raw = (s.headers("Complete: x") + f"Content-Type: text/plain; charset={charset}\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + body.encode(encoding)
    parsed = reply.parse_reply(raw)
    assert_block(parsed)
    assert parsed.comment == "Caf\u00e9 ok"


def test_html_entities_breaks_and_skipped_elements():
    sig = s.sign()
    markup = ("<html><head><title>ACTION: FAIL</title><style>TASK_ID: x</style></head><body>"
              "<p>Ok&nbsp;&amp; thanks</p><div>METADATA (DO NOT MODIFY)</div>"
              "<div>&#65;CTION:&nbsp;COMPLETE</div><div>TASK&#x5f;ID: " + s.TASK_ID + "</div>"
              "<span>SIGNATURE: " + sig[:20] + "<wbr>" + sig[20:] + "</span>"
              "<script>SIGNATURE: v1." + "1" * 64 + "</script></body></html>")
    raw = (
        s.headers("Complete: x") + "Content-Type: text/html; charset=utf-8\r\n\r\n"
    ).encode() + markup.encode()
    parsed = reply.parse_reply(raw)
    assert_block(parsed)
    assert parsed.comment == "Ok & thanks"


def test_attachments_are_not_read_for_metadata():
    _subject, body = s.template()
    raw = (
        s.headers("Complete: x") + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n"
        '--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="a.txt"\r\n'
        '\r\n'
        + body
        + "\r\n--b--\r\n"
    ).encode()
    assert reply.parse_reply(raw).error == reply.NO_METADATA


# --- headers ------------------------------------------------------------------------

@pytest.mark.parametrize("extra,indicator", [
    (["Auto-Submitted: auto-replied"], "auto-submitted"),
    (["Auto-Submitted: auto-generated; type=vacation"], "auto-submitted"),
    (["X-Autoreply: yes"], "x-autoreply"),
    (["X-Autorespond: Out of office"], "x-autorespond"),
    (["Precedence: bulk"], "precedence"),
    (["Precedence: JUNK"], "precedence"),
    (["Precedence: auto_reply"], "precedence"),
    (["Return-Path: <>"], "null-return-path"),
    (["Auto-Submitted: no"], None),
    (["Precedence: first-class"], None),
])
def test_auto_reply_indicators(extra, indicator):
    _subject, body = s.template()
    parsed = reply.parse_reply(s.plain(body, extra=extra))
    assert parsed.auto_reply == indicator
    assert parsed.error is None


def test_bounce_report_is_an_auto_reply():
    _subject, body = s.template()
    raw = (
        s.headers("Undelivered Mail", sender="MAILER-DAEMON@example.com")
        + 'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        "--r\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n"
        "--r\r\nContent-Type: message/rfc822\r\n\r\n"
        + s.headers("x")
        + "\r\n"
        + body
        + "\r\n--r--\r\n"
    ).encode()
    parsed = reply.parse_reply(raw)
    assert parsed.auto_reply == "report"


def test_self_sent_marker():
    _subject, body = s.template()
    assert reply.parse_reply(s.plain(body, extra=["X-XLR-Remote-Completion: request"])).self_sent
    assert not reply.parse_reply(s.plain(body, extra=["X-XLR-Remote-Completion: other"])).self_sent


@pytest.mark.parametrize("from_header,sender", [
    ("Alice Smith <alice@example.com>", "alice@example.com"),
    ('"bob@evil.io" <alice@example.com>', "alice@example.com"),
    ("=?utf-8?q?Al=C3=AFce_Sm=C3=AFth?= <alice@example.com>", "alice@example.com"),
    ("alice@example.com (Alice)", "alice@example.com"),
    ("Alice <alice@example.com>, Bob <bob@example.com>", None),
    ("Undisclosed recipients:;", None),
    ("not an address", None),
    ("<>", None),
    ("", None),
])
def test_sender_needs_exactly_one_address(from_header, sender):
    _subject, body = s.template()
    raw = (f"From: {from_header}\r\nTo: {s.MAILBOX}\r\nSubject: x\r\n\r\n" + body).encode()
    parsed = reply.parse_reply(raw)
    assert parsed.sender == sender
    assert (parsed.error == reply.BAD_SENDER) == (sender is None)


def test_two_from_headers_or_none_are_refused():
    _subject, body = s.template()
    two = (f"From: {s.ALICE}\r\nFrom: bob@example.com\r\nTo: {s.MAILBOX}\r\n\r\n" + body).encode()
    none = (f"To: {s.MAILBOX}\r\n\r\n" + body).encode()
    assert reply.parse_reply(two).error == reply.BAD_SENDER
    assert reply.parse_reply(none).error == reply.BAD_SENDER


def test_display_name_decoded_and_recipients_read():
    _subject, body = s.template()
    raw = (
        "From: =?utf-8?q?Al=C3=AFce?= <Alice@Example.COM>\r\nTo: a@corp.example, B "
        "<b@corp.example>\r\n"
        "Cc: c@other.example\r\nSubject: =?utf-8?b?Q29tcGxldGU6IETDqXBsb3k=?=\r\n\r\n" + body
    ).encode()
    parsed = reply.parse_reply(raw)
    assert parsed.sender_name == "Al\u00efce"
    assert parsed.sender_address == "alice@example.com"
    assert parsed.to_addresses == ["a@corp.example", "b@corp.example"]
    assert parsed.cc_addresses == ["c@other.example"]
    assert parsed.subject == "Complete: D\u00e9ploy"


def test_repr_never_shows_the_signature():
    _subject, body = s.template()
    parsed = reply.parse_reply(s.plain(body))
    assert parsed.signature[3:] not in repr(parsed)


# --- hostile mail: bounded, never raises ------------------------------------------

def test_too_large_is_judged_from_headers_only():
    _subject, body = s.template()
    raw = s.plain(body + "\r\n" + "x" * 2000)
    parsed = reply.parse_reply(raw, max_bytes=1000)
    assert parsed.error == reply.TOO_LARGE
    assert parsed.sender == s.ALICE and parsed.signature is None


def test_deep_nesting_and_many_parts_are_bounded():
    _subject, body = s.template()
    nested = body
    for i in range(300):
        nested = (
            f'Content-Type: multipart/mixed; boundary="n{i}"\r\n\r\n--n{i}\r\n{nested}\r\n--n{i}--'
        )
    parsed = reply.parse_reply((s.headers("x") + nested).encode())
    assert parsed.error == reply.OVER_CAP
    many = (s.headers("x") + 'Content-Type: multipart/mixed; boundary="m"\r\n\r\n'
            + "".join("--m\r\nContent-Type: text/plain\r\n\r\nhello\r\n" for _ in range(3000))
            + "--m\r\nContent-Type: text/plain\r\n\r\n" + body + "\r\n--m--\r\n").encode()
    # The block sits in part 3001: beyond the bound, so the mail is refused
    # as over the cap (never judged on the parts before it).
    assert reply.parse_reply(many).error == reply.OVER_CAP


def test_long_lines_and_many_labels_stay_bounded():
    sig = s.sign()
    junk = "METADATA (DO NOT MODIFY)\r\nSIGNATURE: " + "a" * 300000
    parsed = reply.parse_reply(s.plain(junk + "\r\n"))
    assert parsed.error in (reply.OVER_CAP, reply.NO_METADATA)
    labels = "\r\n".join(
        f"METADATA (DO NOT MODIFY)\r\nACTION: COMPLETE\r\nTASK_ID: {s.TASK_ID}{i}\r\n"
        f"SIGNATURE: {sig}"
        for i in range(1000)
    )
    assert reply.parse_reply(s.plain(labels)).error == reply.CONFLICTING_METADATA
    # Labels outside a block (no header line above them) are prose.
    bare = "\r\n".join(
        f"ACTION: COMPLETE\r\nTASK_ID: {s.TASK_ID}\r\nSIGNATURE: {sig}" for _ in range(3)
    )
    assert reply.parse_reply(s.plain(bare)).error == reply.NO_METADATA


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_never_raises_on_arbitrary_bytes(data):
    parsed = reply.parse_reply(data)
    assert parsed.error is not None or parsed.action in reply.ACTIONS


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=400),
    st.sampled_from(["plain", "gmail", "apple-flowed-delsp", "outlook-1252"]),
)
def test_any_comment_keeps_the_block_intact(comment, client):
    comment = comment.replace("\r", "")
    try:
        comment.encode("cp1252")
    except UnicodeEncodeError:
        if client == "outlook-1252":
            comment = comment.encode("cp1252", "replace").decode("cp1252")
    _subject, body = s.template(comment=comment)
    parsed = reply.parse_reply(CLIENTS[client](body))
    # A comment can never forge or break the block: either it parses to the
    # signed values, or (if the comment itself looks like a block) it is refused.
    if parsed.error is None:
        assert_block(parsed)
        assert len(parsed.comment) <= reply.MAX_COMMENT_CHARS
    else:
        assert parsed.error in (reply.CONFLICTING_METADATA,)


def test_huge_ids_are_refused_before_any_lookup():
    sig = s.sign()
    huge = s.TASK_ID + "/" + "a" * 5000
    text = (
        f"METADATA (DO NOT MODIFY)\r\nACTION: COMPLETE\r\nTASK_ID: {huge}\r\nSIGNATURE: {sig}\r\n"
    )
    parsed = reply.parse_reply(s.plain(text))
    assert parsed.error == reply.INCOMPLETE_METADATA and parsed.task_id is None


# --- the address fast path: what getaddresses would say, or nothing -------------

ADDRESS_PIECES = st.sampled_from(["a", "Bob", "x1", "-", "_", "+", "%", ".", "..", "@", " ",
                                  "  ", "\t", "\n ", "<", ">", "\"", "(", ")", ",", ";", ":",
                                  "[", "]", "\\", "example", "com", "\u00e9", "\u00a0", "=?"])


ATOM = st.text(alphabet="aBz19-_+%", min_size=1, max_size=4)
# Mostly atoms, now and then any piece: valid shapes and near misses.
ADDRESS_WORDS = st.lists(st.one_of(ATOM, ATOM, ATOM, ADDRESS_PIECES), min_size=1,
                         max_size=4).map(lambda parts: st_join(parts))


def st_join(parts):
    return "".join(p if i == 0 or not p[:1].isalnum() else "." + p for i, p in enumerate(parts))
# Near-addresses: "<name> <local@domain>" or "local@domain", each part a few
# pieces, so that both paths are reached often.
NAME = st.lists(st.one_of(st.text(alphabet="aZ9", min_size=1, max_size=3), ADDRESS_PIECES),
               max_size=3).map(" ".join)
EDGE = st.sampled_from(["", "", " ", "\n", "\t", "x", ">", ",", "\u00a0"])
SHAPED = st.one_of(
    st.tuples(EDGE, NAME, ADDRESS_WORDS, ADDRESS_WORDS, EDGE).map(lambda p: "%s%s <%s@%s>%s" % p),
    st.tuples(EDGE, ADDRESS_WORDS, ADDRESS_WORDS, EDGE).map(lambda p: "%s%s@%s%s" % p))


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.lists(ADDRESS_PIECES, max_size=14).map("".join), SHAPED))
def test_the_simple_address_path_agrees_with_getaddresses(value):
    from email.utils import getaddresses
    if reply._SIMPLE_ADDRESS.match(value):
        assert reply._address_pairs([value], "From") == getaddresses([value])


@pytest.mark.parametrize("value", [
    "alice@example.com", "  alice.smith+tag@mail.example.com \n", "Alice Smith <a@b.example>",
    "Alice <a_b-c%d@x-y.example>", "X1 Y2 Z3 <p@q.r>"])
def test_common_senders_take_the_simple_path_and_read_as_getaddresses(value):
    from email.utils import getaddresses
    assert reply._SIMPLE_ADDRESS.match(value)
    assert reply._address_pairs([value], "From") == getaddresses([value])


@pytest.mark.parametrize("value", [
    "Smith, Alice <a@b.example>", "\"Alice\" <a@b.example>", "a@b.example (Alice)",
    "Alice  Smith <a@b.example>", "a..b@c.example", "a@b.example, c@d.example",
    "=?utf-8?q?Al=C3=A9?= <a@b.example>", "Al\u00e9 <a@b.example>", "<a@b.example>"])
def test_anything_else_goes_to_getaddresses(value):
    assert not reply._SIMPLE_ADDRESS.match(value)


def test_the_html_alternative_is_not_read_when_the_plain_part_holds_the_block():
    """The HTML part is converted only when no text/plain part holds a
    usable block: here its blockquotes pass their nesting bound, which
    would refuse the mail (over-cap) had it been converted."""
    good = s.good_reply(client=s.gmail)
    deep = "<blockquote>" * (reply.MAX_QUOTE_DEPTH + 1)
    marker = b'<div dir=3D"ltr">'
    assert marker in good
    hostile = good.replace(marker, marker + deep.encode("ascii"), 1)
    parsed = reply.parse_reply(hostile)
    assert (parsed.error, parsed.action, parsed.metadata_source) == (None, "COMPLETE",
                                                                     "text/plain")
    # Without a block in the plain part the HTML is read, and the bound holds.
    no_block = hostile.replace(b"METADATA (DO NOT MODIFY)", b"METADATA", 1)
    assert reply.parse_reply(no_block).error == reply.OVER_CAP
