"""A real Dovecot IMAP server on loopback ports, started with a config of our own.

Needs Debian's ``dovecot-imapd`` (``/usr/sbin/dovecot``).  The server runs in
the foreground under a private base_dir, keeps mail as Maildir below a
temporary folder and authenticates users from a passwd-file written here.
Ports: one plain/STARTTLS listener and one implicit-TLS listener, both on
127.0.0.1, picked free at start.
"""
from __future__ import annotations

import contextlib
import dataclasses
import imaplib
import os
import pwd
import shutil
import ssl
import subprocess
import tempfile
from pathlib import Path

from .certs import TlsFiles, make_tls_files
from .listening import await_greeting, free_port, stop_process

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def dovecot_available() -> bool:
    return os.path.exists(DOVECOT)


@dataclasses.dataclass
class Dovecot:
    root: Path
    tls: TlsFiles
    users: dict[str, str]
    port: int = 0          # plain, STARTTLS offered
    tls_port: int = 0      # implicit TLS
    extra_conf: str = ""
    process: subprocess.Popen | None = None
    # OAuth 2.0: the oauth2 passdb's args file text (tests/support/
    # oauth_server.dovecot_oauth2_conf), the SASL mechanisms offered, and
    # how the helpers below get a token for a user when LOGIN is off.
    oauth2_conf: str | None = None
    mechanisms: str = "plain login"
    token_for: object = None

    host = "127.0.0.1"

    def conf_text(self) -> str:
        # As root, Dovecot refuses to run its login and mail processes as root:
        # use the package's unprivileged users and hand them the folder.
        if os.geteuid() == 0:
            login_user, internal_user, mail_user = "dovenull", "dovecot", "dovecot"
        else:
            login_user = internal_user = mail_user = pwd.getpwuid(os.geteuid()).pw_name
        uid, gid = pwd.getpwnam(mail_user).pw_uid, pwd.getpwnam(mail_user).pw_gid
        return f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
info_log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.tls.cert_pem}
ssl_key = <{self.tls.key_pem}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = {self.mechanisms}
default_internal_user = {internal_user}
default_login_user = {login_user}
mail_location = maildir:{self.root}/mail/%u/Maildir
imap_idle_notify_interval = 1 secs
first_valid_uid = 1
first_valid_gid = 1
{self.passdbs()}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
{self.extra_conf}
"""

    def passdbs(self) -> str:
        files = f"""passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {self.root}/users
}}
"""
        if self.oauth2_conf is None:
            return files.replace("  mechanisms = plain login\n", "")
        oauth2 = f"""passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {self.root}/dovecot-oauth2.conf.ext
}}
"""
        plain = any(m in self.mechanisms.split() for m in ("plain", "login"))
        return oauth2 + (files if plain else "")

    def start(self, timeout: float = 20.0) -> "Dovecot":
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            dovecot_uid = pwd.getpwnam("dovecot")
            os.chmod(self.root, 0o755)
            os.chown(self.root / "mail", dovecot_uid.pw_uid, dovecot_uid.pw_gid)
        self.port = self.port or free_port()
        self.tls_port = self.tls_port or free_port()
        (self.root / "users").write_text(
            "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.users.items()))
        if self.oauth2_conf is not None:
            # The auth process (user dovecot) must read the CA that signed the
            # token service's certificate (the same TLS files as ours), and
            # cannot enter a 0700 test folder: a readable copy in /tmp.
            handle, name = tempfile.mkstemp(prefix="dovecot-oauth2-ca-", suffix=".pem")
            os.close(handle)
            ca = Path(name)
            shutil.copyfile(self.tls.ca_pem, ca)
            os.chmod(ca, 0o644)
            self._ca_copy = ca
            (self.root / "dovecot-oauth2.conf.ext").write_text(
                self.oauth2_conf + f"tls_ca_cert_file = {ca}\n")
        conf = self.root / "dovecot.conf"
        conf.write_text(self.conf_text())
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            await_greeting(self.process, self.port, b"* OK", "dovecot", self.log, timeout)
        except RuntimeError:
            self.stop()
            raise
        return self

    def log(self) -> str:
        p = self.root / "dovecot.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def stop(self) -> None:
        ca = getattr(self, "_ca_copy", None)
        if ca is not None and ca.exists():
            ca.unlink()
        stop_process(self.process)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    # --- helpers for tests: put mail in and look at what is left ---------
    def client(self, user: str) -> imaplib.IMAP4_SSL:
        ctx = ssl.create_default_context(cafile=str(self.tls.ca_pem))
        c = imaplib.IMAP4_SSL(self.host, self.tls_port, ssl_context=ctx)
        if self.token_for is not None and "plain" not in self.mechanisms.split():
            mechanism = "XOAUTH2" if "xoauth2" in self.mechanisms.split() else "OAUTHBEARER"
            token = self.token_for(user)
            if mechanism == "XOAUTH2":
                response = f"user={user}\x01auth=Bearer {token}\x01\x01"
            else:
                response = f"n,a={user},\x01auth=Bearer {token}\x01\x01"
            c.authenticate(mechanism, lambda _challenge: response.encode())
        else:
            c.login(user, self.users[user])
        return c

    def append(self, user: str, message: bytes, mailbox: str = "INBOX") -> None:
        self.append_all(user, [message], mailbox)

    def append_all(self, user: str, messages, mailbox: str = "INBOX") -> None:
        """Appends each of ``messages`` in order, over one login."""
        c = self.client(user)
        try:
            for message in messages:
                typ, data = c.append(mailbox, None, None, message)
                assert typ == "OK", data
        finally:
            c.logout()

    def count(self, user: str, mailbox: str = "INBOX") -> int:
        c = self.client(user)
        try:
            typ, data = c.select(mailbox, readonly=True)
            if typ != "OK":
                return 0
            return int(data[0])
        finally:
            c.logout()


def start_dovecot(root: Path, users: dict[str, str], extra_conf: str = "", tls=None,
                  **oauth) -> Dovecot:
    """``oauth``: oauth2_conf, mechanisms, token_for (see Dovecot)."""
    tls = tls or make_tls_files(root / "tls")
    return Dovecot(root=root, tls=tls, users=users, extra_conf=extra_conf, **oauth).start()


@contextlib.contextmanager
def running_dovecot(prefix: str, users: dict[str, str], extra_conf: str = ""):
    """A Dovecot for a fixture: started in a fresh temporary folder, stopped
    and removed after.  Skips the test where Dovecot is missing (the lane rule
    in tests/conftest.py turns that into a failure in CI).  Not under pytest's
    tmp_path: its 0700 parent keeps Dovecot's own users (dovecot, dovenull)
    out, and its auth process re-reads the passwd-file tests grow."""
    import pytest

    from tests.support import lanes
    ok, why = lanes.dovecot_available()
    if not ok:
        pytest.skip(why)
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        server = start_dovecot(root, users, extra_conf)
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
