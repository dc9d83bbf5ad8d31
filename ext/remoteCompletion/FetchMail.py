# The scheduled fetch job (xl-rules.xml, long-lived): with push-enabled, one
# bounded IMAP IDLE session that processes replies as they arrive; otherwise
# one fetch cycle. Only hosts that run xl-rules.xml jobs use it (XL Release
# does not: there the waiting script fetches). Thin on purpose: the work is
# in remote_completion.push.
from __future__ import absolute_import, unicode_literals

from remote_completion import host, push

_apis = host.Apis.from_variables(globals())
push.run_job(_apis.taskApi, _apis.releaseApi, _apis.configurationApi, _apis.userApi,
             _apis.rolesApi, _apis.Comment)
