"""Optional sender authentication from ``Authentication-Results`` headers.

The signature proves that a reply carries metadata we issued; it does not
prove who sent it.  When the receiving mail server checks DKIM, SPF and DMARC
it records the outcome in ``Authentication-Results`` headers (RFC 8601).  This
module reads them, pure, no I/O.

Trust rules (why each one):

- Only the receiving server's own run counts: the topmost
  ``Authentication-Results`` header whose authserv-id equals the configured,
  pinned id, and the ones directly below it (no other header between) with
  the same id.  Anyone can put such a header into a mail they send; the
  sender's headers sit below the receiving server's (a server prepends),
  and RFC 8601 section 5 asks that server to remove incoming ones that carry
  its id, which not every server does.  Everything below the run is the
  sender's and is ignored.
- A header without an authserv-id (Exchange Online writes them so) never
  matches a pinned id: it cannot be told apart from a forged one.
- The check passes when the run shows, for the From domain:
  ``dmarc=pass`` with ``header.from`` equal to it; or ``dkim=pass`` with
  ``header.d`` (else the domain of ``header.i``) aligned; or ``spf=pass``
  with the domain of ``smtp.mailfrom`` aligned.
- Aligned means equal to the From domain or a subdomain of it
  (``mail.corp.com`` is aligned with ``corp.com``; ``corp.com.evil.io`` and a
  parent domain are not).  This is stricter than DMARC's relaxed alignment,
  which needs the public suffix list to find organisational domains.
- A failure wins over a pass: any DKIM, SPF or DMARC result in the run that
  is not ``pass`` and speaks about the From domain (aligned, or naming no
  domain at all, like ``dkim=none``) refuses the mail, whatever passes
  beside it; ``dmarc=none`` alone is exempt (the domain publishes no
  policy: a fact about the domain, not a verdict on the message).  SPF
  and DMARC are evaluated once per message, so two
  different SPF (or DMARC) results in the run refuse it too (a forged
  ``spf=pass`` for the victim's domain beside the server's ``spf=pass`` for
  the attacker's own).  A genuine mail whose SPF soft-failed (a forwarder)
  is refused by this rule even when DKIM passed: the price of the rule.

``check(message_headers, from_address, authserv_id)`` returns ``(ok, reason)``;
the reason is one short, cleaned line for the log.
"""
from __future__ import absolute_import, unicode_literals

from .compat import string_types, to_text
from .logs import clean

HEADER = 'authentication-results'
_MAX_HEADERS = 50          # a message with more is hostile; the rest are ignored
_MAX_HEADER_CHARS = 16 * 1024   # a longer header is not read (and refuses if trusted)
_MAX_COMMENT_DEPTH = 20

_SPECIALS = '=;/'


class AuthResult(object):
    """One ``method=result`` entry with its properties."""

    def __init__(self, method, result, props):
        self.method = method          # lowercased, without version
        self.result = result          # lowercased
        self.props = props            # {'header.from': 'example.com', ...}, keys lowercased

    def __repr__(self):
        return 'AuthResult(%r, %r, %r)' % (self.method, self.result, self.props)


class AuthResultsHeader(object):
    def __init__(self, authserv_id, results, whole=True):
        self.authserv_id = authserv_id    # lowercased text, or None when absent
        self.results = results            # list of AuthResult
        # False when the value was over the bound, or a comment or quoted
        # string never ended: results after that point are unknown.
        self.whole = whole

    def __repr__(self):
        return 'AuthResultsHeader(%r, %r)' % (self.authserv_id, self.results)


# --- lexing ---------------------------------------------------------------

def _tokens(text):
    """Split a header value into words, quoted strings and ``= ; /``.

    Comments (nested parentheses, with backslash escapes) are dropped, as
    RFC 5322 CFWS allows them almost anywhere.  Returns a list of
    ``(kind, value)`` with kind ``'w'`` (word), ``'q'`` (quoted) or the
    special character itself.  Unbalanced quotes or comments (or comments
    nested deeper than _MAX_COMMENT_DEPTH) end the value: ``_tokens.cut`` is
    then set on the returned list's owner (see parse_header).
    """
    out = []
    i = 0
    n = len(text)
    word = []

    def flush():
        if word:
            out.append(('w', ''.join(word)))
            del word[:]

    while i < n:
        c = text[i]
        if c == '(':
            flush()
            depth = 1
            i += 1
            while i < n and depth:
                c = text[i]
                if c == '\\':
                    i += 2
                    continue
                if c == '(':
                    depth += 1
                    if depth > _MAX_COMMENT_DEPTH:
                        return out, False
                elif c == ')':
                    depth -= 1
                i += 1
            if depth:
                return out, False
            continue
        if c == '"':
            flush()
            i += 1
            quoted = []
            closed = False
            while i < n:
                c = text[i]
                if c == '\\' and i + 1 < n:
                    quoted.append(text[i + 1])
                    i += 2
                    continue
                if c == '"':
                    closed = True
                    i += 1
                    break
                quoted.append(c)
                i += 1
            if not closed:
                return out, False
            out.append(('q', ''.join(quoted)))
            continue
        if c in _SPECIALS:
            flush()
            out.append((c, c))
        elif c.isspace():
            flush()
        else:
            word.append(c)
        i += 1
    flush()
    return out, True


def _split_semicolons(tokens):
    parts = [[]]
    for tok in tokens:
        if tok[0] == ';':
            parts.append([])
        else:
            parts[-1].append(tok)
    return parts


def _parse_resinfo(tokens):
    """``method[/version]=result`` then ``reason=...`` and ``ptype.prop=value``."""
    if len(tokens) < 3 or tokens[0][0] != 'w':
        return None
    method = tokens[0][1].lower()
    i = 1
    if tokens[i][0] == '/':
        i += 2  # skip the method version
    if i + 1 >= len(tokens) or tokens[i][0] != '=' or tokens[i + 1][0] not in ('w', 'q'):
        return None
    result = tokens[i + 1][1].lower()
    i += 2
    props = {}
    while i + 2 < len(tokens):
        key, eq, value = tokens[i], tokens[i + 1], tokens[i + 2]
        if key[0] == 'w' and eq[0] == '=' and value[0] in ('w', 'q'):
            name = key[1].lower()
            # The first value of a property wins: a later duplicate is as
            # likely an injection as a correction.
            if name not in props:
                props[name] = value[1]
            i += 3
        else:
            i += 1
    if not method or not result:
        return None
    return AuthResult(method, result, props)


def parse_header(value):
    """One ``Authentication-Results`` value as an AuthResultsHeader (never raises)."""
    try:
        text = to_text(value) or ''
    except Exception:
        return AuthResultsHeader(None, [])
    if len(text) > _MAX_HEADER_CHARS:
        return AuthResultsHeader(_head_id(text), [], whole=False)
    text = text.replace('\r', ' ').replace('\n', ' ')
    tokens, whole = _tokens(text)
    parts = _split_semicolons(tokens)
    head = parts[0]
    authserv_id = None
    results = []
    if head and head[0][0] in ('w', 'q') and not (len(head) > 1 and head[1][0] == '='):
        authserv_id = head[0][1].strip().lower() or None
    elif head:
        # No authserv-id (Exchange Online style): the first part is a result.
        parsed = _parse_resinfo(head)
        if parsed is not None:
            results.append(parsed)
    for part in parts[1:]:
        parsed = _parse_resinfo(part)
        if parsed is not None:
            results.append(parsed)
    return AuthResultsHeader(authserv_id, results, whole)


def _head_id(text):
    """The authserv-id of a header too long to parse (its first word), or None."""
    head = text[:256].split(';', 1)[0].strip()
    if not head or '=' in head or '(' in head or ' ' in head:
        return None
    return head.lower()


# --- reading headers from the caller's shape --------------------------------

def header_values(message_headers):
    """The ``Authentication-Results`` values from a Message, a mapping, a list
    of ``(name, value)`` pairs or a list of plain values."""
    if message_headers is None:
        return []
    values = []
    get_all = getattr(message_headers, 'get_all', None)
    if callable(get_all):
        found = get_all('Authentication-Results') or []
        values = list(found)
    elif isinstance(message_headers, dict):
        for name, value in message_headers.items():
            if to_text(name).strip().lower() == HEADER:
                values.extend(value if isinstance(value, (list, tuple)) else [value])
    else:
        for item in message_headers:
            if isinstance(item, (list, tuple)) and len(item) == 2:
                if to_text(item[0]).strip().lower() == HEADER:
                    values.append(item[1])
            elif isinstance(item, string_types):
                values.append(item)
    return [to_text(v) for v in values[:_MAX_HEADERS] if v is not None]


# --- domains ----------------------------------------------------------------

def ascii_domain(domain):
    """Lowercased ASCII (IDNA) form, or None when it is not a usable domain."""
    if not domain:
        return None
    domain = to_text(domain).strip().strip('.').lower()
    if domain.startswith('@'):
        domain = domain[1:]
    if '@' in domain:
        domain = domain.rsplit('@', 1)[1]
    if not domain or any(c.isspace() for c in domain):
        return None
    try:
        domain.encode('ascii')
    except UnicodeError:
        try:
            domain = domain.encode('idna').decode('ascii').lower()
        except Exception:
            return None
    if '..' in domain:
        return None
    return domain


def aligned(auth_domain, from_domain):
    """Equal, or ``auth_domain`` is a subdomain of ``from_domain``."""
    a = ascii_domain(auth_domain)
    f = ascii_domain(from_domain)
    if not a or not f:
        return False
    return a == f or a.endswith('.' + f)


def _domain_of_address(address):
    address = to_text(address or '').strip()
    if address.startswith('<') and address.endswith('>'):
        address = address[1:-1]
    if '@' not in address:
        return None
    return ascii_domain(address.rsplit('@', 1)[1])


# --- the check ----------------------------------------------------------------

def _evidence(result):
    """(method, domain) a result speaks about, or None."""
    props = result.props
    if result.method == 'dmarc':
        return 'dmarc', ascii_domain(props.get('header.from'))
    if result.method == 'dkim':
        domain = props.get('header.d') or props.get('header.i')
        return 'dkim', ascii_domain(domain)
    if result.method == 'spf':
        return 'spf', ascii_domain(props.get('smtp.mailfrom'))
    return None


def _is_preparsed(item):
    return (isinstance(item, (list, tuple)) and len(item) == 2
            and isinstance(item[1], (list, tuple)))


def _from_preparsed(item):
    """``(authserv_id, [(method, result, {prop: value})])`` as an AuthResultsHeader."""
    authserv_id = to_text(item[0] or '').strip().lower() or None
    results = []
    for entry in list(item[1])[:_MAX_HEADERS]:
        try:
            method, result, props = entry
            props = dict((to_text(k).lower(), to_text(v)) for k, v in dict(props).items())
            results.append(AuthResult(to_text(method).lower(), to_text(result).lower(), props))
        except (TypeError, ValueError):
            continue
    return AuthResultsHeader(authserv_id, results)


def parsed_headers(message_headers):
    """Every ``Authentication-Results`` header as an AuthResultsHeader.

    Raw values (from a Message, mapping, pairs or plain strings) are parsed
    here.  Already parsed ``(authserv_id, [(method, result, props)])`` items
    are taken as they are: their parser decided where quoted strings end, so
    callers should prefer handing in the raw values.
    """
    if isinstance(message_headers, (list, tuple)) and message_headers and all(
            _is_preparsed(item) for item in message_headers):
        return [_from_preparsed(item) for item in list(message_headers)[:_MAX_HEADERS]]
    return [parse_header(value) for value in header_values(message_headers)]


def _ordered(message_headers):
    """[(is Authentication-Results, value)] top first, bounded."""
    if message_headers is None:
        return []
    if callable(getattr(message_headers, 'get_all', None)):
        items = list(message_headers.items())
    elif isinstance(message_headers, dict):
        return [(True, v) for v in header_values(message_headers)]
    else:
        items = list(message_headers)
    out = []
    seen = 0
    for item in items:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            is_ar = to_text(item[0]).strip().lower() == HEADER
            value = item[1]
        elif isinstance(item, string_types):
            is_ar, value = True, item
        else:
            continue
        if is_ar:
            seen += 1
            if seen > _MAX_HEADERS:
                break
        out.append((is_ar, to_text(value) if is_ar and value is not None else ''))
    return out


def trusted_run(message_headers, pinned):
    """(the pinned server's own headers as AuthResultsHeader, how many other
    Authentication-Results headers were ignored).  See the module notes."""
    pinned = to_text(pinned or '').strip().lower()
    if isinstance(message_headers, (list, tuple)) and message_headers and all(
            _is_preparsed(item) for item in message_headers):
        ordered = [(True, _from_preparsed(item)) for item in list(message_headers)[:_MAX_HEADERS]]
    else:
        ordered = [(is_ar, parse_header(value) if is_ar else None)
                   for is_ar, value in _ordered(message_headers)]
    run = []
    total = 0
    for is_ar, parsed in ordered:
        total += 1 if is_ar else 0
        if run:
            if not is_ar or parsed.authserv_id != pinned:
                break
            run.append(parsed)
        elif is_ar and parsed.authserv_id == pinned:
            run.append(parsed)
    ignored = sum(1 for is_ar, _p in ordered if is_ar) - len(run)
    return run, ignored


def _speaks_for(domain, from_domain):
    # A result without a domain speaks about the whole message.
    return not domain or aligned(domain, from_domain)


def check(message_headers, from_address, authserv_id):
    """``(ok, reason)``: did the pinned server authenticate the From domain?

    ``authserv_id`` empty or None means the check is off (ok).
    """
    pinned = to_text(authserv_id or '').strip().lower()
    if not pinned:
        return True, 'sender authentication not configured'
    from_domain = _domain_of_address(from_address)
    if not from_domain:
        return False, 'sender authentication: no usable From domain'
    trusted, ignored = trusted_run(message_headers, pinned)
    if not trusted:
        return False, ('sender authentication: no Authentication-Results from %s '
                       '(%d other ignored)' % (_short(pinned), ignored))

    for header in trusted:
        if not header.whole:
            # Never judged on part of the server's own header: what was not
            # read may be the fail.
            return False, 'sender authentication: a header from %s could not be read whole' % (
                _short(pinned))
    passes = []
    refusals = {}  # method -> the first non-pass that speaks for the From domain
    once = {}  # method -> set of (result, domain), for dmarc and spf
    for header in trusted:
        for result in header.results:
            evidence = _evidence(result)
            if evidence is None:
                continue
            method, domain = evidence
            if method in ('dmarc', 'spf'):
                once.setdefault(method, set()).add((result.result, domain))
            if result.result != 'pass':
                # dmarc=none: the domain publishes no policy, a fact about
                # the domain, not a verdict on this message.
                if method == 'dmarc' and result.result == 'none':
                    continue
                if method not in refusals and _speaks_for(domain, from_domain):
                    refusals[method] = 'sender authentication: %s=%s for %s' % (
                        method, _short(result.result, 20), _short(domain or from_domain))
                continue
            if not domain:
                continue
            if method == 'dmarc' and domain == from_domain:
                passes.append('dmarc=pass header.from=%s' % domain)
            elif method in ('dkim', 'spf') and aligned(domain, from_domain):
                key = 'header.d' if method == 'dkim' else 'smtp.mailfrom'
                passes.append('%s=pass %s=%s' % (method, key, domain))
    for method in ('dmarc', 'spf', 'dkim'):   # the policy result says most
        if method in refusals:
            return False, refusals[method]
    for method in sorted(once):
        if len(once[method]) > 1:
            return False, 'sender authentication: conflicting %s results (%d different)' % (
                method, len(once[method]))
    if passes:
        return True, 'sender authenticated by %s: %s' % (_short(pinned), _short(passes[0]))
    return False, 'sender authentication: no aligned pass for %s from %s' % (
        _short(from_domain), _short(pinned))


def _short(text, limit=120):
    # Values here come from mail headers: keep them one bounded, printable line.
    return clean(text, limit)
