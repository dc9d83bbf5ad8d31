"""pyhocon returns a dateutil relativedelta for every duration unit when
python-dateutil is installed (matplotlib, the benchmark's plotting library,
brings it): such a value must read as seconds, not as 'months and years'."""
from __future__ import annotations

import pytest

from remote_completion import settings


class relativedelta:  # the name is what settings looks at
    def __init__(self, years=0, months=0, days=0, hours=0, minutes=0, seconds=0,
                 microseconds=0):
        self.years, self.months, self.days = years, months, days
        self.hours, self.minutes, self.seconds = hours, minutes, seconds
        self.microseconds = microseconds


def test_a_relativedelta_of_days_to_microseconds_is_seconds():
    value = relativedelta(days=1, hours=1, minutes=1, seconds=1, microseconds=500000)
    assert settings.parse_duration(value) == 86400 + 3600 + 60 + 1.5


@pytest.mark.parametrize("field", ["months", "years"])
def test_months_and_years_stay_refused(field):
    with pytest.raises(Exception, match="months and years"):
        settings.parse_duration(relativedelta(**{field: 1}))


def test_the_real_parser_with_dateutil_reads_seconds(tmp_path):
    pytest.importorskip("dateutil")
    conf = tmp_path / "xl-release.conf"
    conf.write_text("xl.remote-completion.sync-interval = 5 seconds\n")
    assert settings.load(str(conf), use_cache=False).sync_interval == 5.0
