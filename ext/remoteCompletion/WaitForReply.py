# Keeps a remote completion task IN_PROGRESS while it waits for a reply. On a
# host with no job scheduler (XL Release itself) it also runs the fetch cycle
# when one is due; see remote_completion.polling.
# Thin on purpose: the work is in remote_completion.polling.
from __future__ import absolute_import, unicode_literals

from remote_completion import polling

polling.wait_for_reply(task, globals().get('requestRecipients'), taskApi, releaseApi,  # noqa: F821
                       configurationApi, userApi, rolesApi, Comment,  # noqa: F821
                       host_runs_jobs=globals().get('hostRunsScheduledJobs', False))
