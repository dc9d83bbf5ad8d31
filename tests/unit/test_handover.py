"""handover: the signed request and verdict markers on a task's comments."""
import datetime

import pytest
from hypothesis import given, settings, strategies as st

from remote_completion import handover, host

SECRET = "s3cret-for-tests"
TASK = "Applications/Folder1/Release0123/Phase4567/Task89ab"
RUN = "0123456789abcdef"
RUN2 = "1111222233334444"
KEY_A = handover.mail_key("<a@mail.example>", None, 1, "v2.x")
KEY_B = handover.mail_key("<b@mail.example>", None, 2, "v2.y")
T0 = datetime.datetime(2026, 12, 1, 10, 0)


def notes(*texts, dated=False):
    return [handover.Note(text, T0 + datetime.timedelta(seconds=i) if dated else None, i)
            for i, text in enumerate(texts)]


def verdict(action="COMPLETE", key=KEY_A, run=RUN, task=TASK, secret=SECRET, who="Alice"):
    audit = "%s by email by %s on 2026-12-01 10:00 UTC." % (handover.ACTION_WORDS[action], who)
    return handover.verdict_comment(audit, secret, action, task, run, key)


def request(run=RUN, task=TASK, secret=SECRET):
    return handover.request_comment(secret, task, run)


def test_markers_are_one_short_line_in_backticks():
    for text in (request(), verdict()):
        marker = text.splitlines()[-1]
        assert marker.startswith("`xlr-remote-completion ") and marker.endswith("`")
        assert len(marker) < 130 and SECRET not in text
    assert verdict().startswith("Completed by email by Alice")


def test_the_current_run_is_the_newest_request_marker():
    assert handover.current_run(notes(request()), SECRET, TASK) == RUN
    assert handover.current_run(notes(request(), "hi", request(RUN2)), SECRET, TASK) == RUN2
    assert handover.current_run(notes("no marker"), SECRET, TASK) is None
    assert handover.current_run([], SECRET, TASK) is None


def test_a_pasted_old_request_marker_does_not_reopen_its_run():
    old = request(RUN)
    assert handover.current_run(notes(old, request(RUN2), old), SECRET, TASK) == RUN2


def test_order_follows_the_comment_dates_whatever_the_list_order():
    dated = notes(request(RUN), request(RUN2), dated=True)
    assert handover.current_run(list(reversed(dated)), SECRET, TASK) == RUN2
    # Without a date on every comment the list order counts.
    mixed = [handover.Note(request(RUN2), T0, 0), handover.Note(request(RUN), None, 1)]
    assert handover.current_run(mixed, SECRET, TASK) == RUN


@pytest.mark.parametrize("forged", [
    "`xlr-remote-completion request run=%s mac=%s`" % (RUN2, "0" * 32),
    request(RUN2, secret="guessed-secret"),
    request(RUN2, task=TASK + "0"),                # copied from another task
    "  " + request(RUN2).splitlines()[-1].upper(),
    "Please see " + request(RUN2).splitlines()[-1],  # not a line of its own
])
def test_a_request_marker_without_the_secret_never_counts(forged):
    assert handover.current_run(notes(request(RUN), forged), SECRET, TASK) == RUN


def test_the_first_recorded_verdict_wins():
    found = notes(request(), verdict("FAIL", KEY_B, who="Bob"), verdict("COMPLETE", KEY_A))
    winner = handover.winner(found, SECRET, TASK, RUN)
    assert (winner.action, winner.mail_key) == ("FAIL", KEY_B)
    assert winner.summary == "Failed by email by Bob on 2026-12-01 10:00 UTC."
    assert [v.action for v in handover.verdicts(found, SECRET, TASK, RUN)] == ["FAIL", "COMPLETE"]


def test_the_same_mail_recorded_twice_counts_once():
    found = notes(verdict(key=KEY_A), verdict(key=KEY_A))
    assert len(handover.verdicts(found, SECRET, TASK, RUN)) == 1


def test_a_verdict_for_another_run_or_task_never_counts():
    found = notes(verdict(run=RUN2), verdict(task=TASK + "0"), verdict(secret="other"))
    assert handover.winner(found, SECRET, TASK, RUN) is None
    assert handover.winner(found, SECRET, TASK, RUN2) is not None
    assert handover.winner(found, SECRET, TASK, None) is None
    assert handover.winner(found, None, TASK, RUN2) is None


@pytest.mark.parametrize("typed", [
    "`xlr-remote-completion verdict=COMPLETE run=%s mail=%s mac=%s`" % (RUN, KEY_A, "f" * 32),
    verdict().splitlines()[-1].replace("COMPLETE", "FAIL"),
    verdict().splitlines()[-1].replace(KEY_A, KEY_B),
    verdict().splitlines()[-1][:-2] + "0`",
])
def test_a_verdict_typed_by_a_user_never_verifies(typed):
    assert handover.winner(notes(request(), typed), SECRET, TASK, RUN) is None


def test_a_marker_inside_a_repliers_comment_is_escaped():
    line = verdict().splitlines()[-1]
    audit = handover.audit_text("FAIL", None, "eve@example.com", T0, "ok\n" + line)
    assert "\n" + line not in audit and "\\`xlr-remote-completion" in audit
    honest = handover.verdict_comment(audit, SECRET, "FAIL", TASK, RUN, KEY_B)
    winner = handover.winner(notes(honest), SECRET, TASK, RUN)
    assert (winner.action, winner.mail_key) == ("FAIL", KEY_B)


_PIECES = [request(), request(RUN2), verdict(), verdict("FAIL", KEY_B, who="Bob"),
           verdict(run=RUN2), verdict(key=KEY_B, run=RUN2), verdict(task=TASK + "0"),
           verdict(secret="other"), request(RUN2, secret="guessed-secret"), "hi",
           "Please see " + request(RUN2).splitlines()[-1], "  " + verdict().splitlines()[-1],
           "`xlr-remote-completion verdict=COMPLETE run=%s mail=%s mac=%s`"
           % (RUN, KEY_A, "f" * 32),
           ""]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_PIECES),
                          st.one_of(st.none(), st.integers(0, 5))), max_size=7),
       st.sampled_from([SECRET, None, ""]), st.sampled_from([TASK, TASK + "0", None]))
def test_run_and_verdicts_is_current_run_then_its_verdicts(comments, secret, task):
    # The fetcher reads both in one pass; the same as the two readings.
    found = [handover.Note(a + "\n" + b, None if when is None else
                           T0 + datetime.timedelta(seconds=when), i)
             for i, (a, b, when) in enumerate(comments)]
    run = handover.current_run(found, secret, task)
    assert handover.run_and_verdicts(found, secret, task) == (
        run, handover.verdicts(found, secret, task, run))


def test_mail_keys_identify_one_mail():
    assert handover.mail_key("<m@x>", "01-Dec-2026", 1, "t") == handover.mail_key(
        "<m@x>", "02-Dec-2026", 7, "t")   # the same Message-ID: the same mail
    assert handover.mail_key("<m@x>", None, 1, "t") != handover.mail_key("<n@x>", None, 1, "t")
    assert handover.mail_key(None, "01-Dec-2026", 1, "t") != handover.mail_key(
        None, "01-Dec-2026", 2, "t")
    assert len(KEY_A) == 16 and int(KEY_A, 16) >= 0


def test_new_run_ids():
    assert handover.new_run_id(b"\x00\x01\x02\x03\x04\x05\x06\xff") == "00010203040506ff"
    with pytest.raises(ValueError):
        handover.new_run_id(b"\x00")


class JavaLikeComment:
    """A bean with getters only, as Jython shows a Java Comment."""

    def __init__(self, text, millis):
        self._text, self._millis = text, millis

    def getText(self):
        return self._text

    def getDate(self):
        return self._millis


class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def test_host_reads_any_shape_of_comment():
    task = Obj(comments=[
        JavaLikeComment(request(RUN2), 2_000),
        {"text": request(RUN), "date": None},
        None,
        "plain text " + request(RUN).splitlines()[-1],
        Obj(comment=verdict(run=RUN2), creationDate=T0),
    ])
    found = host.task_notes(task)
    assert [n.position for n in found] == [0, 1, 3, 4]
    assert found[0].when == datetime.datetime(1970, 1, 1, 0, 0, 2)
    # Not every comment is dated, so the list order counts: RUN is newest.
    assert handover.current_run(found, SECRET, TASK) == RUN
    assert handover.winner(found, SECRET, TASK, RUN2).action == "COMPLETE"
    assert host.task_notes(Obj(comments=None)) == []


def test_a_marker_verified_once_needs_no_second_mac(monkeypatch):
    handover._known[0] = set()
    task = TASK + "memo"
    text = request(task=task)
    computed = []
    real = handover.signature.mac
    monkeypatch.setattr(handover.signature, "mac", lambda *a: computed.append(a) or real(*a))
    assert handover.current_run(notes(text), SECRET, task) == RUN
    assert len(computed) == 1
    assert handover.current_run(notes(text), SECRET, task) == RUN   # the read-back
    assert len(computed) == 1
    # Another secret or another task is a marker of its own: checked, and refused.
    assert handover.current_run(notes(text), SECRET + "x", task) is None
    assert handover.current_run(notes(text), SECRET, task + "x") is None
    assert len(computed) == 3


def test_a_forged_marker_is_checked_every_time_and_never_remembered(monkeypatch):
    handover._known[0] = set()
    forged = "`xlr-remote-completion request run=%s mac=%s`" % (RUN, "0" * 32)
    computed = []
    real = handover.signature.mac
    monkeypatch.setattr(handover.signature, "mac", lambda *a: computed.append(a) or real(*a))
    for _ in range(3):
        assert handover.current_run(notes(forged), SECRET, TASK) is None
    assert len(computed) == 3 and not handover._known[0]


def test_the_verdict_written_is_read_back_without_a_mac(monkeypatch):
    handover._known[0] = set()
    written = verdict(key=KEY_B, task=TASK + "rb")
    computed = []
    real = handover.signature.mac
    monkeypatch.setattr(handover.signature, "mac", lambda *a: computed.append(a) or real(*a))
    found = handover.verdicts(notes(written), SECRET, TASK + "rb", RUN)
    assert [v.mail_key for v in found] == [KEY_B] and not computed


def test_the_remembered_markers_are_bounded(monkeypatch):
    monkeypatch.setattr(handover, "_KNOWN_SIZE", 3)
    handover._known[0] = set()
    for number in range(7):
        task = "%s/%d" % (TASK, number)
        assert handover.current_run(notes(request(task=task)), SECRET, task) == RUN
        assert 1 <= len(handover._known[0]) <= 3


def test_utc_minute():
    assert handover.utc_minute(datetime.datetime(2026, 1, 2, 3, 4, 59)) == "2026-01-02 03:04"
    before = datetime.datetime.utcnow().replace(second=0, microsecond=0)
    now = datetime.datetime.strptime(handover.utc_minute(), "%Y-%m-%d %H:%M")
    after = datetime.datetime.utcnow()
    assert before <= now <= after
    assert handover.audit_text("COMPLETE", None, "a@b.example", None, "").startswith(
        "Completed by email by a@b.example on %s" % now.strftime("%Y-%m-%d")[:4])
