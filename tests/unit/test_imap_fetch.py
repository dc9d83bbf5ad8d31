"""imap.py's reading of FETCH answers (``_Connection.fetch_into``,
``_FetchAnswers``, ``_Reader``) on a fake wire: literals split across reads,
literal and line limits, untagged EXISTS/EXPUNGE among the responses, BYE,
NO and BAD, the protocol trace, STARTTLS injection, and a differential test
against imaplib's own reading (tests/jython/checks/imap_streams.py, shared
with the Jython check check_imap_fetch.py)."""
from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path

import pytest

from remote_completion import imap, maildebug

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "jython" / "checks"))
import imap_streams as streams  # noqa: E402  (shared with the Jython check)

BODY = b"Subject: hi\r\n\r\n* 9 FETCH (UID 1)\r\nA1 OK not the end\r\n"


def fetch(stream, chunks=(65536,), uids=(101, 102), items="(UID FLAGS BODY.PEEK[])",
          limit=10000):
    conn = streams.connection(stream, chunks)
    return conn, streams.client(conn)._fetch(list(uids), items, limit)


def body_answer(body=BODY, uid=101):
    return (b"* 1 FETCH (UID %d FLAGS (\\Seen) BODY[] {%d}\r\n" % (uid, len(body)) + body
            + b")\r\n{TAG} OK Fetch completed\r\n")


@pytest.mark.parametrize("chunks", [(1,), (2, 5), (13,), (65536,)])
def test_a_literal_split_across_reads_is_read_whole(chunks):
    conn, found = fetch(body_answer(), chunks)
    assert found == [(101, " 1 (UID 101 FLAGS (\\Seen) BODY[] {%d} )" % len(BODY), [BODY])]
    if chunks == (1,):
        assert conn.file.sock.reads > len(BODY)   # really byte by byte


def test_a_literal_at_the_limit_passes_and_one_byte_more_is_refused():
    body = b"x" * 500
    _conn, found = fetch(body_answer(body), limit=500)
    assert found[0][2] == [body]
    conn = streams.connection(body_answer(body + b"y"), (64,))
    with pytest.raises(imap.ImapError, match="literal of 501 bytes where at most 500"):
        streams.client(conn)._fetch([101], "(UID BODY.PEEK[])", 500)
    assert len(conn.file.sock.data) > 400, "refused before the literal is read"


def test_the_connection_limit_still_holds_under_a_larger_fetch_limit():
    conn = streams.connection(body_answer(b"z" * 300), max_literal=200)
    with pytest.raises(imap.ImapError, match="limit 200"):
        streams.client(conn)._fetch([101], "(UID BODY.PEEK[])", 10000)


def test_an_over_long_line_is_refused():
    line = b"* 1 FETCH (UID 101 FLAGS (" + b"a" * imap.MAX_LINE + b"))\r\n"
    conn = streams.connection(line + b"{TAG} OK done\r\n", (65536,))
    with pytest.raises(imap.ImapError, match="longer than %d" % imap.MAX_LINE):
        streams.client(conn)._fetch([101], "(UID FLAGS)")


def test_repeated_answers_beyond_what_was_asked_are_cut_off():
    one = b"* 1 FETCH (UID 101 BODY[] {1000}\r\n" + b"r" * 1000 + b")\r\n"
    conn = streams.connection(one * 200 + b"{TAG} OK done\r\n")
    with pytest.raises(imap.ImapError, match="more than was asked for"):
        streams.client(conn)._fetch([101], "(UID BODY.PEEK[])", 1000)


def test_unasked_responses_are_dropped_and_do_not_count_against_the_budget():
    other = b"* 7 FETCH (UID 999 BODY[] {900}\r\n" + b"o" * 900 + b")\r\n"
    conn, found = fetch(other * 300 + body_answer(), limit=1000, uids=(101,))
    assert [uid for uid, _h, _l in found] == [101]


def test_a_response_with_endless_text_is_refused():
    pieces = b"".join(b" X {0}\r\n" for _ in range(imap.RESPONSE_TEXT // 6))
    conn = streams.connection(b"* 1 FETCH (UID 101" + pieces + b")\r\n{TAG} OK done\r\n")
    with pytest.raises(imap.ImapError, match="bytes of text"):
        streams.client(conn)._fetch([101], "(UID FLAGS)")


def test_exists_and_expunge_among_fetch_responses_are_counted():
    found, conn = streams.interleaved()
    assert [uid for uid, _h, _l in found] == [101, 102, 103]
    assert found[1][1] == " 2 (UID 102 FLAGS (\\Seen))"
    # 11, one expunged (10), then 11 and 12: two arrivals, as imaplib's reading counted
    assert conn.message_count == 12 and conn.arrivals == 2 and conn.expunged == [4]
    assert conn.untagged_responses.get("RECENT") == [b"1"]


def test_the_listing_reads_the_window_and_follows_expunges():
    stream = (b"* 1 FETCH (UID 5)\r\n* 2 FETCH (UID 6)\r\n* 9 FETCH (UID 40 FLAGS ())\r\n"
              b"* 3 FETCH (UID 8)\r\n{TAG} OK done\r\n")
    conn = streams.connection(stream, (3,))
    assert streams.client(conn)._window_uids(1, 3) == [5, 6, 8]


def test_bye_in_the_middle_of_an_answer_fails_the_command():
    stream = (b"* 1 FETCH (UID 101 FLAGS ())\r\n* BYE server shutting down\r\n"
              b"* 2 FETCH (UID 102 FLAGS ())\r\n")
    conn = streams.connection(stream, (9,))
    with pytest.raises(imap.ImapError, match="fetch failed: abort: .*server shutting down"):
        streams.client(conn)._fetch([101, 102], "(UID FLAGS)")


@pytest.mark.parametrize("ending, expected", [
    (b"{TAG} NO [SERVERBUG] sorry\r\n", r"fetch failed: NO \[SERVERBUG\] sorry"),
    (b"{TAG} BAD unknown\r\n", "fetch failed: error: UID command error: BAD"),
    (b"", "fetch failed: abort: .*EOF"),
])
def test_tagged_no_bad_and_a_closed_connection_raise_as_before(ending, expected):
    conn = streams.connection(b"* 1 FETCH (UID 101 FLAGS ())\r\n" + ending)
    with pytest.raises(imap.ImapError, match=expected):
        streams.client(conn)._fetch([101], "(UID FLAGS)")


def test_fetch_responses_an_earlier_command_left_come_first():
    conn = streams.connection(b"* 2 FETCH (UID 102 FLAGS (b))\r\n{TAG} OK done\r\n")
    conn.untagged_responses["FETCH"] = [b"1 (UID 101 FLAGS (a))", b"7 (UID 777 FLAGS ())"]
    found = streams.client(conn)._fetch([101, 102], "(UID FLAGS)")
    assert [(uid, head) for uid, head, _l in found] == [
        (101, " 1 (UID 101 FLAGS (a))"), (102, " 2 (UID 102 FLAGS (b))")]
    assert "FETCH" not in conn.untagged_responses


def test_the_trace_records_what_it_recorded_with_imaplib(monkeypatch):
    lines = []
    monkeypatch.setattr(imap.maildebug, "trace",
                        lambda protocol, direction, text, in_auth=False: lines.append(
                            (direction, maildebug.redact(protocol, text, in_auth))))
    maildebug.set_enabled(True)
    try:
        stream = body_answer() + b""
        traces = []
        for old in (False, True):
            conn = streams.connection(b"* 3 EXISTS\r\n" + stream, (7,), old=old)
            del lines[:]   # the greeting
            client = streams.client(conn)
            if old:
                streams.old_fetch(client, [101], "(UID FLAGS BODY.PEEK[])")
            else:
                client._fetch([101], "(UID FLAGS BODY.PEEK[])", 1000)
            traces.append([(d, t.replace(conn.tagpre.decode(), "TAG")) for d, t in lines])
    finally:
        maildebug.set_enabled(None)
    assert traces[0] == traces[1]
    server = [t for d, t in traces[0] if d == "S"]
    assert server == ["* 3 EXISTS", "* 1 FETCH (UID 101 FLAGS (\\Seen) BODY[] {%d}" % len(BODY),
                      "{literal, %d bytes}" % len(BODY), ")", "TAG0 OK Fetch completed"]


@pytest.mark.parametrize("seed", range(12))
def test_differential_new_reading_equals_imaplibs(seed):
    """Generated answers (literals that look like protocol, unasked and
    repeated responses, untagged EXISTS/EXPUNGE/VANISHED, odd FETCH lines,
    NO/BAD/BYE/EOF endings), read in chunks of 1, 7/3/64 and 64k bytes: the
    same responses, the same error text, the same counts as imaplib's."""
    bad, compared = streams.fetch_mismatches([seed])
    assert compared == 120 and bad == []


@pytest.mark.parametrize("seed", range(4))
def test_differential_store_answers(seed):
    """``uid_command`` (STORE, EXPUNGE, MOVE: their FETCH responses dropped
    as read, EXPUNGEs counted) against imaplib's reading of the same
    answers: the same error text and the same counts and leftovers."""
    assert streams.store_mismatches([seed]) == []


def test_an_expunge_answer_is_counted_without_imaplib():
    stream = b"".join(b"* %d EXPUNGE\r\n" % n for n in (3, 3, 2)) + b"{TAG} OK done\r\n"
    conn = streams.connection(stream, (4,))
    streams.client(conn).uid_command("uid expunge", "EXPUNGE", "5:7")
    assert conn.expunged == [3, 3, 2] and conn.message_count == 17
    assert "EXPUNGE" not in conn.untagged_responses


def test_hostile_answers_are_refused_by_both_readings():
    assert len(streams.hostile()) == 5 and streams.hostile_accepted() == []


def test_the_reader_keeps_its_buffer_when_a_read_times_out():
    class Flaky(streams.FakeSocket):
        def recv(self, size):
            if self.turn == 1:
                self.turn += 1
                raise socket.timeout("timed out")
            return streams.FakeSocket.recv(self, size)
    reader = imap._Reader(Flaky(b"* 1 FETCH (UID 5)\r\n", chunks=(6,)))
    with pytest.raises(socket.timeout):
        reader.readline(100)
    assert reader.readline(100) == b"* 1 FETCH (UID 5)\r\n"
    assert reader.readline(100) == b""


def test_idle_reads_what_the_connection_read_ahead():
    conn = streams.connection(b"")
    conn.file.buf, conn.file.pos = b"xx* 5 EXISTS\r\n", 2
    session = imap.IdleSession(conn, network_timeout=5)
    assert session._buffer == b"* 5 EXISTS\r\n" and conn.file.take() == b""


def test_data_after_the_starttls_answer_is_refused():
    """A man in the middle that appends a line after ``OK`` (before the
    handshake) must not have it read as if it came over TLS."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve():
        conn, _ = server.accept()
        with conn:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
            line = conn.makefile("rb").readline()
            tag = line.split(b" ")[0]
            conn.sendall(tag + b" OK Begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] x\r\n")
            conn.recv(100)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = imap.ImapClient("127.0.0.1", server.getsockname()[1], imap.TLS_STARTTLS,
                             ssl_context=None, timeout=5)
    try:
        with pytest.raises(imap.ImapError, match="data after its STARTTLS answer"):
            client.connect()
    finally:
        client.close()
        server.close()
        thread.join(10)
