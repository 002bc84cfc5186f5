"""Each registered delivery target says what it can do, and has what it says: the
gateway reads the capabilities instead of probing for methods."""

from __future__ import annotations

import pytest

from forwarder.targets.registry import TARGETS
from gateway.config import load_settings, plain_config

CAPABILITY_METHODS = {
    "status_feed": "fetch_updates",
    "status_poll": "fetch_statuses",
    "updates": "send_update",
}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_target_has_exactly_the_methods_its_capabilities_name(name):
    target = TARGETS[name]
    assert target.name == name
    for capability, method in CAPABILITY_METHODS.items():
        assert getattr(target.capabilities, capability) == callable(getattr(target, method, None))


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_target_is_built_from_the_gateways_settings(name):
    settings = load_settings(forward_target=name, forward_url="http://127.0.0.1:9/x")
    target = TARGETS[name].from_config(plain_config(settings))
    assert target.name == name
    assert isinstance(TARGETS[name].takes_updates(plain_config(settings)), bool)


def test_the_setting_names_every_registered_target_and_nothing_else():
    for name in TARGETS:
        assert load_settings(forward_target=name).forward_target == name
    with pytest.raises(ValueError, match="forward_target must be one of open311, lapor, webhook"):
        load_settings(forward_target="email")
