"""Plain replies: the person pressed Reply on the request and typed a few
words.  Shaped as Outlook, Gmail, Apple Mail, iOS and Thunderbird send them
(top-posted with the quote, trimmed quote, bottom-posted); parsed and judged
(the reply token instead of the button signature)."""
from __future__ import annotations

import email
import email.policy
import html

import pytest

from remote_completion import compose, decide, reply, replytoken, signature
from remote_completion.metadata import COMPLETE, FAIL
from tests.fetcher import samples as s

D = decide
WORDS = "Approved, CR-1042 checked"


config = s.imap_config


def request(recipient=s.ALICE, run=s.RUN, task_id=s.TASK_ID):
    """(plain text, Message-ID, Reply-To) of the request the person answers."""
    sigs = {a: signature.sign(s.SECRET, a, task_id, recipient, run) for a in (COMPLETE, FAIL)}
    details = compose.RequestDetails(task_id, "Deploy to production", "Release 4.2", "Prod")
    tokens = {"message_id": replytoken.message_id(s.SECRET, task_id, recipient, run,
                                                  "corp.example"),
              "reply_address": replytoken.reply_address(s.SECRET, task_id, recipient, run,
                                                        s.MAILBOX)}
    msg = compose.compose_request(details, recipient, "Alice Smith",
                                  "XL Release <xlr@corp.example>", s.MAILBOX, sigs, now=0,
                                  **tokens)
    parsed = email.message_from_bytes(compose.message_bytes(msg), policy=email.policy.default)
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n")
    return text.replace("\n", "\r\n"), parsed["Message-ID"], parsed["Reply-To"]


def quoted(text, prefix="> "):
    return "\r\n".join((prefix + line).rstrip() for line in text.split("\r\n"))


def threading(mid):
    return [f"In-Reply-To: {mid}", f"References: <older@corp.example> {mid}"]


def shapes(words=WORDS):
    """name -> raw reply, each as that client sends a plain Reply."""
    text, mid, reply_to = request()
    subject = "Re: Action required: Deploy to production"
    kw = dict(subject=subject, to=reply_to, extra=threading(mid))
    attribution = "On Wed, 25 Nov 2026 at 10:00, XL Release <xlr@corp.example> wrote:"
    outlook_head = ("________________________________\r\nFrom: XL Release <xlr@corp.example>\r\n"
                    "Sent: Wednesday, November 25, 2026 10:00 AM\r\nTo: Alice Smith "
                    "<alice@example.com>\r\n"
                    "Subject: Action required: Deploy to production\r\n\r\n")
    return {
        "outlook-top-posted": s.outlook(words + "\r\n\r\nAlice Smith\r\nRelease manager\r\n\r\n"
                                        + outlook_head + text, **kw),
        "gmail-top-posted": s.gmail(words + "\r\n\r\n" + attribution + "\r\n" + quoted(text),
                                    **kw),
        "apple-mail-top-posted": s.apple_mail(words + "\r\n\r\n" + attribution + "\r\n\r\n"
                                              + quoted(text), **kw),
        "ios-top-posted": s.apple_mail(words + "\r\n\r\nSent from my iPhone\r\n\r\n> "
                                       + attribution + "\r\n>\r\n" + quoted(text), **kw),
        "thunderbird-bottom-posted": s.thunderbird(attribution + "\r\n" + quoted(text)
                                                   + "\r\n\r\n" + words + "\r\n\r\n-- \r\nAlice",
                                                   **kw),
        "gmail-trimmed-quote": s.gmail(words + "\r\n", **kw),
        "outlook-trimmed-quote": s.outlook(words + "\r\n\r\nGet Outlook for iOS", **kw),
    }


@pytest.mark.parametrize("shape", sorted(shapes()))
def test_a_plain_reply_completes_with_the_persons_words(shape):
    parsed = reply.parse_reply(shapes()[shape])
    assert parsed.error is None, parsed
    assert parsed.plain and parsed.action == COMPLETE and parsed.task_id == s.TASK_ID
    assert parsed.comment == "CR-1042 checked"
    task = D.TaskSnapshot(s.TASK_ID, "IN_PROGRESS", D.TASK_TYPE, s.RUN)
    assert D.decide(parsed, config(), task, True) == D.Verdict.act_on(COMPLETE)


@pytest.mark.parametrize("shape", sorted(shapes()))
def test_a_plain_reject_fails(shape):
    parsed = reply.parse_reply(shapes("Rejected - the change window is closed")[shape])
    assert (parsed.action, parsed.comment) == (FAIL, "the change window is closed")


@pytest.mark.parametrize("shape", ["gmail-top-posted", "outlook-top-posted",
                                   "thunderbird-bottom-posted", "gmail-trimmed-quote"])
def test_first_words_that_say_neither_have_their_own_reason(shape):
    parsed = reply.parse_reply(shapes("Let me check with Bob first")[shape])
    assert parsed.plain and parsed.error == reply.UNKNOWN_ACTION
    verdict = D.decide(parsed, config(), None, True)
    assert verdict.reason == D.UNKNOWN_ACTION and "neither" in verdict.text


def test_task_id_from_the_quoted_blocks_when_only_the_reply_to_token_came_back():
    text, _mid, reply_to = request()
    raw = s.gmail("Yes.\r\n\r\nOn Wed, 25 Nov 2026, XL Release wrote:\r\n" + quoted(text),
                  to=reply_to, subject="Re: Action required")
    parsed = reply.parse_reply(raw)
    assert parsed.plain and parsed.task_id == s.TASK_ID and parsed.action == COMPLETE
    assert [t.task_id for t in parsed.tokens] == [None]
    task = D.TaskSnapshot(s.TASK_ID, "IN_PROGRESS", D.TASK_TYPE, s.RUN)
    assert D.decide(parsed, config(), task, True).act


def test_reply_to_token_alone_and_no_quote_names_no_task():
    _text, _mid, reply_to = request()
    parsed = reply.parse_reply(s.plain("Approved", to=reply_to))
    assert parsed.plain and parsed.error == reply.NO_METADATA


def test_the_quoted_blocks_no_longer_conflict():
    text, mid, _ = request()
    raw = s.plain("Done\r\n\r\nOn Wed, XL Release wrote:\r\n" + quoted(text), extra=threading(mid))
    parsed = reply.parse_reply(raw)
    assert parsed.error is None and parsed.action == COMPLETE
    # Without a token the same mail is still refused: nothing binds it.
    parsed = reply.parse_reply(s.plain("Done\r\n\r\nOn Wed, XL Release wrote:\r\n" + quoted(text)))
    assert parsed.error == reply.CONFLICTING_METADATA


def test_another_persons_token_does_not_verify():
    parsed = reply.parse_reply(shapes()["gmail-top-posted"].replace(
        b"From: Alice Smith <alice@example.com>", b"From: Mallory <mallory@example.com>"))
    assert parsed.plain and parsed.action == COMPLETE
    task = D.TaskSnapshot(s.TASK_ID, "IN_PROGRESS", D.TASK_TYPE, s.RUN)
    assert D.decide(parsed, config(), task, True).reason == D.BAD_SIGNATURE
    assert D.decide(parsed, config(secret="another-secret-value"), task, True).reason \
        == D.BAD_SIGNATURE


def test_the_same_checks_apply_run_assignee_whitelist():
    parsed = reply.parse_reply(shapes()["outlook-top-posted"])
    newer = D.TaskSnapshot(s.TASK_ID, "IN_PROGRESS", D.TASK_TYPE, "fedcba9876543210")
    assert D.decide(parsed, config(), newer, True).reason == D.STALE_RUN
    task = D.TaskSnapshot(s.TASK_ID, "IN_PROGRESS", D.TASK_TYPE, s.RUN)
    assert D.decide(parsed, config(), task, False).reason == D.NOT_ASSIGNEE
    listed = config(enable_whitelisting=True, domain_whitelist=["other.example"])
    assert D.decide(parsed, listed, task, True).reason == D.NOT_WHITELISTED


def test_a_token_naming_another_task_does_not_verify():
    text, mid, reply_to = request(task_id=s.TASK_ID.replace("Task2e3f4a5b", "Task99"))
    raw = s.gmail("Approved", to=s.MAILBOX, extra=threading(mid))
    parsed = reply.parse_reply(raw)
    parsed.task_id = s.TASK_ID    # as if the quote named another task
    task = D.TaskSnapshot(s.TASK_ID, "IN_PROGRESS", D.TASK_TYPE, s.RUN)
    assert D.decide(parsed, config(), task, True).reason == D.BAD_SIGNATURE


def test_gateway_banner_never_becomes_the_comment():
    banner = ("CAUTION: This email originated from outside of the organization. Do not click "
              "links unless you recognize the sender.\r\n\r\n")
    parsed = reply.parse_reply(shapes(banner + WORDS)["outlook-top-posted"])
    assert parsed.comment == "CR-1042 checked"
    # The button path too: banner and signature block are not the person's words.
    _subject, body = s.template(comment=banner + "Looks fine\r\n\r\nAlice\r\nSent from my iPhone")
    parsed = reply.parse_reply(s.plain(body))
    assert parsed.error is None and parsed.comment == "Looks fine\n\nAlice"


def test_a_button_mail_stays_on_the_button_path_even_with_a_token():
    text, mid, _ = request()
    _subject, body = s.template(action=FAIL, comment="Approved? no")
    parsed = reply.parse_reply(s.plain(body, extra=threading(mid)))
    assert not parsed.plain and parsed.action == FAIL and parsed.signature


def test_flowed_split_inside_the_task_id_reads_the_raw_lines():
    _subject, body = s.template()
    lines = body.split("\r\n")
    index = [i for i, line in enumerate(lines) if line.startswith("TASK_ID:")][0]
    line = lines[index]
    cut = line.index("Release") + 3
    # delsp=no: the soft break's space stays when the lines are joined, inside the id.
    lines[index:index + 1] = [line[:cut] + " ", line[cut:]]
    raw = (s.headers("Complete: Deploy") + "Content-Type: text/plain; charset=utf-8; "
           "format=flowed\r\n\r\n").encode() + "\r\n".join(lines).encode()
    parsed = reply.parse_reply(raw)
    assert parsed.error is None and parsed.task_id == s.TASK_ID


def test_html_only_reply_with_a_blockquote():
    text, mid, reply_to = request()
    quote = "<br>".join(html.escape(line) for line in text.split("\r\n"))
    markup = ("<html><body><div>Approved, CR-1042 checked</div><div><br></div>"
              "<div>On Wed, XL Release wrote:</div><blockquote>%s</blockquote></body></html>"
              % quote)
    raw = (s.headers("Re: Action required", to=reply_to, extra=threading(mid))
           + "Content-Type: text/html; charset=utf-8\r\n\r\n").encode() + markup.encode()
    parsed = reply.parse_reply(raw)
    assert parsed.error is None and parsed.plain and parsed.metadata_source == "text/html"
    assert (parsed.action, parsed.comment, parsed.task_id) == (COMPLETE, "CR-1042 checked",
                                                               s.TASK_ID)
