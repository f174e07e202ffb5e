"""A flat app: its one extra dependency (tabulate) comes from requirements.txt next to it."""

from hassette import App, AppConfig
from tabulate import tabulate


class DailyReport(App[AppConfig]):
    """Log a small table of the lights and their states."""

    async def on_initialize(self) -> None:
        lights = self.states.light
        rows = [(entity_id, state.value) for entity_id, state in lights.to_dict().items()]
        self.logger.info("lights:\n%s", tabulate(rows, headers=("light", "state")))
