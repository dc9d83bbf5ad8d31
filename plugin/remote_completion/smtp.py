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
        text = _text(data)
        if self._data_next:
            self._data_next = False
            maildebug.trace('SMTP', 'C', '[message, %d bytes]' % len(data))
        else:
            if text.upper().startswith('AUTH'):
                self._in_auth = True
            for line in text.rstrip('\r\n').split('\r\n'):
                maildebug.trace('SMTP', 'C', line, in_auth=self._in_auth)
        return smtplib.SMTP.send(self, _native(data))

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
    deliveries = []
    try:
        for index, (address, data) in enumerate(outgoing):
            try:
                refused = session.sendmail(_native(sender), [_native(address)], data)
                if refused:
                    code, reply = list(refused.values())[0]
                    deliveries.append(Delivery(address, 'refused by the SMTP server: %s'
                                               % _reply_text(code, reply)))
                else:
                    deliveries.append(Delivery(address))
            except smtplib.SMTPRecipientsRefused as error:
                code, reply = list(error.recipients.values())[0]
                deliveries.append(Delivery(address, 'refused by the SMTP server: %s'
                                           % _reply_text(code, reply)))
            except smtplib.SMTPSenderRefused as error:
                deliveries.append(Delivery(address, 'the SMTP server refused the sender %s: %s' % (
                    logs.clean(sender, 100), _reply_text(error.smtp_code, error.smtp_error))))
            except smtplib.SMTPDataError as error:
                deliveries.append(Delivery(address, 'the SMTP server refused the message: %s'
                                           % _reply_text(error.smtp_code, error.smtp_error)))
            except Exception as error:
                # The connection is gone: nothing after this can be sent either.
                reason = 'the connection to the SMTP server was lost: %s' % _describe(error)
                deliveries.append(Delivery(address, reason))
                for rest_address, _ in outgoing[index + 1:]:
                    deliveries.append(Delivery(rest_address, reason))
                break
    finally:
        _close(session)
    return deliveries
