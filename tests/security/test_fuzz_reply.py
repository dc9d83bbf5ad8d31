"""Property-based fuzzing of the reply parser (hypothesis, bounded examples).

Properties:
- ``parse_reply`` never raises, on any bytes;
- it is deterministic (same input, same result);
- no mutation of a genuine reply makes the verdict act on anything but what
  was signed: a verdict can only say ACT for an (action, task, sender) whose
  signature was issued.  decide runs with every other check passing (task in
  progress, sender assigned, whitelisting off), so the signature is the only
  thing standing between a mutation and an action.
"""
from __future__ import annotations

import base64
import collections
import quopri
import time

from hypothesis import HealthCheck, given, settings, strategies as st

from remote_completion import compose, decide, reply, signature
from tests.security import figures

SECRET = "fuzz-secret-Jk3"
TASKS = ["Applications/Release%08x/Phase00000001/Task0000000%d" % (0x1000 + i, i) for i in range(3)]
SENDERS = ["alice@corp.com", "Bob.Jones@Corp.COM"]
SIGNED = set()
RUN = "0123456789abcdef"
BASES = []

for _i, _task in enumerate(TASKS):
    for _action in ("COMPLETE", "FAIL"):
        _who = SENDERS[_i % 2]
        _sig = signature.sign(SECRET, _action, _task, _who, RUN)
        SIGNED.add((_action, _task, _who.lower()))
        _subject, _body = compose.reply_template(
            _action, "Deploy \u00e9 %d" % _i, "Rel", _task, _sig
        )
        BASES.append((_who, _subject, "Fine by me.\r\n" + _body))

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class Config:
    secret = SECRET
    enable_whitelisting = False
    domain_whitelist = []
    require_sender_authentication = False
    authserv_id = None


def verdict_for(parsed):
    if parsed.task_id is None:
        return decide.decide(parsed, Config, None, True)
    task = decide.TaskSnapshot(parsed.task_id, decide.IN_PROGRESS, decide.TASK_TYPE, RUN)
    return decide.decide(parsed, Config, task, True)


def fingerprint(parsed):
    return (parsed.action, parsed.task_id, parsed.signature, parsed.comment, parsed.sender,
            parsed.error, parsed.auto_reply, parsed.self_sent, tuple(parsed.to_addresses))


def message(who, subject, text, charset="utf-8", cte="8bit", subtype="plain", extra=""):
    data = text.encode(charset, "replace") if charset != "lying-latin1" else text.encode("utf-8")
    declared = "iso-8859-1" if charset == "lying-latin1" else charset
    if cte == "quoted-printable":
        data = quopri.encodestring(data)
    elif cte == "base64":
        data = base64.encodebytes(data)
    head = ("From: %s\r\nTo: xlr@corp.com\r\nSubject: %s\r\nMIME-Version: 1.0\r\n%s"
            "Content-Type: text/%s; charset=%s\r\nContent-Transfer-Encoding: %s\r\n\r\n"
            % (who, compose.header_text(subject), extra, subtype, declared, cte))
    return head.encode("ascii", "replace") + data


# --- mutations --------------------------------------------------------------------------

def insert(text, data):
    pos = data.draw(st.integers(0, len(text)))
    piece = data.draw(st.text(min_size=1, max_size=8))
    return text[:pos] + piece + text[pos:]


def rewrap(text, data):
    width = data.draw(st.integers(10, 90))
    soft = data.draw(st.booleans())
    out = []
    for line in text.split("\r\n"):
        while len(line) > width:
            out.append(line[:width] + (" " if soft else ""))
            line = line[width:]
        out.append(line)
    return "\r\n".join(out)


def quote(text, data):
    lines = text.split("\r\n")
    start = data.draw(st.integers(0, len(lines)))
    depth = data.draw(st.integers(1, 3))
    marker = data.draw(st.sampled_from([">", "> ", ">>", " > "]))
    return "\r\n".join(l if i < start else marker * depth + l for i, l in enumerate(lines))


def change_case(text, data):
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, min(len(text), a + 80)))
    how = data.draw(st.sampled_from(["upper", "lower", "swap"]))
    return text[:a] + getattr(text[a:b], how if how != "swap" else "swapcase")() + text[b:]


def delete(text, data):
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, min(len(text), a + 20)))
    return text[:a] + text[b:]


def replace_char(text, data):
    if not text:
        return text
    pos = data.draw(st.integers(0, len(text) - 1))
    return text[:pos] + data.draw(st.characters()) + text[pos + 1:]


def duplicate_line(text, data):
    lines = text.split("\r\n")
    i = data.draw(st.integers(0, len(lines) - 1))
    return "\r\n".join(lines[:i + 1] + [lines[i]] + lines[i + 1:])


def swap_lines(text, data):
    lines = text.split("\r\n")
    i = data.draw(st.integers(0, len(lines) - 1))
    j = data.draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    return "\r\n".join(lines)


def splice_other_block(text, data):
    # a block copied from another genuine reply: its signature is real, but
    # not for this sender or alongside this block
    _who, _subject, other = data.draw(st.sampled_from(BASES))
    return text + "\r\n" + other[other.find("METADATA"):]


MUTATIONS = [insert, rewrap, quote, change_case, delete, replace_char, duplicate_line, swap_lines,
             splice_other_block]


def test_arbitrary_bytes_never_raise_and_are_deterministic():
    stats = collections.Counter()

    @FUZZ
    @given(st.binary(max_size=4096))
    def run(raw):
        first = reply.parse_reply(raw)
        assert fingerprint(first) == fingerprint(reply.parse_reply(raw))
        v = verdict_for(first)
        assert not v.act
        stats["examples"] += 1
        stats["reason:" + v.reason] += 1

    started = time.monotonic()
    run()
    stats["seconds"] = round(time.monotonic() - started, 2)
    figures.record("fuzz-arbitrary-bytes", dict(stats))


def test_arbitrary_bodies_under_plausible_headers():
    stats = collections.Counter()
    ctypes = [
        "text/plain; charset=utf-8", "text/html; charset=iso-8859-1", "text/plain; format=flowed",
        'multipart/alternative; boundary="b"', 'multipart/mixed; boundary="b"', "message/rfc822",
        "multipart/report; report-type=delivery-status; boundary=b", "text/plain; charset=x-nope",
        'multipart/mixed; boundary=""']

    @FUZZ
    @given(st.binary(max_size=4096), st.sampled_from(ctypes),
           st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-bogus"]),
           st.lists(st.sampled_from([b"--b\r\n", b"--b--\r\n", b"Content-Type: text/plain\r\n\r\n",
                                     b"METADATA (DO NOT MODIFY)\r\n", b"ACTION: COMPLETE\r\n",
                                     b"TASK_ID: " + TASKS[0].encode() + b"\r\n", b"SIGNATURE: v1.",
                                     b"0123456789abcdef" * 4, b"\r\n", b">"]), max_size=30))
    def run(junk, ctype, cte, pieces):
        body = b"".join(pieces)
        cut = len(junk) // 2
        raw = (
            b"From: alice@corp.com\r\nTo: xlr@corp.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: "
            + ctype.encode()
            + b"\r\nContent-Transfer-Encoding: "
            + cte.encode()
            + b"\r\n\r\n"
            + junk[:cut]
            + body
            + junk[cut:]
        )
        parsed = reply.parse_reply(raw)
        assert fingerprint(parsed) == fingerprint(reply.parse_reply(raw))
        v = verdict_for(parsed)
        assert not v.act
        stats["examples"] += 1
        stats["reason:" + v.reason] += 1

    run()
    figures.record("fuzz-arbitrary-bodies", dict(stats))


def test_bytes_around_a_genuine_reply():
    stats = collections.Counter()

    @FUZZ
    @given(st.binary(max_size=2048), st.sampled_from(BASES))
    def run(junk, base):
        who, subject, text = base
        raw = message(who, subject, text)
        cut = len(junk) // 2
        mangled = junk[:cut] + raw + junk[cut:]
        parsed = reply.parse_reply(mangled)
        assert fingerprint(parsed) == fingerprint(reply.parse_reply(mangled))
        v = verdict_for(parsed)
        stats["examples"] += 1
        stats["acted" if v.act else "ignored"] += 1
        if v.act:
            assert (parsed.action, parsed.task_id, parsed.sender_address) in SIGNED

    run()
    figures.record("fuzz-bytes-around-reply", dict(stats))


def test_mutated_genuine_replies_never_act_on_what_was_not_signed():
    stats = collections.Counter()

    @FUZZ
    @given(st.data())
    def run(data):
        who, subject, text = data.draw(st.sampled_from(BASES))
        for mutate in data.draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
            text = mutate(text, data)
        sender = data.draw(
            st.sampled_from(
                [
                    who, who.upper(), "Someone <%s>" % who, "mallory@corp.com",
                    '"%s" <evil@x.io>' % who]
            )
        )
        charset = data.draw(
            st.sampled_from(["utf-8", "iso-8859-1", "windows-1252", "utf-16", "lying-latin1"])
        )
        cte = data.draw(st.sampled_from(["8bit", "quoted-printable", "base64"]))
        subtype = data.draw(st.sampled_from(["plain", "plain", "html"]))
        extra = data.draw(
            st.sampled_from(["", "Content-Language: de\r\n", "Content-Type: text/html\r\n"])
        )
        raw = message(sender, subject, text, charset, cte, subtype, extra)
        parsed = reply.parse_reply(raw)
        assert fingerprint(parsed) == fingerprint(reply.parse_reply(raw))
        v = verdict_for(parsed)
        stats["examples"] += 1
        stats["acted" if v.act else "reason:" + v.reason] += 1
        if v.act:
            assert (parsed.action, parsed.task_id, parsed.sender_address) in SIGNED
            assert signature.verify(SECRET, parsed.signature, parsed.action, parsed.task_id,
                                    parsed.sender_address) == RUN

    started = time.monotonic()
    run()
    stats["seconds"] = round(time.monotonic() - started, 2)
    figures.record("fuzz-mutated-replies", dict(stats))
    # Meaningful only if some mutants still act (genuine and intact) and some do not.
    assert stats["acted"] > 0 and stats["acted"] < stats["examples"]


def test_unmutated_bases_do_act():
    # the fuzz above would pass trivially if nothing could ever act
    for who, subject, text in BASES:
        for cte in ("8bit", "quoted-printable", "base64"):
            parsed = reply.parse_reply(message(who, subject, text, cte=cte))
            assert verdict_for(parsed).act, parsed
