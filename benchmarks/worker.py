"""The measuring side of the benchmark, in the interpreter being measured:
CPython 3 (``python benchmarks/worker.py``) or Jython 2.7.3 (the same file
through tests/support/lanes.py's jython_command).  Python 2.7 and 3.

It reads one JSON command per line on standard input and answers each with
one line ``RESULT <json>``; the interpreter stays warm between commands.
The parent (benchmarks/run.py) owns Dovecot, fills the mailboxes, reads
Dovecot's CPU around each command and does the statistics.

Commands (every figure in seconds, CPU from /proc/self/stat and per thread):
  drain      one fetch cycle (or the naive loop) over mail already queued
  standin    the API stand-in's own memory for a drain's records (no plugin)
  cycle      empty fetch cycles, warm
  waitcost   waiting-script runs with no fetch due, warm (and, on Jython,
             each in a fresh PythonInterpreter with its own sys.modules)
  latency    replies appended at random moments while XL Release's waiting
             scripts run (mode "xlr"), or while the push job runs too (mode
             "push": the job records verdicts, the waiting scripts read on
             its notices); reply appended -> verdict recorded ("handled") /
             task ended
  session    a reply queued before a push session starts -> verdict recorded /
             task ended
"""
from __future__ import absolute_import, division, print_function

import imaplib
import json
import logging
import os
import random
import sys
import threading
import traceback

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _path in (os.path.join(REPO, "plugin"), REPO):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from benchmarks import mailgen  # noqa: E402
from benchmarks.clock import (JYTHON, clock, interpreter, process_cpu, status_kb,  # noqa: E402
                              thread_cpu)
from benchmarks.fakehost import Host, ImapCi  # noqa: E402
from remote_completion import fetch, logs  # noqa: E402
from remote_completion.settings import Settings  # noqa: E402

MAILBOX_ADDRESS = "xlr@bench.example"


def quiet():
    # One info line per mail: the benchmark measures mail handling, not a
    # console.  BENCH_LOG=debug shows the plugin's log on standard error.
    if os.environ.get("BENCH_LOG"):
        logging.basicConfig(stream=sys.stderr, format="%(relativeCreated)d %(message)s")
        logging.getLogger(logs.LOGGER_NAME).setLevel(logging.DEBUG)
    else:
        logging.getLogger(logs.LOGGER_NAME).setLevel(logging.ERROR)


def settings(spec):
    # Outcome replies only with an SMTP server to take them (spec "smtp"):
    # the naive loop sends none, and without a server each would be a failure.
    values = dict(sync_interval=30.0, idle_refresh=240.0, batch_size=50,
                  max_message_size=10 ** 6, network_timeout=30.0,
                  outcome_replies=bool(spec.get("smtp")))
    values.update(spec.get("settings") or {})
    return Settings(**dict((str(k), v) for k, v in values.items()))


def make_host(spec):
    imap = spec["imap"]
    smtp = spec.get("smtp") or {}
    ci = ImapCi(host=imap["host"], port=imap["port"], tlsMode=imap.get("tls_mode", "implicit"),
                username=imap["user"], password=imap["password"], fromAddress=MAILBOX_ADDRESS,
                secret=spec["secret"], trustedCertificates=imap["ca_pem"],
                enableWhitelisting=False,
                # The SMTP fields of the IMAP server configuration: outcome replies.
                smtpHost=smtp.get("host"), smtpPort=smtp.get("port"), smtpTls=bool(smtp),
                smtpUsername=smtp.get("user"), smtpPassword=smtp.get("password"))
    host = Host(ci, api_delay=spec.get("api_delay", 0.0))
    first, count = spec.get("numbers", [0, 0])
    tasks = [add_task(host, spec["secret"], number) for number in range(first, first + count)]
    return host, tasks


def add_task(host, secret, number):
    person = "person%06d" % number
    host.add_user(person, "%s@bench.example" % person)
    return host.add_task(number, person, secret=secret)


def reply_for(secret, task):
    return mailgen.reply(secret, task, task.owner + "@bench.example", MAILBOX_ADDRESS)


# --- commands -------------------------------------------------------------------

def cmd_drain(spec):
    host, tasks = make_host(spec)
    conf = settings(spec)
    trace = spec.get("tracemalloc") and not JYTHON
    if trace:
        import tracemalloc
        tracemalloc.start()
    rss_before = status_kb("VmRSS")
    started, cpu, tcpu = clock(), process_cpu(), thread_cpu()
    if spec.get("mode") == "naive":
        from benchmarks import naive
        naive.run_naive_cycle(*host.apis, settings=conf)
        summary = None
    else:
        summary = fetch.run_fetch_cycle(*host.args(fetch.run_fetch_cycle), settings=conf)
    result = dict(wall=clock() - started, cpu=process_cpu() - cpu, thread_cpu=thread_cpu() - tcpu,
                  handled=host.handled(), expected=len(tasks), api_calls=host.api_calls(),
                  calls=host.calls, rss_before_kb=rss_before, rss_peak_kb=status_kb("VmHWM"),
                  summary=summary.as_dict() if summary is not None else None)
    if trace:
        result["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    left = [text for texts in host.comments.values() for text in texts]
    result["comment_chars"] = sum(len(t) for t in left) // max(1, len(left))
    return result


def cmd_standin(spec):
    """The memory the API stand-in itself takes for a drain's records: the
    same tasks, and one comment of ``comment_chars`` left on each, by no
    plugin.  The drain's growth less this is the plugin's."""
    host, tasks = make_host(spec)
    rss_before = status_kb("VmRSS")
    pad = "x" * max(0, int(spec["comment_chars"]) - 8)
    for number, task in enumerate(tasks):
        host.comment(task.id, "%s%08d" % (pad, number))
    return dict(rss_before_kb=rss_before, rss_peak_kb=status_kb("VmHWM"), handled=host.handled())


def cmd_cycle(spec):
    host, _tasks = make_host(spec)
    conf = settings(spec)
    for _ in range(spec.get("warmup", 3)):
        fetch.run_fetch_cycle(*host.args(fetch.run_fetch_cycle), settings=conf)
    walls, cpus = [], []
    for _ in range(spec.get("repeats", 5)):
        started, cpu = clock(), thread_cpu()
        summary = fetch.run_fetch_cycle(*host.args(fetch.run_fetch_cycle), settings=conf)
        walls.append(clock() - started)
        cpus.append(thread_cpu() - cpu)
        if summary.error:
            raise RuntimeError("empty fetch cycle failed: %r" % summary)
    return dict(walls=walls, cpus=cpus)


def cmd_waitcost(spec):
    from benchmarks.xlrhost import ScriptHost
    host, tasks = make_host(spec)
    scripts = ScriptHost(host, [t.id for t in tasks], extra_variables=spec.get("variables"))
    task_id = tasks[0].id
    # Push on XL Release: another script run holds the mailbox (IDLE), as
    # while almost every run happens; this one must not hold a session.
    from remote_completion import polling, xlrpush
    polling._slot_store().put(xlrpush.PUSH_SLOT_KEY, "9" * 15)
    try:
        return _waitcost(spec, host, scripts, task_id)
    finally:
        polling._slot_store().remove(xlrpush.PUSH_SLOT_KEY)


def _waitcost(spec, host, scripts, task_id):
    from benchmarks.xlrhost import WAIT_SCRIPT_PATH
    # The first run may take the fetch slot; the ones after it find no fetch due
    # (sync-interval has not passed), which is what almost every run finds.
    scripts.run_once(task_id)
    runs = int(spec.get("runs", 2000))
    for _ in range(min(200, runs)):
        scripts.run_once(task_id)
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = clock(), thread_cpu()
        if scripts.run_once(task_id) is None:
            raise RuntimeError("the waiting script ended the task with no reply")
        walls.append(clock() - started)
        cpus.append(thread_cpu() - cpu)
    # The median run: the rare run that takes the fetch slot (a fetch cycle)
    # is not what almost every run costs.
    walls.sort()
    cpus.sort()
    result = dict(warm_wall=walls[runs // 2], warm_cpu=cpus[runs // 2], runs=runs,
                  mean_wall=sum(walls) / runs,
                  api_calls_per_run=host.api_calls() / float(runs + 1 + min(200, runs)))
    fresh = int(spec.get("fresh_runs", 0))
    if JYTHON and fresh:
        result["fresh_walls"] = fresh_interpreter_runs(scripts, task_id, fresh,
                                                       WAIT_SCRIPT_PATH)
    return result


def fresh_interpreter_runs(scripts, task_id, runs, path):
    """Each run in a new PythonInterpreter with its own PySystemState (its own
    sys.modules): a host that builds a fresh interpreter for every script run.
    On a thread of its own, with this thread's system state put back after:
    a PythonInterpreter makes its state the current thread's, and threads
    started later would inherit the cleaned-up one."""
    from org.python.core import Py, PyStringMap, PySystemState
    from org.python.util import PythonInterpreter
    with scripts.host.lock:
        bean = scripts.host.tasks[task_id]
    walls, errors = [], []

    def work():
        saved = Py.getSystemState()
        try:
            for _ in range(runs):
                # A warm run first takes the fetch slot if a cycle is due, so
                # the fresh run measures what almost every run is: no fetch.
                scripts.run_once(task_id)
                started = clock()
                state = PySystemState()
                for entry in sys.path:
                    state.path.append(entry)
                interp = PythonInterpreter(PyStringMap(), state)
                for name, value in scripts.variables(bean).items():
                    if name != "__name__":
                        interp.set(name, value)
                try:
                    interp.execfile(path)
                except Exception as error:  # a SystemExit surfaces as a PyException
                    if "SystemExit" not in str(error):
                        raise
                interp.cleanup()
                walls.append(clock() - started)
        except Exception as error:
            errors.append("%s: %s" % (type(error).__name__, error))
        finally:
            Py.setSystemState(saved)
    thread = threading.Thread(target=work, name="bench-fresh-interpreters")
    thread.start()
    thread.join()
    if errors:
        raise RuntimeError(errors[0])
    return walls


class Appender(threading.Thread):
    """Puts replies into the mailbox at given moments over plain IMAP (the
    mail server's delivery); records when each APPEND was answered."""

    def __init__(self, imap, plan):
        threading.Thread.__init__(self, name="bench-appender")
        self.daemon = True
        self.imap, self.plan = imap, plan
        self.appended = {}
        self.error = None
        self.done = threading.Event()
        self.stop = threading.Event()

    def run(self):
        conn = None
        try:
            conn = imaplib.IMAP4(self.imap["host"], self.imap["plain_port"])
            conn.login(str(self.imap["user"]), str(self.imap["password"]))
            for due, task_id, raw in self.plan:
                pause = due - clock()
                # Arrival schedule of the workload (not synchronisation).
                if pause > 0 and self.stop.wait(pause):
                    return
                typ, data = conn.append("INBOX", None, None, raw)
                if typ != "OK":
                    raise RuntimeError("APPEND failed: %r" % (data,))
                self.appended[task_id] = clock()
        except Exception as error:
            self.error = "%s: %s" % (type(error).__name__, error)
        finally:
            self.done.set()
            if conn is not None:
                try:
                    conn.logout()
                except Exception:
                    pass


def cmd_latency(spec):
    """Replies arrive uniformly at random over ``window`` seconds for
    ``replies`` of the ``numbers`` tasks, all of which wait (their waiting
    scripts run); push mode also runs the push job as a push host does.
    ``run_costs``: also every script run's (wall, CPU), to split the CPU
    between the slot holder, the runs that read their task and quiet runs."""
    from benchmarks.xlrhost import ScriptHost
    from remote_completion import push
    host, tasks = make_host(spec)
    rng = random.Random(spec.get("seed", 7))
    chosen = rng.sample(tasks, int(spec["replies"]))
    mode = spec["mode"]
    variables = dict(spec.get("variables") or {})
    if mode == "push":
        variables["hostRunsScheduledJobs"] = True
    # Tasks that wait already: each one's script runs at a random phase of its
    # interval, wait-interval wherever notices tell it to read (push modes).
    scripts = ScriptHost(host, [t.id for t in tasks], extra_variables=variables,
                         threads=spec.get("threads", 8),
                         first_within=spec.get("first_within") or conf_settings().wait_interval,
                         seed=spec.get("seed", 7))
    stop = threading.Event()
    stats = push.PushStats()
    job = None
    cpu0, wall0 = process_cpu(), clock()
    scripts.start()
    if mode == "push":
        job = start_push_host(host, stop, stats, spec.get("session_seconds"))
        if not stats.idling.wait(60):
            raise RuntimeError("the push job never entered IDLE")
    start = clock() + spec.get("lead", 1.0)
    moments = sorted(start + rng.uniform(0, spec["window"]) for _ in chosen)
    plan = [(due, task.id, reply_for(spec["secret"], task)) for due, task in zip(moments, chosen)]
    appender = Appender(spec["imap"], plan)
    appender.start()
    deadline = clock() + spec["window"] + spec.get("lead", 1.0) + spec.get("deadline", 120.0)
    missing = []
    appender.done.wait(max(1.0, deadline - clock()))
    for task in chosen:
        if not host.ended_events[task.id].wait(max(0.0, deadline - clock())):
            missing.append(task.id)
    appender.stop.set()
    stop.set()
    scripts.stop()
    if job is not None:
        job.join(60)
    wall = clock() - wall0
    latencies, handled = [], []
    for task in chosen:
        appended = appender.appended.get(task.id)
        if appended is None or task.id in missing:
            continue
        latencies.append(host.ended_at[task.id] - appended)
        handled.append(host.acted_at.get(task.id, host.ended_at[task.id]) - appended)
    costs = sorted(c for _w, c in scripts.costs)
    extra = dict(run_costs=scripts.costs) if spec.get("run_costs") else {}
    return dict(extra, latencies=latencies, handled=handled, missing=len(missing),
                appender_error=appender.error, script_cpu=scripts.cpu, script_runs=scripts.runs,
                script_failures=scripts.failures[:5], wall=wall, process_cpu=process_cpu() - cpu0,
                api_calls=host.api_calls(), calls=host.calls, push_stats=stats.snapshot(),
                median_run_cpu=costs[len(costs) // 2] if costs else None,
                max_run_wall=max(w for w, _c in scripts.costs) if scripts.costs else None)


def conf_settings(session_seconds=None):
    """The settings the plugin reads (xl-release.conf), optionally with a
    shorter push session (idle-refresh) and the host's gap shortened alike."""
    from remote_completion import settings as settings_module
    from remote_completion.settings import KEYS
    base = settings_module.load_or_defaults(lambda text: None)
    values = dict((attr, getattr(base, attr)) for _key, attr, _p, _d, _c in KEYS)
    if session_seconds:
        scale = float(session_seconds) / values["idle_refresh"]
        values["idle_refresh"] = float(session_seconds)
        values["sync_interval"] = max(0.05, values["sync_interval"] * scale)
    return Settings(**dict((str(k), v) for k, v in values.items()))


def start_push_host(host, stop, stats, session_seconds=None):
    """The push host's fetch job as xl-rules.xml declares it (long-lived,
    fixed delay of sync-interval between runs): the host calls the job's one
    call (FetchMail.py: push.run_job) again sync-interval after it returned.
    A run_job that starts its sessions back to back never returns (no gap)."""
    from remote_completion import push
    conf = conf_settings(session_seconds)

    def host_loop():
        while not stop.is_set():
            push.run_job(*host.args(push.run_job), settings=conf, stop_event=stop,
                         stats=stats)
            stop.wait(conf.sync_interval)   # the host's fixed delay (xl-rules.xml)
    job = threading.Thread(target=host_loop, name="bench-push-host")
    job.daemon = True
    job.start()
    return job


def cmd_session(spec):
    """A reply waits in the mailbox when a push session starts (the mail that
    arrived between two sessions): session start -> task ended."""
    from benchmarks.xlrhost import ScriptHost
    from remote_completion import push
    host, tasks = make_host(spec)
    variables = dict(spec.get("variables") or {})
    variables["hostRunsScheduledJobs"] = True
    scripts = ScriptHost(host, [t.id for t in tasks], extra_variables=variables,
                         first_within=spec.get("first_within") or conf_settings().wait_interval)
    appender = Appender(spec["imap"], [(0, t.id, reply_for(spec["secret"], t)) for t in tasks])
    appender.run()
    if appender.error:
        raise RuntimeError(appender.error)
    scripts.start()
    stop = threading.Event()
    started = clock()
    job = start_push_host(host, stop, push.PushStats())
    ok = all(host.ended_events[t.id].wait(spec.get("deadline", 120.0)) for t in tasks)
    stop.set()
    scripts.stop()
    job.join(60)
    if not ok:
        raise RuntimeError("a reply queued before the session was not handled")
    return dict(latencies=[host.ended_at[t.id] - started for t in tasks],
                handled=[host.acted_at[t.id] - started for t in tasks])


COMMANDS = dict(drain=cmd_drain, standin=cmd_standin, cycle=cmd_cycle, waitcost=cmd_waitcost,
                latency=cmd_latency,
                session=cmd_session)


def main():
    quiet()
    out = sys.stdout
    out.write("READY %s\n" % json.dumps(dict(interpreter=interpreter(), pid=os.getpid())))
    out.flush()
    while True:
        line = sys.stdin.readline()
        if not line:
            return 0
        spec = json.loads(line)
        try:
            result = dict(ok=True, result=COMMANDS[spec["cmd"]](spec))
        except Exception as error:
            result = dict(ok=False, error="%s: %s" % (type(error).__name__, error),
                          trace=traceback.format_exc()[-3000:])
        out.write("RESULT %s\n" % json.dumps(result))
        out.flush()


if __name__ == "__main__":
    sys.exit(main())
