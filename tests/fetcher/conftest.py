"""The fetcher flow tests' Dovecot and fake host (tests/support/fetch_host.py)."""
from tests.support.fetch_host import dovecot, fresh_user, make_host, verdicts  # noqa: F401 - fixtures
