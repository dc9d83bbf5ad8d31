"""The benchmark's infrastructure (CPython 3 only): one Dovecot with a user
per stage, fast delivery of queued mail, Dovecot's CPU from /proc, the
measuring workers (CPython and Jython), and small statistics."""
from __future__ import annotations

import imaplib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.child import stop
from benchmarks.clock import proc_stat_cpu

REPO = Path(__file__).resolve().parents[1]
WORKER = REPO / "benchmarks" / "worker.py"
SECRET = "benchmark-hmac-secret-0123456789"


def password_of(user):
    return "bench-pass-" + user


# --- the machine ------------------------------------------------------------------

def machine():
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        dovecot = subprocess.run(["dovecot", "--version"], capture_output=True, text=True,
                                 timeout=10).stdout.split()[0]
    except Exception:
        dovecot = "?"
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "os": platform.platform(),
            "dovecot": dovecot, "load_at_start": load}


# --- Dovecot ---------------------------------------------------------------------------

class Mailboxes:
    """One Dovecot, one mailbox user per stage."""

    def __init__(self, root: Path, users):
        from tests.support.postfix import dovecot_auth_conf
        from tests.support.dovecot import start_dovecot
        self.root = root
        # Dovecot's auth service, open to an SMTP server (postfix.py) as well.
        self.auth_socket = root / "auth-smtp"
        self.dovecot = start_dovecot(root, {name: password_of(name) for name in users},
                                     extra_conf=dovecot_auth_conf(self.auth_socket))
        self.ca_pem = self.dovecot.tls.ca_pem.read_text()
        self._serial = 0

    def imap(self, user, port=None):
        """The worker's view of a mailbox (JSON-able)."""
        return dict(host="127.0.0.1", port=port or self.dovecot.tls_port, tls_mode="implicit",
                    user=user, password=password_of(user), ca_pem=self.ca_pem,
                    plain_port=self.dovecot.port)

    def count(self, user):
        return self.dovecot.count(user)

    def deliver(self, user, messages):
        """Queue mail as a local delivery agent does: each message written to
        Maildir/tmp and renamed into Maildir/new; then one SELECT lets Dovecot
        index it, so the drain measured next does not pay for the delivery."""
        before = self.count(user)   # logging in creates the Maildir
        maildir = self.root / "mail" / user / "Maildir"
        owner = maildir.stat()
        pid = os.getpid()
        for raw in messages:
            self._serial += 1
            name = "%d.M%dP%d.bench" % (1764662400 + self._serial, self._serial, pid)
            tmp = maildir / "tmp" / name
            tmp.write_bytes(raw)
            if os.geteuid() == 0:
                os.chown(tmp, owner.st_uid, owner.st_gid)
            os.rename(tmp, maildir / "new" / name)
        count = self.count(user)
        if count != before + len(messages):
            raise RuntimeError("delivery to %s: %d in INBOX, expected %d"
                               % (user, count, before + len(messages)))

    def append(self, user, raw):
        conn = imaplib.IMAP4("127.0.0.1", self.dovecot.port)
        try:
            conn.login(user, password_of(user))
            typ, data = conn.append("INBOX", None, None, raw)
            if typ != "OK":
                raise RuntimeError("APPEND failed: %r" % (data,))
        finally:
            conn.logout()

    def cpu(self):
        """CPU seconds of the Dovecot master, its live descendants and every
        child it reaped (imap processes end with their connection: their
        time moves to the master's cutime/cstime)."""
        return tree_cpu(self.dovecot.process.pid)

    def close(self):
        self.dovecot.stop()


def tree_cpu(root_pid):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as handle:
                text = handle.read()
        except OSError:
            continue
        ppid = int(text[text.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0.0, [root_pid]
    while stack:
        pid = stack.pop()
        own, reaped = proc_stat_cpu(pid)
        if own is not None:
            total += own + reaped
        stack.extend(children.get(pid, []))
    return total


# --- workers ------------------------------------------------------------------------------

class WorkerError(RuntimeError):
    pass


class Worker:
    """A measuring interpreter (benchmarks/worker.py) kept warm between commands."""

    def __init__(self, kind, home, mailboxes=None):
        self.kind = kind
        env = dict(os.environ, XL_RELEASE_SERVER_HOME=str(home), PYTHONDONTWRITEBYTECODE="1")
        if kind == "jython":
            from tests.support.lanes import jython_command
            cmd = jython_command(str(WORKER), python_path=[REPO])
        else:
            cmd = [sys.executable, str(WORKER)]
        self.mailboxes = mailboxes
        # Standard error into a file: a pipe nobody reads until the end would
        # stop a worker that logs (BENCH_LOG=debug) once it is full.
        self.stderr = open(Path(home) / ("worker-%s-%d.log" % (kind, id(self))), "w+")
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr, text=True, cwd=str(REPO),
                                        env=env)
        line = self._line("READY ")
        self.info = json.loads(line[len("READY "):])

    def _line(self, prefix):
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise WorkerError("%s worker ended: %s" % (self.kind, self.log_tail()))
            if line.startswith(prefix):
                return line.strip()

    def call(self, cmd, **spec):
        spec["cmd"] = cmd
        spec.setdefault("secret", SECRET)
        before = self.mailboxes.cpu() if self.mailboxes else None
        self.process.stdin.write(json.dumps(spec) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self._line("RESULT ")[len("RESULT "):])
        if not answer["ok"]:
            raise WorkerError("%s %s: %s\n%s" % (self.kind, cmd, answer["error"],
                                                 answer.get("trace", "")))
        result = answer["result"]
        if before is not None:
            result["dovecot_cpu"] = self.mailboxes.cpu() - before
        return result

    def log_tail(self, size=4000):
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()[-size:]

    def close(self):
        if os.environ.get("BENCH_LOG"):
            sys.stderr.write(self.log_tail(200000))
        stop(self.process, 30)
        self.stderr.close()


def write_home(root: Path, sync_interval=None) -> Path:
    """XL_RELEASE_SERVER_HOME for the workers: the defaults, except that the
    JVM counts as long up (startup-delay 0), as a server in service is.  The
    quick mode shortens sync-interval so that its smoke run stays short."""
    home = root / "xlr-home"
    (home / "conf").mkdir(parents=True, exist_ok=True)
    text = ("# benchmark: a server that has been up for a while\n"
            "xl.remote-completion.startup-delay = 0 seconds\n")
    if sync_interval:
        text += "xl.remote-completion.sync-interval = %d seconds\n" % sync_interval
    (home / "conf" / "xl-release.conf").write_text(text)
    return home


# --- statistics ----------------------------------------------------------------------------

def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, math.ceil(fraction * len(ordered)) - 1)   # nearest rank
    return ordered[rank]


def spread(values):
    """Median with min and max of repeated measurements."""
    values = [v for v in values if v is not None]
    if not values:
        return {"median": float("nan"), "min": float("nan"), "max": float("nan"), "n": 0,
                "values": []}
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values), "values": values}


def fmt_s(value):
    if value != value:
        return "n/a"
    if value < 0.001:
        return "%.0f us" % (value * 1e6)
    if value < 1:
        return "%.0f ms" % (value * 1000)
    if value < 10:
        return "%.2f s" % value
    return "%.1f s" % value


def fmt_spread(s, fmt=fmt_s):
    if s["n"] <= 1:
        return fmt(s["median"])
    return "%s (%s-%s)" % (fmt(s["median"]), fmt(s["min"]), fmt(s["max"]))


def fmt_bytes(value):
    if value is None or value != value:
        return "n/a"
    sign = "-" if value < 0 else ""
    value = abs(value)
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return "%s%.1f %s" % (sign, value / size, unit)
    return "%s%d B" % (sign, value)
