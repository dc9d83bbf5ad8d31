# -*- coding: utf-8 -*-
"""OAuth 2.0 on real Jython 2.7.3: the token client over verified TLS, SASL
XOAUTH2 and OAUTHBEARER against the Dovecot (oauth2 passdb) and token
service that tests/fetcher/test_oauth_jython.py started, and a full fetch
cycle completing a task through a mailbox that accepts only XOAUTH2.
Results go to JSON files in ``context['out_dir']`` for the pytest side."""
from __future__ import absolute_import, unicode_literals

import logging

import fetch_fakes as fakes
from remote_completion import fetch, logs, maildebug, oauth, push
from remote_completion import settings as settings_mod
from jython_support import LogLines as _Lines, ca_text, write_json as _write

REQUIRES = ('dovecot',)


def _ci(context, sc):
    trusted = ca_text(context)
    ci = fakes.imap_ci(context['host'], sc['port'], sc['user'], None, context['secret'],
                       context['mailbox'], trusted=trusted)
    ci.authentication = 'OAUTH2'
    ci.tokenEndpoint = sc.get('token_url', context['token_url'])
    ci.clientId = sc['client_id']
    ci.clientSecret = sc.get('client_secret', context['client_secret'])
    ci.oauthScope = context['scope']
    ci.oauthGrant = 'CLIENT_CREDENTIALS'
    return ci


def run_cycle(world, settings, context=None):
    """One fetch cycle as main's fetcher takes its APIs (the host.Apis bundle
    after the hand-over, six positional variables before), then each waiting
    task's own WaitForReply.py on Jython (check_fetch runs it as XL Release
    does), which ends the task on the verdict the cycle recorded."""
    if hasattr(fakes, 'bundle'):
        # The job's APIs: its comments leave notices for the waiting scripts.
        summary = fetch.run_fetch_cycle(push.job_apis(*fakes.apis(world)), settings=settings)
    else:
        summary = fetch.run_fetch_cycle(*fakes.apis(world), settings=settings)
    import check_fetch
    ends = getattr(check_fetch, '_end_by_waiting_scripts', None)
    if context is not None and ends is not None:
        world.script_ends = ends(context, world)
    elif hasattr(world, 'settle'):
        world.settle()
    return summary


def _cycle(context, name, trace=False):
    sc = context['scenarios'][name]
    world = fakes.World(_ci(context, sc))
    world.users['alice'] = tuple(context['alice'])
    world.add_task(context['task_id'], owner='alice')
    logger = logging.getLogger(logs.LOGGER_NAME)
    handler = _Lines(1)
    logger.addHandler(handler)
    logger.setLevel(1)
    maildebug.set_enabled(True if trace else None)
    try:
        summary = run_cycle(world, settings_mod.Settings(
            network_timeout=float(sc.get('timeout', 15.0))), context)
    finally:
        logger.removeHandler(handler)
        maildebug.set_enabled(None)
    result = {'summary': summary.as_dict(), 'tasks': world.tasks, 'log': handler.lines,
              'script_ends': getattr(world, 'script_ends', None)}
    _write(context, name, result)
    return result


def check_xoauth2_fetch_cycle_completes_the_task(context):
    oauth.clear_cache()
    result = _cycle(context, 'xoauth2', trace=True)
    assert result['summary']['error'] is None, result['log']
    assert result['summary']['acted'] == 1, result
    assert result['tasks'][context['task_id']]['status'] == 'COMPLETED'


def check_cached_token_refused_then_replaced_once(context):
    """The first cycle caches a token; revoking it at the service (RFC 7009)
    makes Dovecot refuse it: the next cycle gets one fresh token and works."""
    oauth.clear_cache()
    first = _cycle(context, 'refresh')
    assert first['summary']['error'] is None, first['log']
    assert first['summary']['acted'] == 1, first
    cached = [entry.access_token for entry in oauth._cache.values()]
    assert len(cached) == 1, cached
    trusted = ca_text(context)
    sc = context['scenarios']['refresh']
    body = 'token=%s&client_id=%s&client_secret=%s' % (cached[0], sc['client_id'],
                                                       context['client_secret'])
    answer = oauth.http_request('POST', context['revoke_url'], {
        'Content-Type': 'application/x-www-form-urlencoded'}, body.encode('ascii'),
        trusted_pem=trusted)
    assert answer.status == 200, answer.status
    second = _cycle(context, 'refresh2')   # an empty mailbox now: login is the point
    assert second['summary']['error'] is None, second['log']
    assert [e.access_token for e in oauth._cache.values()] != cached


def check_oauthbearer_only_server(context):
    oauth.clear_cache()
    result = _cycle(context, 'bearer')
    assert result['summary']['error'] is None, result['log']
    assert result['summary']['acted'] == 1, result


def check_wrong_secret_reported_once(context):
    oauth.clear_cache()
    result = _cycle(context, 'wrong')
    assert result['summary']['error'] == 'imap', result
    errors = [m for level, m in result['log'] if level == 'ERROR']
    assert len(errors) == 1 and 'invalid_client' in errors[0], errors


def check_token_endpoint_down_and_slow(context):
    oauth.clear_cache()
    down = _cycle(context, 'down')
    assert down['summary']['error'] == 'imap'
    oauth.clear_cache()
    slow = _cycle(context, 'slow')
    assert slow['summary']['error'] == 'imap'
    errors = [m for level, m in slow['log'] if level == 'ERROR']
    assert len(errors) == 1 and 'no answer within' in errors[0], errors


def check_untrusted_token_endpoint(context):
    oauth.clear_cache()
    sc = context['scenarios']['xoauth2']
    settings = oauth.OAuthSettings(context['token_url'], sc['client_id'], context['client_secret'],
                                   context['scope'])
    try:
        oauth.TokenClient(settings, None, 5.0).token()
    except oauth.OAuthError as error:
        assert 'certificate' in ('%s' % error).lower(), error
    else:
        raise AssertionError('an untrusted token endpoint was used')


def check_graph_cycle_completes_the_task(context):
    """The Graph mail source on Jython: token, paged listing, claims, MIME,
    removal, against the stand-in (a 429 first, its Retry-After honoured)."""
    from remote_completion import graph
    oauth.clear_cache()
    g = context['graph']
    trusted = ca_text(context)
    ci = fakes.imap_ci(None, None, None, None, context['secret'], context['mailbox'],
                       trusted=trusted)
    ci.mailSource = 'GRAPH'
    ci.graphUrl = g['base_url']
    ci.graphMailbox = g['address']
    ci.tokenEndpoint = context['token_url']
    ci.clientId = g['client_id']
    ci.clientSecret = context['client_secret']
    ci.oauthScope = g['scope']
    world = fakes.World(ci)
    world.users['alice'] = tuple(context['alice'])
    world.add_task(context['task_id'], owner='alice')
    waits = []
    saved, graph._sleep = graph._sleep, waits.append
    try:
        summary = run_cycle(world, settings_mod.Settings(batch_size=2, network_timeout=15.0),
                            context)
    finally:
        graph._sleep = saved
    _write(context, 'graph', {'summary': summary.as_dict(), 'tasks': world.tasks,
                              'waits': waits, 'script_ends': getattr(world, 'script_ends', None)})
    assert summary.error is None, summary
    assert summary.acted == 1 and summary.removed == g['messages'], summary
    assert world.tasks[context['task_id']]['status'] == 'COMPLETED'
    assert waits == [3.0], waits


def check_smtp_xoauth2(context):
    from remote_completion import smtp
    from remote_completion.host import SmtpConfig
    oauth.clear_cache()
    sc = context['smtp']
    trusted = ca_text(context)
    config = SmtpConfig(host='localhost', port=sc['port'], tls=True,
                        from_address='XL Release <%s>' % sc['user'])
    config.oauth = oauth.OAuthSettings(context['token_url'], sc['client_id'],
                                       context['client_secret'], context['scope'])
    deliveries = smtp.send_messages(config, [('alice@example.com', b'Subject: t\r\n\r\nbody\r\n')],
                                    trusted_pem=trusted)
    assert [d.ok for d in deliveries] == [True], deliveries
