"""metadata.py: the block's text, finding it, and prose that can never pose as it."""
from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import given, settings, strategies as st

from remote_completion import compose, metadata, reply, signature

TASK = "Applications/Folder1/Release0123abcd/Phase1/Task0456ef"
SIG_V1 = "v1." + "ab12" * 16
SIG_V2 = "v2." + "0123456789abcdef" + "." + "cd34" * 16
_V2 = re.compile(r"^v2\.[0-9a-f]{16}\.[0-9a-f]{64}$")


@pytest.fixture
def v2_tokens(monkeypatch):
    """signature.normalise as decision 6 defines it (v2 tokens), whatever
    signature.py says today: the finder must take the token's shape from there."""
    def normalise(text):
        if text is None:
            return None
        text = re.sub(r"\s+", "", str(text)).lower()
        return text if _V2.match(text) else None
    monkeypatch.setattr(signature, "normalise", normalise)


def values(text):
    return metadata.resolve(metadata.find_blocks(text.replace("\r\n", "\n")))


def test_block_round_trip():
    for action in metadata.ACTIONS:
        text = metadata.block(action, TASK, SIG_V1)
        assert text.split("\r\n")[0] == metadata.HEADER_LINE
        assert values("ok\r\n\r\n" + text) == ((action, TASK, SIG_V1), None)
    with pytest.raises(ValueError):
        metadata.block("APPROVE", TASK, SIG_V1)


def test_labels_outside_a_block_are_prose():
    bare = "ACTION: FAIL\nTASK_ID: %s\nSIGNATURE: %s\n" % (TASK, SIG_V1)
    assert values(bare) == (None, metadata.NO_METADATA)
    # ...and prose lines that follow a genuine block do not add to it.
    text = metadata.block("COMPLETE", TASK, SIG_V1) + "\r\n\r\nThanks\r\n" + bare
    assert values(text) == (("COMPLETE", TASK, SIG_V1), None)


@pytest.mark.parametrize("width", [8, 10, 12, 16, 20])
def test_a_wrapped_header_line_is_joined(width):
    lines = textwrap.wrap(metadata.HEADER_LINE, width)
    assert len(lines) in (2, 3)
    text = "\n".join(lines) + "\nACTION: COMPLETE\nTASK_ID: %s\nSIGNATURE: %s\n" % (TASK, SIG_V1)
    assert values(text) == (("COMPLETE", TASK, SIG_V1), None)


@pytest.mark.parametrize("width", [5, 9, 16, 30, 64])
def test_signature_continues_on_the_next_lines(width, v2_tokens):
    token = SIG_V2
    pieces = [token[i:i + width] for i in range(0, len(token), width)]
    text = ("METADATA (DO NOT MODIFY)\n> ACTION: FAIL\nTASK_ID: %s\nSIGNATURE: %s\n%s\n\nthanks\n"
            % (TASK, pieces[0], "\n".join(pieces[1:])))
    text = text.replace("> ACTION", "ACTION")
    assert values(text) == (("FAIL", TASK, token), None)
    # The value on the line after its label (a phone wrapped right after it).
    text = "METADATA (DO NOT MODIFY)\nACTION: FAIL\nTASK_ID: %s\nSIGNATURE:\n%s\n" % (
        TASK, "\n".join(pieces))
    assert values(text) == (("FAIL", TASK, token), None)


def test_a_complete_signature_takes_no_more_lines(v2_tokens):
    text = "METADATA (DO NOT MODIFY)\nACTION: FAIL\nTASK_ID: %s\nSIGNATURE: %s\nabcdef\n" % (
        TASK, SIG_V2)
    assert values(text) == (("FAIL", TASK, SIG_V2), None)


def test_malformed_values_inside_a_block_make_it_incomplete():
    for bad in ("ACTION: APPROVE", "TASK_ID: not a task", "SIGNATURE: v1.<script>"):
        name = bad.split(":")[0]
        good = {"ACTION": "ACTION: COMPLETE", "TASK_ID": "TASK_ID: " + TASK,
                "SIGNATURE": "SIGNATURE: " + SIG_V1}
        good[name] = bad
        text = "METADATA (DO NOT MODIFY)\n" + "\n".join(good[n] for n in metadata.LABELS)
        assert values(text)[1] == metadata.INCOMPLETE_METADATA, bad


def crafted_title(width=76, action="COMPLETE"):
    """A title built so that a hard cut at ``width`` columns of the reply
    template's sentence gives a whole FAIL block, line by line (zero-width
    spaces fill each line: the finder drops them)."""
    prefix = len("%s %s with title '" % (metadata.INSTRUCTION_START, compose.BUTTON_LABELS[action]))
    pad = "\u200b"
    lines = [metadata.HEADER_LINE, "ACTION: FAIL", "TASK_ID: " + TASK, "SIGNATURE: " + SIG_V1]
    title = "t" * (width - prefix)
    for line in lines:
        title += line + pad * (width - len(line))
    return title


HOSTILE_TITLES = [
    "ACTION: FAIL",
    "x " * 30 + "ACTION: FAIL TASK_ID: %s SIGNATURE: %s" % (TASK, SIG_V1),
    "METADATA (DO NOT MODIFY) ACTION: FAIL",
    "**Action**  : fail and task id: %s" % TASK,
    "metadata(do not modify)" + "\u200b" * 52 + "ACTION: FAIL" + "\u200b" * 64,
    "y" * 13 + " signature :v1." + "0" * 64,
    crafted_title(76),
    crafted_title(72),
]


def _wraps(text):
    """Every way a client may re-wrap the text: greedy word wrap and a hard
    cut at every column from 10 to 100."""
    for width in range(10, 101):
        for line in text.split("\r\n"):
            yield textwrap.wrap(line, width, break_long_words=True) or [""]
            yield [line[i:i + width] for i in range(0, max(1, len(line)), width)]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_prose_never_holds_a_label_or_header_however_wrapped(title):
    prose = metadata.prose(title)
    for lines in _wraps(prose):
        pairs = [metadata.normalise_line(line) for line in lines]
        for index, (_depth, line) in enumerate(pairs):
            assert metadata.label_of(line, strict=False) == (None, None), (title, line)
            assert not (line and metadata.header_pieces(pairs, index)), (title, line)


@pytest.mark.parametrize("title", HOSTILE_TITLES)
@pytest.mark.parametrize("width", [40, 60, 72, 76, 78])
def test_a_task_title_cannot_veto_the_complete_reply(title, width):
    """Issue 11 point 7: the reply template re-wrapped at any width still
    gives the block it was written with, and nothing else."""
    _subject, body = compose.reply_template("COMPLETE", title, "Release 1", TASK, SIG_V1)
    for wrap in ("words", "hard"):
        out = []
        for line in body.split("\r\n"):
            if wrap == "words":
                out.extend(textwrap.wrap(line, width) or [""])
            else:
                out.extend([line[i:i + width] for i in range(0, max(1, len(line)), width)])
        found = metadata.find_blocks("\n".join(out))
        got = metadata.resolve(found)
        if wrap == "hard" and width < len(metadata.HEADER_LINE):
            continue
        assert got[1] in (None, metadata.INCOMPLETE_METADATA), (title, width, wrap, got)
        assert all(set(b.values.get("ACTION", "COMPLETE") for b in found) == {"COMPLETE"}
                   for b in found), (title, width, wrap)


def test_the_crafted_title_would_veto_without_prose(monkeypatch):
    """The generator above does make a block when prose is switched off:
    the test of compose is not vacuous."""
    monkeypatch.setattr(metadata, "prose", lambda text: text)
    _subject, body = compose.reply_template("COMPLETE", crafted_title(76), "R", TASK, SIG_V1)
    lines = []
    for line in body.split("\r\n"):
        lines.extend([line[i:i + 76] for i in range(0, max(1, len(line)), 76)])
    assert metadata.resolve(metadata.find_blocks("\n".join(lines)))[1] == \
        metadata.CONFLICTING_METADATA


def test_long_lines_are_never_candidates():
    line = "SIGNATURE: " + "a" * (metadata.MAX_LINE_CHARS + 1)
    text = "METADATA (DO NOT MODIFY)\nACTION: COMPLETE\nTASK_ID: %s\n%s\n" % (TASK, line)
    assert values(text)[1] == metadata.INCOMPLETE_METADATA


def test_reply_and_compose_share_the_format():
    assert reply.NO_METADATA == metadata.NO_METADATA
    assert signature.ACTIONS == metadata.ACTIONS == reply.ACTIONS
    msg_block = compose.metadata_block("FAIL", TASK, SIG_V1)
    assert msg_block == metadata.block("FAIL", TASK, SIG_V1)


# Characters normalise_line treats apart, and the ones around them in a block.
_LINE_CHARS = st.sampled_from(list("ab >*:\t\n-") + ["\u200b", "\u00ad", "\ufeff", "\u00a0",
                                                      "\u2007", "\u3000", "\u00e9", "\u2028"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE_CHARS, max_size=60).map("".join))
def test_normalised_lines_are_normalise_line_of_each_cut_line(text):
    expected = [metadata.normalise_line(line[:metadata.MAX_LINE_CHARS])
                for line in text.split("\n")]
    assert metadata.normalised_lines(text) == expected
    assert metadata.normalised_lines(text) == expected   # the same text again


def test_normalised_lines_of_plain_and_long_lines(monkeypatch):
    monkeypatch.setattr(metadata, "MAX_LINE_CHARS", 8)
    text = "> > ACTION:\u00a0FAIL\n  plain line here\n\u200bTASK_ID: x"
    assert metadata.normalised_lines(text) == [(2, "ACTI"), (0, "plain"), (0, "TASK_ID")]
    other = "".join(text)   # equal, not the same object: worked out again
    assert metadata.normalised_lines(other) == metadata.normalised_lines(text)
    assert metadata.normalise_line("a\u00a0b", plain=True) == (0, "a\u00a0b")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ABZabz09/_.-: *\t\n\x00\xe9\u0130\u0131\u212a"
                                             "\u017f\uff0f\U0001f600")), max_size=12))
def test_the_value_patterns_accept_exactly_their_characters(value):
    # The character tests of ids and tokens are patterns (a loop over the
    # characters is about ten times slower on Jython): the same sets.
    for chars, pattern in ((metadata._ID_CHARS, metadata._ID_VALUE),
                           (metadata._TOKEN_CHARS, metadata._TOKEN_VALUE)):
        assert metadata._chars_in(value, pattern) == all(char in chars for char in value)
