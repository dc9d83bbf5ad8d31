"""A real Dovecot IMAP server on loopback ports, started with a config of our own.

Needs Debian's ``dovecot-imapd`` (``/usr/sbin/dovecot``).  The server runs in
the foreground under a private base_dir, keeps mail as Maildir below a
temporary folder and authenticates users from a passwd-file written here.
Ports: one plain/STARTTLS listener and one implicit-TLS listener, both on
127.0.0.1, picked free at start.
"""
from __future__ import annotations

import dataclasses
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

from .certs import TlsFiles, make_tls_files

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def dovecot_available() -> bool:
    return os.path.exists(DOVECOT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclasses.dataclass
class Dovecot:
    root: Path
    tls: TlsFiles
    users: dict[str, str]
    port: int = 0          # plain, STARTTLS offered
    tls_port: int = 0      # implicit TLS
    extra_conf: str = ""
    process: subprocess.Popen | None = None

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
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_login_user = {login_user}
mail_location = maildir:{self.root}/mail/%u/Maildir
imap_idle_notify_interval = 1 secs
first_valid_uid = 1
first_valid_gid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/users
}}
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
        conf = self.root / "dovecot.conf"
        conf.write_text(self.conf_text())
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:  # poll the port until the server greets: readiness, not a sleep
            if self.process.poll() is not None:
                raise RuntimeError("dovecot exited: %s\n%s" % (
                    self.process.stdout.read().decode(errors="replace"), self.log()))
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("dovecot did not start:\n" + self.log())
                time.sleep(0.05)
        return self

    def log(self) -> str:
        p = self.root / "dovecot.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    # --- helpers for tests: put mail in and look at what is left ---------
    def client(self, user: str) -> imaplib.IMAP4_SSL:
        ctx = ssl.create_default_context(cafile=str(self.tls.ca_pem))
        c = imaplib.IMAP4_SSL(self.host, self.tls_port, ssl_context=ctx)
        c.login(user, self.users[user])
        return c

    def append(self, user: str, message: bytes, mailbox: str = "INBOX") -> None:
        c = self.client(user)
        try:
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


def start_dovecot(root: Path, users: dict[str, str], extra_conf: str = "") -> Dovecot:
    tls = make_tls_files(root / "tls")
    return Dovecot(root=root, tls=tls, users=users, extra_conf=extra_conf).start()
