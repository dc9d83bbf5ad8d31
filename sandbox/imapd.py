"""The embedded IMAP server: pymap's in-memory backend on two loopback ports.

Run as a child process (``python -m sandbox.imapd``) by ``sandbox.mail``:
- a plain port that offers STARTTLS, as port 143 (like Dovecot, pymap lets
  loopback clients log in before STARTTLS; ``--no-plain-login`` refuses that);
- an implicit-TLS port (TLS from the first byte), as port 993.
Both serve the same mailbox of one user, with IDLE, MOVE and UIDPLUS.

The user and password come from the environment (``SANDBOX_IMAP_USER``,
``SANDBOX_IMAP_PASSWORD``), never the command line (visible to every local
user in ``ps``).  When both listeners are up the process prints one line,
``READY <plain port> <tls port>``, so the parent waits on that instead of
sleeping.  SIGTERM ends it.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import ssl
import sys


async def _serve(args):
    from pymap.backend.dict import DictBackend
    from pymap.imap import IMAPServer

    namespace = argparse.Namespace(
        host="127.0.0.1",
        port=0,
        debug=args.debug,
        cert=args.cert,
        key=args.key,
        tls=True,
        inherited_sockets=None,
        proxy_protocol=None,
        passlib_cfg=None,
        demo_data=False,
        demo_user=os.environ["SANDBOX_IMAP_USER"],
        demo_password=os.environ["SANDBOX_IMAP_PASSWORD"],
    )
    if args.no_plain_login:
        _refuse_plain_login()
    backend, config = await DictBackend.init(namespace, invalid_user_sleep=0.0)
    config.apply_context()
    # The implicit-TLS listener: the socket is already encrypted, so the
    # session must allow LOGIN and must not offer STARTTLS again.
    tls_config = type(config)(namespace, host="127.0.0.1", port=0, tls_enabled=False,
                              cert_file=args.cert, key_file=args.key, demo_data=False,
                              demo_user=namespace.demo_user, demo_password=namespace.demo_password,
                              admin_key=config.admin_key, invalid_user_sleep=0.0)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    context.minimum_version = ssl.TLSVersion.TLSv1_2

    from proxyprotocol.reader import ProxyProtocolReader

    def callback(cfg):
        # As pymap's own IMAPService: the PROXY-protocol reader (here a no-op)
        # builds the SocketInfo the connection wants.
        return ProxyProtocolReader(cfg.proxy_protocol).get_callback(IMAPServer(backend.login, cfg))

    plain = await asyncio.start_server(callback(config), "127.0.0.1", args.port)
    implicit = await asyncio.start_server(
        callback(tls_config), "127.0.0.1", args.tls_port, ssl=context
    )
    await backend.start(_Stack())
    print("READY %d %d" % (plain.sockets[0].getsockname()[1], implicit.sockets[0].getsockname()[1]),
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with plain, implicit:
        await stop.wait()


def _refuse_plain_login():
    # pymap, like Dovecot, trusts loopback connections with LOGIN before
    # STARTTLS; this undoes that so a client that forgets STARTTLS is caught.
    from pymap.imap.state import ConnectionState

    original = ConnectionState.do_greeting

    async def do_greeting(self):
        response = await original(self)
        self.auth = self.config.initial_auth
        return type(response)(b"*", self.config.greeting, self.capability)

    ConnectionState.do_greeting = do_greeting


class _Stack:
    """The dict backend's start() wants an AsyncExitStack; it registers nothing."""

    async def enter_async_context(self, context):
        return await context.__aenter__()

    def callback(self, *args, **kwargs):
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls-port", type=int, default=0)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("--no-plain-login", action="store_true",
                        help="refuse LOGIN before STARTTLS even from localhost")
    args = parser.parse_args(argv)
    os.environ.setdefault("FQDN", "localhost")  # pymap's greeting; avoids a slow getfqdn()
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
