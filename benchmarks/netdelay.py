"""A network delay in its own process: a TCP proxy that holds every chunk
for half the round-trip time in each direction.

    python benchmarks/netdelay.py --upstream 127.0.0.1:993 --rtt 0.010

prints ``PORT <n>`` once it listens and runs until its standard input
closes (the benchmark keeps the pipe open) or it is terminated.

Why a process of its own: a proxy inside the measured client shares its
interpreter lock and its CPU time, so the client's figures would carry the
proxy's work and the proxy's delays would stretch with the client's load.
TCP_NODELAY on both sides: without it Nagle's algorithm holds back small
writes (IMAP command lines) until the previous segment is acknowledged, which
turned a 10 ms delay into 50-60 ms per command.  Bandwidth is not limited.
"""
from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.child import PortProcess  # noqa: E402


def _nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def _pump(reader, writer, delay):
    loop = asyncio.get_running_loop()
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            # Each chunk leaves ``delay`` after it arrived; chunks do not wait
            # for one another (latency, not bandwidth).  Same delay for every
            # chunk of a direction, so their order is kept.
            loop.call_at(loop.time() + delay, writer.write, data)
    except (ConnectionError, OSError):
        pass
    finally:
        loop.call_at(loop.time() + delay, _close, writer)


def _close(writer):
    try:
        writer.close()
    except Exception:
        pass


async def _serve(upstream, one_way):
    async def handle(client_reader, client_writer):
        _nodelay(client_writer)
        try:
            server_reader, server_writer = await asyncio.open_connection(*upstream)
        except OSError:
            client_writer.close()
            return
        _nodelay(server_writer)
        await asyncio.gather(_pump(client_reader, server_writer, one_way),
                             _pump(server_reader, client_writer, one_way))

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=128)
    port = server.sockets[0].getsockname()[1]
    print("PORT %d" % port, flush=True)
    loop = asyncio.get_running_loop()
    # Ends when the parent closes our standard input (or dies).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="host:port")
    parser.add_argument("--rtt", type=float, required=True, help="round trip in seconds")
    args = parser.parse_args(argv)
    host, port = args.upstream.rsplit(":", 1)
    asyncio.run(_serve((host, int(port)), args.rtt / 2.0))
    return 0


class NetDelay(PortProcess):
    """Starts the proxy process; ``port`` to connect to, ``close()`` to stop."""

    def __init__(self, upstream_host, upstream_port, rtt):
        self.rtt = rtt
        super().__init__([sys.executable, __file__, "--upstream",
                          "%s:%d" % (upstream_host, upstream_port), "--rtt", repr(rtt)],
                         "netdelay")


if __name__ == "__main__":
    sys.exit(main())
