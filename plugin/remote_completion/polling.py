"""The waiting script: fetch cycles when due, and ending the task on its verdict.

Each run of ``WaitForReply.py`` (a) drives a fetch cycle when one is due and
(b) reads its own task's comments, fresh, for the first valid verdict for its
run (``handover``): COMPLETE returns normally (the task completes), FAIL says
why and exits with status 1 (the task fails), as XL Release documents for
script tasks; otherwise it schedules itself again.

Why the waiting script fetches: XL Release runs a plugin's Jython scripts
for tasks, triggers and connection tests, but has no scheduler for a
free-standing script: it never reads ``xl-rules.xml`` (docs/xl-rules.md).
There, the waiting script that every IN_PROGRESS remote completion task
re-runs (``WaitForReply.py``) drives the fetcher: each run starts a fetch
cycle when one is due, i.e.

- ``fetching-enabled`` is true,
- the JVM has been up for ``startup-delay``,
- no fetch cycle started in this JVM during the last ``sync-interval``.

So however many tasks wait, the mailbox is read about once per
``sync-interval``, as XL Release's documentation of these keys says.  The
"last cycle" mark lives in the JVM's system properties on Jython, because XL
Release may give each script run a fresh interpreter (module globals would
not survive); taking the slot is a compare-and-set, so two script threads
never both start a cycle for the same slot.

A host that runs the ``xl-rules.xml`` job itself (the sandbox, when a test
asks for it) says so with the task-script variable
``hostRunsScheduledJobs``.  There the job fetches (``push.run_job``) and
every comment it writes leaves a notice in the same JVM-wide store
(``xlrpush.noting_apis``), so the waiting script never fetches: it runs
every ``wait-interval`` and reads its task only when ``xlrpush.should_read``
says so (a notice, or by chance about once per ``sync-interval``, for a
verdict written elsewhere), as the XL Release path's waiting runs do.
"""
from __future__ import absolute_import, unicode_literals

import os
import sys
import time

from . import fetch, handover, host, logs, settings as settings_module, signature, start
from . import jvmstate, xlrpush
from .compat import HOST_ERRORS, JYTHON, prop, to_text

LAST_CYCLE_KEY = 'xlr.remote-completion.last-cycle-millis'
# The stores' old names here: tests and checks reach them through polling.
_PythonStore, _JvmStore = jvmstate.PythonStore, jvmstate.JvmStore


_store = [None]


def _slot_store():
    if _store[0] is None:
        _store[0] = _JvmStore() if JYTHON else _PythonStore()
    return _store[0]


def _now_millis():
    return int(time.time() * 1000)


def cycle_key(config):
    """The slot of a mailbox: the global configuration's is LAST_CYCLE_KEY; a
    folder's mailbox has its own, so its tasks are not starved by others."""
    if config is None or getattr(config, 'folder', None) is None:
        return LAST_CYCLE_KEY
    return '%s.%s' % (LAST_CYCLE_KEY, config.id)


def take_cycle_slot(sync_interval, startup_delay, now_millis=None, store=None,
                    key=LAST_CYCLE_KEY):
    """True when a fetch cycle is due and this caller got the slot for it."""
    store = store or _slot_store()
    now = _now_millis() if now_millis is None else int(now_millis)
    if now - store.started_millis < startup_delay * 1000:
        return False
    last = store.get(key)
    if last is not None:
        try:
            if now - int(last) < sync_interval * 1000:
                return False
        except ValueError:
            pass  # a foreign value: take the slot over
    return store.compare_and_set(key, last, to_text(now))


class WaitOutcome(object):
    """What one run of the waiting script found: ``verdict`` (a
    ``handover.Verdict`` for the task's run, or None: keep waiting) and the
    fetch cycle's Summary (None when no cycle ran)."""

    def __init__(self, verdict=None, summary=None, waiting=True):
        self.verdict = verdict
        self.summary = summary
        self.waiting = waiting
        self.request_recipients = None   # set when a reassignment changed who was asked

    def __repr__(self):
        return 'WaitOutcome(%r, waiting=%r)' % (self.verdict, self.waiting)


# The IMAP configuration of a release's tasks, read again at most this often
# per release: the waiting runs that read their task (on a notice, by chance)
# would otherwise search the configurations (an API call) and read thirty
# properties of the one found (on Jython about 3 ms) every time.
CONFIG_TTL = 5.0
MAX_CONFIGS = 256
_configs = {}   # release id (None: the global one) -> (expires at, config)


def mailbox_config(configuration_api, release_id, clock=time.time):
    """``host.find_imap_config`` for ``release_id``, remembered ``CONFIG_TTL``
    seconds: a changed configuration is used within seconds, and an error
    is never remembered."""
    now = clock()
    held = _configs.get(release_id)
    if held is not None and now < held[0]:
        return held[1]
    config = host.find_imap_config(configuration_api, release_id)
    if len(_configs) >= MAX_CONFIGS:
        _configs.clear()
    _configs[release_id] = (now + CONFIG_TTL, config)
    return config


def _fetch_if_due(apis, conf, now_millis, store, log, task_id=None,
                  skip_global=False, config_out=None, notices=None):
    """The fetch cycle this run owes, if due: its Summary, else None.
    ``notices``: a store where the cycle's comments leave notices."""
    if not conf.fetching_enabled:
        return None
    # The mailbox this task's requests went out with: its release's folder's
    # or the global one (the fetch cycle below logs a broken configuration).
    release_id = None
    config = None
    try:
        release_id = host.release_id_of(task_id)
        config = mailbox_config(apis.configurationApi, release_id)
    except (ValueError, host.ConfigurationError):
        pass
    except HOST_ERRORS as error:
        log.debug('Remote completion: the IMAP configuration could not be read: %s',
                  host.describe_error(error))
    if config_out is not None:
        config_out.append(config)   # the task's mailbox: _read_verdict's secret
    if skip_global and cycle_key(config) == LAST_CYCLE_KEY:
        return None   # the push session's holder watches the global mailbox
    if not take_cycle_slot(conf.sync_interval, conf.startup_delay, now_millis, store,
                           key=cycle_key(config)):
        return None
    if notices is not None:
        apis = xlrpush.noting_apis(apis, notices)
    try:
        return fetch.run_fetch_cycle(apis, settings=conf, release_id=release_id)
    except HOST_ERRORS as error:  # the mailbox's trouble must not fail the task
        log.error('Remote completion: fetch cycle from the waiting task failed: %s',
                  host.describe_error(error))
        return None


def _read_verdict(apis, task_id, request_run, log, config=None):
    """(verdict or None, still IN_PROGRESS): the task read fresh, its first
    valid verdict for ``request_run``.  Trouble reading: no verdict, waiting.
    ``config``: the task's IMAP configuration when already read."""
    try:
        if config is None:   # the task's mailbox: its release's folder's, else the global one
            config = mailbox_config(apis.configurationApi, host.release_of_task(task_id))
        secret = config.secret
        fresh = host.get_task(apis.taskApi, task_id)
    except HOST_ERRORS as error:
        log.error('Remote completion: task %s could not read its replies: %s',
                  logs.clean(task_id, 200), host.describe_error(error))
        return None, True
    notes = host.task_notes(fresh)
    run_id = request_run or handover.current_run(notes, secret, task_id)
    found = handover.winner(notes, secret, task_id, run_id) if run_id else None
    return found, host.task_status(fresh) in (None, 'IN_PROGRESS')


# The waiting scripts' settings, read again at most this often per server
# home: on Jython a read costs about 0.7 ms (the XlrConfig lookup and the
# file's stamp), which 500 runs a second cannot afford.
SETTINGS_TTL = 1.0
# (server home, expires at, Settings, chance of a read, wait seconds)
_conf_memo = [None]


def _settings(log=None, clock=time.time):
    return _paced_settings(log, clock)[2]


def _paced_settings(log=None, clock=time.time):
    """The memo's entry: the settings and the two values a quiet run needs,
    ``xlrpush.chance`` and the interval it schedules itself with."""
    home = os.environ.get('XL_RELEASE_SERVER_HOME')
    now = clock()
    memo = _conf_memo[0]
    if memo is not None and memo[0] == home:
        if now < memo[1]:
            return memo
        # This run reads them again; the other script threads keep the
        # old ones meanwhile instead of all reading at once.
        _conf_memo[0] = (home, now + SETTINGS_TTL) + memo[2:]
    log = log or logs.get_logger()
    conf = settings_module.load_or_defaults(lambda text: log.error(
        'Remote completion: %s; using the defaults.', logs.clean(text, 500)))
    memo = (home, now + SETTINGS_TTL, conf, xlrpush.chance(conf),
            max(1, int(conf.wait_interval)))
    _conf_memo[0] = memo
    return memo


def push_mode(conf, host_runs_jobs):
    """The waiting scripts watch the mailbox in IDLE (``xlrpush``): fetching
    and push on, and no host job doing it instead."""
    return bool(conf.fetching_enabled and conf.push_enabled and not host_runs_jobs)


def wait_for_reply(task, apis, request_run, request_recipients, host_runs_jobs=False,
                   now_millis=None, store=None, clock=None, rand=None, held=False):
    """The waiting script's work: (a) fetch when due (see the module text),
    (b) read the task's comments for a verdict on its run (``requestRun``);
    without one, keep waiting.  Returns a WaitOutcome; ``end`` acts on it.

    In push mode (``push_mode``) (a) is holding the IDLE session when the
    slot is free and (b) happens when a notice says the task's comments
    changed (``xlrpush``); the script runs again after ``wait-interval``.
    On a host that runs the job (``host_runs_jobs``) there is no (a): the
    job's comments leave the notices, (b) is the same, and so is the
    interval.  ``held``: this run found already that it may not take the
    slot (another run holds it, or startup-delay has not passed)."""
    log = logs.get_logger()
    conf = _settings(log)
    task_id = host.task_id(task)
    run = to_text(request_run or '') or None
    read = True
    chance = [rand] if rand else []
    if host_runs_jobs:
        store = store or _slot_store()
        summary = None
        read = xlrpush.should_read(store, task_id, conf, *chance)
        found, in_progress = _read_verdict(apis, task_id, run, log) if read else (None, True)
        interval = conf.wait_interval
    elif not push_mode(conf, host_runs_jobs):
        summary = _fetch_if_due(apis, conf, now_millis, store, log, task_id)
        found, in_progress = _read_verdict(apis, task_id, run, log)
        interval = conf.sync_interval
    else:
        store = store or _slot_store()
        summary = None

        def own_verdict():
            if not xlrpush.take_notice(store, task_id):
                return None
            verdict, _still = _read_verdict(apis, task_id, run, log)
            return verdict
        kwargs = {} if clock is None else {'clock': clock}
        # The session watches the global mailbox; folder mailboxes are
        # polled by the runs that read their task anyway (below).
        session = None if held else xlrpush.hold_if_free(apis, conf, own_verdict, store,
                                                         now_millis, log=log, **kwargs)
        if session is not None and session.found is not None:
            found, in_progress = session.found, True
        elif xlrpush.should_read(store, task_id, conf, *chance):
            # Its verdicts leave notices too (the tasks' runs read on them).
            mailbox = []
            summary = _fetch_if_due(apis, conf, now_millis, store, log, task_id,
                                    skip_global=True, config_out=mailbox, notices=store)
            found, in_progress = _read_verdict(apis, task_id, run, log,
                                               config=mailbox[0] if mailbox else None)
        else:
            found, in_progress, read = None, True, False
        interval = conf.wait_interval
    recipients = None
    # A reassignment is looked for when the task was read (API calls).
    if found is None and in_progress and request_run and read:
        recipients = _follow_reassignment(task, apis, request_run, request_recipients, log,
                                          recheck=ASSIGNEE_RECHECK * conf.sync_interval)
    if found is None and in_progress:
        start.keep_waiting(task, recipients or request_recipients,
                           interval=max(1, int(interval)))
    outcome = WaitOutcome(found, summary, waiting=found is None and in_progress)
    outcome.request_recipients = recipients
    return outcome


# The assignees a task without a team was last checked against, per task:
# its owner is then all that names them, and the task variable gives the
# owner with no API call.  Such a task's assignees are looked up (the
# owner's user record: an API call, one of a read's two) only when the
# owner, the run or requestRecipients differ from that check, or a team
# appeared, and at least every ASSIGNEE_RECHECK sync-intervals (a changed
# e-mail address of the same owner).  A task with a team is looked up on
# every read: its members can change with nothing on the task changing.
ASSIGNEE_RECHECK = 10
MAX_CHECKED = 4096
_checked = {}   # task id -> ((owner, run, requestRecipients), check again after)


def _assignees_unchanged(task_id, basis, now):
    held = _checked.get(task_id)
    return held is not None and held[0] == basis and now < held[1]


def _assignee_basis(task, request_run, request_recipients):
    """What a team-less task's assignees follow from, or None (a team, or
    nobody: look up on every read)."""
    owner = host.task_owner(task)
    if host.task_team(task) or not owner:
        return None
    return (owner, to_text(request_run), to_text(request_recipients or ''))


def _follow_reassignment(task, apis, request_run, request_recipients, log, recheck=0.0,
                         clock=time.time):
    """The new ``requestRecipients`` when the task was reassigned (the new
    assignees got a request for the same run), else None.  Never fails the
    task.  ``recheck``: seconds a clean check of a team-less task holds
    while its owner, run and requestRecipients stay the same (0: always)."""
    task_id = host.task_id(task)
    basis = _assignee_basis(task, request_run, request_recipients) if recheck > 0 else None
    now = clock()
    if basis is not None and _assignees_unchanged(task_id, basis, now):
        return None
    problems = []
    try:
        recipients = start.resend_to_new_assignees(task, apis, request_run, request_recipients,
                                                   problems=problems)
    except (start.StartError, host.ConfigurationError, ValueError) + HOST_ERRORS as error:
        log.warning('Remote completion: task %s could not follow a reassignment: %s',
                    logs.clean(task_id, 200), logs.clean(to_text(error), 300))
        _checked.pop(task_id, None)
        return None
    if basis is not None and not problems:
        # A clean check: remembered with what the task now holds.
        if len(_checked) >= MAX_CHECKED:
            _checked.clear()
        kept = request_recipients if recipients is None else recipients
        _checked[task_id] = (basis[:2] + (to_text(kept or ''),), now + recheck)
    else:
        _checked.pop(task_id, None)   # a lookup failed, or a team: the next read looks again
    if recipients is not None:
        names = [a.strip() for a in recipients.split(',') if a.strip()]
        try:
            task.setStatusLine(start.waiting_status_line(names))
        except HOST_ERRORS:
            pass
    return recipients


def end(outcome, out=None):
    """End the script the documented way: a COMPLETE verdict returns (the
    task completes), a FAIL verdict says why and exits with status 1 (the
    task fails); otherwise the script returns with the task scheduled."""
    verdict = outcome.verdict
    if verdict is None:
        return
    who = verdict.summary or 'A reply by email'
    if verdict.action == signature.COMPLETE:
        start.say('%s (see the task comments)' % who.rstrip('.'), out)
        return
    start.say('%s: the task fails (see the task comments).' % who.rstrip('.'), out)
    sys.exit(1)


# A quiet run (push mode or a host that runs the job: the slot is held, no
# notice, no chance read) only schedules the task again.  It is what almost
# every run is (1,000 tasks at a 2 s wait-interval: 500 a second), so it
# has a path of its own that looks at three JVM-wide values and builds
# nothing else: on Jython the general path cost several times as much.
_notice_keys = {}      # task id (as the host gives it) -> its notice key (xlrpush.notice_key)
MAX_NOTICE_KEYS = 4096
_slot_seen = [(None, 0)]   # the slot's text last read and its value (one tuple: threads)


def _rest(task, host_runs_jobs, request_recipients):
    """True when this run had nothing to do and scheduled ``task`` again;
    False when the general path must run (nothing done); or this run's
    chance draw (a float) when it reads by chance: the general path must
    use that draw, so that a run draws once."""
    memo = _paced_settings()
    conf = memo[2]
    if not host_runs_jobs and not (conf.fetching_enabled and conf.push_enabled):
        return False   # polling: every run reads its task
    store = _store[0] or _slot_store()
    if not host_runs_jobs:
        now = time.time() * 1000
        if now - store.started_millis >= conf.startup_delay * 1000:
            held = store.get(xlrpush.PUSH_SLOT_KEY)
            if held is None:
                return False   # free: this run may hold the session
            seen = _slot_seen[0]
            if held != seen[0]:
                try:
                    seen = (held, int(held))
                except ValueError:
                    return False   # a foreign value: the general path takes it over
                _slot_seen[0] = seen
            if seen[1] <= now:
                return False
        # else no slot before the startup delay: quiet unless noticed
    # The id as the host gives it: no text made from it per run (on Jython
    # a str id is decoded every time).
    raw_id = prop(task, 'id')
    key = _notice_keys.get(raw_id)
    if key is None:
        if len(_notice_keys) >= MAX_NOTICE_KEYS:
            _notice_keys.clear()
        key = _notice_keys[raw_id] = xlrpush.notice_key(to_text(raw_id))
    if store.get(key) is not None:
        return False   # a notice: the general path takes it and reads
    draw = xlrpush.random.random()
    if draw < memo[3]:
        return draw
    start.keep_waiting(task, request_recipients, memo[4])
    return True


def run_waiting_script(variables):
    """``WaitForReply.py``'s one call, with its globals()."""
    task = host.current_task(variables)
    host_runs_jobs = variables.get('hostRunsScheduledJobs', False)
    request_recipients = variables.get('requestRecipients')
    rested = _rest(task, host_runs_jobs, request_recipients) if task is not None else False
    if rested is True:
        return WaitOutcome()
    # A chance read: the draw made, and the slot seen held (or not yet due).
    chance = rested is not False
    outcome = wait_for_reply(task, host.Apis.from_variables(variables),
                             variables.get('requestRun'), request_recipients,
                             host_runs_jobs=host_runs_jobs,
                             rand=(lambda: rested) if chance else None, held=chance)
    if outcome.request_recipients is not None:
        # A script variable: the host copies it onto the task after the run.
        variables['requestRecipients'] = outcome.request_recipients
    end(outcome)
    return outcome
