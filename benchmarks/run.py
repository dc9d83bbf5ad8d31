#!/usr/bin/env python
"""Performance benchmarks of the remote completion plugin, in one run.

    .venv/bin/python benchmarks/run.py            # full run (a few minutes)
    .venv/bin/python benchmarks/run.py --quick    # tiny sizes, a smoke test
    .venv/bin/python benchmarks/run.py --json results.json

Everything runs on loopback against a real Dovecot (tests/support/dovecot.py)
over implicit TLS with certificate checks, and a local aiosmtpd server, with
the plugin's own code (fetch, push, smtp) and an in-memory XL Release
stand-in (benchmarks/fakehost.py).  Printed side by side:

1. latency from "reply in the mailbox" (APPEND answered) to "task COMPLETED"
   (verdict recorded), p50/p99: push (IMAP IDLE, measured for real) vs
   XL Release's default 30 s polling.  Polling is simulated with a virtual
   clock: each reply arrives uniformly at random within the 30 s interval
   and waits for the next run, plus the real, measured time of the fetch
   cycle that handles it (nobody waits 50 x 30 s);
2. draining 1,000 queued replies: the batched fetch cycle vs a naive
   per-message fetch/flag/expunge loop doing the same decide/act work;
3. request mails to a team of 200: one SMTP session vs one session per mail
   (STARTTLS + AUTH, as a corporate relay; plain SMTP as a lower bound);
4. peak memory of a fetch cycle with and without a 50 MB junk message in the
   box (tracemalloc peak and the child process's peak RSS, plus the bytes
   the server sent): the big message must never be downloaded.
"""
from __future__ import annotations

import argparse
import imaplib
import json
import logging
import math
import os
import platform
import random
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _path in (str(REPO / "plugin"), str(REPO)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from benchmarks import mailgen, naive  # noqa: E402
from benchmarks.fakehost import Host, ImapCi  # noqa: E402
from benchmarks.imapproxy import ImapProxy  # noqa: E402
from remote_completion import fetch, push  # noqa: E402
from remote_completion.settings import Settings  # noqa: E402

SECRET = "benchmark-hmac-secret-0123456789"
MAILBOX_ADDRESS = "xlr@bench.example"
STAGE_USERS = ("push", "poll", "drain", "naive", "drain-wan", "naive-wan", "memory", "memory-big")
WAN_RTT = 0.010          # a mail server 10 ms away (same region) instead of on loopback
POLL_INTERVAL = 30.0     # XL Release's default sync-interval
WAIT = 60.0              # deadline for any single reply to be handled

FULL = dict(replies=50, backlog=1000, team=200, junk_mb=50, memory_replies=5)
QUICK = dict(replies=5, backlog=40, team=10, junk_mb=2, memory_replies=2)


def password_of(user):
    return "bench-pass-" + user


# --- machine ------------------------------------------------------------------

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
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "os": platform.platform(),
            "dovecot": dovecot}


# --- the mailbox side -----------------------------------------------------------

class Mailboxes:
    """One Dovecot, one mailbox user per stage, an appender per user."""

    def __init__(self, root: Path):
        from tests.support.dovecot import start_dovecot
        users = {name: password_of(name) for name in STAGE_USERS}
        self.dovecot = start_dovecot(root, users)
        self.ca_pem = self.dovecot.tls.ca_pem.read_text()
        self._appenders = {}

    def host(self, user, port=None, tls_mode="implicit") -> Host:
        ci = ImapCi(host="127.0.0.1", port=port or self.dovecot.tls_port, tlsMode=tls_mode,
                    username=user, password=password_of(user), fromAddress=MAILBOX_ADDRESS,
                    secret=SECRET, trustedCertificates=self.ca_pem, enableWhitelisting=False)
        return Host(ci)

    def append(self, user, raw: bytes):
        conn = self._appenders.get(user)
        if conn is None:
            conn = imaplib.IMAP4("127.0.0.1", self.dovecot.port)
            conn.login(user, password_of(user))
            self._appenders[user] = conn
        typ, data = conn.append("INBOX", None, None, raw)
        if typ != "OK":
            raise RuntimeError("APPEND failed: %r" % (data,))

    def count(self, user):
        return self.dovecot.count(user)

    def close(self):
        for conn in self._appenders.values():
            try:
                conn.logout()
            except Exception:
                pass
        self.dovecot.stop()


def add_reply(mailboxes, host, user, number, append=True):
    person = "person%04d" % number
    host.add_user(person, "%s@bench.example" % person)
    task = host.add_task(number, person)
    raw = mailgen.reply(SECRET, task, "%s@bench.example" % person, MAILBOX_ADDRESS)
    if append:
        mailboxes.append(user, raw)
    return task, raw


def settings(**overrides):
    values = dict(sync_interval=POLL_INTERVAL, idle_refresh=240.0, batch_size=50,
                  max_message_size=10 ** 6, network_timeout=30.0)
    values.update(overrides)
    return Settings(**values)


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, math.ceil(fraction * len(ordered)) - 1)   # nearest rank
    return ordered[rank]


# --- 1. latency -------------------------------------------------------------------

def bench_push_latency(mailboxes, n):
    host = mailboxes.host("push")
    stats = push.PushStats()
    stop = threading.Event()
    thread = threading.Thread(target=push.run, args=host.apis, daemon=True,
                              kwargs=dict(settings=settings(), stop_event=stop, stats=stats))
    thread.start()
    try:
        if not stats.idling.wait(WAIT):
            raise RuntimeError("the push loop never entered IDLE")
        latencies = []
        for i in range(n):
            task, _raw = add_reply(mailboxes, host, "push", i)
            arrived = time.monotonic()
            if not host.events[task.id].wait(WAIT):
                raise RuntimeError("push: reply %d was not handled within %ss" % (i, WAIT))
            latencies.append(host.acted_at[task.id] - arrived)
    finally:
        stop.set()
        thread.join(WAIT)
    snapshot = stats.snapshot()
    if snapshot["polls"]:
        raise RuntimeError("push latency was measured with polls in between: %r" % snapshot)
    return latencies, snapshot


def bench_poll_latency(mailboxes, n, seed=20260101):
    host = mailboxes.host("poll")
    rng = random.Random(seed)
    latencies, processing = [], []
    for i in range(n):
        task, _raw = add_reply(mailboxes, host, "poll", 10_000 + i)
        started = time.monotonic()
        summary = fetch.run_fetch_cycle(host.bundle, settings=settings())
        took = time.monotonic() - started
        if summary.acted != 1 or not host.events[task.id].is_set():
            raise RuntimeError("poll: the cycle did not act on reply %d: %r" % (i, summary))
        processing.append(took)
        # Virtual clock: the reply lands uniformly within the 30 s schedule
        # and waits for the next run, which then takes the measured time.
        latencies.append(rng.uniform(0.0, POLL_INTERVAL) + took)
    return latencies, processing


# --- 2. draining a backlog ------------------------------------------------------------

def fill(mailboxes, user, host, n, first):
    for i in range(n):
        add_reply(mailboxes, host, user, first + i)


def bench_drain(mailboxes, n, rtt=0.0):
    """(batched seconds, naive seconds) for ``n`` queued replies; with ``rtt``
    the IMAP traffic goes through a proxy that delays the server's answers."""
    suffix = "-wan" if rtt else ""
    proxy = ImapProxy("127.0.0.1", mailboxes.dovecot.tls_port, rtt=rtt) if rtt else None
    port = proxy.port if proxy else None
    try:
        batched_host = mailboxes.host("drain" + suffix, port=port)
        fill(mailboxes, "drain" + suffix, batched_host, n, 100_000)
        started = time.monotonic()
        summary = fetch.run_fetch_cycle(batched_host.bundle, settings=settings())
        batched = time.monotonic() - started
        if batched_host.completed() != n or mailboxes.count("drain" + suffix) != 0:
            raise RuntimeError("batched drain incomplete: %d of %d, %r"
                               % (batched_host.completed(), n, summary))

        naive_host = mailboxes.host("naive" + suffix, port=port)
        fill(mailboxes, "naive" + suffix, naive_host, n, 200_000)
        started = time.monotonic()
        naive.run_naive_cycle(*naive_host.apis, settings=settings())
        naive_time = time.monotonic() - started
        if naive_host.completed() != n or mailboxes.count("naive" + suffix) != 0:
            raise RuntimeError("naive drain incomplete: %d of %d" % (naive_host.completed(), n))
    finally:
        if proxy:
            proxy.close()
    return batched, naive_time


# --- 3. request mail ----------------------------------------------------------------------

class SmtpSink:
    def __init__(self):
        self.messages = 0
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        return "250 OK"


def start_smtp(tls_files, secure):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
    from tests.support.dovecot import free_port

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (getattr(auth_data, "login", b"") == b"mailer"
              and getattr(auth_data, "password", b"") == b"bench-smtp-pass")
        return AuthResult(success=ok)

    sink = SmtpSink()
    kwargs = {}
    if secure:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls_files.cert_pem), str(tls_files.key_pem))
        kwargs = dict(tls_context=context, require_starttls=True, authenticator=authenticator,
                      auth_require_tls=True)
    else:
        kwargs = dict(authenticator=authenticator, auth_require_tls=False)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller, sink


def compose_team(team_size):
    from remote_completion import compose, signature
    details = compose.RequestDetails("Applications/Release0001/Phase0001/Task0001",
                                     "Approve the production deployment", "Benchmark release",
                                     "Go", "Please check the change log first.", "Release managers")
    outgoing = []
    for i in range(team_size):
        address = "member%03d@bench.example" % i
        signatures = dict((action, signature.sign(SECRET, action, details.task_id, address,
                                                          "0123456789abcdef"))
                          for action in (signature.COMPLETE, signature.FAIL))
        message = compose.compose_request(details, address, "Member %d" % i,
                                          "XL Release <xlr@bench.example>", MAILBOX_ADDRESS,
                                          signatures)
        outgoing.append((address, compose.message_bytes(message)))
    return outgoing


def bench_smtp(tls_files, team_size):
    from remote_completion import host as hostmod, smtp
    outgoing = compose_team(team_size)
    results = {}
    for secure in (True, False):
        controller, sink = start_smtp(tls_files, secure)
        try:
            config = hostmod.SmtpConfig(host="127.0.0.1", port=controller.port, tls=secure,
                                        from_address="XL Release <xlr@bench.example>",
                                        username="mailer", password="bench-smtp-pass")
            trusted = tls_files.ca_pem.read_text()
            started = time.monotonic()
            deliveries = smtp.send_messages(config, outgoing, trusted_pem=trusted)
            one_session = time.monotonic() - started
            if not all(d.ok for d in deliveries) or sink.messages != team_size:
                raise RuntimeError("one-session send failed: %r" % deliveries[:3])
            started = time.monotonic()
            for item in outgoing:
                deliveries = smtp.send_messages(config, [item], trusted_pem=trusted)
                if not deliveries[0].ok:
                    raise RuntimeError("per-mail send failed: %r" % deliveries)
            per_mail = time.monotonic() - started
            if sink.messages != 2 * team_size:
                raise RuntimeError("the SMTP server received %d messages" % sink.messages)
        finally:
            controller.stop()
        results["starttls+auth" if secure else "plain+auth"] = (one_session, per_mail)
    return results


# --- 4. memory ---------------------------------------------------------------------------

def memory_child(spec):
    """Runs in a child process: one fetch cycle, measured."""
    import tracemalloc
    ci = ImapCi(host="127.0.0.1", port=spec["port"], tlsMode="implicit", username=spec["user"],
                password=spec["password"], fromAddress=MAILBOX_ADDRESS, secret=SECRET,
                trustedCertificates=spec["ca_pem"], enableWhitelisting=False)
    host = Host(ci)
    for i in range(spec["replies"]):
        add_reply(None, host, spec["user"], spec["first"] + i, append=False)
    naive.quiet_logs()
    rss_before = _proc_status_kb("VmRSS")
    tracemalloc.start()
    summary = fetch.run_fetch_cycle(host.bundle, settings=settings())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"tracemalloc_peak": peak, "rss_before_kb": rss_before,
                      "rss_peak_kb": _proc_status_kb("VmHWM"), "acted": summary.acted,
                      "removed": summary.removed, "summary": summary.as_dict()}))


def _proc_status_kb(field):
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def bench_memory(mailboxes, replies, junk_mb):
    results = {}
    for label, user, big in (("without", "memory", False), ("with", "memory-big", True)):
        host = mailboxes.host(user)
        first = 300_000 if big else 400_000
        for i in range(replies):
            add_reply(mailboxes, host, user, first + i)
        if big:
            mailboxes.append(user, mailgen.junk(junk_mb * 10 ** 6, to=MAILBOX_ADDRESS))
        proxy = ImapProxy("127.0.0.1", mailboxes.dovecot.tls_port)
        try:
            spec = dict(port=proxy.port, user=user, password=password_of(user),
                        ca_pem=mailboxes.ca_pem, replies=replies, first=first)
            proc = subprocess.run([sys.executable, str(Path(__file__).resolve()),
                                   "--memory-child", json.dumps(spec)],
                                  capture_output=True, text=True, timeout=300, cwd=str(REPO))
            if proc.returncode != 0:
                raise RuntimeError("memory child failed:\n" + proc.stderr[-3000:])
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            result["bytes_from_server"] = proxy.bytes_to_client
        finally:
            proxy.close()
        if result["acted"] != replies or mailboxes.count(user) != 0:
            raise RuntimeError("memory stage (%s): %r" % (label, result))
        results[label] = result
    return results


# --- the report -------------------------------------------------------------------------

def fmt_seconds(value):
    if value < 1:
        return "%.0f ms" % (value * 1000)
    return "%.2f s" % value


def fmt_bytes(value):
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return "%.1f %s" % (value / size, unit)
    return "%d B" % value


def report(results, sizes):
    m = results["machine"]
    lines = ["", "Remote completion benchmarks (%s)" % ("quick" if results["quick"] else "full"),
             "machine: %s, %s cores, %s %s, %s, Dovecot %s" % (
                 m["cpu"], m["cores"], m["implementation"], m["python"], m["os"], m["dovecot"]),
             ""]
    rows = [("scenario", "baseline", "plugin", "ratio", "goal", "met")]

    lat = results["latency"]
    push_p50, push_p99 = lat["push_p50"], lat["push_p99"]
    rows.append(("reply -> COMPLETED p50 (%d replies)" % sizes["replies"],
                 "%s (30 s poll*)" % fmt_seconds(lat["poll_p50"]), "%s (push)" % fmt_seconds(push_p50),
                 "%.0fx" % (lat["poll_p50"] / push_p50), "<= 1 s", _yes(push_p50 <= 1.0)))
    rows.append(("reply -> COMPLETED p99 (%d replies)" % sizes["replies"],
                 "%s (30 s poll*)" % fmt_seconds(lat["poll_p99"]), "%s (push)" % fmt_seconds(push_p99),
                 "%.0fx" % (lat["poll_p99"] / push_p99), "<= 2 s", _yes(push_p99 <= 2.0)))
    for key, where in (("loopback", "loopback"), ("wan", "%g ms RTT" % (WAN_RTT * 1000))):
        drain = results["drain"][key]
        rows.append(("drain %d queued replies (%s)" % (sizes["backlog"], where),
                     "%s (naive loop)" % fmt_seconds(drain["naive"]),
                     "%s (batched)" % fmt_seconds(drain["batched"]),
                     "%.1fx" % (drain["naive"] / drain["batched"]), ">= 10x",
                     _yes(drain["naive"] / drain["batched"] >= 10)))
    for mode, (one, per_mail) in results["smtp"].items():
        rows.append(("request mail, team of %d (%s)" % (sizes["team"], mode),
                     "%s (session per mail)" % fmt_seconds(per_mail),
                     "%s (one session)" % fmt_seconds(one),
                     "%.1fx" % (per_mail / one), ">= 5x", _yes(per_mail / one >= 5)))
    mem = results["memory"]
    without, with_big = mem["without"], mem["with"]
    growth = with_big["tracemalloc_peak"] - without["tracemalloc_peak"]
    rows.append(("fetch peak heap, %d MB junk in box" % sizes["junk_mb"],
                 "%s (no junk)" % fmt_bytes(without["tracemalloc_peak"]),
                 "%s (with junk)" % fmt_bytes(with_big["tracemalloc_peak"]),
                 "%+.1f%%" % (100.0 * growth / without["tracemalloc_peak"]), "flat",
                 _yes(growth < sizes["junk_mb"] * 10 ** 6 / 10)))
    rows.append(("fetch peak RSS, %d MB junk in box" % sizes["junk_mb"],
                 "%s (no junk)" % fmt_bytes(without["rss_peak_kb"] * 1024),
                 "%s (with junk)" % fmt_bytes(with_big["rss_peak_kb"] * 1024),
                 "%+.1f%%" % (100.0 * (with_big["rss_peak_kb"] - without["rss_peak_kb"])
                              / without["rss_peak_kb"]), "flat",
                 _yes((with_big["rss_peak_kb"] - without["rss_peak_kb"]) * 1024
                      < sizes["junk_mb"] * 10 ** 6 / 10)))
    rows.append(("bytes the IMAP server sent", fmt_bytes(without["bytes_from_server"]) + " (no junk)",
                 fmt_bytes(with_big["bytes_from_server"]) + " (with junk)", "", "no body",
                 _yes(with_big["bytes_from_server"] - without["bytes_from_server"]
                      < sizes["junk_mb"] * 10 ** 6 / 10)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += ["",
              "* polling: virtual clock, arrival uniform in the 30 s interval, plus the measured "
              "fetch cycle (median %s)" % fmt_seconds(lat["poll_processing_p50"]),
              "push: %d IDLE command(s), %d notification(s), %d fetch cycle(s) for %d replies" % (
                  lat["push_stats"]["idle_commands"], lat["push_stats"]["notifications"],
                  lat["push_stats"]["fetch_cycles"], sizes["replies"]),
              "total benchmark time: %s" % fmt_seconds(results["seconds"]), ""]
    return "\n".join(lines)


def _yes(ok):
    return "yes" if ok else "NO"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(json.loads(args.memory_child))
        return 0
    naive.quiet_logs()
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's deprecation chatter
    sizes = QUICK if args.quick else FULL
    started = time.monotonic()
    results = {"quick": args.quick, "sizes": sizes, "machine": machine()}
    root = Path(tempfile.mkdtemp(prefix="xlr-bench-"))
    mailboxes = Mailboxes(root)  # Dovecot opens this folder to its own users
    try:
        step("push latency (%d replies)" % sizes["replies"])
        push_lat, push_stats = bench_push_latency(mailboxes, sizes["replies"])
        step("30 s polling latency (virtual clock, %d replies)" % sizes["replies"])
        poll_lat, processing = bench_poll_latency(mailboxes, sizes["replies"])
        results["latency"] = {
            "push_p50": percentile(push_lat, 0.50), "push_p99": percentile(push_lat, 0.99),
            "poll_p50": percentile(poll_lat, 0.50), "poll_p99": percentile(poll_lat, 0.99),
            "poll_processing_p50": statistics.median(processing),
            "push_samples": push_lat, "poll_samples": poll_lat, "push_stats": push_stats}
        results["drain"] = {}
        for key, rtt in (("loopback", 0.0), ("wan", WAN_RTT)):
            step("drain %d queued replies, batched and naive (%s)" % (sizes["backlog"], key))
            batched, naive_time = bench_drain(mailboxes, sizes["backlog"], rtt)
            results["drain"][key] = {"batched": batched, "naive": naive_time, "rtt": rtt}
        step("request mail to a team of %d" % sizes["team"])
        results["smtp"] = bench_smtp(mailboxes.dovecot.tls, sizes["team"])
        step("fetch-cycle memory with a %d MB junk message" % sizes["junk_mb"])
        results["memory"] = bench_memory(mailboxes, sizes["memory_replies"], sizes["junk_mb"])
    finally:
        mailboxes.close()
        shutil.rmtree(root, ignore_errors=True)
    results["seconds"] = time.monotonic() - started
    print(report(results, sizes))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2, default=str)
    return 0


def step(text):
    print("... " + text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
