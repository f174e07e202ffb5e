"""An app from the installed package: log when the porch light should go on tonight."""

from hassette import App, AppConfig

from sun_automations import sun_times


class PorchLightConfig(AppConfig):
    latitude: float = 52.37
    longitude: float = 4.90


class PorchLight(App[PorchLightConfig]):
    async def on_initialize(self) -> None:
        times = sun_times(self.app_config.latitude, self.app_config.longitude)
        self.logger.info("porch light goes on at sunset: %s UTC", times["sunset"].time())
