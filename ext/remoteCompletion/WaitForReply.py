# Keeps a remote completion task IN_PROGRESS while it waits for a reply, and
# ends it the documented way when the fetcher has recorded a verdict for its
# run: returns for Complete, exits with status 1 for Fail. On a host with no
# job scheduler (XL Release itself) it also runs the fetch cycle when one is
# due. Thin on purpose: the work is in remote_completion.polling.
from __future__ import absolute_import, unicode_literals

from remote_completion import polling

polling.run_waiting_script(globals())
