# -*- coding: utf-8 -*-
"""A plain Reply parsed and judged on Jython (reply token, first words, the
person's words), and the outcome reply composed to the bytes SMTP sends."""
from __future__ import absolute_import, unicode_literals

from remote_completion import compose, decide, host, outcome, reply, replytoken, signature

SECRET = 'jython-plain-reply-secret-0123'
TASK = 'Applications/Folder1/Release2/Phase3/Task4'
RUN = '0123456789abcdef'
ALICE = 'alice@example.com'


def _request():
    sigs = dict((a, signature.sign(SECRET, a, TASK, ALICE, RUN)) for a in ('COMPLETE', 'FAIL'))
    details = compose.RequestDetails(TASK, 'Deploy \u00e9t\u00e9', 'Release 4', 'Prod')
    mid = replytoken.message_id(SECRET, TASK, ALICE, RUN, 'corp.example')
    msg = compose.compose_request(details, ALICE, 'Alice', 'xlr@corp.example',
                                  'replies@corp.example', sigs, now=0, message_id=mid,
                                  reply_address=replytoken.reply_address(
                                      SECRET, TASK, ALICE, RUN, 'replies@corp.example'))
    text = [p for p in msg.walk() if p.get_content_type() == 'text/plain'][0]
    return text.get_payload(decode=True).decode('utf-8'), msg['Message-ID'], msg['Reply-To']


def _reply(words):
    text, mid, reply_to = _request()
    quoted = '\r\n'.join(('> ' + line).rstrip() for line in text.splitlines())
    body = (words + '\r\n\r\nOn Wed, XL Release <xlr@corp.example> wrote:\r\n' + quoted)
    head = ('From: Alice <alice@example.com>\r\nTo: %s\r\nSubject: Re: Action\r\n'
            'Message-ID: <r1@example.com>\r\nIn-Reply-To: %s\r\nMIME-Version: 1.0\r\n'
            'Content-Type: text/plain; charset=utf-8\r\n'
            'Content-Transfer-Encoding: 8bit\r\n\r\n' % (reply_to, mid))
    return head.encode('ascii') + body.encode('utf-8')


def _config():
    return host.ImapConfig(host='imap', port=993, username='x', password='p',
                           from_address='replies@corp.example', secret=SECRET,
                           enable_whitelisting=False, domain_whitelist=[])


def check_plain_reply_parsed_and_judged_on_jython():
    parsed = reply.parse_reply(_reply('CAUTION: This email originated from outside.\r\n\r\n'
                                      'Approved, CR-1042 gepr\u00fcft\r\n\r\nSent from my iPhone'))
    assert parsed.error is None, parsed
    assert parsed.plain and parsed.action == 'COMPLETE' and parsed.task_id == TASK
    assert parsed.comment == 'CR-1042 gepr\u00fcft'
    task = decide.TaskSnapshot(TASK, 'IN_PROGRESS', decide.TASK_TYPE, RUN)
    assert decide.decide(parsed, _config(), task, True).act
    other = decide.TaskSnapshot(TASK, 'IN_PROGRESS', decide.TASK_TYPE, 'fedcba9876543210')
    assert decide.decide(parsed, _config(), other, True).reason == decide.STALE_RUN


def check_unknown_first_words_on_jython():
    parsed = reply.parse_reply(_reply('Let me ask Bob'))
    assert parsed.plain and parsed.error == reply.UNKNOWN_ACTION
    assert decide.decide(parsed, _config(), None, True).reason == decide.UNKNOWN_ACTION


def check_outcome_reply_bytes_on_jython():
    parsed = reply.parse_reply(_reply('Rejected - window closed'))
    verdict = decide.Verdict.ignore(decide.NOT_ASSIGNEE)
    message = outcome.compose_outcome(parsed, verdict, 'replies@corp.example',
                                      task_title='Deploy \u00e9t\u00e9',
                                      link='https://xlr.example.com/#/releases/x')
    data = compose.message_bytes(message)
    back = reply.parse_reply(data)
    assert back.auto_reply and back.sender_address == 'replies@corp.example'
    assert b'In-Reply-To: <r1@example.com>' in data
    assert b'X-XLR-Remote-Completion: outcome' in data
