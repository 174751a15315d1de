"""RunSpec.make checks a run as ``simulate`` does: one range per hyperparameter, one message."""

from __future__ import annotations

import pytest

from optimizers import OPTIMIZERS, simulate
from scenes import RunSpec
from surfaces import SURFACES

REFUSED = [
    ("adamw", {}),
    ("sgd", {"lr": 0.0}), ("sgd", {"lr": 1e-7}), ("sgd", {"lr": 200.0}),
    ("sgd", {"lr": float("nan")}), ("sgd", {"lr": "fast"}), ("sgd", {"lr": 10**400}),
    ("adam", {"eps": 0.0}), ("adam", {"eps": 2.0}), ("adam", {"beta2": 1.0}),
    ("momentum", {"mu": 1.5}), ("adam", {"bias_correction": "yes"}),
    ("sgd", {"mu": 0.9}),
]


@pytest.mark.parametrize(("optimizer", "hyper"), REFUSED)
def test_a_run_is_refused_with_the_engines_own_message(optimizer, hyper):
    with pytest.raises(ValueError) as engine:
        simulate(SURFACES["ravine"], optimizer, steps=1, **hyper)
    with pytest.raises(ValueError) as scene:
        RunSpec.make(optimizer, **hyper)
    assert str(scene.value) == str(engine.value)


def test_every_range_end_the_engine_takes_makes_a_run():
    for name, opt in OPTIMIZERS.items():
        for spec in opt.hyper:
            ends = [True, False] if spec.kind == "bool" else [
                end for end, is_open in ((spec.low, spec.low_open), (spec.high, spec.high_open))
                if not is_open and abs(end) != float("inf")]
            for end in ends:
                run = RunSpec.make(name, **{spec.name: end})
                assert run.values[spec.name] == end
                assert type(run.values[spec.name]) is type(spec.default)


def test_a_run_holds_one_value_per_hyperparameter():
    with pytest.raises(ValueError, match="lr must be one value for one run"):
        RunSpec.make("sgd", lr=[0.1, 0.2])
