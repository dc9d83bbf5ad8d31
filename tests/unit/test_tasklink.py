from __future__ import annotations

import pytest

from remote_completion.tasklink import task_id_from_ui, task_url

TASK = "Applications/Release1a2b/Phase3c4d/Task5e6f"
FOLDER_TASK = "Applications/Folder9/Folder10/Release1a2b/Phase3c4d/Task5e6f"


def test_task_url_in_a_release():
    assert task_url("https://xlr.example.com/", TASK) == (
        "https://xlr.example.com/#/releases/Release1a2b"
        "?openTaskDetailsModal=Release1a2b-Phase3c4d-Task5e6f")


def test_task_url_in_folders_round_trips():
    url = task_url("http://xlr:5516/xlr", FOLDER_TASK)
    assert url.startswith("http://xlr:5516/xlr/#/releases/Folder9-Folder10-Release1a2b?")
    assert task_id_from_ui(url.split("openTaskDetailsModal=")[1]) == FOLDER_TASK


@pytest.mark.parametrize("base", [None, "", "xlr.example.com", "javascript:alert(1)",
                                  "https://x.com/a b", "https://x.com/?q=1"])
def test_unusable_server_url_gives_no_link(base):
    assert task_url(base, TASK) is None


@pytest.mark.parametrize("task_id", [None, "", "Release1/Phase2/Task3",
                                     "Applications/Release1/Phase2/Task3\nX",
                                     "Applications/../Release1/Task3"])
def test_unusable_task_id_gives_no_link(task_id):
    assert task_url("https://xlr.example.com", task_id) is None
