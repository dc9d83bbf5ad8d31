"""Throw-away certificate authorities for TLS tests (trustme).

A test gets a CA whose certificate is written as a PEM file, and a server
certificate for 127.0.0.1/localhost signed by it, so clients can verify the
chain for real, and fail to verify it when the CA is not trusted.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import trustme


@dataclasses.dataclass(frozen=True)
class TlsFiles:
    ca_pem: Path      # the CA certificate a client must trust
    cert_pem: Path    # server certificate chain
    key_pem: Path     # server private key


def make_tls_files(directory: Path, hostnames=("localhost", "127.0.0.1")) -> TlsFiles:
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    server = ca.issue_cert(*hostnames)
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    ca.cert_pem.write_to_path(str(files.ca_pem))
    server.private_key_pem.write_to_path(str(files.key_pem))
    with open(files.cert_pem, "wb") as out:
        for blob in server.cert_chain_pems:
            out.write(blob.bytes())
    return files
