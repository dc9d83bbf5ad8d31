"""decide(): one test per rule, and the order of the rules."""
from __future__ import annotations

import pytest

from remote_completion import decide, reply
from tests.fetcher import samples as s

D = decide


config = s.imap_config


OTHER_RUN = "fedcba9876543210"


def task(status="IN_PROGRESS", type_name=D.TASK_TYPE, run=s.RUN, task_id=s.TASK_ID, recorded=()):
    return D.TaskSnapshot(task_id, status, type_name, run, recorded)


def parsed_reply(
    action="COMPLETE", sender=s.ALICE, to=s.MAILBOX, sig=None, extra=(), task_id=s.TASK_ID,
    recipient=s.ALICE, run=s.RUN):
    _subject, body = s.template(action, task_id=task_id, sig=sig, recipient=recipient, run=run)
    return reply.parse_reply(s.plain(body, sender=f"Someone <{sender}>", to=to, extra=list(extra)))


class Asked:
    """A still-assignee answer that records whether it was asked."""

    def __init__(self, answer=True):
        self.answer = answer
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.answer


@pytest.mark.parametrize("action", ["COMPLETE", "FAIL"])
def test_a_good_reply_acts(action):
    asked = Asked()
    verdict = D.decide(parsed_reply(action), config(), task(), asked)
    assert verdict == D.Verdict.act_on(action)
    assert verdict.act and verdict.action == action and asked.calls == 1


def test_sender_address_case_does_not_matter():
    verdict = D.decide(parsed_reply(sender="Alice@EXAMPLE.com"), config(), task(), True)
    assert verdict.act


def test_bad_signature_for_altered_metadata():
    other_task_sig = s.sign(task_id=s.TASK_ID + "0")
    verdict = D.decide(parsed_reply(sig=other_task_sig), config(), task(), True)
    assert verdict.reason == D.BAD_SIGNATURE
    fail_sig = s.sign("FAIL")
    assert (
        D.decide(parsed_reply("COMPLETE", sig=fail_sig), config(), task(), True).reason
        == D.BAD_SIGNATURE
    )


def test_another_sender_with_a_valid_signature_is_refused():
    # Bob forwards Alice's request and sends it himself: the signature binds Alice.
    asked = Asked()
    verdict = D.decide(parsed_reply(sender="bob@example.com"), config(), task(), asked)
    assert verdict.reason == D.BAD_SIGNATURE and asked.calls == 0


def test_a_changed_secret_invalidates_requests():
    assert (
        D.decide(parsed_reply(), config(secret="another-secret-value"), task(), True).reason
        == D.BAD_SIGNATURE
    )


def test_not_an_assignee_any_more():
    asked = Asked(False)
    assert D.decide(parsed_reply(), config(), task(), asked).reason == D.NOT_ASSIGNEE
    assert asked.calls == 1
    assert D.decide(parsed_reply(), config(), task(), False).reason == D.NOT_ASSIGNEE


def test_task_not_in_progress_wrong_type_unknown():
    for status in ("COMPLETED", "COMPLETED_IN_ADVANCE", "FAILED", "SKIPPED",
                   "SKIPPED_IN_ADVANCE", "ABORTED"):
        verdict = D.decide(parsed_reply(), config(), task(status=status), True)
        assert verdict.reason == D.NOT_IN_PROGRESS and status in verdict.text
    assert (
        D.decide(parsed_reply(), config(), task(type_name="xlrelease.Task"), True).reason
        == D.WRONG_TYPE
    )
    assert D.decide(parsed_reply(), config(), None, True).reason == D.UNKNOWN_TASK


def test_a_reply_for_another_run_is_stale():
    stale = parsed_reply(run=OTHER_RUN)
    assert D.decide(stale, config(), task(), True).reason == D.STALE_RUN
    assert D.decide(stale, config(), task(run=OTHER_RUN), True).act
    verdict = D.decide(parsed_reply(), config(), task(run=None), True)
    assert verdict.reason == D.STALE_RUN and "no open request" in verdict.text


def test_only_final_statuses_are_final():
    """release-api.yaml TaskStatus: every status that may still turn into
    IN_PROGRESS keeps the reply for the next cycle (the fetcher bounds it)."""
    transient = ("PLANNED", "PENDING", "QUEUED", "ABORT_SCRIPT_QUEUED", "FAILURE_HANDLER_QUEUED",
                 "FAILING", "PRECONDITION_IN_PROGRESS", "WAITING_FOR_INPUT",
                 "FAILURE_HANDLER_IN_PROGRESS", "FACET_CHECK_IN_PROGRESS",
                 "ABORT_SCRIPT_IN_PROGRESS", "A_STATUS_ADDED_LATER")
    for status in transient:
        verdict = D.decide(parsed_reply(), config(), task(status=status), True)
        assert verdict.reason == D.TASK_SETTLING and status in verdict.text, status
        assert verdict.reason in D.KEPT
    assert D.NOT_IN_PROGRESS not in D.KEPT and D.SETTLING_TOO_LONG not in D.KEPT


def test_a_run_id_changed_in_the_token_breaks_the_signature():
    token = s.sign()
    altered = token.replace(s.RUN, OTHER_RUN)
    verdict = D.decide(parsed_reply(sig=altered), config(), task(run=OTHER_RUN), True)
    assert verdict.reason == D.BAD_SIGNATURE


def test_signed_run_needs_no_task():
    assert D.signed_run(parsed_reply(run=OTHER_RUN), s.SECRET) == OTHER_RUN
    assert D.signed_run(parsed_reply(sig="v2.%s.%s" % (s.RUN, "a" * 64)), s.SECRET) is None
    assert D.signed_run(parsed_reply(sig="v1." + "a" * 64), s.SECRET) is None


def test_recorded_verdicts_decide_the_run():
    from remote_completion import handover
    mine = handover.Verdict("FAIL", s.RUN, "00000000000000aa")
    other = handover.Verdict("COMPLETE", s.RUN, "00000000000000bb")
    asked = Asked()
    verdict = D.decide(parsed_reply(), config(), task(recorded=[other, mine]), asked,
                       mail_key="00000000000000aa")
    assert verdict.reason == D.ALREADY_RECORDED and asked.calls == 0
    verdict = D.decide(parsed_reply(), config(), task(recorded=[other]), asked,
                       mail_key="00000000000000aa")
    assert verdict.reason == D.ALREADY_DECIDED and "COMPLETE" in verdict.text
    assert asked.calls == 0


# --- whitelisting -----------------------------------------------------------------

WL = dict(enable_whitelisting=True, domain_whitelist=["example.com", "corp.example"])


def test_whitelist_passes_for_listed_domains_any_case():
    cfg = config(enable_whitelisting=True, domain_whitelist=["Example.COM", "CORP.example"])
    assert D.decide(
        parsed_reply(sender="alice@EXAMPLE.com", recipient=s.ALICE, to="XLR@Corp.Example"), cfg,
        task(), True).act


@pytest.mark.parametrize("sender", ["alice@evil.example.com", "alice@example.com.evil.io",
                                    "alice@evil-example.com", "alice@examp1e.com"])
def test_whitelist_from_look_alikes_and_subdomains_fail(sender):
    parsed = parsed_reply(sender=sender, recipient=sender)
    assert D.decide(
        parsed, config(), task(), True
    ).act  # signed for them: only the whitelist stops it
    verdict = D.decide(parsed, config(**WL), task(), True)
    assert verdict.reason == D.NOT_WHITELISTED and "From" in verdict.text


@pytest.mark.parametrize("to", ["xlr@other.example", "xlr@corp.example, spy@other.example",
                                "xlr@corp.example.evil.io"])
def test_whitelist_checks_every_to_address(to):
    verdict = D.decide(parsed_reply(to=to), config(**WL), task(), True)
    assert verdict.reason == D.NOT_WHITELISTED and "To" in verdict.text


def test_whitelist_needs_a_to_address_and_is_off_by_default():
    parsed = parsed_reply()
    parsed.to_addresses = []
    assert D.decide(parsed, config(**WL), task(), True).reason == D.NOT_WHITELISTED
    assert D.decide(parsed_reply(to="x@anywhere.example"), config(), task(), True).act


def test_domain_whitelisted_is_exact():
    assert D.domain_whitelisted("a@corp.com", ["corp.com"])
    assert D.domain_whitelisted("a@CORP.com.", ["@Corp.Com"])
    for address in ("a@evil.corp.com", "a@corp.com.evil.io", "a@xcorp.com", "corp.com", "a@"):
        assert not D.domain_whitelisted(address, ["corp.com"])


# --- sender authentication ----------------------------------------------------------

def test_required_sender_authentication():
    cfg = config(require_sender_authentication=True, authserv_id="mx.corp.example")
    good = parsed_reply(
        extra=["Authentication-Results: mx.corp.example; dmarc=pass header.from=example.com"]
    )
    assert D.decide(good, cfg, task(), True).act
    forged = parsed_reply(
        extra=["Authentication-Results: mx.evil.io; dmarc=pass header.from=example.com"]
    )
    assert D.decide(forged, cfg, task(), True).reason == D.NOT_AUTHENTICATED
    assert D.decide(parsed_reply(), cfg, task(), True).reason == D.NOT_AUTHENTICATED


# --- order: cheap and secret-free first, nothing about the task for forgeries --------

def test_self_sent_and_auto_replies_come_first():
    own = parsed_reply(extra=["X-XLR-Remote-Completion: request"])
    assert D.decide(own, config(), task(), True).reason == D.SELF_SENT
    auto = parsed_reply(extra=["Auto-Submitted: auto-replied"], sender="x@elsewhere.example")
    assert D.decide(auto, config(**WL), None, True).reason == D.AUTO_REPLY


def test_parse_errors_are_reasons():
    parsed = reply.parse_reply(s.plain("no block here"))
    assert D.decide(parsed, config(), task(), True).reason == D.NO_METADATA
    two = reply.parse_reply(b"From: a@example.com, b@example.com\r\n\r\nhi")
    assert D.decide(two, config(), task(), True).reason == D.BAD_SENDER


def test_a_forgery_learns_nothing_about_the_task():
    asked = Asked()
    forged = parsed_reply(sig="v2.%s.%s" % (s.RUN, "b" * 64))
    verdict = D.decide(
        forged, config(), task(status="COMPLETED", type_name="xlrelease.Task"), asked
    )
    assert verdict.reason == D.BAD_SIGNATURE and asked.calls == 0
    assert "COMPLETED" not in verdict.text


def test_whitelist_is_checked_before_the_secret_is_used(monkeypatch):
    used = []
    monkeypatch.setattr(D.signature, "verify", lambda *a: used.append(a) or s.RUN)
    verdict = D.decide(parsed_reply(sender="x@foreign.example", recipient="x@foreign.example"),
                       config(**WL), task(), True)
    assert verdict.reason == D.NOT_WHITELISTED and used == []


def test_verdict_texts_hold_no_secret_or_signature():
    parsed = parsed_reply()
    for verdict in (
        D.decide(parsed, config(), t, True) for t in (task(), task(status="FAILED"), None)
    ):
        assert s.SECRET not in repr(verdict) and parsed.signature not in repr(verdict)


def test_too_large_verdict():
    parsed = reply.parse_reply(s.plain("x" * 5000), max_bytes=1024, headers_only=True)
    assert D.too_large(parsed).reason == D.TOO_LARGE
    own = reply.parse_reply(
        s.plain("x" * 5000, extra=["X-XLR-Remote-Completion: request"]), max_bytes=1024
    )
    assert D.too_large(own).reason == D.SELF_SENT
