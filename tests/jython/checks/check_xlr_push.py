# -*- coding: utf-8 -*-
"""Push on XL Release on Jython: the slot and the notices live in the Java
system properties (compare-and-set, seen by every interpreter), and the
slot holder's session loop (IDLE, a cycle per wake-up, own verdict ends it)
runs on the calling thread.  The IDLE exchange itself on Jython against
Dovecot is check_push.py; here the mailbox is a stand-in."""
from __future__ import absolute_import, unicode_literals

from java.lang import System

from remote_completion import polling, xlrpush
from remote_completion.settings import Settings
import fetch_fakes as fakes

CONF = Settings(startup_delay=0, xlr_push_session=60, network_timeout=10, sync_interval=30,
                wait_interval=2)


def _fresh_store():
    props = System.getProperties()
    for key in list(props.keySet()):
        if str(key).startswith('xlr.remote-completion.'):
            props.remove(key)
    return polling._JvmStore()


def check_slot_hand_over_in_system_properties():
    store = _fresh_store()
    now = store.started_millis + 100000
    token = xlrpush.take_slot(CONF, now, store)
    assert token == str(now + 70000)
    assert System.getProperty(xlrpush.PUSH_SLOT_KEY) == token
    # Another interpreter (a new store object) sees the holder.
    assert xlrpush.take_slot(CONF, now + 1, polling._JvmStore()) is None
    xlrpush.release_slot(store, token)
    assert xlrpush.take_slot(CONF, now + 2, polling._JvmStore()) is not None


def check_notices_are_taken_once():
    store = _fresh_store()

    class Api(object):
        def commentTask(self, task_id, comment):
            return None
    xlrpush.NotingTaskApi(Api(), store).commentTask('Applications/Release1/Phase1/Task2', 'x')
    assert xlrpush.take_notice(polling._JvmStore(), 'Release1/Phase1/Task2')
    assert not xlrpush.take_notice(store, 'Release1/Phase1/Task2')


class _Idle(object):
    def __init__(self, events):
        self.events = events
        self.done_calls = 0

    def next_event(self, until, should_stop=None):
        return self.events.pop(0) if self.events else None

    def done(self):
        self.done_calls += 1


class _Client(object):
    capabilities = ('IMAP4REV1', 'IDLE')

    def __init__(self, events):
        self.session = _Idle(events)

    def idle(self, network_timeout=None, clock=None):
        return self.session

    def told_unlisted(self):   # fetch.Mailbox's: no mail told outside IDLE here
        return False


def check_the_holder_idles_runs_a_cycle_per_wake_up_and_ends_on_its_verdict():
    store = _fresh_store()
    cycles = []

    class Fetch(object):
        @staticmethod
        def run_fetch_cycle(apis, settings=None, mailbox=None):
            assert mailbox is client   # drained on the IDLE connection itself
            cycles.append(1)
            if len(cycles) == 3:   # the third cycle records the holder's own verdict
                apis.taskApi.commentTask('Release1/Phase1/Task1', 'verdict')

    class Api(object):
        def commentTask(self, task_id, comment):
            return None

    client = _Client(['mail', 'mail', 'mail', 'mail'])
    apis = polling.host.Apis(Api(), None, None, None, None, object())

    def own_verdict():
        return 'VERDICT' if xlrpush.take_notice(store, 'Release1/Phase1/Task1') else None
    real_fetch = xlrpush.fetch
    xlrpush.fetch = Fetch
    try:
        session = xlrpush.hold_if_free(apis, CONF, own_verdict, store,
                                       now_millis=store.started_millis + 1000,
                                       clock=lambda: 5.0, open_mailbox=lambda: client)
    finally:
        xlrpush.fetch = real_fetch
    # A drain before the first IDLE, then one cycle per wake-up (IDLE left
    # for it: the same connection) until its own verdict.
    assert session.outcome == 'answered' and session.found == 'VERDICT'
    assert len(cycles) == 3 and session.wakeups == 2
    assert client.session.done_calls == 2
    assert System.getProperty(xlrpush.PUSH_SLOT_KEY) == '0'   # given back


def check_on_a_push_host_the_jobs_comments_leave_notices_in_system_properties():
    """The push job (push.job_apis, its fetch cycles) and the waiting scripts
    share the JVM-wide store: the job's comment is a system property that a
    waiting run in another interpreter (a new store object) takes; a run
    with no notice makes no API call and comes back after wait-interval."""
    _fresh_store()
    from remote_completion import fetch, push
    commented = []

    class Api(object):
        def commentTask(self, task_id, comment):
            commented.append(task_id)

    def cycle(apis, settings=None):
        apis.taskApi.commentTask('Applications/Folder1/Release1/Phase1/Task7', 'verdict')
    real_cycle = fetch.run_fetch_cycle
    fetch.run_fetch_cycle = cycle
    try:
        push.run_job(Api(), None, None, None, None, object(),
                     settings=Settings(push_enabled=False))
    finally:
        fetch.run_fetch_cycle = real_cycle
    assert commented == ['Applications/Folder1/Release1/Phase1/Task7']
    assert System.getProperty(xlrpush.notice_key('Release1/Phase1/Task7')) is not None
    assert xlrpush.should_read(polling._JvmStore(), 'Release1/Phase1/Task7', CONF,
                               rand=lambda: 0.99)
    assert System.getProperty(xlrpush.notice_key('Release1/Phase1/Task7')) is None

    calls = []

    class NoApi(object):
        def __getattr__(self, name):
            calls.append(name)
            raise AssertionError('API called: %s' % name)
    task = fakes.WaitingTask('Applications/Folder1/Release1/Phase1/Task7')
    outcome = polling.wait_for_reply(task, polling.host.Apis(NoApi(), NoApi(), NoApi(), NoApi(),
                                                             NoApi(), object()),
                                     '0123456789abcdef', 'a@example.com', host_runs_jobs=True,
                                     rand=lambda: 0.99)
    assert outcome.waiting and outcome.verdict is None and calls == []
    wait = int(polling._settings(polling.logs.get_logger()).wait_interval)
    assert task.scheduled == [('remoteCompletion/WaitForReply.py', wait)]
    _fresh_store()


def check_a_quiet_run_reads_the_slot_and_notice_from_system_properties():
    """The waiting script's quiet path on Jython: with the slot held in a
    system property and no notice, a run makes no API call and schedules
    itself; a notice put as a system property makes the next run read."""
    _fresh_store()
    polling._store[0] = None   # the JVM-wide store, as a new interpreter finds it
    System.setProperty(xlrpush.PUSH_SLOT_KEY, '9' * 15)
    calls = []

    class NoApi(object):
        def __getattr__(self, name):
            calls.append(name)
            raise AssertionError('API called: %s' % name)
    task_id = 'Applications/Folder1/Release1/Phase1/Task8'
    variables = dict(taskApi=NoApi(), releaseApi=NoApi(), configurationApi=NoApi(),
                     userApi=NoApi(), rolesApi=NoApi(), Comment=object(),
                     requestRun='0123456789abcdef', requestRecipients='a@example.com')
    real_random = xlrpush.random.random
    xlrpush.random.random = lambda: 0.99
    try:
        task = fakes.WaitingTask(task_id)
        polling.run_waiting_script(dict(variables, task=task))
        wait = int(polling._settings().wait_interval)
        assert task.scheduled == [('remoteCompletion/WaitForReply.py', wait)] and calls == []
        System.setProperty(xlrpush.notice_key(task_id), '1')
        noticed = fakes.WaitingTask(task_id)
        polling.run_waiting_script(dict(variables, task=noticed))
        assert calls   # it read (the stand-in refused every call: still waiting)
        assert noticed.scheduled == [('remoteCompletion/WaitForReply.py', wait)]
        assert System.getProperty(xlrpush.notice_key(task_id)) is None
        assert System.getProperty(xlrpush.PUSH_SLOT_KEY) == '9' * 15
    finally:
        xlrpush.random.random = real_random
        _fresh_store()
