"""A real SMTP server: a Postfix instance of our own on a loopback port, as a
company mail relay runs it (the request-mail benchmark, the Postfix lane).

STARTTLS is required, AUTH is required (checked by Dovecot's auth service,
Postfix's usual pairing), the ``refused`` recipients are rejected and every
accepted message is discarded.  The
queue lives on tmpfs when /dev/shm exists, so an fsync per message measures
this machine's disk rather than the protocol.  Postfix offers PIPELINING
and CHUNKING (BDAT), as relays such as Exchange and Gmail's do; the
aiosmtpd sink (smtpsink.py) offers neither.

    sink = PostfixSink(parent, tls_files, auth_socket, refused=())
    sink.port; sink.count(expected); sink.close()

Postfix must run as root (its master drops to the ``postfix`` user).
"""
from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .listening import await_greeting, free_port, stop_process

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"

MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
proxymap unix - - n - - proxymap
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
tlsmgr unix - - n 1000? 1 tlsmgr
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
myhostname = smtp.bench.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
alias_database =
local_recipient_maps =
mynetworks =
smtpd_peername_lookup = no
smtpd_tls_chain_files = {key}, {cert}
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {auth_socket}
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = {refusals}permit_sasl_authenticated, reject
default_transport = discard
relay_transport = discard
maillog_file = {log}
# No pause after a refused command: tests refuse on purpose.
smtpd_error_sleep_time = 0s
maillog_file_prefixes = {root}
"""



# Postfix's own notices (bounces, postmaster mail) have these senders.
QUEUED = re.compile(r"postfix/qmgr\[\d+\]: [0-9A-F]+: from=<(?!double-bounce@)[^>]+>")


def available():
    """(ok, why not): Postfix's master must start as root."""
    if not os.path.exists(POSTFIX):
        return False, "Postfix lane needs Debian's postfix"
    if os.geteuid() != 0:
        return False, "Postfix lane needs root (Postfix's master starts as root)"
    return True, ""


def version():
    return subprocess.run(["postconf", "-dh", "mail_version"], capture_output=True, text=True,
                          check=True).stdout.strip()


def dovecot_auth_conf(path):
    """The Dovecot snippet that opens its auth service to Postfix at ``path``."""
    return """
service auth {
  unix_listener %s {
    mode = 0666
  }
}
""" % path


class PostfixSink:
    def __init__(self, parent: Path, tls_files, auth_socket, refused=(), timeout=30.0):
        # A folder of its own under ``root``: a second instance there gets a
        # fresh log and lock.
        self.root = Path(tempfile.mkdtemp(prefix="postfix-", dir=parent))
        os.chmod(self.root, 0o755)
        self.config = self.root / "etc"
        self.config.mkdir(parents=True, exist_ok=True)
        postfix_user = pwd.getpwnam("postfix")
        data = self.root / "data"
        data.mkdir(exist_ok=True)
        os.chown(data, postfix_user.pw_uid, postfix_user.pw_gid)
        # The queue on tmpfs (see the module docstring); Postfix creates its
        # sub-folders and their owners on start.
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.queue = Path(tempfile.mkdtemp(prefix="bench-postfix-", dir=shm))
        os.chmod(self.queue, 0o755)
        # The smtpd processes (user postfix) read the key: a copy they may read.
        key = self.root / "smtpd.key"
        shutil.copyfile(tls_files.key_pem, key)
        os.chown(key, 0, postfix_user.pw_gid)
        os.chmod(key, 0o640)
        self.log = self.root / "maillog"
        self.port = free_port()
        (self.config / "master.cf").write_text(MASTER_CF.format(port=self.port))
        (self.config / "main.cf").write_text(MAIN_CF.format(
            queue=self.queue, data=data, key=key, cert=tls_files.cert_pem,
            auth_socket=auth_socket, log=self.log, root=self.root,
            refusals="".join("check_recipient_access inline:{ %s=REJECT }, " % address
                             for address in refused)))
        self.process = subprocess.Popen([POSTFIX, "-c", str(self.config), "start-fg"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        try:
            await_greeting(self.process, self.port, b"220", "postfix", self.log_text, timeout)
        except RuntimeError:
            self.close()
            raise

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def count(self, expected=None, timeout=30.0):
        """Messages queued so far (the queue manager logs one line each).
        postlogd writes the log after the reply: with ``expected``, wait
        until that many are logged or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while True:
            seen = len(QUEUED.findall(self.log_text()))
            if expected is None or seen >= expected or time.monotonic() > deadline:
                return seen
            time.sleep(0.1)   # polling a log file for a condition

    def close(self):
        if self.process is not None and self.process.poll() is None:
            # The master runs under postfix-script, which ignores SIGTERM:
            # Postfix's own stop, then its exit ends our child.
            subprocess.run([POSTFIX, "-c", str(self.config), "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                subprocess.run([POSTFIX, "-c", str(self.config), "abort"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
                stop_process(self.process)
        self.process = None
        shutil.rmtree(self.queue, ignore_errors=True)
