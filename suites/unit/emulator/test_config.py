"""The server's configuration: ``--server-settings`` read into ServerSettings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fle_testkit.emulator.config import ServerSettings, UsageError


class TestServerSettings:
    def test_defaults_are_factorios(self) -> None:
        settings = ServerSettings()
        assert (settings.auto_pause, settings.autosave_interval, settings.autosave_slots) == (True, 10, 5)

    def test_file_values_are_read(self, tmp_path: Path) -> None:
        path = tmp_path / "server-settings.json"
        path.write_text(json.dumps({"auto_pause": False, "autosave_interval": 2, "autosave_slots": 0, "name": "x"}))
        assert ServerSettings.from_file(path) == ServerSettings(
            auto_pause=False, autosave_interval=2, autosave_slots=0, name="x"
        )

    def test_missing_keys_keep_defaults(self, tmp_path: Path) -> None:
        path = tmp_path / "server-settings.json"
        path.write_text("{}")
        assert ServerSettings.from_file(path) == ServerSettings()

    def test_non_object_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "server-settings.json"
        path.write_text("[1, 2]")
        with pytest.raises(UsageError, match="JSON object"):
            ServerSettings.from_file(path)


class TestServerSettingsTypes:
    @pytest.mark.parametrize("values", [{"auto_pause": "false"}, {"autosave_slots": None}, {"autosave_interval": 1.5}])
    def test_a_wrongly_typed_setting_is_refused(self, tmp_path, values) -> None:
        path = tmp_path / "settings.json"
        path.write_text(json.dumps(values))
        with pytest.raises(UsageError, match=next(iter(values))):
            ServerSettings.from_file(path)
