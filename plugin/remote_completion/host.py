"""The host boundary: the script APIs (``Apis``), configuration, tasks, releases.

The one place Java values become Python values: every value is read through
``compat`` so the Java beans inside XL Release and the Python objects of the
sandbox both work.  Secrets are registered with ``logs.register_secret`` the
moment they are read.
"""
from __future__ import absolute_import, unicode_literals

import re

from . import handover, logs, oauth
from .compat import (HOST_ERRORS, as_bool, as_datetime, as_int, as_list, as_string_list,
                     enum_name, prop, string_types, to_text)

IMAP_TYPE = 'remoteCompletion.ImapServer'
SMTP_TYPE = 'xlrelease.SmtpServer'
SMTP_ID = 'Configuration/mail/SmtpServer'
TASK_TYPE = 'remoteCompletion.RemoteCompletionTask'

TLS_NONE = 'none'
TLS_STARTTLS = 'starttls'
TLS_IMPLICIT = 'implicit'

SOURCE_IMAP = 'imap'
SOURCE_GRAPH = 'graph'


class Apis(object):
    """The script APIs a library call needs, passed as one bundle.

    ``Comment``: the class of v1 ``forms.Comment``; when the host gives no
    ``Comment`` variable it is imported from its documented Java package."""

    def __init__(self, taskApi, releaseApi, configurationApi, userApi=None, rolesApi=None,
                 Comment=None, folderApi=None):
        self.taskApi = taskApi
        self.releaseApi = releaseApi
        self.configurationApi = configurationApi
        self.userApi = userApi
        self.rolesApi = rolesApi
        self.Comment = Comment if Comment is not None else comment_class()
        self.folderApi = folderApi   # folder teams (recipients); None where not given

    NAMES = ('taskApi', 'releaseApi', 'configurationApi', 'userApi', 'rolesApi', 'Comment',
             'folderApi')

    @classmethod
    def from_variables(cls, variables):
        """From a script's globals(): the APIs by their documented names."""
        return cls(*[variables.get(name) for name in cls.NAMES])

    def __repr__(self):
        return 'Apis(%r)' % (self.taskApi,)


COMMENT_CLASS = 'com.xebialabs.xlrelease.api.v1.forms.Comment'


def comment_class():
    """``com.xebialabs.xlrelease.api.v1.forms.Comment`` (the class the v1 API
    takes), or None where it cannot be imported (then text is passed)."""
    try:
        from com.xebialabs.xlrelease.api.v1.forms import Comment  # host class
        return Comment
    except Exception:  # ImportError on CPython, anything odd on a JVM
        return None


def make_comment(Comment, text):
    """A host Comment object: ``Comment()`` + ``setComment`` or ``Comment(text)``."""
    if Comment is None:
        return text
    try:
        comment = Comment()
        comment.setComment(text)
        return comment
    except HOST_ERRORS:   # a class without a no-argument constructor
        return Comment(text)


_HTTP_403 = re.compile(r'(\bHTTP\b|\bstatus\b|\bcode\b)\D{0,12}\b403\b|\b403 Forbidden\b', re.I)
_PERMISSION_NAMES = ('permissiondenied', 'accessdenied', 'forbidden', 'notauthorized')


def is_permission_error(error):
    """Did the host refuse a call for lack of permission?  XL Release raises
    com.xebialabs.deployit.security.PermissionDeniedException (REST: 403);
    undocumented for scripts, so told by the class name or an HTTP 403."""
    names = [type(error).__name__]
    java_class = getattr(error, 'getClass', None)
    if callable(java_class):
        try:
            names.append(to_text(java_class().getName()))
        except HOST_ERRORS:
            pass
    for name in names:
        flat = to_text(name).lower().replace('_', '')
        if any(word in flat for word in _PERMISSION_NAMES):
            return True
    text = to_text(error) or ''
    return bool(_HTTP_403.search(text))


describe_error = logs.describe_error   # host callers' name for it


class ConfigurationError(Exception):
    """The server's configuration does not allow remote completion; the
    message tells an admin what to change (and never holds a secret)."""


def _first(ci, names, default=None):
    # The synthetic property names are tried in order, so a renamed property
    # in synthetic.xml (or an older one) still reads.
    for name in names:
        value = prop(ci, name)
        if value is not None:
            return value
    return default


def _text(ci, names, default=None):
    value = _first(ci, names)
    if value is None:
        return default
    value = to_text(value).strip()
    return value if value else default


def _title(ci):
    return logs.clean(to_text(prop(ci, 'title') or prop(ci, 'id') or '?'), 80)


class ImapConfig(object):
    """The one ``remoteCompletion.ImapServer`` configuration, as plain values."""

    def __init__(self, **values):
        self.title = values.get('title')
        self.id = values.get('id')
        self.host = values.get('host')
        self.port = values.get('port')
        self.use_tls = values.get('use_tls', True)
        self.tls_mode = values.get('tls_mode', TLS_IMPLICIT)
        self.username = values.get('username')
        self.password = values.get('password')
        self.from_address = values.get('from_address')
        self.enable_whitelisting = values.get('enable_whitelisting', False)
        self.domain_whitelist = list(values.get('domain_whitelist') or [])
        self.secret = values.get('secret')
        self.trusted_certificates = values.get('trusted_certificates')
        self.quarantine_folder = values.get('quarantine_folder')
        self.require_sender_authentication = values.get('require_sender_authentication', False)
        self.authserv_id = values.get('authserv_id')
        # OAuth 2.0 (oauth.OAuthSettings, None for password) and the source.
        self.authentication = values.get('authentication', 'password')
        self.oauth = values.get('oauth')
        self.mail_source = values.get('mail_source', SOURCE_IMAP)
        self.graph_mailbox = values.get('graph_mailbox')
        self.graph_url = values.get('graph_url')
        self.smtp_fallback = values.get('smtp_fallback')   # SmtpConfig or None

    def __repr__(self):
        # Never show the password or the secret.
        return ('ImapConfig(title=%r, host=%r, port=%r, tls_mode=%r, username=%r, '
                'from_address=%r)') % (
            self.title, self.host, self.port, self.tls_mode, self.username, self.from_address)

    __str__ = __repr__


class SmtpConfig(object):
    """The server's ``xlrelease.SmtpServer`` settings."""

    def __init__(self, host=None, port=25, tls=False, from_address=None, username=None,
                 password=None):
        self.host = host
        self.port = port
        self.tls = tls
        self.from_address = from_address
        self.username = username
        self.password = password

    def __repr__(self):
        return 'SmtpConfig(host=%r, port=%r, tls=%r, from_address=%r, username=%r)' % (
            self.host, self.port, self.tls, self.from_address, self.username)

    __str__ = __repr__


def _tls_mode(raw_mode, use_tls, port):
    if not use_tls:
        # synthetic.xml: the TLS mode applies only when Use TLS is on.
        return TLS_NONE
    mode = to_text(enum_name(raw_mode) or '').strip().lower().replace('-', '').replace('_', '')
    if mode in ('none', 'plain', 'off', 'false'):
        return TLS_NONE
    if mode in ('starttls',):
        return TLS_STARTTLS
    if mode in ('implicit', 'ssl', 'tls', 'imaps'):
        return TLS_IMPLICIT
    return TLS_IMPLICIT if port in (None, 993) else TLS_STARTTLS


def _search(configurationApi, ci_type):
    # Public plugins pass "" for "any title"; what None does is documented
    # nowhere (docs/host-contract.md), and the sandbox refuses it.
    return [ci for ci in as_list(configurationApi.searchByTypeAndTitle(ci_type, ''))
            if ci is not None]


def _search_folder(configurationApi, ci_type, folder_id):
    """The configurations of one type held by one folder itself, or None when
    the server has no folder search (older XL Release: two-argument API)."""
    try:
        found = configurationApi.searchByTypeAndTitle(ci_type, '', folder_id, True)
    except TypeError:
        return None   # no such overload: a server without folder configurations
    return [ci for ci in as_list(found) if ci is not None]


def folder_ids_of(release_id):
    """The folders of a release, nearest first: ``Applications/FolderA/FolderB/
    ReleaseC`` gives ``[.../FolderA/FolderB, Applications/FolderA]``."""
    parts = to_text(release_id or '').split('/')
    found = []
    for index in range(len(parts) - 1, 0, -1):
        if parts[index].startswith('Folder'):
            found.append('/'.join(parts[:index + 1]))
    return found


def _folder_of(ci):
    value = prop(ci, 'folderId')
    value = to_text(value).strip() if value else ''
    return value or None


def _find_configurations(configurationApi, ci_type, folder_ids):
    """The configurations of ``ci_type`` that apply to a release in
    ``folder_ids`` (nearest first): those of the nearest folder holding any,
    else the global ones, as XL Release inherits folder configurations.
    Configurations of folders outside the chain never apply."""
    levels = dict((folder, []) for folder in folder_ids)
    seen = set()
    for folder in folder_ids:
        found = _search_folder(configurationApi, ci_type, folder)
        if found is None:
            break
        levels[folder].extend(found)
        seen.update(to_text(prop(ci, 'id')) for ci in found)
    global_level = []
    for ci in _search(configurationApi, ci_type):
        if to_text(prop(ci, 'id')) in seen:
            continue   # already found by its folder's search
        folder = _folder_of(ci)
        if folder is None:
            global_level.append(ci)
        elif folder in levels:
            # A global search that also lists folder configurations: place
            # each at its folder (the folder search may be missing).
            levels[folder].append(ci)
    for folder in folder_ids:
        if levels[folder]:
            return levels[folder], folder
    return global_level, None


def imap_config_from_ci(ci):
    """An ``ImapConfig`` from one configuration CI (also used by the
    connection test, which gets the CI as ``configuration``)."""
    title = _title(ci)
    password = _text(ci, ('password',))
    secret = _text(ci, ('secret', 'signatureSecret'))
    logs.register_secret(password)
    logs.register_secret(secret)
    host = _text(ci, ('host', 'imapHost'))
    use_tls = as_bool(_first(ci, ('useTls', 'tls', 'imapTls')), True)
    port = as_int(_first(ci, ('port', 'imapPort')), None)
    mode = _tls_mode(_first(ci, ('tlsMode',)), use_tls, port)
    if port is None:
        port = 993 if mode == TLS_IMPLICIT else 143
    from_address = _text(ci, ('fromAddress', 'imapFromAddress'))
    auth = _oauth_from_ci(ci)
    source = _mail_source(_first(ci, ('mailSource',)))
    username = _text(ci, ('username', 'imapLoginId'))
    graph_mailbox = _text(ci, ('graphMailbox',)) or username or from_address
    needed = [('from address', from_address), ('secret', secret)]
    if source == SOURCE_IMAP:
        needed.insert(0, ('host', host))
    else:  # what messages name as "the server"
        host, port, mode = oauth.graph_host(_text(ci, ('graphUrl',))), 443, TLS_IMPLICIT
    missing = [label for label, value in needed if not value]
    if auth is not None or source == SOURCE_GRAPH:
        missing += (auth or oauth.OAuthSettings()).missing()
    if missing:
        raise ConfigurationError(
            "The IMAP server configuration '%s' has no %s: set it under Settings > "
            "Shared configuration." % (title, ' and no '.join(missing)))
    return ImapConfig(
        authentication=oauth.AUTH_OAUTH2 if auth is not None else oauth.AUTH_PASSWORD,
        oauth=auth,
        mail_source=source,
        graph_mailbox=graph_mailbox,
        graph_url=_text(ci, ('graphUrl',)),
        title=title,
        id=to_text(prop(ci, 'id')),
        host=host,
        port=port,
        use_tls=mode != TLS_NONE,
        tls_mode=mode,
        username=username or (from_address if auth is not None else None),
        password=password,
        from_address=from_address,
        enable_whitelisting=as_bool(
            _first(ci, ('enableWhitelisting', 'whitelistingEnabled')), False),
        domain_whitelist=[d.lower().lstrip('@') for d in
                          as_string_list(_first(ci, ('domainWhitelist', 'whitelistedDomains')))],
        secret=secret,
        trusted_certificates=_text(ci, ('trustedCertificates', 'trustedCertificate')),
        quarantine_folder=_text(ci, ('quarantineFolder',)),
        require_sender_authentication=as_bool(_first(ci, ('requireSenderAuthentication',)), False),
        authserv_id=_text(ci, ('authservId', 'authServId')),
        smtp_fallback=smtp_fallback_from_ci(ci, from_address),
    )


def _mail_source(value):
    name = to_text(enum_name(value) or '').strip().lower().replace('_', '').replace(' ', '')
    return SOURCE_GRAPH if name in ('graph', 'microsoftgraph', 'msgraph') else SOURCE_IMAP


def _oauth_from_ci(ci):
    """oauth.OAuthSettings when the configuration chooses OAuth 2.0 (or
    reads mail through Graph, which has no password login), else None.
    The client secret and the refresh token are registered as secrets."""
    chosen = oauth.normalise_authentication(enum_name(_first(ci, ('authentication',))))
    if chosen != oauth.AUTH_OAUTH2 and _mail_source(_first(ci, ('mailSource',))) != SOURCE_GRAPH:
        return None
    return oauth.OAuthSettings(
        token_url=_text(ci, ('tokenEndpoint', 'tokenUrl')),
        client_id=_text(ci, ('clientId',)),
        client_secret=_text(ci, ('clientSecret',)),
        scope=_text(ci, ('oauthScope', 'scope')),
        tenant=_text(ci, ('tenantId', 'tenant')),
        grant=enum_name(_first(ci, ('oauthGrant', 'grant'))),
        refresh_token=_text(ci, ('refreshToken',)))


def find_imap_config(configurationApi, release_id=None):
    """The one IMAP server configuration that applies: the nearest folder of
    ``release_id`` holding one, else the global one.  None or several at
    that level raise ConfigurationError naming what was found."""
    found, folder = _find_configurations(configurationApi, IMAP_TYPE, folder_ids_of(release_id))
    if not found:
        raise ConfigurationError(
            'No IMAP server is configured for remote completion: add one under '
            'Settings > Shared configuration > IMAP server.')
    if len(found) > 1:
        titles = ', '.join("'%s'" % _title(ci) for ci in found)
        where = " in folder '%s'" % logs.clean(folder, 200) if folder else ''
        raise ConfigurationError(
            'Remote completion needs exactly one IMAP server configuration%s, found %d (%s): '
            'delete all but one under Settings > Shared configuration.'
            % (where, len(found), titles))
    config = imap_config_from_ci(found[0])
    config.folder = folder   # the folder holding it; None: the global one
    return config


def release_of_task(task_id_value):
    """The release id of a task id, or None (the global configuration's
    scope) for a text that is not one."""
    try:
        return release_id_of(task_id_value)
    except ValueError:
        return None


# XL Release keeps stored passwords encrypted ("{aes:v0}..."); a script that
# gets that text instead of the password cannot log in with it.
_ENCRYPTED = re.compile(r'^\{[a-z0-9]+(:[a-z0-9]+)?\}', re.IGNORECASE)


def _smtp_from_record(ci):
    """(SmtpConfig, None) or (None, why) for the xlrelease.SmtpServer record."""
    host = _text(ci, ('host',))
    from_address = _text(ci, ('fromAddress',))
    if not host or not from_address:
        return None, 'it has no %s' % ('host' if not host else 'from address')
    username = _text(ci, ('username',))
    password = _text(ci, ('password',))
    if username and (not password or _ENCRYPTED.match(password)):
        return None, 'its password is not readable by scripts'
    logs.register_secret(password)
    return SmtpConfig(host=host, port=as_int(_first(ci, ('port',)), 25),
                      tls=as_bool(_first(ci, ('tls', 'useTls')), False),
                      from_address=from_address, username=username, password=password), None


def _why(error):
    # The class name and a bounded, masked message: never a secret.
    return logs.clean(logs.mask_secrets('%s: %s' % (type(error).__name__, to_text(error))), 160)


def _smtp_by_id(configurationApi):
    try:
        ci = configurationApi.getConfiguration(SMTP_ID)
    except HOST_ERRORS as error:  # not found, not allowed, or no such call
        return None, 'could not be read (%s)' % _why(error)
    if ci is None:
        return None, 'was not found'
    return _smtp_from_record(ci)


def _smtp_by_search(configurationApi):
    try:
        found = _search(configurationApi, SMTP_TYPE)
    except HOST_ERRORS as error:
        return None, 'failed (%s)' % _why(error)
    if not found:
        return None, 'found nothing'
    ci = found[0]
    for candidate in found:
        if to_text(prop(candidate, 'id')) == SMTP_ID:
            ci = candidate
            break
    return _smtp_from_record(ci)


def smtp_fallback_from_ci(ci, imap_from_address=None):
    """The optional SMTP fields of the plugin's IMAP server configuration,
    for servers whose SMTP settings scripts cannot read; None when unset."""
    host = _text(ci, ('smtpHost',))
    if not host:
        return None
    password = _text(ci, ('smtpPassword',))
    logs.register_secret(password)
    config = SmtpConfig(host=host, port=as_int(_first(ci, ('smtpPort',)), 25),
                        tls=as_bool(_first(ci, ('smtpTls',)), False),
                        from_address=_text(ci, ('smtpFromAddress',)) or imap_from_address,
                        username=_text(ci, ('smtpUsername',)), password=password)
    config.oauth = _smtp_oauth_from_ci(ci)   # SMTP AUTH XOAUTH2 when chosen
    return config


def _smtp_oauth_from_ci(ci):
    """SMTP with OAuth 2.0 reuses the configuration's OAuth fields, with its
    own scope when set (the IMAP one may be Graph's)."""
    chosen = enum_name(_first(ci, ('smtpAuthentication',)))
    if oauth.normalise_authentication(chosen) != oauth.AUTH_OAUTH2:
        return None
    return oauth.OAuthSettings(
        token_url=_text(ci, ('tokenEndpoint', 'tokenUrl')),
        client_id=_text(ci, ('clientId',)),
        client_secret=_text(ci, ('clientSecret',)),
        scope=_text(ci, ('smtpOauthScope',)) or _text(ci, ('oauthScope', 'scope')),
        tenant=_text(ci, ('tenantId', 'tenant')),
        grant=enum_name(_first(ci, ('oauthGrant', 'grant'))),
        refresh_token=_text(ci, ('refreshToken',)))


def find_smtp_config(configurationApi, imap_config=None):
    """The SMTP server to send requests with, from the first source that
    works: the settings record read by id (Settings > SMTP server), the same
    record found by a type search, then the SMTP fields of the IMAP server
    configuration.  None working raises one ConfigurationError naming all
    three and why each failed (never a secret)."""
    reasons = []
    fallback = getattr(imap_config, 'smtp_fallback', None)
    if fallback is not None and getattr(fallback, 'oauth', None) is not None:
        # SMTP fields set to OAuth 2.0: the admin means them (the settings
        # record cannot do OAuth, and Exchange Online refuses its password).
        return fallback
    config, why = _smtp_by_id(configurationApi)
    if config is not None:
        return config
    reasons.append('Settings > SMTP server read by id (%s): %s' % (SMTP_ID, why))
    config, why = _smtp_by_search(configurationApi)
    if config is not None:
        return config
    reasons.append('a search for %s: %s' % (SMTP_TYPE, why))
    fallback = getattr(imap_config, 'smtp_fallback', None)
    if fallback is not None:
        return fallback
    title = getattr(imap_config, 'title', None)
    reasons.append("the SMTP fields of the IMAP server configuration%s: not set"
                   % (" '%s'" % title if title else ''))
    raise ConfigurationError(
        'No SMTP server can be used to send the request email. Tried %s. Set up '
        'Settings > SMTP server (with a password scripts can read), or fill in the SMTP '
        'host (and user, password, from address) of the IMAP server configuration.'
        % '; '.join('(%d) %s' % (i + 1, r) for i, r in enumerate(reasons)))


# --- tasks and releases -----------------------------------------------------

def get_task(taskApi, task_id):
    return taskApi.getTask(task_id)


def task_id(task):
    return to_text(prop(task, 'id'))


def task_title(task):
    return to_text(prop(task, 'title')) or ''


def task_description(task):
    return to_text(prop(task, 'description')) or ''


def task_status(task):
    """``'IN_PROGRESS'`` etc."""
    return enum_name(prop(task, 'status'))


def task_type_name(task):
    """``'remoteCompletion.RemoteCompletionTask'`` etc.

    Inside XL Release a custom script task's ``type`` is
    ``xlrelease.CustomScriptTask``; its synthetic type is ``taskType``.
    """
    value = prop(task, 'taskType')
    if value is None:
        value = prop(task, 'type')
    return to_text(value) if value is not None else None


def is_remote_completion_task(task):
    return task_type_name(task) == TASK_TYPE


def task_attempt(task):
    """The task's ``failuresCount`` (shown in logs only: when XL Release
    changes it is undocumented, so it binds nothing; see ``handover``)."""
    return as_int(prop(task, 'failuresCount'), 0) or 0


def task_notes(task):
    """The task's comments as ``handover.Note`` (text, UTC date, position),
    whatever their shape: beans with ``text``/``comment``, or plain text."""
    notes = []
    for position, comment in enumerate(as_list(prop(task, 'comments'))):
        if comment is None:
            continue
        if isinstance(comment, string_types):
            text, when = comment, None
        else:
            text = prop(comment, 'text')
            if text is None:
                text = prop(comment, 'comment')
            try:
                when = as_datetime(prop(comment, 'creationDate') or prop(comment, 'date'))
            except (TypeError, ValueError, OverflowError):
                when = None
        notes.append(handover.Note(to_text(text) or '', when, position))
    return notes


def current_task(variables):
    """The running task: the ``task`` variable (its ``schedule`` and
    ``setStatusLine`` are documented), else ``getCurrentTask()``."""
    found = variables.get('task')
    if found is not None:
        return found
    getter = variables.get('getCurrentTask')
    return getter() if callable(getter) else None


def current_release(variables):
    """The task's release: ``getCurrentRelease()`` (documented), else the
    ``release`` variable (given by some hosts, documented for none), else None."""
    getter = variables.get('getCurrentRelease')
    if callable(getter):
        try:
            found = getter()
            if found is not None:
                return found
        except HOST_ERRORS:
            pass
    return variables.get('release')


def task_owner(task):
    owner = prop(task, 'owner')
    return to_text(owner).strip() if owner else None


def task_team(task):
    team = prop(task, 'team')
    return to_text(team).strip() if team else None


def release_id_of(task_id_value):
    """``Applications/[Folder.../]Release<x>`` from a task (or phase) id."""
    parts = to_text(task_id_value or '').split('/')
    for index, part in enumerate(parts):
        if part.startswith('Release'):
            return '/'.join(parts[:index + 1])
    raise ValueError('not a task id inside a release: %s' % logs.clean(task_id_value, 200))


def phase_id_of(task_id_value):
    parts = to_text(task_id_value or '').split('/')
    for index, part in enumerate(parts):
        if part.startswith('Phase'):
            return '/'.join(parts[:index + 1])
    return None


def get_release(releaseApi, release_id):
    return releaseApi.getRelease(release_id)


def release_title(release):
    return to_text(prop(release, 'title')) or ''


def phase_title(task, release=None):
    """The title of the task's phase: from ``task.phase`` or, failing that,
    from the release's phases."""
    phase = prop(task, 'phase')
    title = None
    if phase is not None and not isinstance(phase, string_types):
        title = prop(phase, 'title')
    if title:
        return to_text(title)
    wanted = phase_id_of(task_id(task))
    for candidate in as_list(prop(release, 'phases')) if release is not None else []:
        if to_text(prop(candidate, 'id')) == wanted:
            return to_text(prop(candidate, 'title')) or ''
    return ''


def release_title_of_task(releaseApi, task):
    """The title of the release a task belongs to (one API call)."""
    return release_title(get_release(releaseApi, release_id_of(task_id(task))))
