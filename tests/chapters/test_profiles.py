"""Profiles hold every size; bad parameters are refused with one clear sentence."""
from __future__ import annotations

import pytest

from precision.chapters import profiles, registry


@pytest.mark.parametrize("chapter", [c.name for c in registry.chapters() if c.config is not None])
@pytest.mark.parametrize("profile", profiles.PROFILES)
def test_every_chapter_resolves_at_every_profile(chapter, profile):
    cfg = profiles.resolve(chapter, profile)
    assert cfg.profile == profile


def test_profiles_grow_from_smoke_to_paper():
    s, b, p = (profiles.sizes("introduction", name) for name in profiles.PROFILES)
    assert s.floor_points < b.floor_points < p.floor_points
    assert max(s.scaling_sizes) < max(b.scaling_sizes) < max(p.scaling_sizes)
    assert s.adam_steps < b.adam_steps <= p.adam_steps


def test_none_keeps_the_profile_value_and_overrides_are_checked():
    cfg = profiles.resolve("introduction", "smoke", floor_targets=None, example_width=3, scaling_sizes=[32, 64])
    assert cfg.example_width == 3 and cfg.scaling_sizes == (32, 64)
    assert cfg.floor_targets == profiles.sizes("introduction", "smoke").floor_targets


@pytest.mark.parametrize("kwargs, message", [
    (dict(profile="fast"), "profile must be one of 'smoke', 'book', 'paper'; got 'fast'"),
    (dict(floor_targets=["I.99.9"]), "floor_targets: unknown equation 'I.99.9'"),
    (dict(floor_targets=["II.15.4"]), "floor_targets: equation 'II.15.4' cannot be used"),
    (dict(example_width=-3), "example_width must be a positive integer, got -3"),
    (dict(scaling_sizes=[]), "scaling_sizes must be a non-empty list of positive integers"),
    (dict(scaling_sizes=[64, 0]), "scaling_sizes must be a non-empty list of positive integers"),
    (dict(example_target=["Z.001"]), "example_target must be one equation id"),
    (dict(widht=3), "unknown parameter(s) widht for introduction; allowed:"),
])
def test_bad_parameters_name_themselves(kwargs, message):
    profile = kwargs.pop("profile", "smoke")
    with pytest.raises(ValueError) as err:
        profiles.resolve("introduction", profile, **kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize("precisions", [[1e-3, 2.0], [], [0], "1e-8"])
def test_conclusions_precisions_are_relative_rmses(precisions):
    with pytest.raises(ValueError, match="precisions must be a non-empty list of relative RMSEs between 0 and 1"):
        profiles.resolve("conclusions", "smoke", precisions=precisions)
