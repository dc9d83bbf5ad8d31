"""The demo's --oauth switch: the mailbox in Dovecot, the plugin logging in
with SASL XOAUTH2 with a token from the local token service; the task is
completed by a reply, whatever way main's sandbox ends tasks."""
from __future__ import annotations

import contextlib

import pytest

from sandbox import demo, oauthbox

pytestmark = pytest.mark.dovecot


def test_the_demo_runs_its_mailbox_with_oauth(tmp_path, monkeypatch, capsys):
    seen = {}
    original = oauthbox.oauth_mailbox

    @contextlib.contextmanager
    def recording(user):
        with original(user) as parts:
            seen["fields"], seen["service"], seen["dovecot"] = parts[2], parts[3], parts[4]
            yield parts
            seen["log"] = parts[4].log()
    monkeypatch.setattr(oauthbox, "oauth_mailbox", recording)
    code = demo.main(["--oauth", "--out", str(tmp_path / "demo"), "--timeout", "60"])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    assert "The task was completed by a reply email." in out
    assert "authentication               OAUTH2" in out
    # The plugin's sessions authenticated with XOAUTH2 (the hub's own use LOGIN).
    assert "method=XOAUTH2" in seen["log"]
    assert seen["service"].token_requests >= 1
    secret = seen["fields"]["clientSecret"]
    assert secret not in out and "clientSecret                 ********" in out
    for token in seen["service"].issued():
        assert token.value not in out
