# The scheduled fetch job (xl-rules.xml): one cycle over the IMAP mailbox.
# Thin on purpose: the work is in remote_completion.fetch.
from __future__ import absolute_import, unicode_literals

from remote_completion import fetch

fetch.run_fetch_cycle(taskApi, releaseApi, configurationApi, userApi, rolesApi, Comment)  # noqa: F821
