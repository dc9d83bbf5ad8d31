"""Reading the configuration and task values through the host adapter."""

import pytest

from remote_completion import host, logs
from tests.request.fakes import ConfigurationApi, Shape


@pytest.fixture(params=[False, True], ids=["python-shape", "java-shape"])
def shape(request):
    return Shape(java=request.param)


def imap_ci(shape, title="Mailbox", **extra):
    props = dict(host="imap.example.com", port=993, useTls=True, username="xlr",
                 password="imap-pass-123", fromAddress="xlr@example.com",
                 enableWhitelisting=True, domainWhitelist=["Example.COM", " @corp.example "],
                 secret="hmac-secret-456")
    props.update(extra)
    return shape.ci("Configuration/Custom/" + title, title, host.IMAP_TYPE, **props)


def smtp_ci(shape, **extra):
    props = dict(
        host="smtp.example.com", port=587, tls=True, fromAddress="XL Release <xlr@example.com>",
        username="u", password="smtp-pass-789")
    props.update(extra)
    return shape.ci(host.SMTP_ID, "SMTP", host.SMTP_TYPE, **props)


def test_one_imap_configuration(shape):
    api = ConfigurationApi(shape, {host.IMAP_TYPE: [imap_ci(shape)]})
    config = host.find_imap_config(api)
    assert (config.host, config.port, config.tls_mode, config.username) == (
        "imap.example.com", 993, "implicit", "xlr")
    assert config.from_address == "xlr@example.com"
    assert config.enable_whitelisting is True
    assert config.domain_whitelist == ["example.com", "corp.example"]
    assert config.secret == "hmac-secret-456" and config.password == "imap-pass-123"
    assert "imap-pass-123" not in repr(config) and "hmac-secret-456" not in repr(config)
    # Registered as secrets: masked in any log line.
    assert logs.mask_secrets("x hmac-secret-456 imap-pass-123") == "x %s %s" % (
        logs.MASK, logs.MASK)


def test_tls_mode_property(shape):
    from tests.request.fakes import JavaEnum
    mode = JavaEnum("STARTTLS") if shape.java else "STARTTLS"
    api = ConfigurationApi(shape, {host.IMAP_TYPE: [imap_ci(shape, port=143, tlsMode=mode)]})
    assert host.find_imap_config(api).tls_mode == "starttls"
    # The mode applies only when Use TLS is on.
    api = ConfigurationApi(
        shape, {host.IMAP_TYPE: [imap_ci(shape, useTls=False, tlsMode="IMPLICIT")]}
    )
    config = host.find_imap_config(api)
    assert (config.tls_mode, config.use_tls) == ("none", False)


def test_starttls_and_plain_modes(shape):
    api = ConfigurationApi(shape, {host.IMAP_TYPE: [imap_ci(shape, port=143)]})
    assert host.find_imap_config(api).tls_mode == "starttls"
    api = ConfigurationApi(shape, {host.IMAP_TYPE: [imap_ci(shape, port=143, useTls=False)]})
    assert host.find_imap_config(api).tls_mode == "none"


@pytest.mark.parametrize("count", [0, 2, 3])
def test_not_exactly_one_imap_configuration(shape, count):
    cis = [imap_ci(shape, title="Box %d" % i, password="pw-%d-secret" % i) for i in range(count)]
    api = ConfigurationApi(shape, {host.IMAP_TYPE: cis})
    with pytest.raises(host.ConfigurationError) as caught:
        host.find_imap_config(api)
    message = str(caught.value)
    if count == 0:
        assert "No IMAP server" in message and "Shared configuration" in message
    else:
        assert "exactly one" in message
        for i in range(count):
            assert "'Box %d'" % i in message
            assert "pw-%d-secret" % i not in message
        assert "hmac-secret-456" not in message


def test_imap_configuration_without_secret(shape):
    api = ConfigurationApi(shape, {host.IMAP_TYPE: [imap_ci(shape, secret="")]})
    with pytest.raises(host.ConfigurationError, match="no secret"):
        host.find_imap_config(api)


def test_smtp_configuration(shape):
    api = ConfigurationApi(shape, {host.SMTP_TYPE: [smtp_ci(shape)]})
    config = host.find_smtp_config(api)
    assert (config.host, config.port, config.tls, config.username, config.password) == (
        "smtp.example.com", 587, True, "u", "smtp-pass-789")
    assert config.from_address == "XL Release <xlr@example.com>"
    assert "smtp-pass-789" not in repr(config)
    with pytest.raises(host.ConfigurationError, match="SMTP server"):
        host.find_smtp_config(ConfigurationApi(shape, {}))


def test_task_values(shape):
    task = shape.obj(id="Applications/Folder1/Release2/Phase3/Task4", title="Deploy",
                     status=shape.obj(name="IN_PROGRESS") if False else "IN_PROGRESS",
                     type="remoteCompletion.RemoteCompletionTask", failuresCount=2,
                     phase=shape.obj(id="Applications/Folder1/Release2/Phase3", title="QA"))
    assert host.task_status(task) == "IN_PROGRESS"
    assert host.is_remote_completion_task(task)
    assert host.task_attempt(task) == 2
    assert host.release_id_of(host.task_id(task)) == "Applications/Folder1/Release2"
    assert host.phase_title(task) == "QA"
    with pytest.raises(ValueError):
        host.release_id_of("Configuration/Custom/x")


def test_phase_title_from_the_release(shape):
    task = shape.obj(id="Applications/Release2/Phase3/Task4", title="Deploy")
    release = shape.obj(id="Applications/Release2", title="R",
                        phases=[shape.obj(id="Applications/Release2/Phase1", title="Dev"),
                                shape.obj(id="Applications/Release2/Phase3", title="Prod")])
    assert host.phase_title(task, release) == "Prod"


# --- SMTP sources: record by id, type search, the IMAP configuration's fields ----

class _NoGetConfiguration(ConfigurationApi):
    def getConfiguration(self, ci_id):
        raise RuntimeError("PermissionDeniedException: not allowed")


def test_smtp_record_by_id_comes_before_the_search(shape):
    by_id = smtp_ci(shape, host="by-id.example.com")
    api = ConfigurationApi(shape, {host.SMTP_TYPE: [smtp_ci(shape, host="searched.example.com")]})
    api.getConfiguration = lambda ci_id: by_id if ci_id == host.SMTP_ID else None
    assert host.find_smtp_config(api).host == "by-id.example.com"


def test_smtp_search_when_the_record_cannot_be_read_by_id(shape):
    api = _NoGetConfiguration(shape, {host.SMTP_TYPE: [smtp_ci(shape)]})
    assert host.find_smtp_config(api).host == "smtp.example.com"


@pytest.mark.parametrize("hidden", [None, "", "{aes:v0}Zm9vYmFy"])
def test_hidden_smtp_password_falls_back_to_the_imap_fields(shape, hidden):
    imap = host.find_imap_config(ConfigurationApi(shape, {host.IMAP_TYPE: [imap_ci(
        shape, smtpHost="relay.example.com", smtpPort=465, smtpTls=True, smtpUsername="relay",
        smtpPassword="relay-pass-246")]}))
    api = ConfigurationApi(shape, {host.SMTP_TYPE: [smtp_ci(shape, password=hidden)]})
    config = host.find_smtp_config(api, imap)
    assert (config.host, config.port, config.tls, config.username, config.password) == (
        "relay.example.com", 465, True, "relay", "relay-pass-246")
    assert config.from_address == "xlr@example.com"   # the IMAP from address by default
    assert logs.mask_secrets("relay-pass-246") == logs.MASK
    # Without the fields: one error naming the three sources, no secret in it.
    bare = host.find_imap_config(ConfigurationApi(shape, {host.IMAP_TYPE: [imap_ci(shape)]}))
    assert bare.smtp_fallback is None
    with pytest.raises(host.ConfigurationError) as caught:
        host.find_smtp_config(api, bare)
    text = str(caught.value)
    assert "(1) Settings > SMTP server read by id" in text and "(2) a search for" in text
    assert "(3) the SMTP fields of the IMAP server configuration 'Mailbox'" in text
    assert "password is not readable" in text and "{aes" not in text


def test_smtp_record_without_login_needs_no_password(shape):
    api = ConfigurationApi(shape, {host.SMTP_TYPE: [smtp_ci(shape, username=None, password=None)]})
    assert host.find_smtp_config(api).host == "smtp.example.com"


# --- configurations held by folders ----------------------------------------------

class _FolderConfigurationApi(ConfigurationApi):
    """searchByTypeAndTitle(type, title, folderId, folderOnly), as the REST
    endpoint's query parameters; the two-argument form lists global ones."""

    def __init__(self, shape, global_cis, folder_cis):
        ConfigurationApi.__init__(self, shape, {host.IMAP_TYPE: global_cis})
        self.folder_cis = folder_cis   # folder id -> [ci]
        self.calls = []

    def searchByTypeAndTitle(self, ci_type, title, folder_id=None, folder_only=None):
        assert title == ""
        self.calls.append(folder_id)
        if folder_id is None:
            return ConfigurationApi.searchByTypeAndTitle(self, ci_type, title)
        assert folder_only is True
        return self.shape.lst(self.folder_cis.get(folder_id, []))


def test_folder_ids_of_a_release_nearest_first():
    assert host.folder_ids_of("Applications/FolderA/FolderB/ReleaseC") == [
        "Applications/FolderA/FolderB", "Applications/FolderA"]
    assert host.folder_ids_of("Applications/ReleaseC") == []


def test_the_nearest_folders_configuration_wins(shape):
    outer = imap_ci(shape, title="Outer", host="outer.example.com")
    inner = imap_ci(shape, title="Inner", host="inner.example.com")
    api = _FolderConfigurationApi(shape, [imap_ci(shape, title="Global")], {
        "Applications/FolderA": [outer], "Applications/FolderA/FolderB": [inner]})
    release = "Applications/FolderA/FolderB/ReleaseC"
    assert host.find_imap_config(api, release).host == "inner.example.com"
    assert host.find_imap_config(api, "Applications/FolderA/FolderX/ReleaseC").host == \
        "outer.example.com"
    assert host.find_imap_config(api, "Applications/FolderZ/ReleaseC").host == "imap.example.com"
    assert host.find_imap_config(api).host == "imap.example.com"   # the fetcher: global


def test_a_global_search_listing_folder_configurations_keeps_other_folders_out(shape):
    # A server whose script API has no folder search but lists folder
    # configurations with their folderId: another folder's never applies.
    other = imap_ci(shape, title="Other folder", host="other.example.com",
                    folderId="Applications/FolderQ")
    mine = imap_ci(shape, title="Mine", host="mine.example.com", folderId="Applications/FolderA")
    api = ConfigurationApi(shape, {host.IMAP_TYPE: [other, imap_ci(shape, title="Global")]})
    assert host.find_imap_config(api, "Applications/FolderA/ReleaseC").host == "imap.example.com"
    api = ConfigurationApi(shape, {host.IMAP_TYPE: [other, mine, imap_ci(shape, title="Global")]})
    assert host.find_imap_config(api, "Applications/FolderA/ReleaseC").host == "mine.example.com"


def test_two_configurations_in_the_nearest_folder_are_refused(shape):
    api = _FolderConfigurationApi(shape, [], {"Applications/FolderA": [
        imap_ci(shape, title="One"), imap_ci(shape, title="Two")]})
    with pytest.raises(host.ConfigurationError, match="in folder 'Applications/FolderA'"):
        host.find_imap_config(api, "Applications/FolderA/ReleaseC")


def test_the_configuration_of_a_task_is_its_release_folders(shape):
    api = _FolderConfigurationApi(shape, [imap_ci(shape, title="Global")], {
        "Applications/FolderA": [imap_ci(shape, title="Folder", host="folder.example.com")]})
    def config_for_task(task_id):
        return host.find_imap_config(api, host.release_of_task(task_id))
    task = "Applications/FolderA/FolderB/ReleaseC/PhaseD/TaskE"
    assert config_for_task(task).host == "folder.example.com"
    assert config_for_task("Applications/ReleaseC/PhaseD/TaskE").host == "imap.example.com"
    assert host.release_of_task("not a task id") is None
    assert config_for_task("not a task id").host == "imap.example.com"
