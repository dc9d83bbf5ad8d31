# -*- coding: utf-8 -*-
"""The request side on real Jython 2.7.3: signing, mailto, composing, recipients
and configuration with Java values, sending through real SMTP servers, and the
start script.  tests/request/test_jython_request.py starts the servers and
passes their ports and CA files as the context."""
from __future__ import absolute_import, print_function, unicode_literals

import email
import io
import os

from java.lang import Boolean, Integer
from java.util import ArrayList, HashSet

from remote_completion import (compose, handover, host, mailto, metadata, recipients, signature,
                               smtp, start)

REQUIRES = ('smtp-servers',)   # the context comes from tests/request/test_jython_request.py

SECRET = 'jython-request-secret'
RUN = '0123456789abcdef'
TASK_ID = 'Applications/Release0a1b/Phase2c3d/Task4e5f'
REPLY_TO = 'replies@example.com'
TITLE = 'D\xe9ployer \u2713 <b>prod</b>'
RELEASE = 'Version 3 \u2014 \xe9t\xe9'


# --- Java-shaped fakes (what XL Release hands to scripts) ---------------------

def jlist(items):
    result = ArrayList()
    for item in items:
        result.add(item)
    return result


class Enum(object):
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


class Bean(object):
    """Getters only, like a Java bean."""

    def __init__(self, **values):
        self._values = values

    def __getattr__(self, name):
        if name.startswith('get') and len(name) > 3:
            key = name[3].lower() + name[4:]
            if key in self._values:
                return lambda: self._values[key]
        raise AttributeError(name)


class Ci(Bean):
    def getProperty(self, name):
        if name not in self._values:
            raise RuntimeError('unknown property ' + name)
        return self._values[name]


class UserApi(object):
    def __init__(self, users):
        self.users = users

    def getUser(self, username):
        if username not in self.users:
            raise RuntimeError('no such user')
        full_name, mail = self.users[username]
        return Bean(username=username, fullName=full_name, email=mail)


class ReleaseApi(object):
    def __init__(self, teams, release=None):
        self.teams, self.release = teams, release

    def getTeams(self, release_id):
        return jlist([Bean(id='Team1', teamName=name, members=jlist(
            [Bean(name=m, type=Enum(t), fullName=None, roleId=None) for m, t in members]))
            for name, members in self.teams.items()])

    def getRelease(self, release_id):
        return self.release


class RolesApi(object):
    def __init__(self, roles):
        self.roles = roles

    def getRole(self, name):
        return Bean(
            name=name,
            principals=jlist([Bean(username=u, fullname=None) for u in self.roles[name]]))


class ConfigurationApi(object):
    def __init__(self, by_type):
        self.by_type = by_type

    def searchByTypeAndTitle(self, ci_type, title):
        return jlist(self.by_type.get(ci_type, []))


class RunningTask(Bean):
    def __init__(self, **values):
        Bean.__init__(self, **values)
        self.status_line = None
        self.scheduled = []

    def setStatusLine(self, text):
        self.status_line = text

    def schedule(self, script, seconds=5):
        self.scheduled.append((script, seconds))


def imap_ci(**extra):
    whitelist = HashSet()
    whitelist.add('Example.COM')
    values = dict(
        host='imap.example.com', port=Integer(993), useTls=Boolean(True), tlsMode=Enum('IMPLICIT'),
        username='xlr', password='imap-password-j1', fromAddress=REPLY_TO,
        enableWhitelisting=Boolean(True), domainWhitelist=whitelist, secret=SECRET,
        trustedCertificates=None, quarantineFolder=None,
        requireSenderAuthentication=Boolean(False), authservId=None)
    values.update(extra)
    return Ci(id='Configuration/Custom/Imap1', title='Mailbox', type=host.IMAP_TYPE, **values)


def smtp_ci(port, **extra):
    values = dict(host='127.0.0.1', port=Integer(port), tls=Boolean(False),
                  fromAddress='XL Release <xlr@example.com>', username=None, password=None)
    values.update(extra)
    return Ci(id=host.SMTP_ID, title='SMTP', type=host.SMTP_TYPE, **values)


# --- pure parts -------------------------------------------------------------------

def check_signature_matches_cpython(context):
    sig = signature.sign(SECRET, 'COMPLETE', TASK_ID, 'Alice@Example.com', RUN)
    assert sig == context['expected_signature'], sig
    assert signature.verify(SECRET, ' ' + sig.upper() + '\r\n', 'COMPLETE', TASK_ID,
                            'alice@example.com') == RUN
    for bad in (
        sig[:-1], sig + '0', 'v1.' + sig.split('.')[2], sig.replace(RUN, 'f' * 16), '', None):
        assert signature.verify(SECRET, bad, 'COMPLETE', TASK_ID, 'alice@example.com') is None
    for args in (
        ('FAIL', TASK_ID, 'alice@example.com'), ('COMPLETE', TASK_ID + 'x', 'alice@example.com'),
        ('COMPLETE', TASK_ID, 'bob@example.com')):
        assert signature.verify(SECRET, sig, *args) is None
    assert signature.verify('other-secret', sig, 'COMPLETE', TASK_ID, 'alice@example.com') is None


def check_mailto_matches_cpython(context):
    link = compose.reply_link(
        REPLY_TO, 'FAIL', TITLE, RELEASE, TASK_ID, 'v2.' + RUN + '.' + '0' * 64
    )
    assert link == context['expected_link'], link
    to, subject, body, others = mailto.parse(link)
    assert to == REPLY_TO and others == {}
    assert subject == 'Fail: ' + TITLE
    assert body.split('\r\n')[4:6] == ['METADATA (DO NOT MODIFY)', 'ACTION: FAIL']
    long_link = compose.reply_link(REPLY_TO, 'COMPLETE', '\u65e5\u672c' * 2000, '\U0001f680 ' * 500,
                                   TASK_ID, 'v2.' + RUN + '.' + '0' * 64)
    assert len(long_link) < compose.MAX_LINK_LENGTH
    assert long_link == context['expected_long_link']
    assert compose.one_line(' \U0001f680\t\U0001f680 ') == '\U0001f680 \U0001f680'
    assert compose.one_line('\U0001f680' * 10, 5) == '\U0001f680' * 4 + compose.ELLIPSIS


def check_compose_writes_a_request(context):
    details = compose.RequestDetails(
        TASK_ID, TITLE + '\r\nBcc: victim@example.com', RELEASE, 'Production',
        'Check <this>\nand that', 'Alice Smith and team Ops')
    sigs = dict(
        (a, signature.sign(SECRET, a, TASK_ID, 'alice@example.com', RUN))
        for a in signature.ACTIONS
    )
    message = compose.compose_request(
        details, 'alice@example.com', 'Zo\xeb \xdcnal', 'XL Release <xlr@example.com>', REPLY_TO,
        sigs, now=1700000000)
    raw = compose.message_bytes(message)
    assert isinstance(raw, bytes)
    raw.decode('ascii')
    # Jython's binascii.a2b_qp misses "=\r\n" soft breaks: read it with LF ends.
    parsed = email.message_from_string(raw.replace(b'\r\n', b'\n'))
    assert parsed['Bcc'] is None
    assert parsed['Auto-Submitted'] == 'auto-generated'
    assert parsed[metadata.MARKER_HEADER] == metadata.MARKER_REQUEST
    kinds = [p.get_content_type() for p in parsed.walk()]
    assert kinds == ['multipart/alternative', 'text/plain', 'text/html'], kinds
    html = parsed.get_payload()[1].get_payload(decode=True).decode('utf-8')
    assert '&lt;b&gt;prod&lt;/b&gt;' in html and '<b>prod</b>' not in html
    # CPython parses and checks the same bytes (tests/request/test_jython_request.py).
    with io.open(os.path.join(context['out_dir'], 'jython-request.eml'), 'wb') as out:
        out.write(raw)


def check_recipients_with_java_values():
    users = {'alice': ('Alice Smith', 'alice@example.com'), 'bob': ('Bob Jones', 'bob@example.com'),
             'carol': ('Carol', 'Carol@Example.com'), 'nomail': ('No Mail', None)}
    task = Bean(id=TASK_ID, owner='alice', team='Ops')
    releases = ReleaseApi(
        {'Ops': [('bob', 'PRINCIPAL'), ('Approvers', 'ROLE'), ('nomail', 'PRINCIPAL')]}
    )
    roles = RolesApi({'Approvers': ['carol', 'alice', 'ghost']})
    found, problems = recipients.resolve(
        task, 'Applications/Release0a1b', releases, UserApi(users), roles
    )
    assert [r.email for r in found] == ['alice@example.com', 'bob@example.com', 'Carol@Example.com']
    assert len(problems) == 2, problems
    assert recipients.is_assignee('carol@example.com', task, 'Applications/Release0a1b', releases,
                                  UserApi(users), roles)
    assert not recipients.is_assignee(
        'dave@example.com', task, 'Applications/Release0a1b', releases, UserApi(users), roles
    )


def check_configuration_with_java_values():
    api = ConfigurationApi({host.IMAP_TYPE: [imap_ci()], host.SMTP_TYPE: [smtp_ci(2525)]})
    imap = host.find_imap_config(api)
    assert (imap.host, imap.port, imap.tls_mode, imap.domain_whitelist) == (
        'imap.example.com', 993, 'implicit', ['example.com'])
    assert imap.enable_whitelisting is True and imap.secret == SECRET
    config = host.find_smtp_config(api)
    assert (config.port, config.tls) == (2525, False)
    try:
        host.find_imap_config(ConfigurationApi({host.IMAP_TYPE: [imap_ci(), imap_ci()]}))
    except host.ConfigurationError as error:
        assert 'exactly one' in '%s' % error and 'imap-password-j1' not in '%s' % error
    else:
        raise AssertionError('two IMAP configurations accepted')


# --- TLS and SMTP against the servers the pytest module started -------------------

def _pem(path):
    with io.open(path, encoding='ascii') as handle:
        return handle.read()


def _config(port, **values):
    config = host.SmtpConfig(host='127.0.0.1', port=port, tls=False,
                             from_address='XL Release <xlr@example.com>')
    for key, value in values.items():
        setattr(config, key, value)
    return config


def _message(n):
    return (
        'From: xlr@example.com\r\nTo: x\r\nSubject: jython %d\r\n\r\nbody %d\r\n' % (n, n)
    ).encode('ascii')


def check_smtp_plain_auth_and_refused_recipient(context):
    ports = context['ports']
    deliveries = smtp.send_messages(
        _config(ports['auth'], username=context['user'], password=context['password']),
        [('jython-a@example.com', _message(1)), ('refuse-j@example.com', _message(2)),
         ('jython-b@example.com', _message(3))], timeout=20)
    assert [d.ok for d in deliveries] == [True, False, True], deliveries
    assert '550' in deliveries[1].error


def check_smtp_pipelined_refusals_and_an_address_with_a_line_break(context):
    # The server offers PIPELINING: every message goes in one round trip,
    # and each refusal, and the address that would inject a command, fails
    # alone (the CPython side checks what the server received).
    used = []
    pipelined = smtp._Pipelined.send

    def spy(sending, key, address, data):
        used.append(address)
        return pipelined(sending, key, address, data)
    smtp._Pipelined.send = spy
    try:
        deliveries = smtp.send_messages(_config(context['ports']['pipelining']), [
            ('pipe-a@example.com', _message(8)), ('refuse-p@example.com', _message(9)),
            ('pipe-b@example.com', _message(10) + b'REFUSE-BODY\r\n'),
            ('evil@example.com>\r\nRCPT TO:<victim@example.com', _message(11)),
            ('pipe-c@example.com', _message(12))], timeout=20)
    finally:
        smtp._Pipelined.send = pipelined
    assert [d.ok for d in deliveries] == [True, False, False, False, True], deliveries
    assert '550' in deliveries[1].error and '554' in deliveries[2].error, deliveries
    assert 'cannot be sent over SMTP' in deliveries[3].error, deliveries
    assert used == ['pipe-a@example.com', 'refuse-p@example.com', 'pipe-b@example.com',
                    'pipe-c@example.com'], used


def check_smtp_starttls_verified(context):
    ports = context['ports']
    pem = _pem(context['ca_pem'])
    deliveries = smtp.send_messages(_config(ports['starttls'], tls=True, host='localhost'),
                                    [('jython-starttls@example.com', _message(4))], trusted_pem=pem,
                                    timeout=20)
    assert deliveries[0].ok, deliveries
    # An untrusted CA, then a trusted CA's certificate for another host name.
    for port, trusted in ((ports['starttls'], _pem(context['other_ca_pem'])),
                          (ports['wrongname'], _pem(context['wrongname_ca_pem']))):
        try:
            smtp.send_messages(
                _config(port, tls=True, host='localhost'), [('never@example.com', _message(5))],
                trusted_pem=trusted, timeout=20)
        except smtp.SmtpError as error:
            assert 'certificate' in ('%s' % error).lower(), error
        else:
            raise AssertionError('STARTTLS accepted an unverified server (port %d)' % port)


def check_smtp_implicit_tls_verified(context):
    ports = context['ports']
    deliveries = smtp.send_messages(
        _config(ports['implicit'], tls=True), [('jython-implicit@example.com', _message(6))],
        trusted_pem=_pem(context['ca_pem']), timeout=20, implicit_tls=True)
    assert deliveries[0].ok, deliveries
    try:
        smtp.send_messages(
            _config(ports['implicit'], tls=True), [('never@example.com', _message(7))],
            trusted_pem=_pem(context['other_ca_pem']), timeout=20, implicit_tls=True)
    except smtp.SmtpError as error:
        assert 'certificate' in ('%s' % error).lower(), error
    else:
        raise AssertionError('implicit TLS accepted an untrusted CA')


def check_smtp_unreachable_is_an_error(context):
    try:
        smtp.send_messages(
            _config(context['closed_port']), [('never@example.com', _message(8))], timeout=5
        )
    except smtp.SmtpError as error:
        assert (
            'could not connect to the SMTP server 127.0.0.1:%d' % context['closed_port']
            in '%s' % error
        )
    else:
        raise AssertionError('no error for an unreachable server')


class CommentingTaskApi(object):
    def __init__(self):
        self.comments = []

    def commentTask(self, task_id, comment):
        self.comments.append((task_id, comment if isinstance(comment, basestring)  # noqa: F821
                              else comment.getComment()))


def check_start_script_on_jython(context):
    users = {'alice': ('Alice Smith', 'jython-start-alice@example.com'),
             'bob': ('B\xf6b Jones', 'jython-start-bob@example.com')}
    release = Bean(id='Applications/Release0a1b', title=RELEASE, phases=jlist([]))
    task = RunningTask(
        id=TASK_ID, title=TITLE, owner='alice', team='Ops', failuresCount=Integer(1),
        description='Please check',
        phase=Bean(id='Applications/Release0a1b/Phase2c3d', title='Production'))
    variables = {
        # No `release` and no `Comment` variable: neither is documented for
        # plugin task scripts (the release is read, the comment passed as text).
        '__name__': '__builtin__',
        'task': task,
        'taskApi': CommentingTaskApi(),
        'releaseApi': ReleaseApi({'Ops': [('bob', 'PRINCIPAL')]}, release),
        'configurationApi': ConfigurationApi(
            {host.IMAP_TYPE: [imap_ci()], host.SMTP_TYPE: [smtp_ci(context['ports']['plain'])]}
        ),
        'userApi': UserApi(users),
        'rolesApi': RolesApi({}),
    }
    script = os.path.join(context['repo'], 'ext', 'remoteCompletion', 'StartTask.py')
    try:
        execfile(script, variables)  # noqa: F821 - Python 2 builtin, as the host runs scripts
    except SystemExit as stop:
        raise AssertionError('StartTask.py failed the task (exit %r)' % (stop.code,))
    assert variables['requestAttempt'] == 1
    run_id = variables['requestRun']
    assert signature.is_run_id(run_id), run_id
    (task_id, text), = variables['taskApi'].comments
    assert task_id == TASK_ID
    assert handover.current_run([handover.Note(text)], SECRET, TASK_ID) == run_id
    assert (
        variables['requestRecipients']
        == 'jython-start-alice@example.com, jython-start-bob@example.com'
    )
    assert task.status_line == 'Waiting for a reply by email from Alice Smith, B\xf6b Jones', (
        task.status_line
    )
    assert task.scheduled == [(start.WAIT_SCRIPT, 30)]  # sync-interval's default

    broken = dict(variables, configurationApi=ConfigurationApi({}), task=RunningTask(id=TASK_ID))
    try:
        execfile(script, broken)  # noqa: F821
    except SystemExit as stop:
        assert stop.code == 1
    else:
        raise AssertionError('StartTask.py did not fail without an IMAP configuration')


class CountingUserApi(UserApi):
    def __init__(self, users):
        UserApi.__init__(self, users)
        self.calls = []

    def getUser(self, username):
        self.calls.append(username)
        return UserApi.getUser(self, username)


def check_a_team_less_tasks_assignees_are_looked_up_when_its_owner_changes():
    # The waiting script's read (polling._follow_reassignment) with Java values.
    from java.lang import String
    from remote_completion import logs, polling
    polling._checked.clear()
    users = CountingUserApi({'alice': ('Alice', 'alice@example.com'),
                             'bob': ('Bob', 'bob@example.com')})
    comments = CommentingTaskApi()
    apis = host.Apis(comments, ReleaseApi({}), None, users, RolesApi({}), None)
    task = RunningTask(id=String(TASK_ID), owner=String('alice'), team=None)
    now = [1000.0]

    def follow(mailed):
        return polling._follow_reassignment(task, apis, RUN, String(mailed), logs.get_logger(),
                                            recheck=300.0, clock=lambda: now[0])
    assert follow('alice@example.com') is None and users.calls == ['alice']
    assert follow('alice@example.com') is None and users.calls == ['alice']   # not asked
    task._values['owner'] = String('bob')   # reassigned (bob was mailed before)
    assert follow('alice@example.com, bob@example.com') == 'bob@example.com'
    assert users.calls == ['alice', 'bob'], users.calls
    assert 'alice@example.com no longer count' in comments.comments[-1][1]
    assert follow('bob@example.com') is None and users.calls == ['alice', 'bob']
    now[0] += 300.0   # the recheck
    assert follow('bob@example.com') is None and users.calls == ['alice', 'bob', 'bob']
