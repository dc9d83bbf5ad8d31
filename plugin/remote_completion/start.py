"""The start script's work: open a run of the task and mail every assignee a signed request.

Each start (and retry) makes a random run id, writes the signed request
marker on the task (``handover``: the fetcher learns the task's current run
from it) and only then mails the requests, whose buttons are signed for that
run.  ``StartTask.py`` calls ``start_remote_completion`` and turns its result
into script variables (``requestRun`` for the waiting script), a status line
and the scheduled ``WaitForReply.py``; ``StartError`` fails the task with a
message the task log shows.
"""
from __future__ import absolute_import, print_function, unicode_literals

import datetime
import os
import sys

from . import (compose, handover, host, logs, maildebug, recipients, replytoken, settings,
               signature, smtp, tasklink)
from .compat import HOST_ERRORS, prop, to_text

WAIT_SCRIPT = 'remoteCompletion/WaitForReply.py'
STATUS_NAMES_SHOWN = 5


class StartError(Exception):
    """The request could not be sent; the message says why (no secrets)."""


class StartResult(object):
    def __init__(self, request_run, request_recipients, request_sent_at, status_line,
                 sent, failed, problems, wait_seconds=30, request_attempt=0):
        self.request_run = request_run                # 16 hex: the run the buttons are signed for
        self.request_attempt = request_attempt        # int: failuresCount then (logs only)
        self.request_recipients = request_recipients  # 'a@x, b@y': who got the mail
        self.request_sent_at = request_sent_at        # ISO 8601 UTC
        self.status_line = status_line
        self.sent = sent          # [Recipient]
        self.failed = failed      # [(Recipient, reason)]
        self.problems = problems  # [text]
        # When WaitForReply.py first runs: sync-interval, the pace at which it
        # polls on hosts without a job scheduler (remote_completion.polling).
        self.wait_seconds = wait_seconds


def say(message, out=None):
    """One line for the task log (printed output), secrets masked; safe for
    non-ASCII text on Jython's byte-oriented standard output."""
    out = out or sys.stdout
    line = logs.mask_secrets(to_text(message)) + '\n'
    try:
        out.write(line)
    except UnicodeError:
        out.write(line.encode('utf-8'))


def _say(out, line):
    say(line, out)


def _person(recipient):
    name = compose.one_line(recipient.full_name, 80)
    if name:
        return '%s <%s>' % (name, recipient.email)
    return recipient.email


def waiting_status_line(names):
    """'Waiting for a reply by email from Alice Smith, Bob Jones' (bounded)."""
    names = [compose.one_line(n, 60) for n in names if compose.one_line(n)]
    if not names:
        return 'Waiting for a reply by email'
    shown = names[:STATUS_NAMES_SHOWN]
    text = ', '.join(shown)
    if len(names) > len(shown):
        text += ' and %d more' % (len(names) - len(shown))
    return 'Waiting for a reply by email from ' + text


def _assigned_to(task, found):
    owner = host.task_owner(task)
    team = host.task_team(task)
    parts = []
    if owner:
        names = [r.full_name for r in found if r.username.lower() == owner.lower() and r.full_name]
        parts.append(names[0] if names else owner)
    if team:
        parts.append('team %s' % team)
    return ' and '.join(parts)


def _load_settings(out):
    return settings.load_or_defaults(lambda text: _say(
        out, 'Warning: xl-release.conf could not be read (%s); using defaults.'
        % logs.clean(text, 300)))


def _now():
    return datetime.datetime.utcnow().replace(microsecond=0)


def _open_run(apis, task_id, secret, run_id):
    """Write the request marker on the task before any mail goes out, so a
    quick reply never finds the task without its run."""
    text = handover.request_comment(secret, task_id, run_id)
    try:
        apis.taskApi.commentTask(task_id, host.make_comment(apis.Comment, text))
    except HOST_ERRORS as error:
        hint = (" (the release's run-as user may not comment on the task)"
                if host.is_permission_error(error) else '')
        raise StartError('The request could not be recorded on the task%s: %s'
                         % (hint, host.describe_error(error)))


def reply_token(imap_config, task_id, recipient, run_id, subaddress=True):
    """The recipient's plain-Reply token (replytoken.py) as compose_request's
    ``message_id`` and ``reply_address``, signed with the configuration's secret.
    ``subaddress=False`` (reply-subaddress = false, for mail servers that do
    not deliver ``mailbox+tag`` to the mailbox) keeps the plain Reply-To: the
    Message-ID still carries the token into In-Reply-To/References."""
    mailbox = compose.check_address(imap_config.from_address)
    token = {'message_id': replytoken.message_id(imap_config.secret, task_id, recipient, run_id,
                                                 mailbox.rsplit('@', 1)[1])}
    if subaddress:
        token['reply_address'] = replytoken.reply_address(imap_config.secret, task_id, recipient,
                                                          run_id, mailbox)
    return token


def start_remote_completion(task, release, apis, out=None, now=None, run_id=None):
    """Send the request mails for a task that just started.

    ``apis``: a ``host.Apis``; ``release`` may be None (it is then read).
    Returns a StartResult; raises StartError when nothing could be sent.
    ``out``: where the task log lines go (default: standard output, which the
    host keeps as the task log).  ``run_id``: tests only (default: random).
    """
    releaseApi, userApi, rolesApi = apis.releaseApi, apis.userApi, apis.rolesApi
    configurationApi, folderApi = apis.configurationApi, apis.folderApi
    out = out or sys.stdout
    conf = _load_settings(out)
    maildebug.set_conf_enabled(conf.mail_debug)
    task_id = host.task_id(task)
    try:
        release_id = host.release_id_of(task_id)
    except ValueError:
        release_id = to_text(prop(release, 'id'))
    try:
        # The release's folders may hold the IMAP configuration; the SMTP
        # server may come from its optional SMTP fields.
        imap_config = host.find_imap_config(configurationApi, release_id)
        smtp_config = host.find_smtp_config(configurationApi, imap_config)
    except host.ConfigurationError as error:
        raise StartError(to_text(error))
    if release is None:
        release = host.get_release(releaseApi, release_id)

    found, problems = recipients.resolve(task, release_id, releaseApi, userApi, rolesApi,
                                         folderApi)
    for problem in problems:
        _say(out, 'Warning: ' + problem)
    if not found:
        raise StartError('Nobody assigned to this task can receive the request email. %s'
                         % ' '.join(problems))

    attempt = host.task_attempt(task)
    run_id = run_id or handover.new_run_id(os.urandom(8))
    stamp = now or _now()
    sent, failed = _send_requests(task, release, apis, conf, imap_config, smtp_config, found,
                                  run_id, stamp, lambda: _open_run(apis, task_id,
                                                                   imap_config.secret, run_id))
    for recipient, reason in failed:
        _say(out, 'Could not send the request email to %s: %s' % (_person(recipient), reason))
    if not sent:
        raise StartError('No request email could be sent (%s).' % '; '.join(
            '%s: %s' % (r.email, reason) for r, reason in failed))
    _say(out, 'Request email sent to %s.' % ', '.join(_person(r) for r in sent))
    _say(out, 'Replies go to %s.' % imap_config.from_address)

    return StartResult(
        request_run=run_id,
        request_attempt=attempt,
        request_recipients=', '.join(r.email for r in sent),
        request_sent_at=stamp.strftime('%Y-%m-%dT%H:%M:%SZ'),
        status_line=waiting_status_line([r.display_name for r in sent]),
        sent=sent, failed=failed, problems=problems,
        wait_seconds=max(1, int(conf.sync_interval)))


def _send_requests(task, release, apis, conf, imap_config, smtp_config, found, run_id, stamp,
                   before_sending=None):
    """Compose and send the request for ``run_id`` to each of ``found``;
    ``before_sending()`` runs once before the first mail goes out.  Returns
    (sent, failed); raises StartError when no SMTP session could be opened."""
    log = logs.get_logger()
    task_id = host.task_id(task)
    details = compose.RequestDetails(
        task_id, host.task_title(task), host.release_title(release),
        host.phase_title(task, release), host.task_description(task),
        _assigned_to(task, found))
    epoch = (stamp - datetime.datetime(1970, 1, 1)).total_seconds()

    link = tasklink.task_url(conf.server_url, task_id)
    outgoing = []
    mailable = []
    failed = []
    for recipient in found:
        try:
            signatures = dict((action, signature.sign(imap_config.secret, action, task_id,
                                                      recipient.email, run_id))
                              for action in signature.ACTIONS)
            message = compose.compose_request(
                details, recipient.email, recipient.full_name, smtp_config.from_address,
                imap_config.from_address, signatures, now=epoch, task_link=link,
                **reply_token(imap_config, task_id, recipient.email, run_id,
                              conf.reply_subaddress))
        except ValueError as error:
            failed.append((recipient, logs.clean(error, 200)))
            continue
        outgoing.append((recipient.email, compose.message_bytes(message)))
        mailable.append(recipient)

    sent = []
    if outgoing:
        if before_sending is not None:
            before_sending()
        try:
            deliveries = smtp.send_messages(smtp_config, outgoing,
                                            trusted_pem=imap_config.trusted_certificates,
                                            timeout=conf.network_timeout)
        except smtp.SmtpError as error:
            log.error('Remote completion request for task %s not sent: %s', task_id, error)
            raise StartError('The request email could not be sent: %s. Check Settings > SMTP '
                             'server, then retry the task.' % logs.clean(error, 400))
        for recipient, delivery in zip(mailable, deliveries):
            if delivery.ok:
                sent.append(recipient)
                log.info('Remote completion request for task %s (run %s) sent to %s',
                         task_id, run_id, recipient.email)
            else:
                failed.append((recipient, delivery.error))
                log.warning('Remote completion request for task %s not sent to %s: %s',
                            task_id, recipient.email, delivery.error)
    return sent, failed


def _addresses(text):
    return [a.strip() for a in to_text(text or '').split(',') if a.strip()]


def resend_to_new_assignees(task, apis, request_run, request_recipients, out=None, now=None,
                            problems=None):
    """Reassignment while the task waits: when its assignee or team changed,
    mail the new assignees a fresh request for the same run and note it on
    the task.  Returns the recipients text to keep (``requestRecipients``),
    or None when nothing changed.  Requests to people no longer assigned
    stop acting by themselves (the fetcher's assignee check).  ``problems``:
    a list that gets the lookup's problems (``recipients.resolve``)."""
    out = out or sys.stdout
    task_id = host.task_id(task)
    release_id = host.release_id_of(task_id)
    found, found_problems = recipients.resolve(task, release_id, apis.releaseApi, apis.userApi,
                                               apis.rolesApi, apis.folderApi)
    if problems is not None:
        problems.extend(found_problems)
    if not found:
        return None   # nobody mailable now (or the lookups failed): leave things as they are
    before = set(a.lower() for a in _addresses(request_recipients))
    now_assigned = set(r.email.lower() for r in found)
    new = [r for r in found if r.email.lower() not in before]
    if not new and now_assigned == before:
        return None
    sent, failed = [], []
    if new and signature.is_run_id(request_run):
        conf = _load_settings(out)
        imap_config = host.find_imap_config(apis.configurationApi, release_id)
        smtp_config = host.find_smtp_config(apis.configurationApi, imap_config)
        release = host.get_release(apis.releaseApi, release_id)
        sent, failed = _send_requests(task, release, apis, conf, imap_config, smtp_config, new,
                                      to_text(request_run), now or _now())
    kept = [a for a in _addresses(request_recipients) if a.lower() in now_assigned]
    # A failed send is noted once, not retried every cycle (the note says so).
    kept += [r.email for r in sent] + [r.email for r, _reason in failed]
    gone = sorted(before - now_assigned)
    lines = ['The task was reassigned while it waited for a reply by email.']
    if sent:
        lines.append('Request email sent to %s.' % ', '.join(_person(r) for r in sent))
    for recipient, reason in failed:
        lines.append('Could not send the request email to %s: %s' % (_person(recipient),
                                                                     logs.clean(reason, 200)))
    if gone:
        lines.append('Replies from %s no longer count.' % ', '.join(gone))
    text = '\n'.join(lines)
    try:   # a comment, not printed output: the host keeps the script's output as one too
        apis.taskApi.commentTask(task_id, host.make_comment(apis.Comment, text))
    except HOST_ERRORS as error:
        logs.get_logger().warning('Remote completion: the reassignment note on task %s was '
                                  'not written: %s', task_id, host.describe_error(error))
    return ', '.join(kept)


def keep_waiting(task, request_recipients, interval):
    """Keep the task IN_PROGRESS (the waiting script runs again after
    ``interval`` seconds), keeping (or restoring) the status line."""
    if not prop(task, 'statusLine'):
        addresses = [a.strip() for a in to_text(request_recipients or '').split(',') if a.strip()]
        task.setStatusLine(waiting_status_line(addresses))
    task.schedule(WAIT_SCRIPT, interval)
