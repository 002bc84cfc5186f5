"""Each channel owns its settings: a model in its folder that the gateway's Settings
inherit, so a default and a meaning are written once and the configuration reference
is generated from them."""

from __future__ import annotations

import inspect

import pytest

from channels.registry import CHANNELS
from gateway.config import Settings, load_settings, plain_config, reference


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_the_gateways_settings_include_every_channels_own(name):
    model = CHANNELS[name].settings_model
    assert issubclass(Settings, model)
    for field, info in model.model_fields.items():
        assert info.description, f"{field} has no description"
        assert f"`GATEWAY_{field.upper()}`" in reference()


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_an_adapter_repeats_none_of_its_defaults(name):
    """Its from_config reads the channel's settings model, not a default of its own."""
    source = inspect.getsource(CHANNELS[name].from_config)
    for field in CHANNELS[name].settings_model.model_fields:
        assert f'config.get("{field}"' not in source
    adapter = CHANNELS[name].from_config(plain_config(load_settings()))
    assert adapter.name == name


def test_every_setting_has_its_meaning_in_its_field():
    missing = [name for name, info in Settings.model_fields.items() if not info.description]
    assert missing == []
