# Start script of remoteCompletion.RemoteCompletionTask: open a run of the
# task (a signed request marker on it), mail the assignees a signed request,
# then wait (WaitForReply.py) for a verdict on that run.
# Thin on purpose: the work is in remote_completion.start.
from __future__ import absolute_import, unicode_literals

import sys

from remote_completion import host, start

_task = host.current_task(globals())
try:
    result = start.start_remote_completion(_task, host.current_release(globals()),
                                           host.Apis.from_variables(globals()))
except start.StartError as error:
    start.say(error)
    sys.exit(1)

# Script-category properties: the host copies these variables onto the task.
requestRun = result.request_run
requestAttempt = result.request_attempt
requestRecipients = result.request_recipients
requestSentAt = result.request_sent_at
_task.setStatusLine(result.status_line)
_task.schedule(start.WAIT_SCRIPT, result.wait_seconds)
