"""A person's own words in a reply, and the action a plain Reply says.

Most people press Reply rather than a button.  Their words stand above the
quoted request; mail systems add things around them that are not theirs:
gateway banners on top ("CAUTION: This email originated from outside ..."),
"Sent from my iPhone" and signature blocks below, legal disclaimers at the
end.  ``own_words`` keeps only the person's lines; ``say_action`` reads the
first words of a plain reply ("Approved, CR-1042 checked").

Pure and linear: every test is a plain string test on a bounded line.
"""
from __future__ import absolute_import, unicode_literals

COMPLETE = 'COMPLETE'
FAIL = 'FAIL'
# Words that decide on their own, followed by anything.
_WORDS = {
    'complete': COMPLETE, 'completed': COMPLETE, 'approve': COMPLETE, 'approved': COMPLETE,
    'done': COMPLETE,
    'fail': FAIL, 'failed': FAIL, 'reject': FAIL, 'rejected': FAIL,
}
# Short words that also start ordinary sentences ("No problem, go ahead"):
# they decide only when a punctuation mark or the end of the line follows.
_SHORT_WORDS = {'yes': COMPLETE, 'ok': COMPLETE, 'okay': COMPLETE, 'no': FAIL}
_PUNCTUATION = '.,;:!?-\u2013\u2014)'
_DASHES = '-\u2013\u2014'
_LEADING = ' \t*_>"\'(\u201c\u2018['

# A paragraph at the top that starts like this is the mail system's, not the person's.
_BANNERS = (
    'caution:', 'caution -', 'warning:', 'attention:', 'notice:', 'external email',
    'external sender', 'external message', 'external:',
    'this email originated from outside', 'this message originated from outside',
    'this e-mail originated from outside', 'this email is from an external',
    'this message is from an external', 'this message was sent from outside',
    'you don\'t often get email from', 'you don\u2019t often get email from',
    'some people who received this message don\'t often get email from',
    'some people who received this message don\u2019t often get email from',
)
_TAGS = ('[external]', '[ext]', '[external email]', '*external*')
# Everything from a line that starts like this is a sign-off or a disclaimer.
_SIGN_OFFS = (
    'sent from my ', 'sent from mail for windows', 'sent from outlook', 'get outlook for ',
    'sent from yahoo mail', 'sent from samsung', 'sent via ', 'sent with ',
    'von meinem ', 'gesendet von ', 'envoy\u00e9 de mon ', 'envoy\u00e9 depuis ',
    'verzonden vanaf mijn ', 'verstuurd vanaf mijn ', 'enviado desde mi ', 'enviado do meu ',
    'inviato da ', 'skickat fr\u00e5n min ',
)
_DISCLAIMERS = (
    'confidentiality notice', 'disclaimer:', 'this e-mail and any attachments',
    'this email and any attachments', 'this email and any files transmitted',
    'this e-mail and any files transmitted', 'this message and any attachments',
    'the information contained in this e-mail', 'the information contained in this email',
    'the information contained in this message', 'this e-mail is confidential',
    'this email is confidential', 'this message is confidential',
)


def _starts(text, prefixes):
    # One startswith over the tuple: a generator over the prefixes costs a
    # call per prefix on Jython (about 0.1 ms a mail).
    return text.lower().startswith(prefixes)


def _strip_tags(line):
    stripped = line.lstrip()
    lowered = stripped.lower()
    if not lowered.startswith(_TAGS):
        return line
    for tag in _TAGS:
        if lowered.startswith(tag):
            return stripped[len(tag):].lstrip()
    return line


def own_words(lines):
    """The person's lines from the unquoted lines above the quote: top
    banners, tags, sign-offs, signature blocks and disclaimers removed."""
    lines = list(lines)
    # Banner paragraphs at the top (a gateway may add more than one).
    while True:
        while lines and not lines[0].strip():
            lines.pop(0)
        if not lines or not _starts(_strip_tags(lines[0]).strip().lstrip('*_ '), _BANNERS):
            break
        while lines and lines[0].strip():
            lines.pop(0)
    if lines:
        lines[0] = _strip_tags(lines[0])
    kept = []
    for line in lines:
        text = line.strip()
        if line.rstrip('\r') == '-- ' or text == '--' or text == '\u2014':
            break
        if _starts(text, _SIGN_OFFS) or _starts(text.lstrip('*_ '), _DISCLAIMERS):
            break
        kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    return kept


def _ends_a_word(rest):
    # "No." / "No, ..." / "Okay - ship it" decide; "No problem" / "Okay-ish" do not.
    following = rest.lstrip(' \t')
    if not following:
        return True
    if following[0] in _DASHES:
        return rest[:1] in ' \t'
    return following[0] in _PUNCTUATION


def say_action(words):
    """(action, comment) from a plain reply's own words: the first word says
    the action, the rest of the first paragraph is the comment.  (None,
    None) when the first words say neither."""
    paragraph = []
    for line in words:
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    text = ' '.join(paragraph).lstrip(_LEADING)
    end = 0
    while end < len(text) and text[end].isalpha():
        end += 1
    word, rest = text[:end].lower(), text[end:]
    if word in _WORDS:
        action = _WORDS[word]
    elif word in _SHORT_WORDS and _ends_a_word(rest):
        action = _SHORT_WORDS[word]
    else:
        return None, None
    comment = rest.lstrip(_PUNCTUATION + ' \t').strip()
    return action, comment
