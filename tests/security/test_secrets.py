"""Secrets (IMAP password, HMAC secret, SMTP password) never reach logs at
TRACE, task comments, exception texts or the mail debug trace, in success
and in forced failures (bad login, TLS failure, unreachable host).

Everything captured is searched for each secret value and for simple
transformations of it (base64 of the AUTH PLAIN/LOGIN forms, quoted forms).
"""
from __future__ import annotations

import base64

import pytest

from remote_completion import fetch, host, imap, logs, maildebug, smtp
from tests.request.smtp_servers import (
    PASSWORD as SMTP_TEST_PASSWORD, USER as SMTP_USER, smtp_server)
from tests.security import corpus as corpus_mod
from tests.security import figures, taskstore
from tests.security.test_corpus import NOW, settings
from tests.support.dovecot import free_port

WRONG_PASSWORD = "Wrong-Imap-Pass-8h2\"q"


def forms(secret):
    """A secret and the shapes it could leak in."""
    raw = secret.encode()
    out = {secret, base64.b64encode(raw).decode(), secret.replace('"', '\\"'), repr(secret)[1:-1]}
    for user in ("rc", SMTP_USER, ""):
        out.add(base64.b64encode(b"\0" + user.encode() + b"\0" + raw).decode())
    return {f for f in out if len(f) >= 6}


def leaks(text, secrets):
    found = []
    for secret in secrets:
        for form in forms(secret):
            if form in text:
                found.append(form[:4] + "...")
    return found


@pytest.fixture
def trace(capsys):
    maildebug.set_enabled(True)
    yield capsys
    maildebug.set_enabled(None)


def captured_text(plugin_log, trace_capsys, store=None, extra=()):
    out = trace_capsys.readouterr()
    parts = [r.getMessage() for r in plugin_log.records]
    parts += [str(r.args) for r in plugin_log.records if r.args]
    parts += [out.out, out.err]
    if store is not None:
        parts += [c["text"] for c in store.read()["comments"]]
        parts += [a.get("comment", "") for a in store.actions()]
    parts += list(extra)
    return "\n".join(parts)


def world(server, user, password, ci=None):
    corpus = corpus_mod.build()
    corpus.entries = [e for e in corpus.entries if e.category in ("valid", "forged")][:40]
    store = taskstore.MemoryTaskStore()
    imap_ci = corpus.imap_ci(server.host, server.port, user, password)
    imap_ci.update(ci or {})
    corpus.store_init(store, imap_ci)
    return corpus, store


@pytest.mark.dovecot
def test_no_secret_in_a_working_cycle(mailbox, plugin_log, trace):
    server, user, password = mailbox
    corpus, store = world(server, user, password)
    for e in corpus.entries:
        server.append(user, e.raw)
    summary = fetch.run_fetch_cycle(
        settings=settings(mail_debug=True), now=NOW, **taskstore.apis(store)
    )
    assert summary.error is None and summary.acted > 0
    text = captured_text(plugin_log, trace, store)
    assert "LOGIN" in text and "DEBUG IMAP" in text          # the trace was really on
    assert any(r.levelno == logs.TRACE or r.levelno <= 10 for r in plugin_log.records)
    assert leaks(text, [password, corpus_mod.SECRET]) == []


@pytest.mark.dovecot
@pytest.mark.parametrize(
    "failure",
    ["bad-login", "tls-untrusted", "tls-on-plain-port", "starttls-untrusted", "unreachable"])
def test_no_secret_when_the_imap_side_fails(request, plugin_log, trace, failure):
    if failure == "bad-login":
        server = request.getfixturevalue("private_dovecot")
        user, password = "rc-private", server.users["rc-private"]
    else:
        server, user, password = request.getfixturevalue("mailbox")
    ci = {}
    secrets = [password, corpus_mod.SECRET]
    if failure == "bad-login":
        ci = {"password": WRONG_PASSWORD}
        secrets.append(WRONG_PASSWORD)
    elif failure == "tls-untrusted":
        ci = {"port": server.tls_port, "useTls": True, "tlsMode": "implicit"}
    elif failure == "tls-on-plain-port":
        ci = {"port": server.port, "useTls": True, "tlsMode": "implicit"}
    elif failure == "starttls-untrusted":
        ci = {"port": server.port, "useTls": True, "tlsMode": "starttls"}
    else:
        ci = {"port": free_port()}
    corpus, store = world(server, user, password, ci)
    if failure != "bad-login":
        server.append(user, corpus.entries[0].raw)
    summary = fetch.run_fetch_cycle(
        settings=settings(mail_debug=True, network_timeout=5.0), now=NOW, **taskstore.apis(store)
    )
    assert summary.error == "imap"
    # The Shared configuration "Test" button and the client's own exception.
    config_ci = taskstore.ConfigurationApi(store).searchByTypeAndTitle(taskstore.IMAP_TYPE, None)[0]
    ok, message = fetch.check_connection(config_ci, settings(network_timeout=5.0))
    assert not ok
    config = host.imap_config_from_ci(config_ci)
    error_text = ""
    if failure != "bad-login":   # (every failed login costs seconds: Dovecot's auth penalty)
        client = imap.ImapClient.for_config(config, timeout=5.0)
        try:
            client.connect()
            client.login(config.username, config.password)
        except Exception as error:  # any exception's text is what we inspect
            error_text = "%s %r" % (error, error)
        finally:
            client.close()
        assert error_text
    text = captured_text(plugin_log, trace, store, [message, error_text, repr(config), str(config)])
    figures.record(
        "secrets-imap-" + failure,
        {"captured_chars": len(text), "leaks": leaks(text, secrets), "message": message[:160]})
    assert leaks(text, secrets) == []


@pytest.mark.parametrize("failure", ["ok", "bad-login", "tls-untrusted", "unreachable"])
def test_no_secret_on_the_smtp_side(plugin_log, trace, failure, tmp_path):
    from tests.support.certs import make_tls_files
    tls_files = make_tls_files(tmp_path / "tls")
    password = SMTP_TEST_PASSWORD if failure != "bad-login" else "Wrong-Smtp-Pass-5k1"
    logs.register_secret(SMTP_TEST_PASSWORD)
    mode = "implicit" if failure == "tls-untrusted" else "plain"
    error_text = ""
    deliveries = []
    with smtp_server(mode, tls_files, auth=True) as (port, recorder):
        config = host.SmtpConfig(
            host="127.0.0.1", port=free_port() if failure == "unreachable" else port, tls=False,
            from_address="xlr@corp.com", username=SMTP_USER, password=password)
        try:
            deliveries = smtp.send_messages(
                config, [("alice@corp.com", b"Subject: x\r\n\r\nbody\r\n")], timeout=5.0,
                implicit_tls=(mode == "implicit"))
        except Exception as error:
            error_text = "%s %r" % (error, error)
    assert bool(error_text) == (failure != "ok")
    text = captured_text(plugin_log, trace, None, [error_text, repr(config), str(deliveries)])
    assert "DEBUG SMTP" in text
    assert leaks(text, [SMTP_TEST_PASSWORD, password]) == []
