"""Sending the request mails with the server's SMTP settings.

One SMTP session for all recipients.  Port 465 is implicit TLS; otherwise
``tls`` means STARTTLS (required, never silently skipped); certificates and
host names are verified (``tls``).  A refused recipient is reported and the
others still get their mail; a server that cannot be reached raises
``SmtpError``.  The protocol trace (``maildebug``) masks the AUTH exchange and
shows only the size of each message (the reply links in it act for the
recipient).
"""
from __future__ import absolute_import, unicode_literals

import re
import smtplib
import socket
from email.utils import parseaddr

from . import logs, maildebug, oauth, tls
from .compat import PY2, text_type, to_text

DEFAULT_TIMEOUT = 30
IMPLICIT_TLS_PORT = 465


class SmtpError(Exception):
    """The SMTP server could not be used at all (connect, TLS, login)."""


class Delivery(object):
    """The outcome for one recipient: ``error`` is None when the server took it."""

    def __init__(self, address, error=None):
        self.address = address
        self.error = error

    @property
    def ok(self):
        return self.error is None

    def __repr__(self):
        return 'Delivery(%r, %r)' % (self.address, self.error)


def _native(value):
    """Text as the str type smtplib expects: bytes on Python 2 (a unicode
    command would reach Jython's socket.sendall and fail there)."""
    if value is None:
        return None
    if PY2 and isinstance(value, text_type):
        return value.encode('utf-8')
    return value


def _text(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode('utf-8', 'replace')
    return to_text(value)


def _reply_text(code, message):
    return logs.clean('%s %s' % (code, _text(message)), 200)


def _describe(error):
    return logs.clean(logs.mask_secrets(_text(error) or error.__class__.__name__), 300)


class _Session(smtplib.SMTP):
    """smtplib.SMTP with a masked protocol trace and a verifying STARTTLS.

    (On Jython ``smtplib.SMTP`` is an old-style class: no ``super()``.)
    """

    def __init__(self, host_name, timeout, context, implicit_tls, local_hostname):
        self._tls_host = host_name
        self._context = context
        self._implicit_tls = implicit_tls
        self._in_auth = False
        self._data_next = False
        smtplib.SMTP.__init__(self, local_hostname=local_hostname, timeout=timeout)

    def _get_socket(self, host, port, timeout):
        maildebug.trace('SMTP', '*', 'connecting to %s:%s%s' % (
            host, port, ' (implicit TLS)' if self._implicit_tls else ''))
        sock = socket.create_connection((host, port), timeout)
        if self._implicit_tls:
            try:
                sock = tls.wrap(sock, self._context, self._tls_host)
            except Exception:
                sock.close()
                raise
        return sock

    def send(self, data):
        if self._data_next:
            self._data_next = False
            self._trace(data, None)
        else:
            self._trace(None, _text(data))
        return smtplib.SMTP.send(self, _native(data))

    def send_group(self, content, commands):
        """One write: a message's content (None: none), then commands (None:
        none), traced as ``send`` traces them (RFC 2920 pipelining)."""
        self._data_next = False
        self._trace(content, commands)
        data = content if content is not None else b''
        if commands:
            data += commands.encode('ascii')   # addresses checked: ASCII
        return smtplib.SMTP.send(self, data)

    def _trace(self, content, commands):
        """One write in the trace: a message only by its size, then each
        command line (an AUTH exchange masked)."""
        if content is not None:
            maildebug.trace('SMTP', 'C', '[message, %d bytes]' % len(content))
        if commands:
            if commands.upper().startswith('AUTH'):
                self._in_auth = True
            for line in commands.rstrip('\r\n').split('\r\n'):
                maildebug.trace('SMTP', 'C', line, in_auth=self._in_auth)

    def getreply(self):
        code, message = smtplib.SMTP.getreply(self)
        for line in _text(message).split('\n'):
            maildebug.trace('SMTP', 'S', '%s %s' % (code, line))
        if code == 354:
            self._data_next = True
        if self._in_auth and code != 334:
            self._in_auth = False
        return code, message

    def verified_starttls(self):
        self.ehlo_or_helo_if_needed()
        if not self.has_extn('starttls'):
            raise SmtpError('the SMTP server does not offer STARTTLS, but the SMTP settings '
                            'ask for TLS')
        code, reply = self.docmd('STARTTLS')
        if code != 220:
            raise SmtpError('the SMTP server refused STARTTLS: %s' % _reply_text(code, reply))
        self.sock = tls.wrap(self.sock, self._context, self._tls_host)
        self.file = None
        # RFC 3207: forget what the server said before TLS.
        self.helo_resp = None
        self.ehlo_resp = None
        self.esmtp_features = {}
        self.does_esmtp = 0
        self.ehlo()


def _local_hostname():
    try:
        name = socket.gethostname()
    except Exception:
        name = None
    return name or 'localhost'


def security(config, implicit_tls=None):
    """'implicit' (port 465, or forced), 'starttls' (tls on any other port) or 'none'."""
    port = int(config.port or 25)
    if implicit_tls or (implicit_tls is None and port == IMPLICIT_TLS_PORT):
        return 'implicit'
    return 'starttls' if config.tls else 'none'


def open_session(config, trusted_pem=None, timeout=DEFAULT_TIMEOUT, implicit_tls=None):
    """A connected (and, when configured, TLS-protected and logged in) session.

    ``implicit_tls``: None decides by port (465 is implicit TLS, as JavaMail's
    SMTPS); True/False forces it.  Raises SmtpError with a message that names
    the server and the reason.
    """
    host_name = to_text(config.host)
    port = int(config.port or 25)
    mode = security(config, implicit_tls)
    implicit = mode == 'implicit'
    where = '%s:%d' % (host_name, port)
    context = tls.client_context(trusted_pem) if mode != 'none' else None
    session = None
    step = 'connect to'
    try:
        session = _Session(host_name, timeout, context, implicit, _native(_local_hostname()))
        code, reply = session.connect(_native(host_name), port)
        if code != 220:
            raise SmtpError('the SMTP server %s did not greet: %s' % (
                where, _reply_text(code, reply)))
        session.ehlo_or_helo_if_needed()
        if mode == 'starttls':
            step = 'start TLS with'
            session.verified_starttls()
        if getattr(config, 'oauth', None) is not None:
            step = 'authenticate (OAuth 2.0) with'
            _oauth_login(session, config, trusted_pem, timeout, where)
        elif config.username:
            step = 'log in to'
            if not session.has_extn('auth'):
                raise SmtpError('the SMTP server %s does not offer authentication, but the SMTP '
                                'settings have a username' % where)
            session.login(_native(to_text(config.username)),
                          _native(to_text(config.password or '')))
        return session
    except SmtpError:
        _close(session)
        raise
    except smtplib.SMTPAuthenticationError as error:
        _close(session)
        raise SmtpError("the SMTP server %s refused the login of user '%s': %s" % (
            where, logs.clean(config.username, 100),
            _reply_text(error.smtp_code, error.smtp_error)))
    except Exception as error:  # socket, TLS and protocol errors alike
        _close(session)
        reason = _describe(error)
        if 'CERTIFICATE' in reason.upper() or isinstance(error, tls.HostnameMismatch):
            reason = "its TLS certificate could not be verified (%s)" % reason
        raise SmtpError('could not %s the SMTP server %s: %s' % (step, where, reason))


def _oauth_login(session, config, trusted_pem, timeout, where):
    """SMTP AUTH XOAUTH2 (or OAUTHBEARER) with a token for ``config.oauth``
    (an oauth.OAuthSettings); a refused cached token is replaced once."""
    words = to_text(session.esmtp_features.get('auth') or '').upper().split()
    mechanism = oauth.choose_mechanism(words)
    if mechanism is None:
        raise SmtpError('the SMTP server %s offers neither AUTH XOAUTH2 nor OAUTHBEARER, so '
                        'OAuth 2.0 cannot be used with it' % where)
    tokens = oauth.TokenClient(config.oauth, trusted_pem, timeout)
    user = to_text(config.username or envelope_sender(config.from_address))
    code, reply = _sasl(session, mechanism, user, tokens.token())
    if code != 235 and tokens.last_cached:
        tokens.invalidate()
        code, reply = _sasl(session, mechanism, user, tokens.token(fresh=True))
    if code != 235:
        raise SmtpError("the SMTP server %s refused the OAuth 2.0 login of '%s': %s" % (
            where, logs.clean(user, 100), reply))


def _sasl(session, mechanism, user, token):
    """(code, safe reply text) of one AUTH exchange."""
    # The trace masks the AUTH line; the token is a registered secret.
    response = oauth.sasl_base64(oauth.client_response(mechanism, user, token, session._tls_host))
    code, reply = session.docmd(_native('AUTH'), _native('%s %s' % (mechanism, response)))
    detail = ''
    if code == 334:
        # The server's JSON error; an empty line ends the exchange (RFC 7628 3.2.3).
        detail = oauth.server_error(reply)
        code, reply = session.docmd(_native(''))
    text = _reply_text(code, reply)
    return code, text + (' (%s)' % detail if detail else '')


def _close(session):
    if session is None:
        return
    try:
        session.quit()
    except Exception:
        try:
            session.close()
        except Exception:
            pass


def envelope_sender(from_address):
    return parseaddr(to_text(from_address or ''))[1]


def send_messages(config, outgoing, trusted_pem=None, timeout=DEFAULT_TIMEOUT, implicit_tls=None):
    """Send each (address, message bytes) of ``outgoing`` in one session.

    Returns one ``Delivery`` per item, in order.  Raises SmtpError only when
    no session could be opened (then nothing was sent).
    """
    sender = envelope_sender(config.from_address)
    session = open_session(config, trusted_pem, timeout, implicit_tls)
    errors = [_UNSENT] * len(outgoing)
    try:
        sending = (_Pipelined if session.has_extn('pipelining') else _OneByOne)(session, sender)
        try:
            for index, (address, data) in enumerate(outgoing):
                unusable = _unusable(sender, 'sender') or _unusable(address, 'recipient')
                if unusable:
                    errors[index] = unusable
                    continue
                for done, error in sending.send(index, address, data):
                    errors[done] = error
            for done, error in sending.finish():
                errors[done] = error
        except Exception as error:
            # The connection is gone: what is not answered yet is not sent.
            reason = 'the connection to the SMTP server was lost: %s' % _describe(error)
            errors = [reason if e is _UNSENT else e for e in errors]
    finally:
        _close(session)
    return [Delivery(address, error) for (address, _), error in zip(outgoing, errors)]


_UNSENT = object()


_ENVELOPE_ADDRESS = re.compile(r'[!-;=?-~]+@[!-;=?-~]+\Z')


def _unusable(address, role):
    """Why ``address`` cannot go into an SMTP command, or None.  Printable
    ASCII without spaces or angle brackets only: a line break would start a
    command of its own (Jython's smtplib does not check), and other text has
    no place in MAIL FROM/RCPT TO without SMTPUTF8."""
    if _ENVELOPE_ADDRESS.match(to_text(address or '')):
        return None
    return ("the %s address '%s' cannot be sent over SMTP (printable ASCII only, without spaces "
            "or angle brackets)" % (role, logs.clean(address, 120)))


def _refused_recipient(code, reply):
    return 'refused by the SMTP server: %s' % _reply_text(code, reply)


def _refused_sender(sender, code, reply):
    return 'the SMTP server refused the sender %s: %s' % (logs.clean(sender, 100),
                                                          _reply_text(code, reply))


def _refused_message(code, reply):
    return 'the SMTP server refused the message: %s' % _reply_text(code, reply)


class _OneByOne(object):
    """A round trip per command (smtplib), where the server does not
    pipeline.  ``send`` and ``finish`` return (key, None or why refused) for
    the messages they completed."""

    def __init__(self, session, sender):
        self.session = session
        self.sender = sender

    def send(self, key, address, data):
        return [(key, self._transaction(address, data))]

    def finish(self):
        return []

    def _transaction(self, address, data):
        try:
            refused = self.session.sendmail(_native(self.sender), [_native(address)], data)
        except smtplib.SMTPRecipientsRefused as error:
            return _refused_recipient(*list(error.recipients.values())[0])
        except smtplib.SMTPSenderRefused as error:
            return _refused_sender(self.sender, error.smtp_code, error.smtp_error)
        except smtplib.SMTPDataError as error:
            return _refused_message(error.smtp_code, error.smtp_error)
        if refused:
            return _refused_recipient(*list(refused.values())[0])
        return None


_LEADING_DOT = re.compile(b'(?m)^\\.')


class _Pipelined(object):
    """RFC 2920 PIPELINING, which company relays offer: one round trip per
    message.  MAIL, RCPT and DATA go in one write; a message's content waits
    and goes first in the write that carries the next message's commands
    (RFC 2920 3.1 allows content as the first command of a group); replies
    are read in order.  A server refuses DATA when it refused the sender or
    the recipient, so no content follows a refusal."""

    def __init__(self, session, sender):
        self.session = session
        self.sender = sender
        self.size = session.has_extn('size')
        self.pending = None     # (key, content): DATA was taken, the content not sent yet

    def send(self, key, address, data):
        done = []
        size = ' SIZE=%d' % len(data) if self.size else ''
        commands = 'MAIL FROM:<%s>%s\r\nRCPT TO:<%s>\r\nDATA\r\n' % (self.sender, size, address)
        pending, self.pending = self.pending, None
        self.session.send_group(pending and pending[1], commands)
        if pending:
            done.append((pending[0], self._content_reply()))
        mail_reply = self.session.getreply()
        rcpt_reply = self.session.getreply()
        code, reply = self.session.getreply()
        if code != 354:
            _reset(self.session)
            if mail_reply[0] != 250:
                done.append((key, _refused_sender(self.sender, *mail_reply)))
            elif rcpt_reply[0] not in (250, 251):
                done.append((key, _refused_recipient(*rcpt_reply)))
            else:
                done.append((key, _refused_message(code, reply)))
            return done
        if mail_reply[0] != 250 or rcpt_reply[0] not in (250, 251):
            # Against RFC 2920 the server would take a message without a sender
            # or recipient: stop here rather than send it.
            raise smtplib.SMTPResponseException(code, 'DATA accepted after %s / %s' % (
                mail_reply[0], rcpt_reply[0]))
        content = _LEADING_DOT.sub(b'..', data)
        if not content.endswith(b'\r\n'):
            content += b'\r\n'
        self.pending = (key, content + b'.\r\n')
        return done

    def finish(self):
        if self.pending is None:
            return []
        (key, content), self.pending = self.pending, None
        self.session.send_group(content, None)
        return [(key, self._content_reply())]

    def _content_reply(self):
        code, reply = self.session.getreply()
        return None if code == 250 else _refused_message(code, reply)


def _reset(session):
    try:
        session.rset()
    except smtplib.SMTPServerDisconnected:
        raise
    except Exception:
        pass
