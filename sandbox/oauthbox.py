"""The remote completion mailbox with OAuth 2.0, for the demo's ``--oauth``.

Dovecot (tests/support/dovecot.py) holds the mailbox and authenticates the
plugin with SASL XOAUTH2/OAUTHBEARER through its oauth2 passdb, which asks
the local token service (tests/support/oauth_server.py) whether a token is
live; the plugin gets its token from that service with the client
credentials grant, over TLS verified with the same CA as the mail servers.
The sandbox's own mail hub still appends incoming mail with the mailbox's
password (it plays the MX, which on a real server delivers over LMTP).
"""
from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
from pathlib import Path

from .mail import ExternalImap, TlsMaterial

SCOPE = "https://outlook.office365.com/.default"
CLIENT_ID = "xlr-remote-completion-demo"


@contextlib.contextmanager
def oauth_mailbox(user: str):
    """Yields (ExternalImap, TlsMaterial, IMAP configuration fields, token service)."""
    from tests.support.dovecot import dovecot_available, start_dovecot
    from tests.support.certs import make_tls_files
    from tests.support.oauth_server import TokenService, dovecot_oauth2_conf
    if not dovecot_available():
        raise RuntimeError("--oauth needs Dovecot (Debian package dovecot-imapd)")
    # Not under a 0700 folder: Dovecot's own users must reach it.
    root = Path(tempfile.mkdtemp(prefix="sandbox-oauth-"))
    root.chmod(0o755)
    tls = make_tls_files(root / "tls")
    service = TokenService(tls).start()
    client_secret = secrets.token_urlsafe(24)
    service.add_client(CLIENT_ID, client_secret, user, [SCOPE])
    password = secrets.token_urlsafe(16)
    dovecot = None
    try:
        dovecot = start_dovecot(root / "dovecot", {user: password}, tls=tls,
                                oauth2_conf=dovecot_oauth2_conf(service),
                                mechanisms="plain login xoauth2 oauthbearer")
        external = ExternalImap(dovecot.host, dovecot.port, dovecot.tls_port, user, password,
                                tls.ca_pem)
        fields = {"authentication": "OAUTH2", "tokenEndpoint": service.token_url,
                  "clientId": CLIENT_ID, "clientSecret": client_secret, "oauthScope": SCOPE,
                  "oauthGrant": "CLIENT_CREDENTIALS", "password": None}
        material = TlsMaterial(tls.ca_pem, tls.cert_pem, tls.key_pem)
        yield external, material, fields, service, dovecot
    finally:
        if dovecot is not None:
            dovecot.stop()
        service.stop()
        shutil.rmtree(root, ignore_errors=True)
