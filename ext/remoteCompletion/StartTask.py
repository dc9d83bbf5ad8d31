# Start script of remoteCompletion.RemoteCompletionTask: mail the assignees a
# signed request, then wait (WaitForReply.py) for the fetcher to act on a reply.
# Thin on purpose: the work is in remote_completion.start.
from __future__ import absolute_import, unicode_literals

import sys

from remote_completion import start

try:
    result = start.start_remote_completion(task, release, taskApi, releaseApi,  # noqa: F821
                                           configurationApi, userApi, rolesApi,  # noqa: F821
                                           folderApi=globals().get('folderApi'))
except start.StartError as error:
    start.say(error)
    sys.exit(1)

# Script-category properties: the host copies these variables onto the task.
requestAttempt = result.request_attempt
requestRecipients = result.request_recipients
requestSentAt = result.request_sent_at
task.setStatusLine(result.status_line)  # noqa: F821
task.schedule(start.WAIT_SCRIPT, result.wait_seconds)  # noqa: F821
