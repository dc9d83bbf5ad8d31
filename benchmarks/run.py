#!/usr/bin/env python
"""Performance benchmarks of the remote completion plugin, in one run.

    .venv/bin/python benchmarks/run.py            # full run (about 10 minutes)
    .venv/bin/python benchmarks/run.py --quick    # tiny sizes, a smoke test
    .venv/bin/python benchmarks/run.py --json results.json --plots docs/

Everything runs on loopback against one real Dovecot (tests/support/dovecot.py)
over implicit TLS with certificate checks and an aiosmtpd server in its own
process (benchmarks/smtpsink.py), with the
plugin's own code, measured in CPython 3 and in Jython 2.7.3 (the same
benchmarks/worker.py, warm, against the same Dovecot and the same mail) and
an in-memory XL Release stand-in (benchmarks/fakehost.py) that can answer
each API call after a delay.  XL Release's running of the waiting script is
benchmarks/xlrhost.py.  Each figure is the median of repeats with min-max;
ratios compare figures of this run.  Stages:

latency   reply appended -> task ended: push host (the push job plus the
          waiting scripts; in-session, and on the host's real session
          schedule), XL Release path (only the waiting scripts, 1 and 1,000
          tasks waiting, Jython, API delay), XL Release's 30 s polling as a
          model (uniform wait over the interval, plus the measured cycle)
jython    empty fetch cycle, waiting-script run (warm; fresh interpreter)
drain     batched fetch cycle vs the naive per-message loop (loopback and a
          10 ms round trip through benchmarks/netdelay.py, a process of its
          own), outcome replies off as the naive loop sends none; with an
          API delay; CPython and Jython; with outcome replies over SMTP;
          scaling 1k/5k/20k (time, client and Dovecot CPU, memory); large
          headers, with the API stand-in's own memory measured apart
smtp      request mail to a team: one session vs a session per mail (TLS
          context reused; STARTTLS + AUTH)
memory    a fetch cycle with a 50 MB junk mail in the box
"""
from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _path in (str(REPO / "plugin"), str(REPO)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from benchmarks import mailgen  # noqa: E402
from benchmarks.fakehost import Host, ImapCi  # noqa: E402
from benchmarks.harness import (SECRET, Mailboxes, Worker, fmt_bytes, fmt_s,  # noqa: E402
                                fmt_spread, machine, password_of, percentile, spread,
                                tree_cpu, write_home)
from benchmarks.imapproxy import ImapProxy  # noqa: E402
from benchmarks.netdelay import NetDelay  # noqa: E402

MAILBOX_ADDRESS = "xlr@bench.example"
POLL_INTERVAL = 30.0     # XL Release's default sync-interval
WAIT_INTERVAL = 2.0      # the waiting script's default wait-interval (push on XL Release)
WAN_RTT = 0.010          # a mail server 10 ms away (same region)
API_DELAY = 0.020        # per XL Release API call (see docs/performance.md)
# The push host's schedule measured with sessions this short (default: 240 s),
# so that session switches fall inside the measurement: a worst case for them.
SWITCH_SESSION = 2.0

FULL = dict(repeats=3, push_replies=10, push_window=8.0, session_replies=1,
            schedule_replies=15, schedule_window=10.0,
            xlr_tasks=1000, xlr_replies=30, xlr_window=45.0, xlr_single=3,
            cycle_repeats=5, cycle_warmup=100, wait_runs=2000, fresh_runs=3,
            backlog=1000, wan_backlog=500, api_backlog=100, jython_backlog=1000,
            scaling=(1000, 5000, 20000), big_headers=20000, header_kb=60, header_repeats=1,
            team=200, junk_mb=50, memory_replies=5)
QUICK = dict(repeats=1, push_replies=3, push_window=2.0, session_replies=1,
             schedule_replies=3, schedule_window=3.0,
             xlr_tasks=50, xlr_replies=3, xlr_window=2.0, xlr_single=1,
             cycle_repeats=2, cycle_warmup=3, wait_runs=100, fresh_runs=1,
             backlog=30, wan_backlog=10, api_backlog=5, jython_backlog=20,
             scaling=(20, 40), big_headers=10, header_kb=60, header_repeats=1,
             team=5, junk_mb=2, memory_replies=2, sync_interval=2)
STAGES = ("latency", "jython", "drain", "scaling", "smtp", "memory")
JYTHON_WARMUP_DRAINS = 3   # unmeasured Jython drains before the measured ones

USERS = ("push", "session", "xlr1", "xlrn", "cycle", "drain", "naive", "drainwan", "naivewan",
         "drainapi", "drainj", "gmail", "outcome", "outcomej", "scale", "headers", "memory",
         "memorybig", "smtp")
SMTP_USER = "smtp"     # the SMTP relay's login (Dovecot checks it for Postfix)


def step(text):
    print("... [%s] %s" % (time.strftime("%H:%M:%S"), text), flush=True)


def task_of(number):
    """The task a worker creates for ``number`` (benchmarks/worker.py)."""
    host = Host(ImapCi(), api_delay=0)
    person = "person%06d" % number
    host.add_user(person, "%s@bench.example" % person)
    return host.add_task(number, person, secret=SECRET)


def replies(first, count, extra_header=0, client="plain"):
    out = []
    for number in range(first, first + count):
        task = task_of(number)
        out.append(mailgen.reply(SECRET, task, task.owner + "@bench.example", MAILBOX_ADDRESS,
                                 extra_header=extra_header, client=client))
    return out


# --- latency -------------------------------------------------------------------------------

def latency_stats(groups):
    """p50/p99 per group (a repeat), then the median and spread of those."""
    p50 = [percentile(g, 0.50) for g in groups if g]
    p99 = [percentile(g, 0.99) for g in groups if g]
    pooled = [x for g in groups for x in g]
    return {"p50": spread(p50), "p99": spread(p99), "samples": pooled, "n": len(pooled)}


def thirds(values):
    size = max(1, (len(values) + 2) // 3)
    return [values[i:i + size] for i in range(0, len(values), size)]


def stage_latency(mb, workers, sizes, results):
    cpy, jy = workers["cpython"], workers.get("jython")
    numbers = iter(range(1, 10 ** 9, 10_000))
    out = results.setdefault("latency", {})

    for key, session, replies_n, window, what in (
            ("push", None, sizes["push_replies"], sizes["push_window"], "default sessions"),
            ("push_schedule", SWITCH_SESSION, sizes["schedule_replies"],
             sizes["schedule_window"], "sessions cut every %g s" % SWITCH_SESSION)):
        step("push host, %s: %d x %d replies (CPython)" % (what, sizes["repeats"], replies_n))
        # The tasks wait already: each one's script runs at a random phase of
        # its wait-interval (it reads its task on the job's notice).
        runs = [cpy.call("latency", mode="push", imap=mb.imap("push"),
                         numbers=[next(numbers), max(20, replies_n)], replies=replies_n,
                         window=window, deadline=120.0, session_seconds=session,
                         first_within=sizes.get("wait_interval", WAIT_INTERVAL))
                for _ in range(sizes["repeats"])]
        for run in runs:
            check_latency_run(run, key)
        out[key] = latency_stats([r["latencies"] for r in runs])
        out[key]["handled"] = latency_stats([r["handled"] for r in runs])
        out[key]["push_stats"] = runs[-1]["push_stats"]
        out[key]["session"] = session
        out[key]["script_core_share"] = spread([r["script_cpu"] / r["wall"] for r in runs])

    step("push host, a reply queued before the session starts (%d repeats)" % sizes["repeats"])
    starts, recorded = [], []
    for _ in range(sizes["repeats"]):
        run = cpy.call("session", imap=mb.imap("session"),
                       numbers=[next(numbers), sizes["session_replies"]],
                       first_within=sizes.get("wait_interval", WAIT_INTERVAL))
        starts.extend(run["latencies"])
        recorded.extend(run["handled"])
    out["session_start"] = spread(starts)
    out["session_start_handled"] = spread(recorded)

    step("fetch cycle handling one queued reply (CPython, %d repeats)" % sizes["repeats"])
    one = [drain_once(mb, Factory(lambda: cpy, fresh=False), "session", next(numbers), 1)
           for _ in range(sizes["repeats"])]
    out["one_reply_cycle"] = spread([r["wall"] for r in one])
    out["polling_model"] = polling_model(out["one_reply_cycle"]["median"])
    if jy is None:
        return
    worker, label = jy, "jython"
    step("XL Release path, 1 task waiting: %d replies one after another (%s, API delay %g ms)"
         % (sizes["xlr_single"], label, API_DELAY * 1000))
    single, cpu = [], []
    for _ in range(sizes["xlr_single"]):
        # The task's script runs at a random phase of its interval (it started
        # when its request went out); the reply comes at once.
        run = worker.call("latency", mode="xlr", imap=mb.imap("xlr1"), numbers=[next(numbers), 1],
                          replies=1, window=1.0,
                          first_within=sizes.get("wait_interval", WAIT_INTERVAL),
                          api_delay=API_DELAY, deadline=150.0)
        check_latency_run(run, "xlr1")
        single.extend(run["latencies"])
        cpu.append(run["script_cpu"] / run["wall"])
    out["xlr1"] = {"p50": spread([percentile(single, 0.5)]), "p99": spread([max(single)]),
                   "samples": single, "n": len(single), "script_core_share": spread(cpu),
                   "interpreter": worker.info["interpreter"]}

    step("XL Release path, %d tasks waiting, %d replies over %g s (%s, API delay %g ms)"
         % (sizes["xlr_tasks"], sizes["xlr_replies"], sizes["xlr_window"], label,
            API_DELAY * 1000))
    run = worker.call("latency", mode="xlr", imap=mb.imap("xlrn"),
                      numbers=[next(numbers), sizes["xlr_tasks"]], replies=sizes["xlr_replies"],
                      window=sizes["xlr_window"], api_delay=API_DELAY, deadline=150.0,
                      first_within=sizes.get("wait_interval", WAIT_INTERVAL))
    check_latency_run(run, "xlrn")
    stats = latency_stats(thirds(run["latencies"]))
    stats.update(script_core_share=spread([run["script_cpu"] / run["wall"]]),
                 script_runs=run["script_runs"], wall=run["wall"],
                 median_run_cpu=run["median_run_cpu"], api_calls=run["api_calls"],
                 calls=run["calls"], interpreter=worker.info["interpreter"],
                 handled=latency_stats(thirds(run["handled"])))
    out["xlrn"] = stats


def check_latency_run(run, what):
    if run["missing"] or run["appender_error"] or run["script_failures"]:
        raise RuntimeError("%s: %d replies not handled in time, appender: %s, scripts: %s"
                           % (what, run["missing"], run["appender_error"],
                              run["script_failures"]))


def quantiles_of(draw, points=2000):
    """The latency model's distribution as ``points`` evenly spaced quantiles."""
    return [draw((k + 0.5) / points) for k in range(points)]


def polling_model(cycle):
    """XL Release's default: a fetch cycle every 30 s; a reply waits for the
    next one (uniform over the interval: median 15 s), then the measured
    time of a cycle that handles one reply."""
    samples = quantiles_of(lambda u: u * POLL_INTERVAL + cycle)
    return {"p50": percentile(samples, 0.5), "p99": percentile(samples, 0.99),
            "cycle": cycle, "samples": samples}


# --- Jython costs ------------------------------------------------------------------------

def stage_jython(mb, workers, sizes, results):
    out = results.setdefault("cycle", {})
    for kind, worker in workers.items():
        step("empty fetch cycle, warm (%s)" % kind)
        # Warm as a server in service is (a cycle every sync-interval: thousands
        # a day); the JVM's JIT is still compiling for the first hundred or so.
        run = worker.call("cycle", imap=mb.imap("cycle"), warmup=sizes["cycle_warmup"],
                          repeats=sizes["cycle_repeats"])
        out[kind] = {"wall": spread(run["walls"]), "cpu": spread(run["cpus"])}
    out = results.setdefault("waitcost", {})
    for kind, worker in workers.items():
        step("waiting-script runs with no fetch due (%s)" % kind)
        values = [worker.call("waitcost", imap=mb.imap("cycle"), numbers=[900_000 + i, 1],
                              runs=sizes["wait_runs"],
                              fresh_runs=sizes["fresh_runs"] if (kind == "jython" and i == 0)
                              else 0)
                  for i in range(sizes["repeats"])]
        out[kind] = {"warm_wall": spread([v["warm_wall"] for v in values]),
                     "warm_cpu": spread([v["warm_cpu"] for v in values]),
                     "api_calls_per_run": values[0]["api_calls_per_run"]}
        if values[0].get("fresh_walls"):
            out[kind]["fresh_wall"] = spread(values[0]["fresh_walls"])


# --- drains ------------------------------------------------------------------------------

def drain_once(mb, worker_factory, user, first, count, mode="batched", port=None, **extra):
    mb.deliver(user, replies(first, count, extra.pop("extra_header", 0),
                             extra.pop("client", "plain")))
    worker = worker_factory()
    try:
        run = worker.call("drain", imap=mb.imap(user, port=port), numbers=[first, count],
                          mode=mode, **extra)
    finally:
        if worker_factory.fresh:
            worker.close()
    left = mb.count(user)
    if run["handled"] != count or left:
        raise RuntimeError("%s drain of %d (%s): handled %d, %d left in the box, %r"
                           % (mode, count, user, run["handled"], left, run.get("summary")))
    return run


class Factory:
    def __init__(self, make, fresh):
        self.make, self.fresh = make, fresh

    def __call__(self):
        return self.make()


def runtimes_row(scenario, cpython, jython, goal, fmt=fmt_s):
    """A table row of one figure on both runtimes: CPython as the baseline
    (``jython`` None: a run without Jython, its cells empty)."""
    if jython is None:
        return (scenario, "%s (CPython)" % fmt_spread(cpython, fmt), "", "", goal)
    return (scenario, "%s (CPython)" % fmt_spread(cpython, fmt),
            "%s (Jython)" % fmt_spread(jython, fmt),
            "%.1fx slower" % (jython["median"] / cpython["median"]), goal)


def per_message(figure, n):
    """A spread of whole-drain times as time per message."""
    return dict(figure, median=figure["median"] / n, min=figure["min"] / n,
                max=figure["max"] / n, values=[v / n for v in figure["values"]])


def fmt_ms(value):
    return "n/a" if value != value else "%.2f ms" % (value * 1000)


def drain_figures(runs):
    return {"wall": spread([r["wall"] for r in runs]), "cpu": spread([r["cpu"] for r in runs]),
            "dovecot_cpu": spread([r["dovecot_cpu"] for r in runs]),
            "rss_growth_kb": spread([r["rss_peak_kb"] - r["rss_before_kb"] for r in runs
                                     if r["rss_peak_kb"] and r["rss_before_kb"]]),
            "api_calls": runs[0]["api_calls"], "calls": runs[0]["calls"]}


def stage_drain(mb, workers, sizes, results, home):
    out = results.setdefault("drain", {})
    warm = Factory(lambda: workers["cpython"], fresh=False)
    first = iter(range(1_000_000, 10 ** 9, 100_000))
    repeats = sizes["repeats"]

    step("drain %d queued replies on loopback, batched and naive (CPython, %d repeats)"
         % (sizes["backlog"], repeats))
    out["loopback"] = {
        "batched": drain_figures([drain_once(mb, warm, "drain", next(first), sizes["backlog"])
                                  for _ in range(repeats)]),
        "naive": drain_figures([drain_once(mb, warm, "naive", next(first), sizes["backlog"],
                                           mode="naive") for _ in range(repeats)]),
        "n": sizes["backlog"]}

    step("drain %d queued replies at %g ms round trip (netdelay process), batched and naive"
         % (sizes["wan_backlog"], WAN_RTT * 1000))
    delay = NetDelay("127.0.0.1", mb.dovecot.tls_port, WAN_RTT)
    try:
        out["wan"] = {
            "batched": drain_figures([drain_once(mb, warm, "drainwan", next(first),
                                                 sizes["wan_backlog"], port=delay.port)
                                      for _ in range(repeats)]),
            "naive": drain_figures([drain_once(mb, warm, "naivewan", next(first),
                                               sizes["wan_backlog"], mode="naive",
                                               port=delay.port) for _ in range(repeats)]),
            "n": sizes["wan_backlog"], "rtt": WAN_RTT}
    finally:
        delay.close()

    step("drain %d queued replies with %g ms per API call (CPython)"
         % (sizes["api_backlog"], API_DELAY * 1000))
    out["api"] = {"batched": drain_figures([drain_once(mb, warm, "drainapi", next(first),
                                                       sizes["api_backlog"], api_delay=API_DELAY)
                                            for _ in range(repeats)]),
                  "n": sizes["api_backlog"], "api_delay": API_DELAY}

    if "jython" in workers:
        jy = Factory(lambda: workers["jython"], fresh=False)
        step("drain %d queued replies on loopback (Jython, warm)" % sizes["jython_backlog"])
        # Warm-up: three drains of the same size. The JIT keeps compiling the
        # drain path through the first few thousand messages; a server in
        # service has long passed that, so the measured drains should too.
        # Their figures are kept (docs/performance.md shows the curve).
        out["jython_warmup"] = [drain_once(mb, jy, "drainj", next(first),
                                           sizes["jython_backlog"])["wall"]
                                / sizes["jython_backlog"] for _ in range(JYTHON_WARMUP_DRAINS)]
        out["jython"] = {"batched": drain_figures([drain_once(mb, jy, "drainj", next(first),
                                                              sizes["jython_backlog"])
                                                   for _ in range(repeats)]),
                         "n": sizes["jython_backlog"]}
    n = sizes["jython_backlog"]
    out["gmail"] = {"n": n}
    for kind in workers:
        step("drain %d queued replies as Gmail sends them (%s, warm, %d repeats)"
             % (n, kind, repeats))
        factory = Factory(lambda kind=kind: workers[kind], fresh=False)
        out["gmail"][kind] = drain_figures([drain_once(mb, factory, "gmail", next(first), n,
                                                       client="gmail")
                                            for _ in range(repeats)])
    stage_outcome_replies(mb, workers, sizes, out, first)


def stage_outcome_replies(mb, workers, sizes, out, first):
    """The drain again with outcome replies on (the default), answered
    through an SMTP server in its own process (STARTTLS, verified): what a
    backlog costs when every sender hears back."""
    sink, server = smtp_relay(mb)
    smtp = {"host": "127.0.0.1", "port": sink.port, "user": SMTP_USER,
            "password": password_of(SMTP_USER)}
    n = sizes["jython_backlog"]
    out["outcome"] = {"n": n, "server": server}
    try:
        for kind, user in (("cpython", "outcome"), ("jython", "outcomej")):
            if kind not in workers:
                continue
            step("drain %d queued replies with outcome replies over SMTP (%s, warm, %d repeats)"
                 % (n, kind, sizes["repeats"]))
            factory = Factory(lambda kind=kind: workers[kind], fresh=False)
            runs = []
            for _ in range(sizes["repeats"]):
                before = sink.count()
                runs.append(drain_once(mb, factory, user, next(first), n, smtp=smtp))
                sent = sink.count(before + n) - before
                if sent != n:
                    raise RuntimeError("%s: %d outcome replies for %d mails" % (kind, sent, n))
            out["outcome"][kind] = drain_figures(runs)
    finally:
        sink.close()


def stage_scaling(mb, workers, sizes, results, home):
    out = results.setdefault("scaling", {})
    fresh = Factory(lambda: Worker("cpython", home, mb), fresh=True)
    first = iter(range(50_000_000, 10 ** 9, 1_000_000))
    for n in sizes["scaling"]:
        step("drain scaling: %d queued replies, fresh CPython process each (%d repeats)"
             % (n, sizes["repeats"]))
        out[str(n)] = drain_figures([drain_once(mb, fresh, "scale", next(first), n)
                                     for _ in range(sizes["repeats"])])
        out[str(n)]["n"] = n
    n = sizes["big_headers"]
    # At the goal's size (20,000) one repeat: 1.2 GB of mail per repeat.
    step("memory: %d queued replies with %d kB of headers each (%d repeat(s))"
         % (n, sizes["header_kb"], sizes["header_repeats"]))
    runs = [drain_once(mb, fresh, "headers", next(first), n,
                       extra_header=sizes["header_kb"] * 1000)
            for _ in range(sizes["header_repeats"])]
    out["headers"] = drain_figures(runs)
    out["headers"].update(n=n, header_kb=sizes["header_kb"])
    # The stand-in keeps what XL Release would keep in its database (a
    # verdict comment per task): measured alone, in a fresh process too.
    step("memory: the API stand-in alone, %d tasks with a %d-character comment each"
         % (n, runs[0]["comment_chars"]))
    control = []
    for _ in range(sizes["header_repeats"]):
        worker = fresh()
        try:
            r = worker.call("standin", imap=mb.imap("headers"), numbers=[next(first), n],
                            comment_chars=runs[0]["comment_chars"])
        finally:
            worker.close()
        control.append(r["rss_peak_kb"] - r["rss_before_kb"])
    out["headers"]["standin_growth_kb"] = spread(control)


# --- SMTP -----------------------------------------------------------------------------------

def smtp_relay(mb):
    """(server, its label): Postfix, a company relay's server (PIPELINING),
    where this host can run it; else aiosmtpd (no PIPELINING). Both in their
    own processes, STARTTLS and AUTH (user SMTP_USER) required."""
    from benchmarks.smtpsink import SmtpSink
    from tests.support import postfix
    if postfix.available()[0]:
        return (postfix.PostfixSink(mb.root, mb.dovecot.tls, mb.auth_socket),
                "Postfix %s, PIPELINING" % postfix.version())
    return SmtpSink(mb.dovecot.tls, password=password_of(SMTP_USER)), "aiosmtpd, no PIPELINING"


def stage_smtp(mb, workers, sizes, results, home):
    from benchmarks import naive
    from remote_completion import host as hostmod, smtp

    tls_files = mb.dovecot.tls
    user = SMTP_USER
    sink, server = smtp_relay(mb)
    outgoing = compose_team(sizes["team"])
    config = hostmod.SmtpConfig(host="127.0.0.1", port=sink.port, tls=True,
                                from_address="XL Release <xlr@bench.example>",
                                username=user, password=password_of(user))
    trusted = tls_files.ca_pem.read_text()
    one, per_mail, server_cpu = [], [], []
    step("request mail to a team of %d (%s): one session vs a session per mail (%d repeats)"
         % (sizes["team"], server, sizes["repeats"]))
    expected = 2 * sizes["team"] * sizes["repeats"]
    try:
        for _ in range(sizes["repeats"]):
            # The server's own CPU for the one session: the floor of any
            # client that sends these mails one after the other.
            cpu_before = tree_cpu(sink.process.pid)
            started = time.perf_counter()
            deliveries = smtp.send_messages(config, outgoing, trusted_pem=trusted)
            one.append(time.perf_counter() - started)
            server_cpu.append(tree_cpu(sink.process.pid) - cpu_before)
            started = time.perf_counter()
            deliveries += naive.send_per_mail(config, outgoing, trusted)
            per_mail.append(time.perf_counter() - started)
            if not all(d.ok for d in deliveries):
                raise RuntimeError("SMTP: %r" % [d for d in deliveries if not d.ok][:3])
        received = sink.count(expected)
    finally:
        sink.close()
    if received != expected:
        raise RuntimeError("the SMTP server received %d messages" % received)
    results["smtp"] = {"one_session": spread(one), "per_mail": spread(per_mail),
                       "server_cpu": spread(server_cpu),
                       "ratio": spread([p / o for p, o in zip(per_mail, one)]),
                       "team": sizes["team"], "server": server}


def compose_team(team_size):
    from remote_completion import compose
    details = compose.RequestDetails("Applications/Release0001/Phase0001/Task0001",
                                     "Approve the production deployment", "Benchmark release",
                                     "Go", "Please check the change log first.",
                                     "Release managers")
    task = task_of(1)
    outgoing = []
    for i in range(team_size):
        address = "member%03d@bench.example" % i
        signatures = dict((action, mailgen.adapters.sign(SECRET, action, task, address))
                          for action in ("COMPLETE", "FAIL"))
        message = compose.compose_request(details, address, "Member %d" % i,
                                          "XL Release <xlr@bench.example>", MAILBOX_ADDRESS,
                                          signatures)
        outgoing.append((address, compose.message_bytes(message)))
    return outgoing


# --- memory with junk ------------------------------------------------------------------------

def stage_memory(mb, workers, sizes, results, home):
    out = {}
    fresh = Factory(lambda: Worker("cpython", home, mb), fresh=True)
    first = iter(range(70_000_000, 10 ** 9, 1_000))
    step("fetch-cycle memory with and without a %d MB junk mail (%d repeats)"
         % (sizes["junk_mb"], sizes["repeats"]))
    for label, user, big in (("without", "memory", False), ("with", "memorybig", True)):
        runs = []
        for _ in range(sizes["repeats"]):
            if big:
                mb.deliver(user, [mailgen.junk(sizes["junk_mb"] * 10 ** 6, to=MAILBOX_ADDRESS)])
            proxy = ImapProxy("127.0.0.1", mb.dovecot.tls_port)   # counts bytes only
            try:
                run = drain_once(mb, fresh, user, next(first), sizes["memory_replies"],
                                 port=proxy.port, tracemalloc=True)
                run["bytes_from_server"] = proxy.bytes_to_client
            finally:
                proxy.close()
            runs.append(run)
        out[label] = {"tracemalloc_peak": spread([r["tracemalloc_peak"] for r in runs]),
                      "rss_peak_kb": spread([r["rss_peak_kb"] for r in runs]),
                      "bytes_from_server": spread([r["bytes_from_server"] for r in runs])}
    results["memory"] = out


# --- the report --------------------------------------------------------------------------------

def met(ok):
    return "met" if ok else "NOT MET"


def push_host_rows(lat, poll, sizes):
    """The push host's rows: per session schedule, both moments, each with its
    goal: the verdict recorded by the job (what the job controls) and the task
    ended by its own waiting script (on the job's notice, within
    wait-interval; the XL Release path's goal, as the task ends the same way)."""
    rows = []
    wait = sizes.get("wait_interval", WAIT_INTERVAL)
    sched = lat["push_schedule"]["session"]
    for key, where in (
            ("push", "push host in a session"),
            ("push_schedule", "push host on the job's real schedule, sessions cut every %g s "
             "(default 240 s: a worst case for session switches)" % sched)):
        for moment, stats, p50_goal, p99_goal, whose in (
                ("reply -> verdict recorded by the push job", lat[key]["handled"], 1, 2,
                 "the job's goal"),
                ("reply -> task ended by its waiting script (wait-interval %g s, read on the "
                 "job's notice)" % wait, lat[key], 2, 5,
                 "the task-ended goal, as on the XL Release path")):
            rows.append((
                "%s, %s (sandbox, CPython), p50 / p99, n=%d" % (moment, where, stats["n"]),
                "%s / %s (30 s polling, model)" % (fmt_s(poll["p50"]), fmt_s(poll["p99"])),
                "%s / %s" % (fmt_spread(stats["p50"]), fmt_spread(stats["p99"])),
                "%.1fx / %.1fx" % (poll["p50"] / stats["p50"]["median"],
                                   poll["p99"] / stats["p99"]["median"]),
                "<= %g s / <= %g s (%s): %s" % (
                    p50_goal, p99_goal, whose, met(stats["p50"]["median"] <= p50_goal
                                                   and stats["p99"]["median"] <= p99_goal))))
    return rows


def report_rows(results, sizes):
    """(scenario, baseline, plugin, ratio, goal) rows: the README's columns."""
    rows = []
    lat = results.get("latency")
    if lat:
        poll = lat["polling_model"]
        rows += push_host_rows(lat, poll, sizes)
        for key, what in (("xlr1", "1 task waiting"),
                          ("xlrn", "%d tasks waiting" % sizes["xlr_tasks"])):
            if key not in lat:
                continue
            x = lat[key]
            rows.append((
                "reply -> task ended, XL Release path (%s, %s, wait-interval %g s, IDLE in "
                "the waiting script, %g ms per API call), p50 / p99, n=%d"
                % (what, x["interpreter"], sizes.get("wait_interval", WAIT_INTERVAL),
                   API_DELAY * 1000, x["n"]),
                "%s / %s (model)" % (fmt_s(poll["p50"]), fmt_s(poll["p99"])),
                "%s / %s" % (fmt_spread(x["p50"]), fmt_spread(x["p99"])),
                "%.1fx / %.1fx" % (poll["p50"] / x["p50"]["median"],
                                   poll["p99"] / x["p99"]["median"]),
                "<= 2 s / <= 5 s: %s" % met(x["p50"]["median"] <= 2 and x["p99"]["median"] <= 5)))
            share = x["script_core_share"]
            rows.append((
                "waiting scripts' CPU, XL Release path (%s, %s)" % (what, x["interpreter"]),
                "", "%.1f%% of one core" % (100 * share["median"]), "",
                "<= 10%%: %s" % met(share["median"] <= 0.10)))
    cyc = results.get("cycle")
    if cyc and "jython" in cyc:
        j = cyc["jython"]["wall"]
        rows.append(runtimes_row("empty fetch cycle, warm (after %d cycles; Jython vs CPython)"
                                 % sizes["cycle_warmup"],
                                 cyc["cpython"]["wall"], j,
                                 "<= 100 ms: %s" % met(j["median"] <= 0.1)))
    wc = results.get("waitcost")
    if wc and "jython" in wc:
        c, j = wc["cpython"]["warm_wall"], wc["jython"]["warm_wall"]
        rows.append(runtimes_row("waiting-script run, no fetch due, warm (Jython vs CPython)",
                                 c, j, ""))
        if "fresh_wall" in wc["jython"]:
            f = wc["jython"]["fresh_wall"]
            rows.append(("same, fresh Jython interpreter per run", "%s (warm)" % fmt_spread(j),
                         "%s (fresh)" % fmt_spread(f), "%.0fx" % (f["median"] / j["median"]),
                         ""))
    dr = results.get("drain")
    if dr:
        for key, where, goal in (("loopback", "loopback", 5), ("wan", "%g ms round trip"
                                                                % (WAN_RTT * 1000), 15)):
            d = dr[key]
            b, n = d["batched"]["wall"], d["naive"]["wall"]
            ratio = n["median"] / b["median"]
            rows.append(("drain %s queued replies, %s (CPython; outcome replies off, as in the "
                         "naive loop)" % (format(d["n"], ","), where),
                         "%s (naive loop)" % fmt_spread(n), "%s (batched)" % fmt_spread(b),
                         "%.1fx" % ratio, ">= %dx: %s" % (goal, met(ratio >= goal))))
        a = dr["api"]
        b = a["batched"]["wall"]
        rows.append(("drain %s queued replies, %g ms per API call (CPython)"
                     % (format(a["n"], ","), a["api_delay"] * 1000), "",
                     "%s (batched; %.1f API calls per reply)"
                     % (fmt_spread(b), a["batched"]["api_calls"] / float(a["n"])), "", ""))
        if "jython" in dr:
            j = per_message(dr["jython"]["batched"]["wall"], dr["jython"]["n"])
            c = per_message(dr["loopback"]["batched"]["wall"], dr["loopback"]["n"])
            ratio = j["median"] / c["median"]
            warmup = dr.get("jython_warmup") or []
            rows.append(runtimes_row(
                "drain %s queued replies, loopback, per message (Jython vs CPython; outcome "
                "replies off; Jython after %d warm-up drains of as many: %s)"
                % (format(dr["jython"]["n"], ","), len(warmup),
                   ", ".join(fmt_ms(w) for w in warmup)), c, j,
                "<= 2 ms, within 4x: %s" % met(j["median"] <= 0.002 and ratio <= 4), fmt_ms))
        gm = dr.get("gmail") or {}
        if "cpython" in gm:
            rows.append(runtimes_row(
                "same, replies as Gmail and Outlook send them (multipart/alternative: the text "
                "and its HTML, quoted-printable), per message",
                per_message(gm["cpython"]["wall"], gm["n"]),
                per_message(gm["jython"]["wall"], gm["n"]) if "jython" in gm else None, "",
                fmt_ms))
        oc = dr.get("outcome") or {}
        if "cpython" in oc:
            rows.append(runtimes_row(
                "same with outcome replies on (the default): a reply to each sender, one SMTP "
                "session per 50, STARTTLS + AUTH to %s in its own process, per message"
                % oc.get("server", "aiosmtpd"),
                per_message(oc["cpython"]["wall"], oc["n"]),
                per_message(oc["jython"]["wall"], oc["n"]) if "jython" in oc else None, "",
                fmt_ms))
    sc = results.get("scaling")
    if sc and len([k for k in sc if k.isdigit()]) > 1:
        sizes_n = [k for k in sc if k.isdigit()]
        lo, hi = sc[min(sizes_n, key=int)], sc[max(sizes_n, key=int)]
        factor = hi["n"] / lo["n"]
        t = hi["wall"]["median"] / lo["wall"]["median"]
        dcpu = hi["dovecot_cpu"]["median"] / max(lo["dovecot_cpu"]["median"], 1e-3)
        rows.append(("drain %s vs %s queued replies, loopback (CPython): wall; Dovecot CPU"
                     % (format(hi["n"], ","), format(lo["n"], ",")),
                     "%s; %s (%s)" % (fmt_spread(lo["wall"]), fmt_spread(lo["dovecot_cpu"]),
                                      format(lo["n"], ",")),
                     "%s; %s (%s)" % (fmt_spread(hi["wall"]), fmt_spread(hi["dovecot_cpu"]),
                                      format(hi["n"], ",")),
                     "%.1fx; %.1fx" % (t, dcpu),
                     "<= %.0fx (linear): %s" % (factor * 1.1, met(t <= factor * 1.1
                                                                  and dcpu <= factor * 1.1))))
    if sc:
        h = sc["headers"]
        growth = h["rss_growth_kb"]["median"] * 1024
        standin = h["standin_growth_kb"]["median"] * 1024
        plugin = growth - standin
        rows.append(("memory growth, drain %s replies with %d kB headers each (CPython RSS, "
                     "n=%d): the process; the API stand-in's records alone; the plugin "
                     "(the difference)" % (format(h["n"], ","), h["header_kb"], h["wall"]["n"]),
                     "", "%s (drain %s); %s; %s" % (fmt_bytes(growth), fmt_spread(h["wall"]),
                                                    fmt_bytes(standin), fmt_bytes(plugin)), "",
                     "plugin <= 20 MB (at 20,000): %s%s" % (met(plugin <= 20e6),
                                                           "" if h["n"] >= 20000 else
                                                           " at %s" % format(h["n"], ","))))
    sm = results.get("smtp")
    if sm:
        rows.append(("request mail to a team of %d, STARTTLS + AUTH, %s (CPython)"
                     % (sm["team"], sm.get("server", "aiosmtpd")),
                     "%s (session per mail, TLS context reused)" % fmt_spread(sm["per_mail"]),
                     "%s (one session; the server's CPU %s)" % (
                         fmt_spread(sm["one_session"]), fmt_spread(sm["server_cpu"])),
                     "%.1fx" % sm["ratio"]["median"],
                     ">= 5x: %s" % met(sm["ratio"]["median"] >= 5)))
    mem = results.get("memory")
    if mem:
        w, wo = mem["with"], mem["without"]
        growth = w["tracemalloc_peak"]["median"] - wo["tracemalloc_peak"]["median"]
        extra = w["bytes_from_server"]["median"] - wo["bytes_from_server"]["median"]
        rows.append(("fetch cycle with a %d MB junk mail in the box: peak heap; bytes received"
                     % sizes["junk_mb"],
                     "%s; %s (no junk)" % (fmt_bytes(wo["tracemalloc_peak"]["median"]),
                                           fmt_bytes(wo["bytes_from_server"]["median"])),
                     "%s; %s (with junk)" % (fmt_bytes(w["tracemalloc_peak"]["median"]),
                                             fmt_bytes(w["bytes_from_server"]["median"])),
                     "%+.1f%%" % (100.0 * growth / wo["tracemalloc_peak"]["median"]),
                     "flat, no body: %s" % met(growth < sizes["junk_mb"] * 1e5
                                               and extra < sizes["junk_mb"] * 1e5)))
    return rows


def table(rows, markdown=False):
    head = ("scenario", "baseline", "plugin", "ratio", "goal")
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(cell or "" for cell in row) + " |" for row in rows]
        return "\n".join(lines)
    lines = []
    for row in rows:
        lines.append(row[0])
        for name, cell in zip(head[1:], row[1:]):
            if cell:
                lines.append("    %-9s %s" % (name + ":", cell))
    return "\n".join(lines)


def report(results, sizes):
    m = results["machine"]
    lines = ["", "Remote completion benchmarks (%s), %s" % (
        "quick" if results["quick"] else "full", time.strftime("%Y-%m-%d %H:%M UTC",
                                                              time.gmtime())),
             "machine: %s, %s cores, load %s at start (shared: figures vary, see the spreads), "
             "%s %s, %s, Dovecot %s" % (m["cpu"], m["cores"],
                                        "/".join("%.1f" % x for x in m["load_at_start"] or ()),
                                        m["implementation"], m["python"], m["os"], m["dovecot"]),
             "workers: %s" % ", ".join(results.get("interpreters", [])),
             "figures: median (min-max) of %d repeats unless n= says otherwise" % sizes["repeats"],
             ""]
    rows = report_rows(results, sizes)
    lines.append(table(rows))
    lines += ["", "Markdown:", "", table(rows, markdown=True), ""]
    lines += details(results)
    lines.append("total benchmark time: %s" % fmt_s(results["seconds"]))
    return "\n".join(lines)


def details(results):
    out = []
    lat = results.get("latency")
    if lat:
        out.append("30 s polling (model): uniform wait over the interval plus the measured "
                   "fetch cycle handling one reply (%s, CPython)"
                   % fmt_spread(lat["one_reply_cycle"]))
        out.append("push host: a reply waiting when a session starts: verdict recorded in %s, "
                   "task ended in %s (from the session's start)"
                   % (fmt_spread(lat["session_start_handled"]), fmt_spread(lat["session_start"])))
        out.append("push host: waiting scripts' CPU %s of one core in a session, %s on the real "
                   "schedule (CPython)" % tuple(
                       "%.1f%%" % (100 * lat[k]["script_core_share"]["median"])
                       for k in ("push", "push_schedule")))
        out.append("push stats of the last in-session run: %r" % (lat["push"]["push_stats"],))
        if "xlrn" in lat:
            x = lat["xlrn"]
            out.append("XL Release path, %s: %d script runs in %s, median run CPU %s, API calls "
                       "%r" % (x["interpreter"], x["script_runs"], fmt_s(x["wall"]),
                               fmt_s(x["median_run_cpu"] or 0), x["calls"]))
            out.append("  reply -> verdict recorded (fetcher) p50 %s, p99 %s"
                       % (fmt_spread(x["handled"]["p50"]), fmt_spread(x["handled"]["p99"])))
    dr = results.get("drain")
    if dr:
        for key in ("loopback", "wan"):
            d = dr[key]
            out.append("drain %s: CPU batched %s + Dovecot %s; naive %s + Dovecot %s" % (
                key, fmt_spread(d["batched"]["cpu"]), fmt_spread(d["batched"]["dovecot_cpu"]),
                fmt_spread(d["naive"]["cpu"]), fmt_spread(d["naive"]["dovecot_cpu"])))
    sc = results.get("scaling")
    if sc:
        for key in sorted((k for k in sc if k.isdigit()), key=int):
            s = sc[key]
            out.append("scaling %6s: wall %s, client CPU %s, Dovecot CPU %s, RSS growth %s" % (
                key, fmt_spread(s["wall"]), fmt_spread(s["cpu"]), fmt_spread(s["dovecot_cpu"]),
                fmt_bytes(s["rss_growth_kb"]["median"] * 1024)))
    out.append("")
    return out


START, END = "<!-- figures:start -->", "<!-- figures:end -->"


def write_docs(results, sizes):
    """Put this run's table between the markers of docs/performance.md and
    README.md (the text around it is written by people)."""
    m = results["machine"]
    text = "\n".join([
        START,
        "One run of `scripts/benchmark.sh%s` on %s UTC, %s in all: %s, %s cores shared with "
        "other work (load %s at the start), %s, Dovecot %s on loopback over verified TLS; "
        "workers %s. Each figure: median (min-max) of %d repeats unless n= says otherwise."
        % (" --quick" if results["quick"] else "", results["finished"],
           fmt_s(results["seconds"]), m["cpu"], m["cores"],
           "/".join("%.1f" % x for x in m["load_at_start"] or ()), m["os"].split("-with")[0],
           m["dovecot"], ", ".join(results["interpreters"]), sizes["repeats"]),
        "",
        table(report_rows(results, sizes), markdown=True),
        "",
        END])
    written = []
    for path in (REPO / "docs" / "performance.md", REPO / "README.md"):
        old = path.read_text()
        if START not in old or END not in old:
            continue
        head, rest = old.split(START, 1)
        path.write_text(head + text + rest.split(END, 1)[1])
        written.append(path)
    return written


def draw(results, args):
    """The plots, by benchmarks/plots.py in the interpreter that has matplotlib."""
    plotter = args.plotter or sys.executable
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(results, handle, default=str)
    try:
        proc = subprocess.run([plotter, str(REPO / "benchmarks" / "plots.py"), handle.name,
                               args.plots], capture_output=True, text=True, timeout=300)
    finally:
        Path(handle.name).unlink()
    print((proc.stdout + proc.stderr).strip() if proc.returncode == 0 else
          "plots not drawn (matplotlib is the [bench] extra, see scripts/benchmark.sh): %s"
          % proc.stderr.strip()[-500:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--plots", help="write the PNG plots into this folder")
    parser.add_argument("--plotter", help="the Python with matplotlib that draws them "
                        "(default: this one)")
    parser.add_argument("--stages", default=",".join(STAGES),
                        help="comma-separated subset of: " + ", ".join(STAGES))
    parser.add_argument("--no-jython", action="store_true", help="CPython only")
    parser.add_argument("--docs", action="store_true",
                        help="write the table into docs/performance.md and README.md "
                        "(between their 'figures' markers)")
    parser.add_argument("--set", action="append", default=[], metavar="SIZE=VALUE",
                        help="override one size, e.g. --set xlr_tasks=200 (JSON value)")
    args = parser.parse_args(argv)
    stages = [s for s in args.stages.split(",") if s]
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's chatter
    sizes = dict(QUICK if args.quick else FULL)
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in sizes and key not in ("sync_interval", "wait_interval"):
            parser.error("unknown size %r" % key)
        sizes[key] = json.loads(value)
    started = time.monotonic()
    results = {"quick": args.quick, "sizes": sizes, "machine": machine(),
               "api_delay": API_DELAY, "wan_rtt": WAN_RTT}
    root = Path(tempfile.mkdtemp(prefix="xlr-bench-"))
    mb = Mailboxes(root, USERS)   # Dovecot opens this folder to its own users
    home = write_home(root, sync_interval=sizes.get("sync_interval"))
    workers = {}
    try:
        from tests.support.lanes import jython_available
        workers["cpython"] = Worker("cpython", home, mb)
        if not args.no_jython and jython_available()[0]:
            workers["jython"] = Worker("jython", home, mb)
        results["interpreters"] = [w.info["interpreter"] for w in workers.values()]
        # First: it also warms the Jython worker up (the latency runs measure
        # a warm interpreter, as a server in service has).
        if "jython" in stages or "latency" in stages:
            stage_jython(mb, workers, sizes, results)
        if "latency" in stages:
            stage_latency(mb, workers, sizes, results)
        for name, stage in (("drain", stage_drain), ("scaling", stage_scaling),
                            ("smtp", stage_smtp), ("memory", stage_memory)):
            if name in stages:
                stage(mb, workers, sizes, results, home)
    finally:
        for worker in workers.values():
            worker.close()
        mb.close()
        shutil.rmtree(root, ignore_errors=True)
    results["seconds"] = time.monotonic() - started
    results["finished"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    print(report(results, sizes))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1, default=str)
    if args.plots:
        draw(results, args)
    if args.docs:
        for path in write_docs(results, sizes):
            print("figures written into %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
