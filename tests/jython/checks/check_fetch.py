# -*- coding: utf-8 -*-
"""The fetcher on real Jython 2.7.3: full fetch cycles against the Dovecot
that tests/fetcher/test_fetch_jython.py started, and the reply corpus parsed
here so that CPython can compare.  Results go to JSON files in
``context['out_dir']``; the pytest side asserts on them as well."""
from __future__ import absolute_import, unicode_literals

import io
import logging
import os

import fetch_fakes as fakes
from remote_completion import fetch, logs, maildebug, polling, push, reply, xlrpush
from remote_completion import settings as settings_mod
from jython_support import LogLines as _Lines, ca_text, write_json as _write

REQUIRES = ('dovecot',)


def _scenario(context, name, trace=False):
    sc = context['scenarios'][name]
    trusted = None
    if sc['trusted']:
        trusted = ca_text(context)
    world = fakes.World(
        fakes.imap_ci(
            context['host'], sc['port'], sc['user'], context['password'], context['secret'],
            context['mailbox'], tls_mode=sc['tls_mode'], trusted=trusted,
            quarantine=sc.get('quarantine'))
    )
    for username, (full_name, address) in context['users'].items():
        world.users[username] = (full_name, address)
    world.faults = dict((str(k), v) for k, v in sc.get('faults', {}).items())
    for task in sc['tasks']:
        world.add_task(
            task['id'], owner=task.get('owner'), status=task.get('status', 'IN_PROGRESS'),
            failures=task.get('failures', 0))
    logger = logging.getLogger(logs.LOGGER_NAME)
    handler = _Lines()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    maildebug.set_enabled(True if trace else None)
    try:
        # The job's cycle: its comments leave notices for the waiting scripts.
        summary = fetch.run_fetch_cycle(push.job_apis(*fakes.apis(world)),
                                        settings=settings_mod.Settings(
            batch_size=2, max_message_size=context['max_message_size'], network_timeout=15.0))
    finally:
        logger.removeHandler(handler)
        maildebug.set_enabled(None)
    ends = _end_by_waiting_scripts(context, world)
    result = {'summary': summary.as_dict(), 'tasks': world.tasks, 'script_ends': ends,
              'comments': [list(c) for c in world.comments], 'log': handler.lines}
    _write(context, name, result)
    return result


def _end_by_waiting_scripts(context, world):
    """Each IN_PROGRESS task's WaitForReply.py, on Jython, as XL Release runs
    it for a plugin task (no `release`, no `Comment` variable; the host runs
    the job here, so it does not fetch, and reads its task on the job's
    notice): it ends the task on its verdict, returning (COMPLETED) or
    exiting with 1 (FAILED); otherwise it schedules.  No notice is left
    behind in the JVM's system properties."""
    ends = {}
    bundle = fakes.bundle(world)
    for task_id, record in sorted(world.tasks.items()):
        if record['status'] != 'IN_PROGRESS':
            continue
        task = fakes.WaitingTask(task_id)
        variables = {
            'task': task, 'requestRun': record['run'], 'requestRecipients': 'x@example.com',
            'hostRunsScheduledJobs': True, 'taskApi': bundle.taskApi,
            'releaseApi': bundle.releaseApi, 'configurationApi': bundle.configurationApi,
            'userApi': bundle.userApi, 'rolesApi': bundle.rolesApi}
        code = _exec_script(context, 'WaitForReply.py', variables)
        if code == 1:
            record['status'] = 'FAILED'
            record['failuresCount'] += 1
        elif code in (0, None) and not task.scheduled:
            record['status'] = 'COMPLETED'
        ends[task_id] = {'code': code, 'scheduled': task.scheduled}
    for task_id in world.tasks:
        xlrpush.take_notice(polling._slot_store(), task_id)
    return ends


def _infos(result):
    return [
        m
        for level, m in result['log']
        if level == 'INFO' and m.startswith('Remote completion: mail ')
    ]


def check_fetch_cycle_implicit_tls(context):
    result = _scenario(context, 'implicit', trace=True)
    summary = result['summary']
    assert summary['error'] is None, result['log']
    assert summary['acted'] == 2, summary
    assert len(_infos(result)) == context['scenarios']['implicit']['messages'], result['log']


def check_fetch_cycle_starttls(context):
    result = _scenario(context, 'starttls')
    assert result['summary']['error'] is None, result['log']
    assert result['summary']['acted'] == 1, result['summary']


def check_fetch_cycle_refuses_an_untrusted_ca(context):
    result = _scenario(context, 'untrusted')
    assert result['summary']['error'] == 'imap', result
    assert result['summary']['acted'] == 0


def check_fetch_cycle_quarantine_and_api_failure(context):
    result = _scenario(context, 'quarantine')
    assert result['summary']['error'] is None, result['log']
    assert result['summary']['quarantined'] == 1, result['summary']


def check_reply_corpus(context):
    """Parse every sample the CPython side wrote; CPython compares the values."""
    results = {}
    corpus = context['corpus_dir']
    for name in sorted(os.listdir(corpus)):
        with io.open(os.path.join(corpus, name), 'rb') as handle:
            parsed = reply.parse_reply(handle.read())
        results[name] = {'error': parsed.error, 'action': parsed.action, 'task_id': parsed.task_id,
                         'signature': parsed.signature, 'sender': parsed.sender,
                         'comment': parsed.comment, 'auto_reply': parsed.auto_reply,
                         'self_sent': parsed.self_sent, 'to': parsed.to_addresses}
    _write(context, 'corpus', results)
    assert results


def check_imap_times_out_on_a_silent_server(context):
    from remote_completion import imap
    client = imap.ImapClient('127.0.0.1', context['silent_port'], imap.TLS_NONE, None, timeout=1.0)
    try:
        client.connect()
    except imap.ImapError as error:
        assert 'timed out' in ('%s' % error).lower(), error
    else:
        raise AssertionError('connected to a server that never greets')


def _exec_script(context, name, variables):
    path = os.path.join(context['repo'], 'ext', 'remoteCompletion', name)
    with io.open(path, 'rb') as handle:
        code = compile(handle.read(), path, 'exec')
    scope = dict(variables)
    scope['__name__'] = '__builtin__'
    try:
        exec(code, scope)
    except SystemExit as stop:
        return stop.code
    except Exception as error:  # a failed script: its message is what XL Release shows
        return 'raised %s: %s' % (type(error).__name__, error)
    return 0


def check_ext_scripts_run_on_jython(context):
    """ImapServer.py (the Test button) and FetchMail.py (the job), as XL
    Release runs them: module-level code with the script variables."""
    import sys
    sc = context['scenarios']['scripts']
    trusted = ca_text(context)
    ci = fakes.imap_ci(
        context['host'], sc['port'], sc['user'], context['password'], context['secret'],
        context['mailbox'], trusted=trusted)
    if sys.version_info[0] == 2:
        from StringIO import StringIO  # takes both str and unicode, like Jython's stdout
        out = StringIO()
    else:
        out = io.StringIO()
    real_stdout, sys.stdout = sys.stdout, out
    try:
        ok_code = _exec_script(context, 'ImapServer.py', {'configuration': ci})
        ci.password = 'not-the-password'
        bad_code = _exec_script(context, 'ImapServer.py', {'configuration': ci})
        ci.password = context['password']
    finally:
        sys.stdout = real_stdout
    printed = out.getvalue()
    printed = printed.decode('utf-8') if isinstance(printed, bytes) else printed
    world = fakes.World(ci)
    world.users['alice'] = tuple(context['users']['alice'])
    world.add_task(sc['tasks'][0]['id'], owner='alice')
    bundle = fakes.bundle(world)
    variables = dict((name, getattr(bundle, name)) for name in (
        'taskApi', 'releaseApi', 'configurationApi', 'userApi', 'rolesApi', 'Comment'))
    # The job as a polling run (push-enabled = false): a push session would
    # hold IDLE for idle-refresh; check_push covers push on Jython.
    import tempfile
    home = tempfile.mkdtemp(prefix='rc-jython-home-')
    os.mkdir(os.path.join(home, 'conf'))
    with io.open(os.path.join(home, 'conf', 'xl-release.conf'), 'w', encoding='utf-8') as handle:
        handle.write(u'xl.remote-completion.push-enabled = false\n')
    saved_home = os.environ.get('XL_RELEASE_SERVER_HOME')
    os.environ['XL_RELEASE_SERVER_HOME'] = home
    try:
        job_code = _exec_script(context, 'FetchMail.py', variables)
    finally:
        if saved_home is None:
            del os.environ['XL_RELEASE_SERVER_HOME']
        else:
            os.environ['XL_RELEASE_SERVER_HOME'] = saved_home
    ends = _end_by_waiting_scripts(context, world)
    _write(
        context,
        'scripts',
        {
            'ends': ends, 'ok_code': ok_code, 'bad_code': bad_code, 'printed': printed,
            'job_code': job_code, 'tasks': world.tasks,
            'comments': [list(c) for c in world.comments]},
    )
    assert ok_code in (0, None), printed
    # The Test button's failure: its message is the errorText XL Release shows.
    assert bad_code.startswith('raised ConnectionTestFailed: ') and '"log in"' in bad_code, bad_code
    assert 'not-the-password' not in bad_code
    assert 'not-the-password' not in printed
    assert job_code in (0, None)
    assert world.tasks[sc['tasks'][0]['id']]['status'] == 'COMPLETED'
