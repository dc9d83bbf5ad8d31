"""signature: the v2 token (run id inside), round trip and every kind of tampering rejected."""
import hashlib
import hmac

import pytest

from remote_completion import signature

SECRET = "s3cret-for-tests"
TASK = "Applications/Release0123/Phase4567/Task89ab"
WHO = "Alice.Smith@Example.com"
RUN = "0123456789abcdef"
OTHER_RUN = "fedcba9876543210"


def test_round_trip_and_shape():
    token = signature.sign(SECRET, "COMPLETE", TASK, WHO, RUN)
    version, run, digest = token.split(".")
    assert (version, run) == ("v2", RUN)
    assert len(digest) == 64 and digest == digest.lower()
    int(digest, 16)
    assert signature.verify(SECRET, token, "COMPLETE", TASK, WHO) == RUN
    assert signature.run_of(token) == RUN


def test_canonical_text_matches_the_contract():
    text = "xlr-remote-completion/v2\nFAIL\n" + TASK + "\nalice.smith@example.com\n" + RUN
    digest = hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()
    expected = "v2.%s.%s" % (RUN, digest)
    assert signature.sign(SECRET, "FAIL", TASK, WHO, RUN) == expected


def test_recipient_case_does_not_matter():
    token = signature.sign(SECRET, "COMPLETE", TASK, WHO, RUN)
    assert signature.verify(SECRET, token, "COMPLETE", TASK, WHO.lower()) == RUN
    assert signature.verify(SECRET, token, "COMPLETE", TASK, WHO.upper()) == RUN


def test_presented_token_tolerates_case_and_white_space():
    token = signature.sign(SECRET, "COMPLETE", TASK, WHO, RUN)
    wrapped = " " + token[:30].upper() + "\r\n " + token[30:] + "\t"
    assert signature.normalise(wrapped) == token
    assert signature.verify(SECRET, wrapped, "COMPLETE", TASK, WHO) == RUN


@pytest.mark.parametrize("change", [
    dict(action="FAIL"),
    dict(task_id=TASK + "0"),
    dict(task_id="Applications/Release0123/Phase4567/Task89ac"),
    dict(recipient="bob@example.com"),
    dict(recipient="alice.smith@example.org"),
    dict(secret="another-secret"),
])
def test_any_changed_field_is_rejected(change):
    token = signature.sign(SECRET, "COMPLETE", TASK, WHO, RUN)
    values = dict(secret=SECRET, action="COMPLETE", task_id=TASK, recipient=WHO)
    values.update(change)
    assert signature.verify(values["secret"], token, values["action"], values["task_id"],
                            values["recipient"]) is None


def test_a_run_id_swapped_in_the_token_is_rejected():
    token = signature.sign(SECRET, "COMPLETE", TASK, WHO, RUN)
    assert signature.verify(SECRET, token.replace(RUN, OTHER_RUN), "COMPLETE", TASK, WHO) is None


def _tampered(token):
    flipped = token[:-1] + ("0" if token[-1] != "0" else "1")
    return [
        flipped,
        token[:-1],                    # truncated
        token + "0",                   # extra character
        token + "x",
        "v1." + token.split(".")[2],   # the old version
        "v3" + token[2:],
        token[3:],                     # no version
        "v2:" + token[3:],
        "v2.%s.%s" % (RUN[:-1], token.split(".")[2]),
        "",
        "   ",
        None,
        "v2.",
        "v2.%s.%s" % (RUN, "g" * 64),
    ]


def test_tampered_tokens_are_rejected():
    token = signature.sign(SECRET, "COMPLETE", TASK, WHO, RUN)
    for bad in _tampered(token):
        assert signature.verify(SECRET, bad, "COMPLETE", TASK, WHO) is None, bad


def test_normalise_takes_v2_tokens_only():
    token = signature.sign(SECRET, "COMPLETE", TASK, WHO, RUN)
    assert signature.normalise(token.upper()) == token
    for bad in ("v1." + "a" * 64, "v2." + "a" * 64, "hello", None, ""):
        assert signature.normalise(bad) is None


def test_unknown_actions_and_empty_inputs():
    token = signature.sign(SECRET, "COMPLETE", TASK, WHO, RUN)
    assert signature.verify(SECRET, token, "complete", TASK, WHO) is None
    assert signature.verify(SECRET, token, "DELETE", TASK, WHO) is None
    assert signature.verify("", token, "COMPLETE", TASK, WHO) is None
    assert signature.verify(None, token, "COMPLETE", TASK, WHO) is None
    assert signature.verify(SECRET, token, "COMPLETE", "", WHO) is None
    assert signature.verify(SECRET, token, "COMPLETE", TASK, "") is None
    for bad_run in (0, "0", "0123456789ABCDEF", "0123456789abcde", None):
        with pytest.raises(ValueError):
            signature.sign(SECRET, "COMPLETE", TASK, WHO, bad_run)
    with pytest.raises(ValueError):
        signature.sign(SECRET, "SKIP", TASK, WHO, RUN)
    with pytest.raises(ValueError):
        signature.sign("", "COMPLETE", TASK, WHO, RUN)


def test_fields_cannot_shift_into_each_other():
    # "A\nB" as a task id must not sign the same text as another split.
    with pytest.raises(ValueError):
        signature.sign(SECRET, "COMPLETE", TASK + "\nx", WHO, RUN)
    token = signature.sign(SECRET, "COMPLETE", TASK, WHO, RUN)
    assert signature.verify(SECRET, token, "COMPLETE", TASK + "\nx", WHO) is None


def test_equal_is_exact():
    assert signature.equal("abc", "abc")
    assert not signature.equal("abc", "abd")
    assert not signature.equal("abc", "abcd")
    assert not signature.equal("", "a")
