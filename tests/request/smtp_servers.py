"""Real SMTP servers (aiosmtpd) for the sending tests: plain, AUTH, STARTTLS,
implicit TLS, optionally offering PIPELINING; recipients named refuse* and
senders named refuse* are refused, and so is a message holding REFUSE-BODY."""
from __future__ import annotations

import contextlib
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.listening import free_port  # noqa: F401 (the tests' import)

REFUSED_PREFIX = "refuse"
REFUSED_BODY = b"REFUSE-BODY"
USER, PASSWORD = "mailer", "smtp-test-password-321"


class Recorder:
    """Keeps every accepted message; refuses what the module docstring says.
    ``pipelining``: the EHLO reply offers PIPELINING (RFC 2920; aiosmtpd
    reads commands in order from its stream, so a pipelined group works)."""

    def __init__(self, pipelining=False):
        self.messages = []          # (mail_from, rcpt_tos, content bytes, authenticated login)
        self.sessions = set()       # ids of SMTP sessions that delivered mail
        self.changed = threading.Condition()
        self.pipelining = pipelining

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address.lower().startswith(REFUSED_PREFIX):
            return "553 5.7.1 <%s>: sender refused" % address
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith(REFUSED_PREFIX):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if REFUSED_BODY in envelope.content:
            return "554 5.7.1 message refused"
        login = (
            session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword)
            else None
        )
        with self.changed:
            self.messages.append(
                (envelope.mail_from, list(envelope.rcpt_tos), envelope.content, login)
            )
            self.sessions.add(id(session))
            self.changed.notify_all()
        return "250 OK queued"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
          and auth_data.password.decode() == PASSWORD)
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def server_context(tls_files) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(tls_files.cert_pem), str(tls_files.key_pem))
    return context


@contextlib.contextmanager
def smtp_server(mode="plain", tls_files=None, auth=False, recorder=None, pipelining=False,
                **extra):
    """mode: plain | starttls | implicit.  Yields (port, recorder).
    ``recorder``: a Recorder subclass instance, e.g. with an auth_XOAUTH2
    hook (aiosmtpd's custom AUTH mechanisms); ``extra``: more SMTP options."""
    recorder = recorder or Recorder(pipelining)
    kwargs = dict(extra)
    if auth:
        kwargs.update(authenticator=authenticator, auth_required=True,
                      # aiosmtpd does not count implicit TLS as TLS for AUTH.
                      auth_require_tls=(mode == "starttls"))
    if mode == "starttls":
        kwargs.update(tls_context=server_context(tls_files), require_starttls=True)
    elif mode == "implicit":
        kwargs.update(ssl_context=server_context(tls_files))
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port,
                            server_hostname="localhost", **kwargs)
    controller.start()
    try:
        yield port, recorder
    finally:
        controller.stop()
