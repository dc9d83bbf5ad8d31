"""Outcome replies: who hears back, what they read, how often."""
from __future__ import annotations

import email

import pytest

from remote_completion import decide, outcome, reply
from remote_completion.outcome import RateLimiter


def parsed(sender="alice@example.com", **fields):
    p = reply.ParsedReply()
    p.sender = sender
    p.message_id = "<abc@mail.example.com>"
    for name, value in fields.items():
        setattr(p, name, value)
    return p


def refused(reason):
    return decide.Verdict.ignore(reason)


ACTED = decide.Verdict.act_on("COMPLETE")
KNOWN = lambda address: True  # noqa: E731
STRANGER = lambda address: False  # noqa: E731

# Every refusal the fetcher can give a person (final, trusted sender) has
# its own words; the others are never answered.
NEVER_ANSWERED = set(outcome.NOT_FINAL) | set(outcome.UNTRUSTED_SENDER) | set(
    outcome.AUTOMATIC) | set(outcome.REPEATED)


def test_every_final_refusal_reason_has_its_own_text():
    reasons = {getattr(decide, name) for name in dir(decide)
               if name.isupper() and isinstance(getattr(decide, name), str)
               and getattr(decide, name) in decide.TEXTS}
    answered = reasons - NEVER_ANSWERED - {decide.ACTED}
    assert answered, "decide names no refusal reasons"
    missing = sorted(r for r in answered if r not in outcome.REFUSALS)
    assert not missing


@pytest.mark.parametrize("reason", sorted(outcome.REFUSALS))
def test_refusal_text_says_what_happened_and_what_to_do(reason):
    subject, body = outcome.outcome_text(refused(reason), task_title="Deploy",
                                         release_title="Payments 2.4",
                                         link="https://xlr.example.com/#/releases/Release1")
    what, todo = outcome.REFUSALS[reason]
    assert subject == "Not done: Deploy"
    assert what in body and todo in body
    assert "'Deploy' in release 'Payments 2.4'" in body
    assert body.rstrip().endswith("(remote completion).")
    assert "https://xlr.example.com/#/releases/Release1" in body


def test_done_text_names_the_action():
    subject, body = outcome.outcome_text(decide.Verdict.act_on("FAIL"), task_title="Deploy")
    assert subject == "Failed by email: Deploy"
    assert "fails the task" in body


def test_not_in_progress_names_the_status():
    _, body = outcome.outcome_text(refused(decide.NOT_IN_PROGRESS), task_title="T",
                                   status="COMPLETED")
    assert "Its status is COMPLETED." in body


def test_titles_are_folded_to_one_line():
    subject, body = outcome.outcome_text(ACTED, task_title="Deploy\r\nBcc: x@evil.io")
    assert "\n" not in subject and "\r" not in subject


@pytest.mark.parametrize("fields,verdict,why", [
    ({"auto_reply": "auto-submitted"}, ACTED, "automatic"),
    ({"self_sent": True}, refused(decide.NO_METADATA), "automatic"),
    ({}, refused(decide.AUTO_REPLY), "automatic"),
    ({"sender": None}, ACTED, "no-sender"),
    ({}, refused(decide.SERVER_ERROR), "not-final"),
    ({}, refused("no-permission"), "not-final"),
    ({}, refused("already-recorded"), "repeat"),
    ({}, refused(decide.NOT_WHITELISTED), "untrusted-sender"),
    ({}, refused(decide.NOT_AUTHENTICATED), "untrusted-sender"),
    ({}, refused(decide.BAD_SENDER), "untrusted-sender"),
])
def test_who_never_hears_back(fields, verdict, why):
    assert outcome.skip_reason(parsed(**fields), verdict, KNOWN) == why


def test_refusals_go_to_users_only_but_done_needs_no_lookup():
    asked = []

    def stranger(address):
        asked.append(address)
        return False

    assert outcome.skip_reason(parsed(), refused(decide.NO_METADATA), stranger) == "not-a-user"
    assert outcome.skip_reason(parsed(), refused(decide.NOT_ASSIGNEE), KNOWN) is None
    assert outcome.skip_reason(parsed(), ACTED, stranger) is None
    assert asked == ["alice@example.com"]


def test_a_failing_user_lookup_means_no_answer():
    def broken(address):
        raise RuntimeError("directory down")

    assert outcome.skip_reason(parsed(), refused(decide.NOT_ASSIGNEE), broken) == "not-a-user"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_rate_limit_per_sender_and_window():
    clock = Clock()
    limiter = RateLimiter(limit=2, window=60, store=outcome._PythonStore(), clock=clock)
    assert [limiter.allow("A@x.com") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b@x.com")          # another sender has its own budget
    clock.now += 61
    assert limiter.allow("a@x.com")          # the window has passed


def test_rate_limited_sender_is_skipped_last():
    limiter = RateLimiter(limit=1, store=outcome._PythonStore(), clock=Clock())
    assert outcome.skip_reason(parsed(), ACTED, KNOWN, limiter) is None
    assert outcome.skip_reason(parsed(), ACTED, KNOWN, limiter) == "rate-limited"
    # skipped mails do not spend the budget
    other = RateLimiter(limit=1, store=outcome._PythonStore(), clock=Clock())
    assert outcome.skip_reason(parsed(self_sent=True), ACTED, KNOWN, other) == "automatic"
    assert other.allow("alice@example.com")


def test_composed_outcome_is_threaded_and_marked_automatic():
    msg = outcome.compose_outcome(parsed(), ACTED, "xlr-remote-completion@example.com",
                                  now=0, task_title="Deploy")
    again = email.message_from_bytes(msg.as_bytes())
    assert again["To"] == "alice@example.com"
    assert again["From"] == "xlr-remote-completion@example.com"
    assert again["In-Reply-To"] == "<abc@mail.example.com>"
    assert again["References"] == "<abc@mail.example.com>"
    assert again["Auto-Submitted"] == "auto-replied"
    assert again["X-XLR-Remote-Completion"] == "outcome"
    assert "completes the task" in again.get_payload(decode=True).decode()


def test_a_hostile_message_id_is_not_threaded():
    msg = outcome.compose_outcome(parsed(message_id="<a b>\r\nBcc: x@evil.io"), ACTED,
                                  "box@example.com", now=0)
    assert msg["In-Reply-To"] is None and msg["Bcc"] is None


def test_outcome_with_a_non_ascii_title_is_7_bit_and_decodes_back():
    from email.header import decode_header, make_header

    from remote_completion import compose
    msg = outcome.compose_outcome(parsed(), refused(decide.NOT_ASSIGNEE), "box@example.com",
                                  now=0, task_title="Déploiement 🚀")
    raw = compose.message_bytes(msg)            # what SMTP sends: ASCII only
    again = email.message_from_bytes(raw)
    assert str(make_header(decode_header(again["Subject"]))) == "Not done: Déploiement 🚀"
    assert again["Content-Transfer-Encoding"] == "quoted-printable"
    assert "Déploiement 🚀" in again.get_payload(decode=True).decode("utf-8")
