"""Sun-based automations: the package the locked project installs into the app venv."""

import datetime

from astral import LocationInfo
from astral.sun import sun


def sun_times(latitude: float, longitude: float, day: datetime.date | None = None) -> dict:
    """Dawn, sunrise, noon, sunset and dusk (UTC) for a place and a day."""
    place = LocationInfo(latitude=latitude, longitude=longitude)
    return sun(place.observer, date=day or datetime.date.today())
