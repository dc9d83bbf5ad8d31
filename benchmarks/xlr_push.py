"""Push on XL Release (issue 15 item 1): reply -> task ended and the waiting
scripts' CPU with N tasks waiting, per ``wait-interval``, on one warm
interpreter (Jython unless --cpython), real plugin code, the API stand-in
answering after API_DELAY per call.  The run that holds the JVM-wide slot
keeps the IDLE session (``xlr-push-session``, default 60 s); every other
run only looks for a notice.

    .venv/bin/python -m benchmarks.xlr_push --intervals 1,2,3 [--tasks 1000]

Prints one line per interval: p50 / p99 of reply -> task ended, the
scripts' CPU as a share of one core over the run, and the steady share
(runs per second x the median run's CPU).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "plugin")]

from benchmarks.harness import SECRET, Mailboxes, Worker, percentile  # noqa: E402
from benchmarks.run import API_DELAY  # noqa: E402

USERS = ("xlrwarm", "xlrpush")


def write_conf(home: Path, wait_interval, session, stamp, sync=30):
    path = home / "conf" / "xl-release.conf"
    path.write_text("xl.remote-completion { startup-delay = 0 seconds, sync-interval = %d seconds,"
                    " wait-interval = %d seconds, xlr-push-session = %d seconds }\n"
                    % (sync, wait_interval, session))
    # settings.load caches by (mtime, size): a new stamp for every change.
    os.utime(path, (stamp, stamp))


def measure(worker, mb, user, first, tasks, replies, window, wait_interval):
    run = worker.call("latency", mode="xlr", imap=mb.imap(user), numbers=[first, tasks],
                      replies=replies, window=window, api_delay=API_DELAY, deadline=150.0,
                      first_within=float(wait_interval), secret=SECRET)
    if run["missing"] or run["appender_error"] or run["script_failures"]:
        raise RuntimeError("not handled: %d, appender: %s, scripts: %s"
                           % (run["missing"], run["appender_error"], run["script_failures"]))
    lat = run["latencies"]
    steady = tasks / float(wait_interval) * (run["median_run_cpu"] or 0.0)
    return dict(wait_interval=wait_interval, tasks=tasks, n=len(lat),
                p50=percentile(lat, 0.5), p99=percentile(lat, 0.99), max=max(lat),
                cpu_share=run["script_cpu"] / run["wall"], steady_share=steady,
                median_run_cpu=run["median_run_cpu"], runs=run["script_runs"],
                wall=run["wall"], api_calls=run["api_calls"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--intervals", default="2")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--replies", type=int, default=30)
    parser.add_argument("--window", type=float, default=45.0)
    parser.add_argument("--session", type=int, default=60)
    parser.add_argument("--sync", type=int, default=30,
                        help="sync-interval: the chance reads' period per task")
    parser.add_argument("--cpython", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="xlr-push-bench-"))
    mb = Mailboxes(root, USERS)
    home = root / "xlr-home"
    (home / "conf").mkdir(parents=True)
    stamp = time.time() - 1000
    write_conf(home, 2, args.session, stamp)
    worker = Worker("cpython" if args.cpython else "jython", home, mb)
    results, number = [], 0
    try:
        # Warm the interpreter (a server in service is warm).
        measure(worker, mb, "xlrwarm", number, 50, 3, 3.0, 2)
        number += 50
        for interval in [int(v) for v in args.intervals.split(",")]:
            stamp += 10
            write_conf(home, interval, args.session, stamp, args.sync)
            row = measure(worker, mb, "xlrpush", number, args.tasks, args.replies,
                          args.window, interval)
            number += args.tasks
            row["interpreter"] = worker.info["interpreter"]
            results.append(row)
            print("sync-interval %ds, " % args.sync
                  + "wait-interval %ds, %d tasks (%s): p50 %.2f s, p99 %.2f s (n=%d), "
                  "scripts' CPU %.1f%% of a core over the run, steady %.1f%% "
                  "(%d runs, median run CPU %.2f ms)"
                  % (interval, args.tasks, row["interpreter"], row["p50"], row["p99"],
                     row["n"], 100 * row["cpu_share"], 100 * row["steady_share"], row["runs"],
                     1000 * (row["median_run_cpu"] or 0)), flush=True)
    finally:
        worker.close()
        mb.close()
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
