# -*- coding: utf-8 -*-
"""The hand-over on Jython with Java values: v2 tokens (Java's constant-time
MessageDigest.isEqual), markers in java.util.List comments with
java.util.Date dates, and the waiting script's end (return / sys.exit(1))."""
from __future__ import absolute_import, unicode_literals

from java.util import ArrayList, Date

from remote_completion import handover, host, polling, signature

SECRET = 'jython-handover-secret'
TASK = 'Applications/Folder1/Release0a1b/Phase2c3d/Task4e5f'
RUN = '0123456789abcdef'
RUN2 = 'aaaabbbbccccdddd'


class Bean(object):
    """A Java bean as Jython shows it: getters only."""

    def __init__(self, text, millis):
        self._text, self._date = text, Date(millis)

    def getText(self):
        return self._text

    def getDate(self):
        return self._date


def check_signature_uses_message_digest_is_equal():
    assert signature._JAVA_EQUAL is not None
    token = signature.sign(SECRET, 'FAIL', TASK, 'Alice@Example.com', RUN)
    assert signature.verify(SECRET, token.upper(), 'FAIL', TASK, 'alice@example.com') == RUN
    assert signature.verify(SECRET, token[:-1] + '0', 'FAIL', TASK, 'alice@example.com') is None
    assert signature.equal('abc', 'abc') and not signature.equal('abc', 'abd')
    assert not signature.equal('abc', 'ab')


def check_markers_in_java_comments():
    key = handover.mail_key('<m@x>', None, 1, 'token')
    comments = ArrayList()
    # Listed newest first: the dates decide the order.
    comments.add(Bean(handover.verdict_comment('Failed by email by Bob.', SECRET, 'FAIL', TASK,
                                               RUN2, key), 4000))
    comments.add(Bean(handover.request_comment(SECRET, TASK, RUN2), 3000))
    comments.add(Bean('`xlr-remote-completion verdict=COMPLETE run=%s mail=%s mac=%s`'
                      % (RUN2, key, '0' * 32), 2500))        # typed by a user
    comments.add(Bean(handover.request_comment(SECRET, TASK, RUN), 1000))
    notes = host.task_notes(type(str('Task'), (object,), {'comments': comments})())
    assert [n.when.second for n in notes] == [4, 3, 2, 1]
    assert handover.current_run(notes, SECRET, TASK) == RUN2
    winner = handover.winner(notes, SECRET, TASK, RUN2)
    assert (winner.action, winner.mail_key) == ('FAIL', key)
    assert winner.summary == 'Failed by email by Bob.'
    assert handover.winner(notes, SECRET, TASK, RUN) is None
    assert handover.winner(notes, SECRET, TASK + 'x', RUN2) is None
    # The fetcher's one-pass reading: the same run and verdicts.
    run, recorded = handover.run_and_verdicts(notes, SECRET, TASK)
    assert run == RUN2 and recorded == handover.verdicts(notes, SECRET, TASK, RUN2)
    assert recorded[0].summary == 'Failed by email by Bob.'
    assert handover.run_and_verdicts(notes, SECRET, TASK + 'x') == (None, [])


def check_no_comment_class_outside_xl_release():
    assert host.comment_class() is None
    assert host.make_comment(None, 'text') == 'text'


def check_the_script_end():
    done = polling.WaitOutcome(handover.Verdict('COMPLETE', RUN, 'k' * 16, 'Completed by x.'))
    assert polling.end(done) is None
    failed = polling.WaitOutcome(handover.Verdict('FAIL', RUN, 'k' * 16, 'Failed by x.'))
    try:
        polling.end(failed)
    except SystemExit as stop:
        assert stop.code == 1
    else:
        raise AssertionError('a FAIL verdict did not exit with status 1')
    assert polling.end(polling.WaitOutcome(None)) is None


def check_markers_read_back_without_a_second_mac():
    import datetime
    handover._known[0] = set()
    task = TASK + 'memo'
    key = handover.mail_key('<m@x>', None, 2, 'token')
    notes = [handover.Note(handover.request_comment(SECRET, task, RUN), None, 0),
             handover.Note(handover.verdict_comment('Completed.', SECRET, 'COMPLETE', task,
                                                    RUN, key), None, 1)]
    real, computed = signature.mac, []
    signature.mac = lambda *a: computed.append(a) or real(*a)
    try:
        assert handover.current_run(notes, SECRET, task) == RUN
        assert [v.mail_key for v in handover.verdicts(notes, SECRET, task, RUN)] == [key]
        assert len(computed) == 1       # the request marker; the verdict was written here
        assert handover.current_run(notes, SECRET, task) == RUN
        assert len(computed) == 1
    finally:
        signature.mac = real
    when = datetime.datetime(2026, 12, 2, 8, 5, 7)
    assert handover.utc_minute(when) == when.strftime('%Y-%m-%d %H:%M') == '2026-12-02 08:05'
    now = handover.utc_minute()
    assert len(now) == 16 and now[:2] == '20' and now[13] == ':'
