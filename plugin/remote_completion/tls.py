"""SSL contexts that verify certificates and host names, on Jython and CPython.

Jython 2.7's ``smtplib.starttls`` and ``imaplib.IMAP4_SSL`` do not verify
anything by themselves, so every TLS connection of the plugin wraps its socket
with a context from here.  Extra trusted CA certificates (PEM text from the
configuration) are added on top of the system's trust store.

Contexts are built once and reused (per trusted-certificate text, for the
life of the library in the interpreter): on Jython loading the system CA
bundle into a fresh context costs about 270 ms, once per fetch cycle before.
A context is only read after it is built, so sharing it between threads and
connections is safe on both runtimes.  On Jython each context also keeps
the Netty/JDK context its connections are made from (``_share_engines``).
"""
from __future__ import absolute_import, unicode_literals

import os
import re
import socket
import ssl
import tempfile
import threading

from .compat import JYTHON, to_text

PEM_BEGIN = '-----BEGIN CERTIFICATE-----'
MAX_CACHED_CONTEXTS = 16     # distinct trusted-certificate texts kept

_contexts = {}
_contexts_lock = threading.Lock()


class TlsConfigurationError(ValueError):
    """The trusted certificate text cannot be used."""


def _load_pem_via_file(context, pem):
    # Jython's cadata parsing is unreliable; a temporary file goes through the
    # same code path as a CA bundle on disk.
    handle, path = tempfile.mkstemp(suffix='.pem')
    try:
        os.write(handle, pem.encode('ascii'))
        os.close(handle)
        handle = None
        context.load_verify_locations(cafile=path)
    finally:
        if handle is not None:
            os.close(handle)
        try:
            os.remove(path)
        except OSError:
            pass


def client_context(trusted_pem=None):
    """A client context that verifies the server certificate and host name,
    shared by every caller with the same ``trusted_pem``.

    ``trusted_pem``: optional PEM text with one or more CA certificates to
    trust in addition to the system's.  Unusable text raises
    TlsConfigurationError (every time: failures are not kept).
    """
    key = to_text(trusted_pem or '').strip()
    with _contexts_lock:
        context = _contexts.get(key)
    if context is not None:
        return context
    context = _new_context(key)
    with _contexts_lock:
        if len(_contexts) >= MAX_CACHED_CONTEXTS:
            _contexts.clear()   # configurations changed many times: start over
        return _contexts.setdefault(key, context)


def clear_contexts():
    """Forget the built contexts (the system trust store changed; tests)."""
    with _contexts_lock:
        _contexts.clear()


def _new_context(pem):
    context = ssl.create_default_context()
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    if pem:
        if PEM_BEGIN not in pem:
            raise TlsConfigurationError('the trusted certificates are not PEM text '
                                        '(expected "%s")' % PEM_BEGIN)
        pem = pem.replace('\r\n', '\n') + '\n'
        try:
            if JYTHON:
                _load_pem_via_file(context, pem)
            else:
                context.load_verify_locations(cadata=pem)
        except (ssl.SSLError, ValueError, IOError, OSError) as error:
            raise TlsConfigurationError('the trusted certificates cannot be read: %s' % (error,))
    if JYTHON:
        _share_engines(context)
    return context


def _share_engines(context):
    """Jython's SSLContext builds a Netty context for every connection:
    trust managers over the whole trust store, a key manager, a JDK
    SSLContext (about 2.5 ms, and a new certificate validator per
    handshake).  Here a verifying client connection gets its engine from one
    Netty context per SSLContext, built on first use with the same trust
    store, verify mode, host name check and SNI as Jython's own code
    (Lib/ssl.py, SSLContext._createSSLEngine); anything else goes Jython's
    way.  The one JDK SSLContext also keeps the TLS sessions, so a server
    that resumes sessions is spared the full handshake."""
    try:
        from ssl import (HAS_SNI, ByteBufAllocator, CompositeX509TrustManagerFactory,
                         SimpleTrustManagerFactory, SslContextBuilder, SslProvider,
                         _CERT_TO_CLIENT_AUTH, _get_openssl_key_manager)
        if HAS_SNI:
            from javax.net.ssl import SNIHostName
    except ImportError:   # not the Jython 2.7.3 ssl module: leave it alone
        return
    original = context._createSSLEngine
    built = []
    lock = threading.Lock()

    def netty_context():
        with lock:
            if not built:
                trust = SimpleTrustManagerFactory.getInstance(
                    SimpleTrustManagerFactory.getDefaultAlgorithm())
                trust.init(context._trust_store)
                managers = CompositeX509TrustManagerFactory(trust.getTrustManagers())
                managers.init(context._trust_store)
                builder = SslContextBuilder.forClient()
                keys = context._key_managers or _get_openssl_key_manager()
                if keys:
                    builder = builder.keyManager(keys)
                built.append(builder.trustManager(managers).sslProvider(SslProvider.JDK)
                             .clientAuth(_CERT_TO_CLIENT_AUTH[context.verify_mode]).build())
            return built[0]

    def create_engine(addr, hostname=None, cert_file=None, key_file=None, server_side=False):
        if (server_side or cert_file or key_file or not hostname
                or context.verify_mode == ssl.CERT_NONE or context._ciphers is not None):
            return original(addr, hostname, cert_file=cert_file, key_file=key_file,
                            server_side=server_side)
        engine = netty_context().newEngine(ByteBufAllocator.DEFAULT, hostname, addr[1])
        if HAS_SNI:
            params = engine.getSSLParameters()
            params.setEndpointIdentificationAlgorithm('HTTPS')
            params.setServerNames([SNIHostName(hostname)])
            engine.setSSLParameters(params)
        return engine
    context._createSSLEngine = create_engine
    context.engine_contexts_built = built   # for checks: one per context


class HostnameMismatch(ssl.SSLError):
    """The server's certificate is valid but not for the host we asked for."""


def _same_ip(a, b):
    a, b = to_text(a).strip().strip('[]'), to_text(b).strip().strip('[]')
    if a.lower() == b.lower():
        return True
    for family in (getattr(socket, 'AF_INET', None), getattr(socket, 'AF_INET6', None)):
        try:
            if socket.inet_pton(family, a) == socket.inet_pton(family, b):
                return True
        except Exception:  # not an address of that family, or no inet_pton
            continue
    return False


def _looks_like_ip(hostname):
    return bool(re.match(r'^[0-9.]+$', hostname)) or ':' in hostname


def _dns_match(pattern, hostname):
    """RFC 6125: exact (case-insensitive), or ``*`` as the whole left-most
    label standing for exactly one label."""
    pattern = to_text(pattern).lower().rstrip('.')
    hostname = hostname.lower().rstrip('.')
    if pattern == hostname:
        return True
    labels = pattern.split('.')
    if labels[0] != '*' or len(labels) < 3 or '*' in '.'.join(labels[1:]):
        return False
    head, _, rest = hostname.partition('.')
    return bool(head) and rest == '.'.join(labels[1:])


def check_hostname(cert, hostname):
    """Raise HostnameMismatch unless ``cert`` (getpeercert() form) is for
    ``hostname``.  Jython's ssl module accepts ``check_hostname = True`` but
    never applies it, so the plugin checks after the handshake itself."""
    if not cert:
        raise HostnameMismatch('the server presented no certificate to check against %s'
                               % (hostname,))
    hostname = to_text(hostname)
    names = cert.get('subjectAltName', ())
    if _looks_like_ip(hostname):
        for key, value in names:
            if key in ('IP Address', 'ipAddress') and _same_ip(value, hostname):
                return
        raise HostnameMismatch("the server's certificate is not valid for address '%s'"
                               % (hostname,))
    dns = [value for key, value in names if key == 'DNS']
    if not dns:
        # The common name counts only when there is no DNS subject alt name.
        dns = [value for rdn in cert.get('subject', ()) for key, value in rdn
               if key == 'commonName']
    for pattern in dns:
        if _dns_match(pattern, hostname):
            return
    raise HostnameMismatch("the server's certificate is not valid for '%s' (it names %s)"
                           % (hostname, ', '.join(to_text(d) for d in dns) or 'no host'))


def wrap(sock, context, hostname):
    """Wrap a connected socket; the handshake verifies the chain and
    ``hostname`` on both Jython and CPython.  Always use this rather than
    ``context.wrap_socket`` directly."""
    wrapped = context.wrap_socket(sock, server_hostname=hostname)
    if JYTHON:
        try:
            check_hostname(wrapped.getpeercert(), hostname)
        except Exception:
            try:
                wrapped.close()
            except Exception:
                pass
            raise
    return wrapped
