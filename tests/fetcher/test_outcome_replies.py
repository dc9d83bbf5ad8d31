"""Outcome replies from the fetcher: after the verdict is recorded and
logged, the sender hears what became of their mail, through a real SMTP
server (aiosmtpd); never strangers, automatic mail or the untrusted; rate
limited; a failure to send is logged and changes nothing."""
from __future__ import annotations

import email
import email.policy
import logging
from types import SimpleNamespace

import pytest

from remote_completion import decide, fetch, host, logs, outcome, reply, settings
from tests.fetcher import samples as s
from tests.request.smtp_servers import free_port, smtp_server

D = decide
LINK_BASE = "https://xlr.example.com"
APIS = SimpleNamespace(configurationApi=None, releaseApi=None, userApi=None, rolesApi=None,
                       folderApi=None)


config = s.imap_config


class Task:
    """A task as the host gives it (the attributes host.py reads)."""
    id = s.TASK_ID
    title = "Deploy to production"
    status = "COMPLETED"


@pytest.fixture
def limiter(monkeypatch):
    fresh = outcome.RateLimiter(limit=2, store=outcome._PythonStore())
    monkeypatch.setattr(fetch, "_limiter", [fresh])
    return fresh


@pytest.fixture
def smtp(monkeypatch):
    with smtp_server("plain") as (port, recorder):
        monkeypatch.setattr(fetch.host, "find_smtp_config", lambda api, imap_config: (
            host.SmtpConfig(host="127.0.0.1", port=port,
                            from_address="XL Release <xlr@corp.example>")))
        yield recorder


def parsed_button(sender=s.ALICE, extra=()):
    _subject, body = s.template(comment="Looks fine")
    return reply.parse_reply(s.plain(body, sender=f"Someone <{sender}>", extra=list(extra)))


def mail(verified=True, task=None):
    return SimpleNamespace(run_id=s.RUN if verified else None, task=task, snapshot=None)


def answer(parsed, verdict, the_mail=None, **conf):
    values = dict(server_url=LINK_BASE)
    values.update(conf)
    return fetch.answer_sender(the_mail if the_mail is not None else mail(), parsed, verdict,
                               config(), settings.Settings(**values), APIS, logs.get_logger())


def sent(recorder):
    return [email.message_from_bytes(m[2], policy=email.policy.default) for m in recorder.messages]


def test_done_answer_threaded_marked_and_linked(smtp, limiter):
    parsed = parsed_button()
    assert answer(parsed, D.Verdict.act_on("COMPLETE"), mail(task=Task())) is None
    (msg,) = sent(smtp)
    assert smtp.messages[0][1] == [s.ALICE]
    assert msg["From"] == s.MAILBOX and msg["To"] == s.ALICE
    assert msg["In-Reply-To"] == "<reply-1@mail.example.com>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-XLR-Remote-Completion"] == "outcome"
    body = msg.get_body(("plain",)).get_content()
    assert "completes the task" in body and "'Deploy to production'" in body
    assert LINK_BASE + "/#/releases/Folder0a1b-Release4c5d6e7f?openTaskDetailsModal=" in body
    # Coming back into the mailbox, the answer is automatic mail: never acted on or answered.
    back = reply.parse_reply(smtp.messages[0][2])
    assert D.precheck(back, config()).reason == D.AUTO_REPLY
    assert outcome.skip_reason(back, D.precheck(back, config()), lambda a: True) == "automatic"


@pytest.mark.parametrize("reason", sorted(set(outcome.REFUSALS) - {"stale-attempt"}))
def test_every_refusal_reaches_a_verified_sender_with_its_words(smtp, limiter, reason):
    parsed = parsed_button()
    assert answer(parsed, D.Verdict.ignore(reason)) is None
    (msg,) = sent(smtp)
    what, todo = outcome.REFUSALS[reason]
    body = " ".join(msg.get_body(("plain",)).get_content().split())
    assert what in body and todo in body and msg["Subject"].startswith("Not done")


def test_unknown_action_has_its_words_in_decide_and_outcome():
    assert D.UNKNOWN_ACTION in D.TEXTS and D.UNKNOWN_ACTION in outcome.REFUSALS


def test_off_by_setting(smtp, limiter):
    assert answer(parsed_button(), D.Verdict.act_on("COMPLETE"), outcome_replies=False) == "off"
    assert smtp.messages == []
    off = settings.from_text("xl.remote-completion.outcome-replies = false")
    assert off.outcome_replies is False


@pytest.mark.parametrize("parsed, verdict, why", [
    # A stranger (no verified token, no assignee) is refused silently: no backscatter.
    (lambda: parsed_button("mallory@evil.example"), D.Verdict.ignore(D.BAD_SIGNATURE),
     "not-a-user"),
    (lambda: parsed_button(extra=["Auto-Submitted: auto-replied"]),
     D.Verdict.ignore(D.AUTO_REPLY), "automatic"),
    (lambda: parsed_button(extra=["X-XLR-Remote-Completion: request"]),
     D.Verdict.ignore(D.SELF_SENT), "automatic"),
    (parsed_button, D.Verdict.ignore(D.NOT_WHITELISTED), "untrusted-sender"),
    (parsed_button, D.Verdict.ignore(D.NOT_AUTHENTICATED), "untrusted-sender"),
    (parsed_button, D.Verdict.ignore(D.SERVER_ERROR), "not-final"),
    (parsed_button, D.Verdict.ignore(D.ALREADY_RECORDED), "repeat"),
])
def test_no_backscatter(smtp, limiter, parsed, verdict, why):
    verified = why != "not-a-user"
    assert answer(parsed(), verdict, mail(verified=verified)) == why
    assert smtp.messages == []


def test_a_current_assignee_without_a_verified_token_is_answered(smtp, limiter, monkeypatch):
    asked = []
    monkeypatch.setattr(fetch.recipients, "is_assignee",
                        lambda address, *rest: asked.append(address) or True)
    the_mail = SimpleNamespace(run_id=None, task=Task(),
                               snapshot=D.TaskSnapshot(s.TASK_ID, "IN_PROGRESS", D.TASK_TYPE,
                                                       s.RUN))
    apis = SimpleNamespace(releaseApi=None, userApi=None, rolesApi=None, folderApi=None,
                           configurationApi=None)
    verdict = D.Verdict.ignore(D.BAD_SIGNATURE)
    assert fetch.answer_sender(the_mail, parsed_button(), verdict, config(),
                               settings.Settings(), apis, logs.get_logger()) is None
    assert asked == [s.ALICE] and len(smtp.messages) == 1


def test_rate_limited_per_sender(smtp, limiter):
    verdict = D.Verdict.ignore(D.STALE_RUN)
    assert [answer(parsed_button(), verdict) for _ in range(3)] == [None, None, "rate-limited"]
    assert answer(parsed_button("bob@example.com"), verdict) is None   # another sender
    assert len(smtp.messages) == 3


def test_a_failure_to_send_is_logged_and_nothing_else(monkeypatch, limiter, caplog):
    port = free_port()   # nobody listens
    monkeypatch.setattr(fetch.host, "find_smtp_config", lambda api, imap_config: host.SmtpConfig(
        host="127.0.0.1", port=port, from_address="xlr@corp.example"))
    with caplog.at_level(logging.WARNING, logger=logs.LOGGER_NAME):
        result = answer(parsed_button(), D.Verdict.act_on("COMPLETE"))
    assert result == "not-sent"
    assert any("outcome reply to alice@example.com was not sent" in r.getMessage()
               for r in caplog.records)
    assert all(s.SECRET not in r.getMessage() for r in caplog.records)


def test_the_outbox_sends_a_batch_in_one_session_with_one_lookup(monkeypatch, limiter):
    lookups = []
    with smtp_server("plain") as (port, recorder):
        monkeypatch.setattr(fetch.host, "find_smtp_config", lambda api, imap_config: (
            lookups.append(1) or host.SmtpConfig(host="127.0.0.1", port=port,
                                                 from_address="xlr@corp.example")))
        box = fetch.Outbox(config(), APIS, settings.Settings(), logs.get_logger(), size=3)
        senders = ["p%d@example.com" % n for n in range(5)]
        for address in senders:
            parsed = parsed_button(address)
            fetch.answer_sender(mail(), parsed, D.Verdict.act_on("COMPLETE"), config(),
                                settings.Settings(), APIS, logs.get_logger(), box)
        # Three queued fill the box: sent together; two wait for the flush.
        assert [m[1] for m in recorder.messages] == [[a] for a in senders[:3]]
        assert box.flush() == [None, None]
        assert box.flush() == []
    assert [m[1] for m in recorder.messages] == [[a] for a in senders]
    assert len(recorder.sessions) == 2 and len(lookups) == 2


def test_a_batch_that_cannot_be_sent_logs_each_reply(monkeypatch, limiter, caplog):
    def no_smtp(api, imap_config):
        raise host.ConfigurationError("No SMTP server can be used")
    monkeypatch.setattr(fetch.host, "find_smtp_config", no_smtp)
    box = fetch.Outbox(config(), APIS, settings.Settings(), logs.get_logger(), size=10)
    for address in ("a@example.com", "b@example.com"):
        assert fetch.answer_sender(mail(), parsed_button(address), D.Verdict.act_on("COMPLETE"),
                                   config(), settings.Settings(), APIS, logs.get_logger(),
                                   box) is None
    with caplog.at_level(logging.WARNING, logger=logs.LOGGER_NAME):
        assert box.flush() == ["not-sent", "not-sent"]
    logged = [r.getMessage() for r in caplog.records]
    assert [m for m in logged if "No SMTP server" in m and "a@example.com" in m]
    assert [m for m in logged if "No SMTP server" in m and "b@example.com" in m]


def test_the_cycle_flushes_its_outbox_even_when_the_drain_stops(monkeypatch, limiter):
    """Verdicts recorded before a connection loss are answered all the same."""
    queued = []

    def drain_then_fail(client, judge, summary, log, **kwargs):
        judge(SimpleNamespace(uid=1, body=None, header=s.plain(
            s.template()[1], sender=s.ALICE)))
        raise fetch.imap.ImapError("connection lost")
    monkeypatch.setattr(fetch.drain, "drain", drain_then_fail)
    monkeypatch.setattr(fetch, "send_outcome", lambda conf, apis, settings_, outgoing: (
        queued.extend(outgoing) or [SimpleNamespace(ok=True, error=None)] * len(outgoing)))
    monkeypatch.setattr(fetch, "_known_user", lambda the_mail, apis: lambda address: True)
    with pytest.raises(fetch.imap.ImapError):
        fetch._process_mailbox(None, config(), settings.Settings(batch_size=50), APIS,
                               fetch.Summary(), logs.get_logger(), None)
    assert [address for address, _data in queued] == [s.ALICE]
