"""An SMTP server in its own process (aiosmtpd) that counts what it accepts.

    python benchmarks/smtpsink.py [--tls CERT KEY] [--password PW]

prints ``PORT <n>`` once it listens; each line ``count`` on its standard
input is answered with ``COUNT <messages accepted>``; it ends when its
standard input closes.  ``--tls``: STARTTLS required; ``--password``: AUTH
required (any user name), after STARTTLS.

Why a process of its own: in the measured client's process the server's
work would share the client's interpreter lock and CPU, and each side would
wait for the other's turn (see netdelay.py).
"""
from __future__ import annotations

import argparse
import logging
import socket
import ssl
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.child import PortProcess  # noqa: E402


class Counter:
    def __init__(self):
        self.messages = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages += 1
        return "250 OK"


def main(argv=None):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--password")
    args = parser.parse_args(argv)
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    counter = Counter()
    kwargs = {}
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.tls)
        kwargs.update(tls_context=context, require_starttls=True)
    if args.password:
        secret = args.password.encode()

        def authenticator(server, session, envelope, mechanism, auth_data):
            return AuthResult(success=getattr(auth_data, "password", b"") == secret)
        kwargs.update(authenticator=authenticator, auth_require_tls=bool(args.tls),
                      auth_required=True)
    with socket.socket() as probe:   # aiosmtpd's start() connects to its port: no port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(counter, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        print("PORT %d" % port, flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                with counter.lock:
                    print("COUNT %d" % counter.messages, flush=True)
    finally:
        controller.stop()
    return 0


class SmtpSink(PortProcess):
    """Starts the server process: ``port``, ``count()``, ``close()``."""

    def __init__(self, tls_files=None, password=None):
        cmd = [sys.executable, __file__]
        if tls_files is not None:
            cmd += ["--tls", str(tls_files.cert_pem), str(tls_files.key_pem)]
        if password:
            cmd += ["--password", password]
        super().__init__(cmd, "smtpsink")

    def count(self, expected=None):
        """Messages accepted (counted before each is answered: ``expected``
        needs no wait here)."""
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline().split()[1])


if __name__ == "__main__":
    sys.exit(main())
