"""Microsoft Graph as the mail source, against the stand-in of
tests/support/graph_standin.py (held to Graph's published API) and the local
token service: the whole fetch cycle, paging, throttling, claims, removal."""
from __future__ import annotations

import datetime
import logging

import pytest

from remote_completion import fetch, graph, host as host_mod, logs, oauth
from remote_completion import settings as settings_mod
from tests.fetcher import samples as s
from tests.support.fetch_host import Host
from tests.fetcher.samples import good_reply
from tests.jython import fetch_fakes as fakes
from tests.support.certs import make_tls_files
from tests.support.graph_standin import GRAPH_SCOPE, GraphStandIn
from tests.support.oauth_server import TokenService

SECRET = "graph-client-Secret-5150"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    tls = make_tls_files(tmp_path_factory.mktemp("graph-tls"))
    tokens = TokenService(tls).start()
    standin = GraphStandIn(tokens, max_page=3).start()
    yield tokens, standin
    standin.stop()
    tokens.stop()


_n = iter(range(1, 1000))


class GraphHost:
    def __init__(self, tokens, standin, quarantine=None):
        n = next(_n)
        self.tokens, self.standin = tokens, standin
        self.address = "replies%d@contoso.example" % n
        self.client_id = "graph-app-%d" % n
        tokens.add_client(self.client_id, SECRET, self.address, [GRAPH_SCOPE])
        standin.mailbox(self.address)
        standin.allow(self.client_id, self.address)
        ci = fakes.imap_ci(None, None, None, None, s.SECRET, s.MAILBOX,
                           trusted=tokens.tls.ca_pem.read_text(), quarantine=quarantine)
        ci.mailSource = "GRAPH"
        ci.graphUrl = standin.base_url
        ci.graphMailbox = self.address
        ci.tokenEndpoint = tokens.token_url
        ci.clientId = self.client_id
        ci.clientSecret = SECRET
        ci.oauthScope = GRAPH_SCOPE
        self.world = fakes.World(ci)
        self.world.users = {"alice": ("Alice Smith", s.ALICE)}
        self.world.add_task(s.TASK_ID, owner="alice")

    @property
    def ci(self):
        return self.world.imap_cis[0]

    def deliver(self, raw, **kw):
        return self.standin.deliver(self.address, raw, **kw)

    def count(self, folder="inbox"):
        return self.standin.folder_count(self.address, folder)

    # The fetcher tests' own cycle and status (so both follow how main ends a task).
    def run(self, **values):
        return Host.run(self, **dict(dict(batch_size=2), **values))

    def status(self):
        return Host.status(self)

    def mailbox(self):
        config = host_mod.imap_config_from_ci(self.ci)
        return graph.GraphMailbox.for_config(config, 10.0)


@pytest.fixture
def make_host(cloud):
    oauth.clear_cache()
    waits = []
    original = graph._sleep
    graph._sleep = waits.append
    yield lambda **kw: GraphHost(*cloud, **kw), waits
    graph._sleep = original
    cloud[1].throttle.clear()
    oauth.clear_cache()


def errors(caplog):
    return [r.getMessage() for r in caplog.records
            if r.name == logs.LOGGER_NAME and r.levelno >= logging.ERROR]


def test_a_reply_read_through_graph_completes_the_task_and_all_mail_is_removed(make_host, caplog):
    make, _ = make_host
    h = make()
    h.deliver(s.plain("not a reply"))
    h.deliver(good_reply())
    summary = h.run()
    assert summary.error is None, errors(caplog)
    assert summary.acted == 1 and summary.removed == 2
    assert h.status() == "COMPLETED"
    assert h.count() == 0 and h.count("deleteditems") == 2
    assert h.count(graph.CLAIM_FOLDER) == 0


def test_paging_follows_next_links(make_host):
    make, _ = make_host
    h = make()
    for n in range(7):
        h.deliver(s.plain("junk %d" % n))
    h.deliver(good_reply())
    before = len(h.standin.log)
    summary = h.run()
    assert summary.total == 8 and summary.acted == 1 and h.count() == 0
    pages = [p for m, p in h.standin.log[before:] if m == "GET" and p.endswith("/inbox/messages")]
    assert len(pages) == 3          # 3 + 3 + 2 with a page size of 3


def test_throttling_waits_for_retry_after(make_host, caplog):
    make, waits = make_host
    h = make()
    h.deliver(good_reply())
    h.standin.throttle.extend([7, 2])
    summary = h.run()
    assert summary.error is None and summary.acted == 1, errors(caplog)
    assert waits == [7.0, 2.0]


def test_throttling_that_does_not_end_is_reported_once(make_host, caplog):
    make, waits = make_host
    h = make()
    h.deliver(good_reply())
    h.standin.throttle.extend([1] * 10)
    summary = h.run()
    assert summary.error == "imap"
    (line,) = errors(caplog)
    assert "HTTP 429 TooManyRequests" in line
    assert "fetching mail from 127.0.0.1:" in line
    # Each call gives up after MAX_RETRIES waits (the claim folder lookup, then the inbox).
    assert graph.MAX_RETRIES <= len(waits) <= 2 * graph.MAX_RETRIES and h.count() == 1


def test_rejected_mail_goes_to_the_quarantine_folder(make_host):
    make, _ = make_host
    h = make(quarantine="Quarantine")
    h.deliver(good_reply(sig="v1." + "0" * 64))
    h.deliver(good_reply())
    summary = h.run()
    assert summary.acted == 1 and summary.quarantined == 1
    assert h.count("Quarantine") == 1 and h.count() == 0


def test_too_large_mail_is_judged_from_its_headers(make_host):
    make, _ = make_host
    h = make()
    h.deliver(good_reply(comment="x" * 5000))
    summary = h.run(max_message_size=1000)
    assert summary.counts == {"too-large": 1} and h.count() == 0
    mine = [p for m, p in h.standin.log if "/users/%s/messages/" % h.address in p]
    assert [p for p in mine if p.endswith("/$value")] == []
    assert len(mine) == 3       # the claim (move), its headers, then DELETE


def test_two_fetchers_never_claim_the_same_message(make_host):
    make, _ = make_host
    h = make()
    h.deliver(good_reply())
    first, second = h.mailbox(), h.mailbox()
    uids_a, uids_b = first.uid_search_all(), second.uid_search_all()
    claims_a, claims_b = first.make_claims(600), second.make_claims(600)
    assert claims_a.prepare() and claims_b.prepare()
    won_a = claims_a.claim(uids_a)
    won_b = claims_b.claim(uids_b)
    assert len(won_a.won) == 1 and won_b.won == [] and len(won_b.taken) == 1
    assert h.count() == 0 and h.count(graph.CLAIM_FOLDER) == 1
    claims_a.release(won_a.won)
    assert h.count() == 1


def test_a_stale_claim_is_taken_back(make_host):
    make, _ = make_host
    h = make()
    old = datetime.datetime.utcnow() - datetime.timedelta(hours=2)
    mailbox = h.mailbox()
    mailbox.folder_id(graph.CLAIM_FOLDER, create=True)
    h.deliver(good_reply(), folder=graph.CLAIM_FOLDER, received=old)
    summary = h.run()                 # a fetcher that died left it claimed
    assert summary.acted == 1 and h.status() == "COMPLETED"
    assert h.count(graph.CLAIM_FOLDER) == 0


def test_a_revoked_token_is_replaced_once(make_host, caplog):
    make, _ = make_host
    h = make()
    h.run()
    h.tokens.revoke_all(h.address)
    h.deliver(good_reply())
    summary = h.run()
    assert summary.error is None and summary.acted == 1, errors(caplog)


def test_a_mailbox_outside_the_access_policy_is_reported_once(make_host, caplog):
    make, _ = make_host
    h = make()
    other = make()
    h.ci.graphMailbox = other.address      # the app may open only its own mailbox
    other.deliver(good_reply())
    summary = h.run()
    assert summary.error == "imap"
    (line,) = errors(caplog)
    assert "HTTP 403 ErrorAccessDenied" in line and SECRET not in line
    assert other.count() == 1


def test_a_next_link_to_another_server_is_not_followed(make_host):
    make, _ = make_host
    mailbox = make().mailbox()
    with pytest.raises(graph.GraphError, match="another server"):
        mailbox._request("GET", "https://evil.example/v1.0/users/x/messages")


def test_the_test_button_for_graph(make_host):
    make, _ = make_host
    h = make()
    h.deliver(s.plain("one"))
    ok, message = fetch.check_connection(h.ci)
    assert ok and "holds 1 message(s)" in message and h.address in message
    h.ci.clientSecret = "wrong-graph-Secret-2"
    oauth.clear_cache()
    ok, message = fetch.check_connection(h.ci)
    assert not ok and 'step "get an OAuth 2.0 token"' in message
    assert "invalid_client" in message and "wrong-graph-Secret-2" not in message


def test_graph_calls_are_traced_without_the_token(make_host, capfd):
    from remote_completion import maildebug
    make, _ = make_host
    h = make()
    h.deliver(good_reply())
    maildebug.set_enabled(True)
    try:
        h.run()
    finally:
        maildebug.set_enabled(None)
    err = capfd.readouterr().err
    assert "DEBUG GRAPH: C GET https://127.0.0.1:" in err and "/$value" in err
    for token in h.tokens.issued(h.address):
        assert token.value not in err
    assert SECRET not in err


def test_the_push_job_polls_graph(make_host, caplog):
    """Graph has no IDLE: the push job's watcher says so and the loop polls."""
    from remote_completion import push
    make, _ = make_host
    h = make()
    h.deliver(good_reply())
    caplog.set_level(logging.INFO, logger=logs.LOGGER_NAME)
    settings = settings_mod.Settings(network_timeout=10.0, sync_interval=0.05)
    stats = push.run(*fakes.apis(h.world), settings=settings, max_seconds=1.0)
    assert stats.snapshot()["fetch_cycles"] >= 1
    assert h.status() == "COMPLETED" and h.count() == 0
    assert any("does not offer IDLE" in r.getMessage() for r in caplog.records)
    assert errors(caplog) == []


def test_request_mails_can_go_out_through_graph_send_mail(make_host):
    make, _ = make_host
    h = make()
    config = host_mod.imap_config_from_ci(h.ci)
    mime = [("alice@example.com", b"To: alice@example.com\r\nSubject: one\r\n\r\nbody 1\r\n"),
            ("bob@example.com", b"To: bob@example.com\r\nSubject: two\r\n\r\nbody 2\r\n")]
    before = len(h.standin.sent)
    h.standin.throttle.append(1)
    deliveries = graph.send_messages(config, mime)
    assert [d.ok for d in deliveries] == [True, True]
    assert h.standin.sent[before:] == [(h.address, raw) for _, raw in mime]
    h.ci.clientSecret = "wrong-graph-Secret-3"
    oauth.clear_cache()
    failed = graph.send_messages(host_mod.imap_config_from_ci(h.ci), mime)
    assert [d.ok for d in failed] == [False, False]
    assert "invalid_client" in failed[1].error and "wrong-graph-Secret-3" not in failed[1].error
