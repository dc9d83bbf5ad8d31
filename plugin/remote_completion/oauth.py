"""OAuth 2.0 access tokens for the mailbox (IMAP, SMTP, Microsoft Graph).

Grants: client credentials (Microsoft's app-only access to a mailbox) and
refresh token (Google, delegated).  The client authenticates at the token
endpoint with ``client_secret_post`` (RFC 6749 2.3.1), which both Microsoft's
identity platform and Google accept.

A token is cached (per endpoint, client, scope and credentials, for the whole
JVM) until shortly before it expires, and dropped when a server refuses it, so
the caller can fetch a fresh one exactly once.  Every failure is an
``OAuthError`` whose text names the endpoint (scheme, host, path; never a
query) and the endpoint's ``error``/``error_description``, and never a
secret: the client secret, the refresh token and each access token are
registered with ``logs.register_secret``.

HTTP is the standard library's ``httplib``/``http.client`` over a socket
wrapped by ``tls.wrap``, so the endpoint's certificate and host name are
verified exactly like the mail servers' (same trusted CA setting), on Jython
2.7 as on CPython.  ``http_request`` is shared with ``graph``.
"""
from __future__ import absolute_import, unicode_literals

import base64
import hashlib
import json
import socket
import threading
import time

from . import logs, tls
from .compat import PY2, to_bytes, to_text

try:  # Python 3
    import http.client as httplib
    from urllib.parse import urlencode, urlsplit, quote
except ImportError:  # Python 2 / Jython
    import httplib
    from urllib import urlencode, quote
    from urlparse import urlsplit

AUTH_PASSWORD = 'password'
AUTH_OAUTH2 = 'oauth2'

GRANT_CLIENT_CREDENTIALS = 'client_credentials'
GRANT_REFRESH_TOKEN = 'refresh_token'

MICROSOFT_TOKEN_URL = 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token'
GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token'

DEFAULT_TIMEOUT = 30.0
MAX_TOKEN_RESPONSE = 64 * 1024
# Renew this long before the endpoint's expiry (clock skew, a slow login),
# but never more than half the token's lifetime.
EXPIRY_MARGIN = 120.0
DEFAULT_LIFETIME = 3600.0


class OAuthError(Exception):
    """No token could be had; the text is safe to log and to show."""

    def __init__(self, message, code=None, status=None):
        Exception.__init__(self, message)
        self.code = code        # the endpoint's ``error`` value, e.g. invalid_client
        self.status = status    # HTTP status, None when the endpoint was not reached


class HttpError(Exception):
    """Transport failure (connect, TLS, timeout, oversized answer); safe text."""


def _monotonic():
    return time.time()


# --- HTTP ---------------------------------------------------------------------

class Response(object):
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = dict((k.lower(), v) for k, v in headers)
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def json(self):
        try:
            value = json.loads(to_text(self.body, 'utf-8'))
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


class _Connection(httplib.HTTPConnection):
    """HTTPS over our own socket: ``tls.wrap`` verifies chain and host name
    on both runtimes (Jython's HTTPSConnection checks no host name).
    (On Jython ``HTTPConnection`` is an old-style class: no ``super()``.)"""

    def __init__(self, host, port, timeout, context):
        httplib.HTTPConnection.__init__(self, host, port, timeout=timeout)
        self._tls_context = context

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        try:
            sock = tls.wrap(sock, self._tls_context, self.host)
            sock.settimeout(self.timeout)
        except Exception:
            sock.close()
            raise
        self.sock = sock


def describe_url(url):
    """scheme://host[:port]/path: what a message may say about an endpoint."""
    parts = urlsplit(to_text(url or ''))
    host = parts.netloc.rpartition('@')[2]
    return logs.clean('%s://%s%s' % (parts.scheme, host, parts.path), 200)


def _native(value):
    if PY2 and not isinstance(value, bytes):
        return value.encode('utf-8')
    return value


def http_request(method, url, headers=None, body=None, trusted_pem=None, timeout=DEFAULT_TIMEOUT,
                 max_bytes=MAX_TOKEN_RESPONSE, context=None):
    """One request; a ``Response`` for any HTTP status.  Raises HttpError for
    transport problems and answers larger than ``max_bytes``."""
    parts = urlsplit(to_text(url))
    scheme = parts.scheme.lower()
    # Only https: a client secret or a bearer token must never travel in clear.
    if scheme != 'https' or not parts.hostname:
        raise HttpError('not an https URL: %s' % describe_url(url))
    port = parts.port or 443
    if context is None:
        context = tls.client_context(trusted_pem)
    path = parts.path or '/'
    if parts.query:
        path += '?' + parts.query
    connection = _Connection(_native(parts.hostname), port, timeout, context)
    try:
        sent = dict((_native(k), _native(to_text(v))) for k, v in (headers or {}).items())
        connection.request(_native(method), _native(path), body=body, headers=sent)
        answer = connection.getresponse()
        declared = answer.getheader('content-length')
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise HttpError('%s answered with %s bytes (limit %d)' % (
                describe_url(url), declared, max_bytes))
        data = answer.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise HttpError('%s answered with more than %d bytes' % (describe_url(url), max_bytes))
        return Response(answer.status, answer.getheaders(), data)
    except HttpError:
        raise
    except Exception as error:
        reason = '%s: %s' % (type(error).__name__, to_text(error))
        reason = logs.clean(logs.mask_secrets(reason), 300)
        if isinstance(error, socket.timeout) or 'timed out' in reason.lower():
            reason = 'no answer within %g s (%s)' % (timeout, reason)
        raise HttpError('%s could not be reached: %s' % (describe_url(url), reason))
    finally:
        try:
            connection.close()
        except Exception:
            pass


# --- settings -----------------------------------------------------------------

class OAuthSettings(object):
    """What the IMAP server configuration says about OAuth 2.0."""

    def __init__(self, token_url=None, client_id=None, client_secret=None, scope=None,
                 tenant=None, grant=GRANT_CLIENT_CREDENTIALS, refresh_token=None):
        self.tenant = to_text(tenant or '').strip() or None
        url = to_text(token_url or '').strip()
        if not url and self.tenant:
            url = MICROSOFT_TOKEN_URL
        if '{tenant}' in url:
            url = url.replace('{tenant}', quote(self.tenant or 'organizations', safe=''))
        self.token_url = url or None
        self.client_id = to_text(client_id or '').strip() or None
        self.client_secret = to_text(client_secret or '') or None
        self.scope = to_text(scope or '').strip() or None
        self.grant = normalise_grant(grant)
        self.refresh_token = to_text(refresh_token or '').strip() or None
        logs.register_secret(self.client_secret)
        logs.register_secret(self.refresh_token)

    def missing(self):
        """Labels of the settings this grant needs but lacks."""
        need = [('token endpoint URL', self.token_url), ('client id', self.client_id)]
        if self.grant == GRANT_REFRESH_TOKEN:
            need.append(('refresh token', self.refresh_token))
        else:
            need.append(('client secret', self.client_secret))
            need.append(('scope', self.scope))
        return [label for label, value in need if not value]

    def cache_key(self):
        material = '\n'.join(to_text(v or '') for v in (
            self.token_url, self.client_id, self.client_secret, self.scope, self.grant,
            self.refresh_token))
        return hashlib.sha256(material.encode('utf-8')).hexdigest()

    def __repr__(self):
        return 'OAuthSettings(token_url=%r, client_id=%r, scope=%r, grant=%r)' % (
            describe_url(self.token_url), self.client_id, self.scope, self.grant)

    __str__ = __repr__


def graph_host(graph_url=None):
    """The host of a Graph base URL (default graph.microsoft.com)."""
    return urlsplit(to_text(graph_url or 'https://graph.microsoft.com/v1.0')).hostname


def normalise_grant(value):
    text = to_text(value or '').strip().lower().replace('-', '_').replace(' ', '_')
    if text in ('refresh_token', 'refreshtoken', 'refresh'):
        return GRANT_REFRESH_TOKEN
    return GRANT_CLIENT_CREDENTIALS


def normalise_authentication(value):
    text = to_text(value or '').strip().lower().replace('_', '').replace(' ', '').replace('.', '')
    if text in ('oauth2', 'oauth', 'oauth20', 'xoauth2'):
        return AUTH_OAUTH2
    return AUTH_PASSWORD


# --- tokens -------------------------------------------------------------------

class _Cached(object):
    def __init__(self, access_token, expires_at, refresh_token=None):
        self.access_token = access_token
        self.expires_at = expires_at
        self.refresh_token = refresh_token


_cache_lock = threading.Lock()
_cache = {}


def clear_cache():
    with _cache_lock:
        _cache.clear()


class TokenClient(object):
    """Access tokens for one ``OAuthSettings``; the cache is shared per JVM."""

    def __init__(self, settings, trusted_pem=None, timeout=DEFAULT_TIMEOUT, clock=None):
        self.settings = settings
        self.trusted_pem = trusted_pem
        self.timeout = float(timeout or DEFAULT_TIMEOUT)
        self.clock = clock or _monotonic
        self.requests = 0   # token endpoint calls made by this client (tests)
        self.last_cached = False  # whether the last token() came from the cache

    def token(self, fresh=False):
        """A valid access token: the cached one unless ``fresh`` or near expiry."""
        key = self.settings.cache_key()
        now = self.clock()
        with _cache_lock:
            cached = _cache.get(key)
        if cached is not None and not fresh and now < cached.expires_at:
            self.last_cached = True
            return cached.access_token
        self.last_cached = False
        refresh_token = (cached.refresh_token if cached is not None else None) or \
            self.settings.refresh_token
        entry = self._request(refresh_token, now)
        with _cache_lock:
            _cache[key] = entry
        if cached is not None and cached.access_token != entry.access_token:
            logs.forget_secret(cached.access_token)
        return entry.access_token

    def invalidate(self):
        """The server refused the token: the next ``token()`` asks again."""
        with _cache_lock:
            cached = _cache.get(self.settings.cache_key())
            if cached is not None:
                cached.expires_at = 0

    def _form(self, refresh_token):
        s = self.settings
        form = [('client_id', s.client_id)]
        if s.grant == GRANT_REFRESH_TOKEN:
            form += [('grant_type', 'refresh_token'), ('refresh_token', refresh_token)]
        else:
            form += [('grant_type', 'client_credentials')]
        if s.client_secret:
            form.append(('client_secret', s.client_secret))
        if s.scope:
            form.append(('scope', s.scope))
        return urlencode([(k, to_bytes(v)) for k, v in form if v])

    def _request(self, refresh_token, now):
        s = self.settings
        missing = s.missing()
        if missing:
            raise OAuthError('OAuth 2.0 is chosen but the configuration has no %s'
                             % ' and no '.join(missing))
        where = describe_url(s.token_url)
        self.requests += 1
        try:
            answer = http_request('POST', s.token_url, {
                'Content-Type': 'application/x-www-form-urlencoded',
                'Accept': 'application/json'}, to_bytes(self._form(refresh_token)),
                trusted_pem=self.trusted_pem, timeout=self.timeout)
        except HttpError as error:
            raise OAuthError('the token endpoint %s' % to_text(error))
        except tls.TlsConfigurationError as error:
            raise OAuthError('the token endpoint %s could not be used: %s' % (where, error))
        data = answer.json()
        if answer.status != 200 or data is None or not data.get('access_token'):
            code = data.get('error') if data else None
            description = data.get('error_description') if data else None
            detail = ': '.join(logs.clean(logs.mask_secrets(to_text(v)), 300)
                               for v in (code, description) if v)
            if not detail:
                detail = 'no access token in the answer' if answer.status == 200 \
                    else 'no OAuth error in the answer'
            raise OAuthError('the token endpoint %s refused (HTTP %d): %s' % (
                where, answer.status, detail), code=code and to_text(code), status=answer.status)
        token = to_text(data.get('access_token'))
        logs.register_secret(token)
        new_refresh = data.get('refresh_token')
        if new_refresh:
            logs.register_secret(to_text(new_refresh))  # rotated by the endpoint
        try:
            lifetime = float(data.get('expires_in', DEFAULT_LIFETIME))
        except (TypeError, ValueError):
            lifetime = DEFAULT_LIFETIME
        margin = min(EXPIRY_MARGIN, lifetime / 2.0)
        return _Cached(token, now + lifetime - margin,
                       to_text(new_refresh) if new_refresh else refresh_token)


# --- SASL -----------------------------------------------------------------------

def xoauth2_response(user, token):
    """The XOAUTH2 client response (before base64)."""
    return to_bytes('user=%s\x01auth=Bearer %s\x01\x01' % (to_text(user or ''), to_text(token)))


def _saslname(user):
    # RFC 5801 saslname: ',' and '=' are escaped.
    return to_text(user or '').replace('=', '=3D').replace(',', '=2C')


def oauthbearer_response(user, token, host=None, port=None):
    """RFC 7628 OAUTHBEARER client response (before base64)."""
    parts = ['n,a=%s,' % _saslname(user)]
    if host:
        parts.append('host=%s' % to_text(host))
    if port:
        parts.append('port=%d' % int(port))
    parts.append('auth=Bearer %s' % to_text(token))
    return to_bytes('\x01'.join(parts) + '\x01\x01')


def sasl_base64(data):
    return to_text(base64.b64encode(data), 'ascii')


def server_error(challenge):
    """The JSON error a server sends in its continuation, as safe text."""
    data = to_bytes(challenge or b'')
    try:
        data = base64.b64decode(data) if data and b'{' not in data else data
        value = json.loads(to_text(data, 'utf-8'))
    except Exception:
        return ''
    if not isinstance(value, dict):
        return ''
    return logs.clean(', '.join('%s=%s' % (k, to_text(value[k])) for k in sorted(value)), 200)


def choose_mechanism(capabilities):
    """'XOAUTH2' or 'OAUTHBEARER' from the server's AUTH= capabilities (or
    EHLO AUTH words), XOAUTH2 first; None when neither is offered."""
    offered = set(to_text(c).upper().replace('AUTH=', '') for c in capabilities)
    for mechanism in ('XOAUTH2', 'OAUTHBEARER'):
        if mechanism in offered:
            return mechanism
    return None


def client_response(mechanism, user, token, host=None, port=None):
    if mechanism == 'OAUTHBEARER':
        return oauthbearer_response(user, token, host, port)
    return xoauth2_response(user, token)
