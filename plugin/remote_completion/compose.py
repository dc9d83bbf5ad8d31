"""The request mail: what an assignee receives when the task starts.

Pure: builds an ``email`` message from plain values, no I/O.  Everything that
comes from the server (task and release titles, description, names) is
untrusted: it is HTML-escaped in the HTML part, folded to one line and
encoded with ``email.header`` in headers, and percent-encoded in links.

The reply template (``reply_template``) ends with the metadata block
(metadata.py owns its text); every sentence the plugin writes around it goes
through ``metadata.prose``, so a task title can never pose as a label.

The composition API: ``compose_request(details, recipient_email,
recipient_name, smtp_from, reply_to, signatures, now=None)`` returns the
message (``message_bytes`` gives what SMTP sends); ``reply_template`` and
``reply_link`` give one button's reply; ``RequestDetails`` holds the task's
texts.
"""
from __future__ import absolute_import, unicode_literals

import quopri
import re
import time
import uuid
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import formataddr, formatdate, parseaddr

from . import mailto, metadata
from .compat import to_text
from .metadata import COMPLETE, FAIL

# The fallback block in the HTML part. The task id is one long word: let it
# break anywhere, or a phone's mail app scrolls the whole mail sideways.
METADATA_HTML = ('<p style="margin:0 0 8px 0;font-size:12px;color:#555555;'
                 'font-family:Consolas,Menlo,monospace;word-break:break-all;'
                 'overflow-wrap:anywhere;">%s</p>')
SUBJECT_PREFIXES = {COMPLETE: 'Complete', FAIL: 'Fail'}
BUTTON_LABELS = {COMPLETE: 'Complete task', FAIL: 'Fail task'}

# Outlook's limit is 2,000 characters; stay clear of it.
MAX_LINK_LENGTH = 1800
SUBJECT_TITLE_LIMIT = 150
DESCRIPTION_LIMIT = 5000
ELLIPSIS = '\u2026'

_CONTROLS = re.compile('[\x00-\x1f\x7f-\x9f\u2028\u2029]')
_BIDI = re.compile('[\u202a-\u202e\u2066-\u2069]')
_ADDRESS = re.compile(r'^[^\s<>()",;:\\@\[\]]+@[^\s<>()",;:\\@\[\]]+$')


# Jython's unicode.split() breaks characters outside the BMP into surrogate
# halves, so white space is folded with a regular expression instead.
_SPACES = re.compile(r'\s+', re.UNICODE)


def cut(text, length):
    """``text[:length]`` without leaving half of a surrogate pair at the end."""
    text = text[:max(0, length)]
    if text and 0xD800 <= ord(text[-1]) <= 0xDBFF:
        text = text[:-1]
    return text


def one_line(value, limit=None):
    """Untrusted text as one line: no CR/LF or other controls (they would end
    a header or a line of the reply template), white space folded."""
    text = _BIDI.sub('', _CONTROLS.sub(' ', to_text(value or '')))
    text = _SPACES.sub(' ', text).strip()
    if limit is not None and len(text) > limit:
        text = cut(text, limit - 1).rstrip() + ELLIPSIS
    return text


def multi_line(value, limit=DESCRIPTION_LIMIT):
    """Untrusted text that keeps its line breaks (a description)."""
    text = to_text(value or '').replace('\r\n', '\n').replace('\r', '\n')
    text = _BIDI.sub('', re.sub('[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]', ' ', text)).strip()
    if len(text) > limit:
        text = cut(text, limit - 1).rstrip() + ELLIPSIS
    return text


def escape_html(value):
    text = to_text(value or '')
    return (text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
            .replace('"', '&quot;').replace("'", '&#39;'))


def check_address(address):
    """A bare address that is safe in a header and a link, or ValueError."""
    address = to_text(address or '').strip()
    if not _ADDRESS.match(address) or _CONTROLS.search(address):
        raise ValueError('not a usable email address: %s' % one_line(address, 100))
    return address


# --- the reply the buttons open ----------------------------------------------

def reply_subject(action, task_title):
    return '%s: %s' % (SUBJECT_PREFIXES[action], one_line(task_title))


def metadata_block(action, task_id, signature):
    """The lines the fetcher reads (CRLF separated)."""
    return metadata.block(action, one_line(task_id), one_line(signature))


def prose_line(value, limit=None):
    """Untrusted text inside a sentence the plugin writes: one line that
    cannot be read as a metadata header or label, however it is wrapped."""
    return metadata.prose(one_line(value, limit))


def reply_template(action, task_title, release_title, task_id, signature):
    """(subject, body) of the reply: two empty lines for a comment, the
    sentence, an empty line, the metadata block.  CRLF line breaks."""
    if action not in SUBJECT_PREFIXES:
        raise ValueError('unknown action')
    sentence = "%s %s with title '%s' on release '%s'" % (
        metadata.INSTRUCTION_START, BUTTON_LABELS[action], prose_line(task_title),
        prose_line(release_title))
    body = '\r\n\r\n' + sentence + '\r\n\r\n' + metadata_block(action, task_id, signature)
    return reply_subject(action, task_title), body


def _shorten(text, budget):
    """``text`` cut (with an ellipsis) until its percent-encoded form has at
    most ``budget`` characters."""
    if budget is None or len(mailto.quote(text)) <= budget:
        return text
    short = text
    while short and len(mailto.quote(short + ELLIPSIS)) > budget:
        # Cut roughly the overflow at once (an encoded char is 1 to 12 long).
        overflow = len(mailto.quote(short + ELLIPSIS)) - budget
        short = cut(short, len(short) - max(1, overflow // 12))
    return (short.rstrip() + ELLIPSIS) if short else ''


_BUDGETS = (None, 600, 400, 300, 200, 120, 60, 20, 0)


def reply_link(reply_to, action, task_title, release_title, task_id, signature,
               limit=MAX_LINK_LENGTH):
    """The ``mailto:`` link of one button, below ``limit`` characters: long
    titles are shortened in the subject and the sentence (never the metadata)."""
    reply_to = check_address(reply_to)
    task_title, release_title = one_line(task_title), one_line(release_title)
    for budget in _BUDGETS:
        subject, body = reply_template(action, _shorten(task_title, budget),
                                       _shorten(release_title, budget), task_id, signature)
        link = mailto.build(reply_to, subject, body)
        if len(link) < limit:
            return link
    raise ValueError('the reply link is too long even without titles (task id of %d characters)'
                     % len(to_text(task_id)))


# --- the request mail -----------------------------------------------------------

class RequestDetails(object):
    """What the request mail says about the task (all untrusted text)."""

    def __init__(self, task_id, task_title, release_title, phase_title='', description='',
                 assigned_to=''):
        self.task_id = to_text(task_id)
        self.task_title = to_text(task_title or '')
        self.release_title = to_text(release_title or '')
        self.phase_title = to_text(phase_title or '')
        self.description = to_text(description or '')
        self.assigned_to = to_text(assigned_to or '')


def text_part(text, subtype):
    """A UTF-8 quoted-printable text part.  Built by hand because Jython's
    MIMEText cannot take a Charset object, and the global charset registry
    (shared with every other script on the server) must not be changed."""
    part = MIMENonMultipart('text', subtype, charset='utf-8')
    encoded = quopri.encodestring(to_text(text).encode('utf-8'))
    part['Content-Transfer-Encoding'] = 'quoted-printable'
    part.set_payload(encoded.decode('ascii'))
    return part


def _is_ascii(text):
    try:
        text.encode('ascii')
        return True
    except UnicodeError:
        return False


def header_text(value, limit=None):
    """A header value from untrusted text: one line, RFC 2047 if not ASCII."""
    text = one_line(value, limit)
    if _is_ascii(text):
        return text
    return Header(text, 'utf-8').encode()


def format_address(name, address):
    """``Name <address>`` with the name encoded when needed."""
    address = check_address(address)
    name = one_line(name, 100)
    if not name:
        return address
    if _is_ascii(name):
        return formataddr((name, address))
    return '%s <%s>' % (Header(name, 'utf-8').encode(), address)


def split_from(from_address):
    """(display name, bare address) of a ``Full name <addr>`` setting."""
    name, address = parseaddr(one_line(from_address))
    return name, check_address(address)


def make_message_id(domain, now=None):
    domain = one_line(domain).strip('[]') or 'localhost'
    stamp = int((now if now is not None else time.time()) * 1000)
    return '<%d.%s@%s>' % (stamp, uuid.uuid4().hex, domain)


def plain_text(details, recipient_name, recipient_email, reply_to, links, blocks, task_link=None):
    title = prose_line(details.task_title)
    lines = [
        'XL Release - task: %s' % title,
        '',
        'Hello %s,' % (prose_line(recipient_name) or recipient_email),
        '',
        'The task "%s" in XL Release is waiting for you.' % title,
        '',
        'Task:        %s' % title,
        'Release:     %s' % prose_line(details.release_title),
        'Phase:       %s' % prose_line(details.phase_title),
        'Assigned to: %s' % prose_line(details.assigned_to),
    ]
    if task_link:
        lines.append('Open in XL Release: <%s>' % task_link)
    description = metadata.prose(multi_line(details.description))
    if description:
        lines += ['', 'Description:', description]
    lines += [
        '',
        'Or simply reply to this email: start with "Approved" or "Rejected"; the rest of',
        'your first paragraph is recorded as your comment.',
        '',
        'To complete the task, open this link and send the email it creates:',
        '<%s>' % links[COMPLETE],
        '',
        'To fail the task, open this link and send the email it creates:',
        '<%s>' % links[FAIL],
        '',
        'You may write a comment at the top of that email; it is recorded on the task.',
        '',
        'If your mail program does not open these links: write an email from this',
        'address (%s) to %s with the subject "%s"' % (recipient_email, reply_to,
                                                      reply_subject(COMPLETE, title)),
        '(or "%s") and end its text with these lines, unchanged:' % reply_subject(FAIL, title),
        '',
        'To complete the task (for Complete):',
        '',
        blocks[COMPLETE],
        '',
        'To fail the task (for Fail):',
        '',
        blocks[FAIL],
        '',
        '-- ',
        'Sent automatically by XL Release; the buttons work only for you.',
    ]
    return '\r\n'.join(lines).replace('\r\n', '\n') + '\n'


_BUTTON = (
    '<td align="center" bgcolor="%(color)s" style="border-radius:4px;background-color:%(color)s;'
    'padding:12px 18px;white-space:nowrap;">'
    '<a href="%(href)s" target="_blank" style="display:inline-block;font-family:Arial,Helvetica,'
    'sans-serif;font-size:16px;font-weight:bold;line-height:20px;color:#ffffff;'
    'white-space:nowrap;text-decoration:none;">%(label)s</a></td>'
)
_COLORS = {COMPLETE: '#1e7e34', FAIL: '#c82333'}


# Phones show a 390 px wide mail: each button stays one line there (nowrap,
# modest padding; tests/request/test_request_phone.py measures it in Chromium).
def _button(action, link):
    return _BUTTON % {'color': _COLORS[action], 'href': escape_html(link),
                      'label': escape_html(BUTTON_LABELS[action])}


def _row(label, value):
    return ('<tr><td style="padding:4px 12px 4px 0;color:#555555;font-family:Arial,Helvetica,'
            'sans-serif;font-size:14px;vertical-align:top;">%s</td>'
            '<td style="padding:4px 0;font-family:Arial,Helvetica,sans-serif;font-size:14px;'
            'color:#222222;">%s</td></tr>' % (escape_html(label), escape_html(one_line(value))))


_BLOCK_LABEL = ('<p style="margin:8px 0 2px 0;font-size:12px;color:#555555;font-weight:bold;">'
                '%s</p>')
_HEADER = ('<tr><td style="padding:12px 24px;background-color:#2b3a4a;color:#ffffff;'
           '%sfont-size:14px;line-height:20px;"><strong>XL Release</strong> &middot; task '
           '<span style="word-break:break-word;">%s</span></td></tr>')


def html_text(details, recipient_name, recipient_email, reply_to, links, blocks, task_link=None):
    font = 'font-family:Arial,Helvetica,sans-serif;'
    title = prose_line(details.task_title)
    description = metadata.prose(multi_line(details.description))
    parts = [
        '<!DOCTYPE html>',
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<title>%s</title></head>' % escape_html(title),
        '<body style="margin:0;padding:0;background-color:#f4f4f4;">',
        '<table role="presentation" width="100%" border="0" cellspacing="0" cellpadding="0" '
        'style="background-color:#f4f4f4;"><tr><td align="center" style="padding:24px 12px;">',
        '<table role="presentation" width="600" border="0" cellspacing="0" cellpadding="0" '
        'style="max-width:600px;width:100%;background-color:#ffffff;border:1px solid #dddddd;">',
        _HEADER % (font, escape_html(title)),
        '<tr><td style="padding:24px;%scolor:#222222;font-size:15px;line-height:22px;">' % font,
        '<p style="margin:0 0 12px 0;">Hello %s,</p>' % escape_html(
            prose_line(recipient_name) or recipient_email),
        '<p style="margin:0 0 16px 0;">The task <strong>%s</strong> in XL Release is waiting '
        'for you.</p>' % escape_html(title),
        '<table role="presentation" border="0" cellspacing="0" cellpadding="0" '
        'style="margin:0 0 16px 0;">',
        _row('Task', title),
        _row('Release', prose_line(details.release_title)),
        _row('Phase', prose_line(details.phase_title)),
        _row('Assigned to', prose_line(details.assigned_to)),
        '</table>',
    ]
    if task_link:
        parts.append('<p style="margin:0 0 16px 0;"><a href="%s" target="_blank" '
                     'style="color:#1a5fb4;">Open the task in XL Release</a></p>'
                     % escape_html(task_link))
    if description:
        parts.append('<p style="margin:0 0 4px 0;color:#555555;">Description</p>'
                     '<p style="margin:0 0 20px 0;white-space:pre-wrap;">%s</p>'
                     % escape_html(description).replace('\n', '<br>'))
    parts += [
        '<table role="presentation" border="0" cellspacing="0" cellpadding="0" '
        'style="margin:8px 0 20px 0;"><tr>',
        _button(COMPLETE, links[COMPLETE]),
        '<td width="16" style="width:16px;font-size:0;line-height:0;">&nbsp;</td>',
        _button(FAIL, links[FAIL]),
        '</tr></table>',
        '<p style="margin:0 0 12px 0;">A button opens a new email to %s; send it to complete '
        'or fail the task. You may write a comment at the top of that email; it is recorded '
        'on the task. Or simply reply to this email starting with &quot;Approved&quot; or '
        '&quot;Rejected&quot;.</p>' % escape_html(reply_to),
        '<p style="margin:0 0 8px 0;font-size:13px;color:#555555;">If the buttons do not open an '
        'email: write an email from this address (%s) to %s with the subject '
        '&quot;%s&quot; or &quot;%s&quot; and end its text with the matching lines below, '
        'unchanged.</p>' % (escape_html(recipient_email), escape_html(reply_to),
                            escape_html(reply_subject(COMPLETE, title)),
                            escape_html(reply_subject(FAIL, title))),
        _BLOCK_LABEL % 'for Complete',
        METADATA_HTML % escape_html(blocks[COMPLETE]).replace('\r\n', '<br>'),
        _BLOCK_LABEL % 'for Fail',
        METADATA_HTML % escape_html(blocks[FAIL]).replace('\r\n', '<br>'),
        '</td></tr></table>',
        '<p style="margin:12px 0 0 0;%sfont-size:12px;color:#888888;">Sent automatically by XL '
        'Release; the buttons work only for you.</p>' % font,
        '</td></tr></table></body></html>',
    ]
    return '\n'.join(parts) + '\n'


def compose_request(details, recipient_email, recipient_name, smtp_from, reply_to, signatures,
                    now=None, message_id=None, reply_address=None, task_link=None):
    """The request mail for one recipient.

    ``signatures``: {COMPLETE: sig, FAIL: sig} signed for ``recipient_email``.
    ``smtp_from``: the server's SMTP from address (``Full name <addr>`` allowed).
    ``reply_to``: the IMAP from address, where the buttons' mails go.
    ``message_id``/``reply_address``: the recipient's reply token
    (replytoken.py) as Message-ID and Reply-To (default: a plain Message-ID
    and ``reply_to``).  ``task_link``: the task's page (tasklink.py) or None.
    Returns an ``email.message.Message`` (7-bit clean: ``as_string()`` is ASCII).
    """
    recipient_email = check_address(recipient_email)
    reply_to = check_address(reply_to)
    from_name, from_address = split_from(smtp_from)
    now = time.time() if now is None else now
    links = {}
    blocks = {}
    for action in (COMPLETE, FAIL):
        links[action] = reply_link(reply_to, action, details.task_title, details.release_title,
                                   details.task_id, signatures[action])
        blocks[action] = metadata_block(action, details.task_id, signatures[action])

    message = MIMEMultipart('alternative')
    message['From'] = format_address(from_name, from_address)
    message['To'] = format_address(recipient_name, recipient_email)
    message['Reply-To'] = check_address(reply_address) if reply_address else reply_to
    message['Subject'] = header_text('Action required: %s' % one_line(details.task_title,
                                                                       SUBJECT_TITLE_LIMIT))
    message['Date'] = formatdate(now, localtime=False, usegmt=True)
    message['Message-ID'] = (one_line(message_id) if message_id
                             else make_message_id(from_address.rsplit('@', 1)[1], now))
    message['Auto-Submitted'] = 'auto-generated'
    message['X-Auto-Response-Suppress'] = 'All'
    message[metadata.MARKER_HEADER] = metadata.MARKER_REQUEST
    message.preamble = ''
    message.attach(text_part(plain_text(details, recipient_name, recipient_email, reply_to,
                                        links, blocks, task_link), 'plain'))
    message.attach(text_part(html_text(details, recipient_name, recipient_email, reply_to,
                                       links, blocks, task_link), 'html'))
    return message


def message_bytes(message):
    """The message as bytes for SMTP: ASCII (every part is QP-encoded) with
    CRLF line ends (CPython's smtplib sends bytes as they are, and a server
    reads bare-LF text as one over-long line)."""
    text = to_text(message.as_string())
    text = text.replace('\r\n', '\n').replace('\r', '\n').replace('\n', '\r\n')
    return text.encode('ascii')
