"""Built-in penalty policies: ``flat`` (the original scoring), ``capped`` (points per code capped) and ``episode``
(one deduction per continuous episode)."""

from collections.abc import Iterator

from proctor_builtin_policies.episode import EpisodePenaltyConfig, EpisodePenaltyPolicy
from proctor_builtin_policies.policies import CappedPenaltyConfig, CappedPenaltyPolicy, FlatPenaltyPolicy
from proctor_core import hookimpl
from proctor_core.types import PolicySpec


@hookimpl
def proctor_penalty_policies() -> Iterator[PolicySpec]:
    yield PolicySpec(name="flat", factory=FlatPenaltyPolicy)
    yield PolicySpec(name="capped", factory=CappedPenaltyPolicy, config_model=CappedPenaltyConfig)
    yield PolicySpec(name="episode", factory=EpisodePenaltyPolicy, config_model=EpisodePenaltyConfig)
