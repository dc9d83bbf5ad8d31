"""TLS client contexts: verification on, extra CA trusted, host names checked."""
import socket
import ssl
import threading

import pytest

from remote_completion import tls
from tests.support.certs import make_tls_files


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """A TLS echo-greeting server for 127.0.0.1/localhost; yields (port, files)."""
    files = make_tls_files(tmp_path_factory.mktemp("tls"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(files.cert_pem), str(files.key_pem))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as secure:
                    secure.sendall(b"hello\n")
            except (OSError, ssl.SSLError):
                pass  # the client refused us: that is what some tests want

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], files
    stop.set()
    listener.close()
    thread.join(5)


def connect(port, context, hostname):
    sock = socket.create_connection(("127.0.0.1", port), 10)
    try:
        secure = tls.wrap(sock, context, hostname)
    except Exception:
        sock.close()
        raise
    with secure:
        return secure.recv(16)


def test_default_context_verifies():
    context = tls.client_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


@pytest.mark.parametrize("hostname", ["localhost", "127.0.0.1"])
def test_trusted_extra_ca(tls_server, hostname):
    port, files = tls_server
    assert connect(port, tls.client_context(files.ca_pem.read_text()), hostname) == b"hello\n"


def test_untrusted_ca_is_refused(tls_server, tmp_path):
    port, _ = tls_server
    other = make_tls_files(tmp_path).ca_pem.read_text()
    with pytest.raises(ssl.SSLError):
        connect(port, tls.client_context(other), "localhost")
    with pytest.raises(ssl.SSLError):
        connect(port, tls.client_context(), "localhost")


@pytest.mark.parametrize("hostname", ["mail.example.com", "127.0.0.2"])
def test_wrong_host_name_is_refused(tls_server, hostname):
    port, files = tls_server
    with pytest.raises(ssl.SSLError):
        connect(port, tls.client_context(files.ca_pem.read_text()), hostname)


def test_pem_with_crlf_and_several_certificates(tls_server, tmp_path):
    port, files = tls_server
    other = make_tls_files(tmp_path).ca_pem.read_text()
    bundle = (other + files.ca_pem.read_text()).replace("\n", "\r\n")
    assert connect(port, tls.client_context(bundle), "localhost") == b"hello\n"


def test_contexts_are_built_once_per_trusted_text(tls_server, tmp_path):
    """Every cycle asks for a context; building one loads the CA store (about
    270 ms on Jython), so the same text gets the same context back."""
    port, files = tls_server
    pem = files.ca_pem.read_text()
    shared = tls.client_context(pem)
    assert tls.client_context(pem) is shared
    assert tls.client_context("  " + pem + "\n") is shared     # same text, other margins
    assert tls.client_context() is tls.client_context(None)
    other = tls.client_context(make_tls_files(tmp_path).ca_pem.read_text())
    assert other is not shared and other is not tls.client_context()
    assert connect(port, shared, "localhost") == b"hello\n"
    assert connect(port, shared, "127.0.0.1") == b"hello\n"   # reused across connections
    tls.clear_contexts()
    assert tls.client_context(pem) is not shared


@pytest.mark.parametrize(
    "text", ["not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"]
)
def test_unusable_pem_is_a_configuration_error(text):
    with pytest.raises(tls.TlsConfigurationError):
        tls.client_context(text)


# The explicit host-name check Jython needs, exercised here on plain cert dicts
# in both the CPython and the Jython getpeercert() shapes.
CERT = {"subject": ((("commonName", "ignored.example"),),),
        "subjectAltName": (("DNS", "mail.example.com"), ("DNS", "*.corp.example"),
                           ("IP Address", "10.0.0.5"), ("ipAddress", "0:0:0:0:0:0:0:1"))}


@pytest.mark.parametrize("hostname", ["mail.example.com", "MAIL.example.COM", "imap.corp.example",
                                      "10.0.0.5", "::1"])
def test_check_hostname_accepts(hostname):
    tls.check_hostname(CERT, hostname)


@pytest.mark.parametrize(
    "hostname",
    [
        "example.com", "a.b.corp.example", "ignored.example", "10.0.0.6", "evil-mail.example.com",
        "::2"],
)
def test_check_hostname_refuses(hostname):
    with pytest.raises(tls.HostnameMismatch):
        tls.check_hostname(CERT, hostname)
    with pytest.raises(tls.HostnameMismatch):
        tls.check_hostname({}, hostname)


def test_common_name_counts_only_without_dns_names():
    tls.check_hostname({"subject": ((("commonName", "only.example"),),)}, "only.example")
    with pytest.raises(tls.HostnameMismatch):
        tls.check_hostname({"subject": ((("commonName", "only.example"),),),
                            "subjectAltName": (("DNS", "other.example"),)}, "only.example")


@pytest.mark.parametrize(
    "pattern,hostname",
    [
        ("*.example", "a.example"), ("w*.corp.example", "www.corp.example"),
        ("*.*.example.com", "a.b.example.com")],
)
def test_wildcards_are_strict(pattern, hostname):
    with pytest.raises(tls.HostnameMismatch):
        tls.check_hostname({"subjectAltName": (("DNS", pattern),)}, hostname)
