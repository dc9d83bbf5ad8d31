"""Mail for the sandbox: real SMTP and IMAP servers on loopback, no root needed.

``MailHub`` runs:
- an SMTP server (aiosmtpd) on two ports: one offering STARTTLS (as port
  587/25) and one with implicit TLS (as port 465).  It delivers every message
  to each recipient: mail for the remote completion address goes into that
  IMAP mailbox's INBOX (IMAP APPEND, as a delivery agent would), mail for
  anyone else into ``<root>/mail/<address>/<n>.eml`` where tests and the demo
  read it (``mailbox``/``wait_for_mail``);
- the IMAP server holding the remote completion mailbox: embedded (pymap in a
  child process, ``sandbox.imapd``: a STARTTLS port and an implicit-TLS port)
  or external (``ExternalImap``, e.g. the Dovecot of tests/support/dovecot.py).

TLS is real: a throw-away CA (trustme) signs the servers' certificate for
127.0.0.1 and localhost; its PEM is written to ``<root>/tls/ca.pem``
(``ca_pem``) for clients to trust, so an untrusted client is refused.

Optionally the SMTP server requires AUTH (``smtp_users``), and stamps an
``Authentication-Results`` header with its own ``authserv_id`` (RFC 8601):
``dmarc=pass`` when the session authenticated as the From address, else
``dmarc=fail``; such headers with its id that arrive from outside are
removed first, as a receiving server must.
"""
from __future__ import annotations

import dataclasses
import email
import email.policy
import email.utils
import imaplib
import logging
import os
import re
import secrets
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

log = logging.getLogger("sandbox.mail")
# aiosmtpd warns about its own use of a deprecated attribute on every AUTH.
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
logging.getLogger("mail.log").setLevel(logging.ERROR)

LOCALHOST = "127.0.0.1"
DEFAULT_REMOTE_ADDRESS = "xlr-remote-completion@sandbox.test"
_SAFE_ADDRESS = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCALHOST, 0))
        return s.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float, process=None) -> None:
    """Poll until something accepts connections on (host, port)."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError("server process exited with %s" % process.returncode)
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    "nothing listens on %s:%d after %ss" % (host, port, timeout)
                ) from None
            time.sleep(0.02)  # a poll interval, not a synchronisation guess


@dataclasses.dataclass(frozen=True)
class TlsMaterial:
    ca_pem: Path
    cert_pem: Path
    key_pem: Path

    @property
    def ca_pem_text(self) -> str:
        return self.ca_pem.read_text()

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert_pem), str(self.key_pem))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_pem))


def make_tls(directory: Path) -> TlsMaterial:
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="XL Release sandbox CA")
    cert = ca.issue_cert("localhost", LOCALHOST)
    material = TlsMaterial(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    ca.cert_pem.write_to_path(str(material.ca_pem))
    cert.private_key_pem.write_to_path(str(material.key_pem))
    os.chmod(material.key_pem, 0o600)
    material.cert_pem.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    return material


@dataclasses.dataclass(frozen=True)
class ExternalImap:
    """An IMAP server the sandbox does not run (e.g. Dovecot)."""
    host: str
    port: int                 # plain/STARTTLS port
    tls_port: int | None      # implicit TLS port, if any
    user: str
    password: str = dataclasses.field(repr=False)
    ca_pem: Path | None = None


class MailHub:
    def __init__(self, root: Path, remote_address: str = DEFAULT_REMOTE_ADDRESS,
                 imap: ExternalImap | None = None, imap_user: str | None = None,
                 smtp_users: dict | None = None, require_starttls: bool = False,
                 authserv_id: str | None = None, no_plain_imap_login: bool = False,
                 tls: TlsMaterial | None = None, start_timeout: float = 30.0):
        self.root = Path(root)
        self.remote_address = remote_address
        self._external = imap
        self.imap_user = imap.user if imap else (imap_user or remote_address)
        self.imap_password = imap.password if imap else secrets.token_urlsafe(16)
        self.smtp_users = dict(smtp_users or {})
        self.require_starttls = require_starttls
        self.authserv_id = authserv_id
        self.no_plain_imap_login = no_plain_imap_login
        self.start_timeout = start_timeout
        self.tls: TlsMaterial | None = (
            tls  # given (e.g. the external server's CA) or made at start
        )
        self.smtp_port = self.smtp_tls_port = None
        self.imap_port = self.imap_tls_port = None
        self._imapd = None
        self._controllers = []
        self._cond = threading.Condition()
        self._seq = 0
        self.deliveries = []   # (recipient, where) in order, for inspection

    # ------------------------------------------------------------ life
    @property
    def smtp_host(self):
        return LOCALHOST

    @property
    def imap_host(self):
        return self._external.host if self._external else LOCALHOST

    @property
    def ca_pem(self) -> Path:
        """The CA that signed the servers' certificates (trust this, and only this)."""
        return self.tls.ca_pem

    @property
    def imap_ca_pem(self) -> Path:
        return (
            self._external.ca_pem if self._external and self._external.ca_pem else self.tls.ca_pem
        )

    def start(self) -> "MailHub":
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "mail").mkdir(exist_ok=True)
        if self.tls is None:
            self.tls = make_tls(self.root / "tls")
        if self._external is None:
            self._start_imapd()
        else:
            self.imap_port, self.imap_tls_port = self._external.port, self._external.tls_port
        self._start_smtp()
        return self

    def _start_imapd(self):
        env = dict(
            os.environ, SANDBOX_IMAP_USER=self.imap_user, SANDBOX_IMAP_PASSWORD=self.imap_password,
            FQDN="localhost")
        cmd = [sys.executable, "-m", "sandbox.imapd", "--cert", str(self.tls.cert_pem),
               "--key", str(self.tls.key_pem)]
        if self.no_plain_imap_login:
            cmd.append("--no-plain-login")
        stderr = open(self.root / "imapd.log", "wb")
        self._imapd = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, env=env,
                                       cwd=str(Path(__file__).resolve().parents[1]))
        stderr.close()
        # The child prints "READY <port> <tls port>" once both listeners are up.
        ready = {}

        def read_ready():
            ready["line"] = self._imapd.stdout.readline().decode("ascii", "replace")

        reader = threading.Thread(target=read_ready, daemon=True)
        reader.start()
        reader.join(self.start_timeout)
        line = ready.get("line", "")
        if not line.startswith("READY "):
            self._stop_imapd()
            raise RuntimeError("embedded IMAP server did not start: %r; see %s" % (
                line, self.root / "imapd.log"))
        _, port, tls_port = line.split()
        self.imap_port, self.imap_tls_port = int(port), int(tls_port)
        wait_for_port(LOCALHOST, self.imap_tls_port, self.start_timeout, self._imapd)

    def _start_smtp(self):
        handler = _DeliveryHandler(self)
        common = dict(
            hostname=LOCALHOST, server_hostname="localhost", ready_timeout=self.start_timeout
        )
        if self.smtp_users:
            common.update(
                authenticator=self._authenticate, auth_required=True, auth_require_tls=True
            )
        for attempt in range(5):  # a free port can be taken between probe and bind
            try:
                starttls = Controller(
                    handler, port=free_port(), tls_context=self.tls.server_context(),
                    require_starttls=self.require_starttls, **common)
                starttls.start()
                break
            except OSError:
                if attempt == 4:
                    raise
        for attempt in range(5):
            try:
                # aiosmtpd's auth_require_tls only knows STARTTLS; this port is TLS from the start.
                implicit = _ImplicitTlsController(
                    handler, port=free_port(), ssl_context=self.tls.server_context(),
                    **dict(common, auth_require_tls=False) if self.smtp_users else common)
                implicit.start()
                break
            except OSError:
                if attempt == 4:
                    raise
        self._controllers = [starttls, implicit]
        self.smtp_port, self.smtp_tls_port = starttls.port, implicit.port

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
            expected = self.smtp_users.get(login)
            if expected is not None and secrets.compare_digest(expected, password):
                return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)

    def stop(self):
        for controller in self._controllers:
            try:
                controller.stop()
            except Exception:  # already stopped or never started
                pass
        self._controllers = []
        self._stop_imapd()

    def _stop_imapd(self):
        if self._imapd is not None:
            if self._imapd.poll() is None:
                self._imapd.terminate()
                try:
                    self._imapd.wait(10)
                except subprocess.TimeoutExpired:
                    self._imapd.kill()
                    self._imapd.wait()
            if self._imapd.stdout:
                self._imapd.stdout.close()
            self._imapd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------- delivery
    def _deliver(self, envelope_from, recipient, data: bytes):
        """One copy of a message for one recipient (called by the SMTP handler)."""
        address = recipient.strip().lower()
        # Sub-addressing (as Dovecot's recipient_delimiter): mailbox+tag@domain
        # reaches the mailbox; the plugin's Reply-To carries its token so.
        local, _, domain = address.rpartition("@")
        if "%s@%s" % (local.split("+", 1)[0], domain) == self.remote_address.lower():
            self.imap_append(data)
            where = "imap:INBOX"
        else:
            folder = self.mailbox_dir(address)
            folder.mkdir(parents=True, exist_ok=True)
            with self._cond:
                self._seq += 1
                path = folder / ("%04d.eml" % self._seq)
            # Written under another name, then renamed: a reader that globs
            # *.eml never sees a half-written (or empty) message.
            partial = path.with_suffix(".partial")
            partial.write_bytes(data)
            os.replace(partial, path)
            where = str(path)
        with self._cond:
            self.deliveries.append((address, where))
            self._cond.notify_all()

    def mailbox_dir(self, address: str) -> Path:
        address = address.strip().lower()
        if not _SAFE_ADDRESS.match(address):
            raise ValueError("not a deliverable address: %r" % (address,))
        return self.root / "mail" / address

    def mailbox(self, address: str) -> list:
        """The messages delivered to ``address``, oldest first, parsed."""
        folder = self.mailbox_dir(address)
        if not folder.is_dir():
            return []
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(folder.glob("*.eml"))]

    def mailbox_files(self, address: str) -> list[Path]:
        folder = self.mailbox_dir(address)
        return sorted(folder.glob("*.eml")) if folder.is_dir() else []

    def wait_for_mail(self, address: str, count: int = 1, timeout: float = 10.0) -> list:
        """Wait until ``address`` has at least ``count`` messages; TimeoutError if not."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.mailbox_files(address)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("%s has %d message(s), expected %d" % (
                        address, len(self.mailbox_files(address)), count))
                self._cond.wait(remaining)
        return self.mailbox(address)

    def wait_for_deliveries(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.deliveries) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("%d deliveries, expected %d" % (len(self.deliveries), count))
                self._cond.wait(remaining)
            return list(self.deliveries)

    # ----------------------------------------------------- the IMAP box
    def imap_client(self) -> imaplib.IMAP4:
        """A logged-in IMAP client for the remote completion mailbox, TLS verified."""
        context = ssl.create_default_context(cafile=str(self.imap_ca_pem))
        if self.imap_tls_port:
            client = imaplib.IMAP4_SSL(
                self.imap_host, self.imap_tls_port, ssl_context=context, timeout=30
            )
        else:
            client = imaplib.IMAP4(self.imap_host, self.imap_port, timeout=30)
            client.starttls(context)
        client.login(self.imap_user, self.imap_password)
        return client

    def imap_append(self, message: bytes, mailbox: str = "INBOX") -> None:
        client = self.imap_client()
        try:
            typ, data = client.append(mailbox, None, None, message)
            if typ != "OK":
                raise RuntimeError("IMAP APPEND refused: %r" % (data,))
        finally:
            client.logout()

    def imap_count(self, mailbox: str = "INBOX") -> int:
        client = self.imap_client()
        try:
            typ, data = client.select(mailbox, readonly=True)
            return int(data[0]) if typ == "OK" else 0
        finally:
            client.logout()

    def imap_messages(self, mailbox: str = "INBOX") -> list:
        client = self.imap_client()
        try:
            typ, data = client.select(mailbox, readonly=True)
            if typ != "OK":
                return []
            typ, data = client.search(None, "ALL")
            result = []
            for number in data[0].split():
                typ, parts = client.fetch(number, "(BODY.PEEK[])")
                raw = next(p[1] for p in parts if isinstance(p, tuple))
                result.append(email.message_from_bytes(raw, policy=email.policy.default))
            return result
        finally:
            client.logout()

    def info(self) -> dict:
        """Where everything listens (no secrets)."""
        return {
            "smtp": {
                "host": self.smtp_host, "starttls_port": self.smtp_port,
                "implicit_tls_port": self.smtp_tls_port, "auth_required": bool(self.smtp_users)},
            "imap": {
                "host": self.imap_host, "port": self.imap_port,
                "implicit_tls_port": self.imap_tls_port, "user": self.imap_user,
                "embedded": self._external is None},
            "remote_address": self.remote_address,
            "ca_pem": str(self.ca_pem),
            "mail_dir": str(self.root / "mail"),
        }


class _ImplicitTlsController(Controller):
    def factory(self):
        # aiosmtpd warns that AUTH without STARTTLS is unsafe; on this port
        # the connection is TLS from the first byte.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return super().factory()


class _DeliveryHandler:
    def __init__(self, hub: MailHub):
        self.hub = hub

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's name
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        data = self._stamp(data, session, envelope)
        failed = []
        for recipient in envelope.rcpt_tos:
            try:
                # Blocking I/O (IMAP APPEND, files) off the event loop.
                await server.loop.run_in_executor(
                    None, self.hub._deliver, envelope.mail_from, recipient, data
                )
            except Exception as exc:  # reported to the client as a temporary failure
                log.warning("delivery to %s failed: %s", recipient, exc)
                failed.append(recipient)
        if failed:
            return "451 Requested action aborted: local delivery failed for %s" % ", ".join(failed)
        return "250 Message accepted for delivery"

    def _stamp(self, data: bytes, session, envelope) -> bytes:
        """Trace headers a receiving server adds (Return-Path, Received, and
        Authentication-Results when configured)."""
        hub = self.hub
        headers = []
        if hub.authserv_id:
            data = _drop_auth_results(data, hub.authserv_id)
            message = email.message_from_bytes(data, policy=email.policy.default)
            from_address = email.utils.parseaddr(str(message.get("From", "")))[1].lower()
            login = (session.auth_data or "") if session.authenticated else ""
            verdict = "pass" if login and login.lower() == from_address else "fail"
            domain = from_address.rpartition("@")[2] or "unknown"
            headers.append("Authentication-Results: %s; dmarc=%s header.from=%s" % (
                hub.authserv_id, verdict, domain))
        stamp = email.utils.formatdate(localtime=False)
        peer = session.peer[0] if session.peer else "unknown"
        headers.insert(0, "Received: from %s ([%s]) by localhost (sandbox) with ESMTP%s; %s" % (
            session.host_name or "unknown", peer, "S" if session.ssl else "", stamp))
        headers.insert(0, "Return-Path: <%s>" % (envelope.mail_from or ""))
        return ("\r\n".join(headers) + "\r\n").encode("ascii", "replace") + data


def _drop_auth_results(data: bytes, authserv_id: str) -> bytes:
    """Remove Authentication-Results header fields that claim our authserv-id."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    lines = re.split(rb"\r?\n", head)
    kept, skipping = [], False
    pattern = re.compile(
        rb"^authentication-results:\s*" + re.escape(authserv_id.encode().lower()) + rb"\s*(;|$)"
    )
    for line in lines:
        if line[:1] in (b" ", b"\t") and kept is not None:
            if not skipping:
                kept.append(line)
            continue
        skipping = bool(pattern.match(line.lower()))
        if not skipping:
            kept.append(line)
    return b"\r\n".join(kept) + sep + body
