# Keeps a remote completion task IN_PROGRESS while it waits for a reply; the
# fetch job completes or fails it through the API (which cancels this).
from remote_completion import start

start.keep_waiting(task, globals().get('requestRecipients'))  # noqa: F821
