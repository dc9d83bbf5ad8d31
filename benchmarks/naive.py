"""The baseline the batched fetch cycle is measured against: one message at
a time, the way a simple client loop does it (fetch it, decide and act, flag
it, expunge), with exactly the fetch cycle's decide/act work per message
(``fetch._handle``, the function the real cycle calls)."""

import logging

from remote_completion import fetch, host, imap, reply


def run_naive_cycle(taskApi, releaseApi, configurationApi, userApi, rolesApi, Comment, settings):
    config = host.find_imap_config(configurationApi)
    make = getattr(host, "Apis", None) or fetch._Apis   # host.Apis since the hand-over
    apis = make(taskApi, releaseApi, configurationApi, userApi, rolesApi, Comment)
    log = fetch.logs.get_logger()
    max_size = int(settings.max_message_size)
    client = imap.ImapClient.for_config(config, timeout=settings.network_timeout,
                                        max_literal=max_size + fetch.HEADER_BYTES)
    client.connect()
    handled = 0
    try:
        client.login(config.username, config.password)
        client.select("INBOX")
        for uid in client.uid_search_all():
            # One round trip for the message (size, date, whole body) ...
            for _uid, head, literals in client._fetch(
                [uid], "(UID RFC822.SIZE INTERNALDATE BODY.PEEK[])"
            ):
                meta = imap.FetchedMeta(uid)
                size = imap._FETCH_SIZE.search(head)
                date = imap._FETCH_DATE.search(head)
                meta.size = int(size.group(1)) if size else None
                meta.internaldate = date.group(1) if date else None
                raw = literals[-1] if literals else b""
                fetch._handle(uid, reply.parse_reply(raw, max_bytes=max_size), meta, config, apis,
                              log, None)
            # ... one to flag it, one to expunge it.
            client.delete([uid])
            handled += 1
    finally:
        client.logout()
    return handled


def quiet_logs():
    # Both loops log one info line per mail; the benchmark measures mail
    # handling, not the console.
    logging.getLogger(fetch.logs.LOGGER_NAME).setLevel(logging.WARNING)


class reused_tls_context(object):
    """While active, every TLS client context the plugin asks for is the same
    one, built once: the per-mail SMTP baseline then pays for a connection,
    a handshake, EHLO and AUTH per mail, not for loading the CA store again
    (which was 86% of its time when each session built its own context)."""

    def __enter__(self):
        from remote_completion import smtp, tls
        self._modules = (smtp, tls)
        self._original = tls.client_context
        cache = {}

        def client_context(trusted_pem=None):
            if trusted_pem not in cache:
                cache[trusted_pem] = self._original(trusted_pem)
            return cache[trusted_pem]
        tls.client_context = client_context
        return self

    def __exit__(self, *exc):
        self._modules[1].client_context = self._original
        return False


def send_per_mail(config, outgoing, trusted_pem):
    """The baseline for request mail: one SMTP session per mail (connect,
    STARTTLS, EHLO, AUTH, send, QUIT), the TLS context built once."""
    from remote_completion import smtp
    deliveries = []
    with reused_tls_context():
        for item in outgoing:
            deliveries.extend(smtp.send_messages(config, [item], trusted_pem=trusted_pem))
    return deliveries
