# The scheduled fetch job (xl-rules.xml, long-lived): with push-enabled, one
# bounded IMAP IDLE session that processes replies as they arrive; otherwise
# one fetch cycle. Thin on purpose: the work is in remote_completion.push.
from __future__ import absolute_import, unicode_literals

from remote_completion import push

push.run_job(taskApi, releaseApi, configurationApi, userApi, rolesApi, Comment)  # noqa: F821
