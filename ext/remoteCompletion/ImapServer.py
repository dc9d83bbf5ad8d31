# The "Test" button of the IMAP server configuration (Shared configuration):
# connect, log in, select INBOX, log out. `configuration` is the CI tested.
# Thin on purpose: the work is in remote_completion.fetch.check_connection.
from __future__ import absolute_import, unicode_literals

from remote_completion.fetch import ConnectionTestFailed, check_connection

_ok, _message = check_connection(configuration)
print(_message)
if not _ok:
    # The reason must be the failure itself: the test's answer has no output.
    raise ConnectionTestFailed(_message)
