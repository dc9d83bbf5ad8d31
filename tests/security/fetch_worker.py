"""One fetcher process (one cluster node) for the concurrency tests.

    python -m tests.security.fetch_worker STORE NODE GO_PORT MODE [CLOCK_OFFSET]

Waits until the test's socket on GO_PORT says "go" (so several workers start
together, no sleeping), then runs fetch cycles with script APIs backed by the
shared file task store STORE, until a cycle finds nothing to do.  Verdict
lines go to stderr; the last stdout line is a JSON summary.

MODE: ``normal``; ``die-after-claim`` (exits hard right after its first
claim: a node that crashed holding claims); ``die-after-act`` (exits hard
right after it recorded its first verdict, before the mail is removed);
``no-claims`` (claims switched off: shows what claims prevent).
CLOCK_OFFSET: seconds added to the claim clock (a later node that sees old
claims as stale).
"""
from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time


def main(argv):
    store_path, node, go_port, mode = argv[:4]
    offset = float(argv[4]) if len(argv) > 4 else 0.0
    from remote_completion import claims as claims_mod
    from remote_completion import fetch, logs
    from remote_completion import settings as settings_mod
    from tests.security import taskstore

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(logs.LOGGER_NAME)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    if offset:
        claims_mod._clock = lambda: time.time() + offset
    if mode == "no-claims":
        # As with a server without CONDSTORE: no claims, the mailbox selected.
        def no_claims(self, select=None):
            if select is not None:
                self.client.select(select)
            return False
        claims_mod.Claims.prepare = no_claims
    if mode == "die-after-claim":
        original_claim = claims_mod.Claims.claim

        def claim_then_die(self, uids, *args, **kwargs):
            outcome = original_claim(self, uids, *args, **kwargs)
            if outcome.won:
                os._exit(3)
            return outcome
        claims_mod.Claims.claim = claim_then_die

    store = taskstore.TaskStore(store_path)
    apis = taskstore.apis(store, node=node)
    if mode == "die-after-act":
        task_api = apis["taskApi"]
        original_comment = task_api.commentTask

        def record_then_die(*args):
            original_comment(*args)
            os._exit(4)
        task_api.commentTask = record_then_die

    with socket.create_connection(("127.0.0.1", int(go_port)), timeout=60) as s:
        s.sendall(b"ready\n")
        assert s.recv(10).startswith(b"go")

    settings = settings_mod.Settings(batch_size=5, network_timeout=20.0)
    cycles, totals = 0, {"acted": 0, "ignored": 0, "kept": 0}
    while cycles < 20:
        summary = fetch.run_fetch_cycle(settings=settings, **apis)
        cycles += 1
        if summary.error:
            print(json.dumps({"node": node, "error": summary.error}))
            return 1
        for key in totals:
            totals[key] += getattr(summary, key)
        if summary.total == 0:
            break
    print(json.dumps({"node": node, "cycles": cycles, "pid": os.getpid(), **totals}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
