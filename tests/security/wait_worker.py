"""One task's waiting script in a process of its own (a cluster node).

    python -m tests.security.wait_worker STORE NODE TASK_ID RUN

Runs the real ``ext/remoteCompletion/WaitForReply.py`` as XL Release runs a
plugin task's script (module globals: ``task``, the APIs, ``requestRun``; no
``release`` and no ``Comment``), with script APIs backed by the shared file
task store STORE.  ``XL_RELEASE_SERVER_HOME`` comes from the environment.
The last stdout line is JSON: the script's exit code (None: it returned),
what it scheduled and what it printed.
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import runpy
import sys

from tests.jython.fetch_fakes import WaitingTask
from tests.support.lanes import REPO


def main(argv):
    store_path, node, task_id, run = argv[:4]
    from remote_completion import logs
    from tests.security import taskstore

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger(logs.LOGGER_NAME).addHandler(handler)
    logging.getLogger(logs.LOGGER_NAME).setLevel(logging.INFO)

    apis = taskstore.apis(taskstore.TaskStore(store_path), node=node)
    apis.pop("Comment")
    task = WaitingTask(task_id)
    variables = dict(apis, task=task, requestRun=run, requestRecipients="x@corp.com")
    printed = io.StringIO()
    code = None
    with contextlib.redirect_stdout(printed):
        try:
            runpy.run_path(str(REPO / "ext" / "remoteCompletion" / "WaitForReply.py"),
                           init_globals=variables, run_name="__builtin__")
        except SystemExit as stop:
            code = stop.code
    print(json.dumps({"node": node, "code": code, "scheduled": task.scheduled,
                      "printed": printed.getvalue()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
