"""The token that binds a plain Reply to its request."""
from __future__ import annotations

import pytest

from remote_completion import replytoken

SECRET = "s3cret-for-tests"
TASK = "Applications/Folder1/Release2/Phase3/Task4"
RUN = "0123456789abcdef"
ALICE = "Alice@Example.com"


def mid(**kw):
    args = dict(secret=SECRET, task_id=TASK, recipient=ALICE, run_id=RUN, domain="xlr.example.com",
                nonce="beef")
    args.update(kw)
    return replytoken.message_id(**args)


def test_message_id_round_trip():
    value = mid()
    assert value.startswith("<xlr.v2.%s." % RUN) and value.endswith("@xlr.example.com>")
    [token] = replytoken.find([value], [])
    assert token.task_id == TASK and token.run_id == RUN
    assert replytoken.verify(SECRET, token, TASK, "alice@example.com")


def test_every_message_id_is_unique_but_verifies():
    first, second = mid(nonce=None), mid(nonce=None)
    assert first != second
    assert all(replytoken.verify(SECRET, replytoken.find([m], [])[0], TASK, ALICE)
               for m in (first, second))


def test_sub_address_round_trip_needs_the_task_from_elsewhere():
    address = replytoken.reply_address(SECRET, TASK, ALICE, RUN, "xlr-rc@example.com")
    assert address.startswith("xlr-rc+xlr%s" % RUN) and len(address.split("@")[0]) <= 64
    [token] = replytoken.find([], ["Someone <x@y.com>", address.upper()])
    assert token.task_id is None
    assert replytoken.verify(SECRET, token, TASK, ALICE)
    assert not replytoken.verify(SECRET, token, TASK + "5", ALICE)


def test_long_mailbox_gets_no_sub_address():
    mailbox = "a" * 40 + "@example.com"
    assert replytoken.reply_address(SECRET, TASK, ALICE, RUN, mailbox) == mailbox


@pytest.mark.parametrize("change", [
    dict(sender="bob@example.com"), dict(task=TASK.replace("Task4", "Task5")),
    dict(secret="another secret")])
def test_token_binds_sender_task_and_secret(change):
    [token] = replytoken.find([mid()], [])
    assert not replytoken.verify(change.get("secret", SECRET), token,
                                 change.get("task", TASK), change.get("sender", ALICE))


def test_forged_or_cut_tokens_fail():
    [token] = replytoken.find([mid()], [])
    token.mac = token.mac[:8]                 # too short to count
    assert not replytoken.verify(SECRET, token, TASK, ALICE)
    forged = mid().replace(".beef.", ".beef.").replace(RUN, "f" * 16)
    [token] = replytoken.find([forged], [])
    assert not replytoken.verify(SECRET, token, TASK, ALICE)


@pytest.mark.parametrize("value", ["<abc@mail.gmail.com>", "<xlr.v2.zz@x>",
                                   "<xlr.v2.%s.%s.beef.Applications.R1@x.com>" % (RUN, "0" * 31)])
def test_foreign_message_ids_are_not_tokens(value):
    assert replytoken.find([value], []) == []


def test_message_ids_in_references_are_bounded():
    refs = " ".join("<m%d@x.com>" % i for i in range(500))
    assert len(replytoken.message_ids_in([refs])) == 100
    assert replytoken.message_ids_in(["<a@b> junk <c@d>"]) == ["<a@b>", "<c@d>"]


def test_reply_subaddress_off_keeps_the_plain_reply_to_and_the_message_id_token():
    from remote_completion import host, settings, start
    config = host.ImapConfig(from_address="xlr-rc@example.com", secret=SECRET)
    assert settings.Settings().reply_subaddress is True
    on = start.reply_token(config, TASK, ALICE, RUN)
    assert on["reply_address"].startswith("xlr-rc+xlr")
    off = start.reply_token(config, TASK, ALICE, RUN, subaddress=False)
    assert "reply_address" not in off            # compose then uses the plain mailbox
    [token] = replytoken.find([off["message_id"]], [])
    assert replytoken.verify(SECRET, token, TASK, ALICE)
