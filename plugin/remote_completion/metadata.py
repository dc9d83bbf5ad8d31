"""The metadata block of a reply: its text, labels, marker header, actions,
writing (``block``) and finding (``find_blocks``, ``resolve``).

The request mail writes the block and the fetcher reads it back, so both
sides take every spelling from here.  Pure, no I/O, text in and text out.

Finding is bounded and linear: lines longer than ``MAX_LINE_CHARS`` are
prose, never candidates, and labels are recognised by plain string tests
(no regular expression can backtrack over hostile input).  A label counts
only inside a block, i.e. after the header line ``METADATA (DO NOT MODIFY)``
(a client may wrap that line; two or three pieces are joined): a label in
prose, for instance where a re-wrapping client breaks the instruction
sentence before a task title that holds ``ACTION: FAIL``, is not metadata.
``prose`` keeps the plugin's own sentences from ever holding a header or a
label, so that even a hard wrap at any column cannot make one.
"""
from __future__ import absolute_import, unicode_literals

import re

# --- the format ---------------------------------------------------------------
MARKER_HEADER = 'X-XLR-Remote-Completion'   # on every request mail the plugin sends
MARKER_REQUEST = 'request'
HEADER_LINE = 'METADATA (DO NOT MODIFY)'
ACTION = 'ACTION'
TASK_ID = 'TASK_ID'
SIGNATURE = 'SIGNATURE'
LABELS = (ACTION, TASK_ID, SIGNATURE)
COMPLETE = 'COMPLETE'
FAIL = 'FAIL'
ACTIONS = (COMPLETE, FAIL)
# The instruction sentence above the block (the comment ends where it starts).
INSTRUCTION_START = 'Please send this message to'

# --- bounds --------------------------------------------------------------------
MAX_LINE_CHARS = 1000        # a label line is < 600 characters; longer lines are prose
MAX_TASK_ID_CHARS = 512
MAX_SIGNATURE_CHARS = 160
_HEADER_PIECES = 3           # lines a wrapped header line may span

# --- outcomes of resolve (reason codes shared with reply and decide) -------------
NO_METADATA = 'no-metadata'
INCOMPLETE_METADATA = 'incomplete-metadata'
CONFLICTING_METADATA = 'conflicting-metadata'

_ID_ROOT = 'applications/'
_ID_CHARS = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_.-')
_TOKEN_CHARS = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.')
_SPELLINGS = ((ACTION, ('ACTION',)), (TASK_ID, ('TASK_ID', 'TASK ID', 'TASKID')),
              (SIGNATURE, ('SIGNATURE',)))
_HEADER_FOLDED = 'METADATA(DONOTMODIFY)'
_INVISIBLE_CHARS = '\u200b\u200c\u200d\u2060\ufeff\u00ad'
_ODD_SPACE_CHARS = '\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t'
_INVISIBLE = re.compile('[%s]' % _INVISIBLE_CHARS, re.U)
_ODD_SPACES = re.compile('[%s]' % _ODD_SPACE_CHARS, re.U)
_NOT_PLAIN = re.compile('[%s%s]' % (_INVISIBLE_CHARS, _ODD_SPACE_CHARS), re.U)


# --- writing ----------------------------------------------------------------------

def block(action, task_id, signature):
    """The block's lines, CRLF separated (values must be one line already)."""
    if action not in ACTIONS:
        raise ValueError('unknown action')
    return '\r\n'.join([HEADER_LINE, '%s: %s' % (ACTION, action), '%s: %s' % (TASK_ID, task_id),
                        '%s: %s' % (SIGNATURE, signature)])


# A label as the finder reads it: the word, stars or spaces, then the colon.
_PROSE_LABEL = re.compile(r'(ACTION|TASK[_\s]?ID|SIGNATURE)([*\s]*):', re.I | re.U)


def prose(text):
    """Text the plugin writes around the block (a sentence quoting a task
    title, say), changed so that no line of any wrapping of it can be read as
    a header or a label: invisible characters go, a label's colon becomes
    its full-width look-alike, and so do the parentheses when the text holds
    the header's words (the finder only knows the ASCII ones)."""
    text = _PROSE_LABEL.sub('\\1\\2\uff1a', _INVISIBLE.sub('', text))
    if 'DONOTMODIFY' in _fold(text):
        text = text.replace('(', '\uff08').replace(')', '\uff09')
    return text


# --- finding ------------------------------------------------------------------------

def normalise_line(line, plain=False):
    """(quote depth, the line without quote marks, invisible characters or
    odd spaces, stripped).  Linear: a plain scan, no regular expression that
    could backtrack.  ``plain``: the line holds none of those characters
    (``normalised_lines`` finds that out for a whole text at once)."""
    if not plain:
        line = _ODD_SPACES.sub(' ', _INVISIBLE.sub('', line))
    depth = 0
    index = 0
    length = len(line)
    while True:
        probe = index
        while probe < length and line[probe] in ' \t':
            probe += 1
        if probe < length and line[probe] == '>':
            depth += 1
            index = probe + 1
        else:
            break
    return depth, line[index:].strip()


_last = [(None, None)]   # (text, its normalised lines): the latest text only


def normalised_lines(text):
    """``normalise_line`` of each line of ``text`` (LF separated), each cut to
    MAX_LINE_CHARS first; the list is shared, never change it.  One search
    of the whole text instead of two substitutions a line, and a text is
    done once: the finder, then the comment, read the same lines."""
    last = _last[0]
    if last[0] is text:
        return last[1]
    plain = _NOT_PLAIN.search(text) is None
    lines = [normalise_line(line[:MAX_LINE_CHARS], plain) for line in text.split('\n')]
    _last[0] = (text, lines)
    return lines


def _fold(line):
    return line.replace(' ', '').replace('*', '').upper()


def header_pieces(lines, index):
    """How many lines (1.._HEADER_PIECES) starting at ``index`` make the
    header line, or 0.  ``lines`` hold (depth, text) pairs."""
    depth, text = lines[index]
    folded = _fold(text).rstrip(':')
    if folded == _HEADER_FOLDED:
        return 1
    if len(folded) < 8 or not _HEADER_FOLDED.startswith(folded):
        return 0
    for extra in range(1, _HEADER_PIECES):
        if index + extra >= len(lines) or lines[index + extra][0] != depth:
            return 0
        folded += _fold(lines[index + extra][1])
        if folded.rstrip(':') == _HEADER_FOLDED:
            return extra + 1
        if not _HEADER_FOLDED.startswith(folded):
            return 0
    return 0


def _only(chars):
    """The characters of ``chars`` as one string, for ``_chars_in``."""
    return ''.join(sorted(chars))


_ID_VALUE = _only(_ID_CHARS)
_TOKEN_VALUE = _only(_TOKEN_CHARS)


def _chars_in(value, allowed):
    """Is ``value`` made of the characters of ``allowed`` only?  Stripping
    them from both ends leaves nothing exactly then: one native call.  On
    Jython a loop over the characters (or frozenset.issuperset, which boxes
    each one) costs about 40 us for a task id and a signature, a regular
    expression a few us (every match builds a state and caches the text's
    code points), the strip well under one."""
    return not value.strip(allowed)


def label_of(text, strict=True):
    """(label, value) of a label line, or (None, None).  ``text`` is a
    normalised line of at most MAX_LINE_CHARS characters.  ``strict``: the
    value must also look like one (a malformed one inside a block is still
    that label, and makes the block incomplete)."""
    rest = text.lstrip('*')
    head = rest[:9].upper()
    for name, spellings in _SPELLINGS:
        for spelling in spellings:
            if not head.startswith(spelling):
                continue
            after = rest[len(spelling):].lstrip('*').lstrip()
            if not after.startswith(':'):
                return None, None
            value = after[1:].strip().rstrip('*').strip()
            return (name, value) if not strict or _plausible(name, value) else (None, None)
    return None, None


def _plausible(name, value):
    # One token of the right kind, or nothing (a client wrapped the value).
    if ' ' in value or '\t' in value:
        return False
    if name == ACTION:
        upper = value.upper()
        return COMPLETE.startswith(upper) or FAIL.startswith(upper)   # a prefix of one
    if name == TASK_ID:
        lower = value.lower()
        return _chars_in(value, _ID_VALUE) and (
            lower.startswith(_ID_ROOT) or _ID_ROOT.startswith(lower))
    return _chars_in(value, _TOKEN_VALUE)


def _signature_complete(value):
    # The token's shape belongs to signature.py (imported here, not at the
    # top: signature takes ACTIONS from this module).
    from . import signature
    return bool(value) and signature.normalise(value) is not None


def _continues(name, value, piece):
    """Is ``piece`` (a non-label line, spaces removed) the wrapped rest of
    ``name``'s value?"""
    if name == TASK_ID:
        return (_chars_in(piece, _ID_VALUE) and '/' in (value + piece)
                and len(value) <= MAX_TASK_ID_CHARS)
    if name == SIGNATURE:
        return (_chars_in(piece, _TOKEN_VALUE) and len(value) <= MAX_SIGNATURE_CHARS
                and not _signature_complete(value))
    if name == ACTION:
        joined = (value + piece).upper()
        return (piece.isalpha() and value.upper() not in ACTIONS
                and (COMPLETE.startswith(joined) or FAIL.startswith(joined)))
    return False


class Block(object):
    """One block found in a text: the label values and where it starts."""

    def __init__(self, start_line):
        self.start_line = start_line
        self.values = {}

    # Written out over LABELS: a generator is about 5 us on Jython.
    def key(self):
        values = self.values
        return (values.get(ACTION), values.get(TASK_ID), values.get(SIGNATURE))

    def complete(self):
        values = self.values
        return bool(values.get(ACTION) and values.get(TASK_ID) and values.get(SIGNATURE))

    def __repr__(self):
        return 'Block(line %d, %s)' % (self.start_line, sorted(self.values))


def find_blocks(text):
    """Every block in ``text`` (its lines separated by LF), in order.
    ACTION values come back upper-cased, SIGNATURE values lower-cased and
    without white space (mail clients wrap and capitalise them)."""
    lines = [pair if len(line) <= MAX_LINE_CHARS else (0, None)
             for line, pair in zip(text.split('\n'), normalised_lines(text))]
    blocks = []
    current = None
    last = None            # the label whose value the next line may continue
    last_depth = 0
    index = 0
    while index < len(lines):
        depth, line = lines[index]
        pieces = header_pieces(lines, index) if line else 0
        if pieces:
            current = Block(index)
            blocks.append(current)
            last = None
            index += pieces
            continue
        index += 1
        if current is None:
            continue
        if line is None:       # an over-long line: prose, the block is over
            current = last = None
            continue
        if not line:
            # A blank line ends a wrapped value, not the block: HTML
            # conversions put blank lines between the labels.
            last = None
            continue
        name, value = label_of(line, strict=False)
        if name is not None and name not in current.values:
            current.values[name] = value
            last, last_depth = name, depth
            continue
        if name is None and last is not None and depth == last_depth:
            piece = line.replace(' ', '')
            if _continues(last, current.values[last], piece):
                current.values[last] += piece
                continue
        # Anything else (prose, a label again) ends the block.
        current = last = None
    found = []
    for item in blocks:
        if not item.values:
            continue
        if item.values.get(ACTION):
            item.values[ACTION] = item.values[ACTION].upper()
        if item.values.get(SIGNATURE):
            item.values[SIGNATURE] = item.values[SIGNATURE].lower()
        found.append(item)
    return found


def resolve(blocks):
    """((action, task_id, signature), None) for one consistent complete
    block, or (None, reason)."""
    if not blocks:
        return None, NO_METADATA
    complete = set([b.key() for b in blocks if b.complete()])
    if len(complete) > 1:
        return None, CONFLICTING_METADATA
    if not complete:
        return None, INCOMPLETE_METADATA
    chosen = list(complete)[0]
    if not (_plausible(ACTION, chosen[0]) and _plausible(TASK_ID, chosen[1])
            and _plausible(SIGNATURE, chosen[2])) \
            or chosen[0] not in ACTIONS or len(chosen[1]) > MAX_TASK_ID_CHARS \
            or len(chosen[2]) > MAX_SIGNATURE_CHARS:
        return None, INCOMPLETE_METADATA   # no API call with a hostile, huge id
    # A partial copy (a cut quote) may stand beside the full block only if
    # it agrees with it on every label it has.
    for item in blocks:
        for position, name in enumerate(LABELS):
            value = item.values.get(name)
            if value and value != chosen[position]:
                return None, CONFLICTING_METADATA
    return chosen, None


def is_instruction(text):
    """Does a normalised line (joined with the next one: clients wrap it)
    start the instruction sentence?"""
    words = text[:len(INSTRUCTION_START) * 3].lower().split()
    return words[:4] == INSTRUCTION_START.lower().split()[:4]
