# -*- coding: utf-8 -*-
"""remote_completion.plainreply on Jython: unicode words and sign-offs."""
from __future__ import absolute_import, unicode_literals

from remote_completion.plainreply import COMPLETE, FAIL, own_words, say_action


def check_first_words_on_jython():
    assert say_action(['Approved, CR-1042 checked']) == (COMPLETE, 'CR-1042 checked')
    assert say_action(['No \u2013 Fenster zu']) == (FAIL, 'Fenster zu')
    assert say_action(['No problem']) == (None, None)


def check_own_words_on_jython():
    words = own_words(['CAUTION: This email originated from outside.', '',
                       'Genehmigt \u2705 gepr\u00fcft', '', 'Envoy\u00e9 de mon iPhone'])
    assert words == ['Genehmigt \u2705 gepr\u00fcft']
