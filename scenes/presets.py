"""The default scene and one preset for each claim of the lecture notes.

Each preset is a :class:`~scenes.model.Scene` and one sentence on what to look
for. ``tests/test_scenes_presets.py`` checks numerically that each preset shows
its claim, so that a change to a learning rate here cannot quietly break a
lesson.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from optimizers.schedules import Schedule
from scenes.dynamics import NO_DYNAMICS, Dynamics
from scenes.model import RunSpec, Scene, surface_choices, surface_params

RAVINE_START = (-8.0, 1.5)


def ravine_scene(*runs: RunSpec, steps: int = 300, kappa: float = 50.0) -> Scene:
    """A scene on the unrotated ravine, from the lecture's start (-8, 1.5)."""
    return Scene(
        surface="ravine",
        params=surface_params("ravine", {"kappa": kappa, "angle": 0.0}),
        start=RAVINE_START,
        steps=steps,
        runs=tuple(runs),
    )


# The lecture's story on the ravine (kappa 50: lambda_max = 1 across the
# valley, lambda_min = 1/50 along it), picked by running the engine:
# - SGD at lr 1.8, just below the stability limit 2 / lambda_max = 2: across the
#   valley it is multiplied by 1 - 1.8 = -0.8 each step, so it jitters from side
#   to side, while along the valley it gains only 1.8 / 50 = 3.6 % a step.
# - Momentum at lr 0.3, mu 0.9: its speed along the valley builds up to
#   lr / (1 - mu) = 3, so it overtakes SGD, shoots past the minimum (to x = 0.5)
#   and swings back to settle. Nesterov with the same settings overshoots less.
# - AdaGrad at lr 0.3 starts like the others but its steps shrink as the cache
#   grows: after 300 steps it is still well short of the minimum (x = -1.1).
# - RMSProp (lr 0.1) and Adam (lr 0.3) keep their step size and arrive.
DEFAULT_SCENE = ravine_scene(
    RunSpec.make("sgd", lr=1.8),
    RunSpec.make("momentum", lr=0.3, mu=0.9),
    RunSpec.make("nesterov", lr=0.3, mu=0.9),
    RunSpec.make("adagrad", lr=0.3),
    RunSpec.make("rmsprop", lr=0.1, decay_rate=0.99),
    RunSpec.make("adam", lr=0.3),
)


@dataclass(frozen=True)
class Preset:
    """A one-click scene for one claim of the lecture, with what to look for."""

    key: str
    title: str
    look_for: str
    scene: Scene


PRESETS: tuple[Preset, ...] = (
    Preset(
        "jitter",
        "SGD jitters in the ravine",
        "At lr 1.9 SGD zigzags across the steep direction while it crawls along the shallow "
        "one; at lr 0.5 the zigzag is gone but the crawl is slower still: no single learning "
        "rate suits both directions.",
        ravine_scene(RunSpec.make("sgd", lr=1.9), RunSpec.make("sgd", lr=0.5),
                     steps=200, kappa=100.0),
    ),
    Preset(
        "friction",
        "Momentum: a ball with friction",
        "mu is one minus the friction: at mu 0.5 the ball creeps towards the minimum, at 0.9 "
        "it overshoots a little and settles, at 0.99 it swings far past it and back, again and "
        "again.",
        ravine_scene(*(RunSpec.make("momentum", lr=0.2, mu=mu) for mu in (0.5, 0.9, 0.99))),
    ),
    Preset(
        "no_friction",
        "No friction (mu = 1) never settles",
        "With mu = 1 nothing takes energy out of the ball: its loss keeps rising back to where "
        "it started, while mu = 0.9 comes to rest at the minimum.",
        ravine_scene(RunSpec.make("momentum", lr=0.1, mu=1.0),
                     RunSpec.make("momentum", lr=0.1, mu=0.9), steps=500),
    ),
    Preset(
        "nesterov",
        "Nesterov against momentum",
        "Same lr and mu: Nesterov looks ahead before it steps, so it swings less across the "
        "valley and overshoots the minimum by less.",
        ravine_scene(RunSpec.make("momentum", lr=0.3, mu=0.9),
                     RunSpec.make("nesterov", lr=0.3, mu=0.9)),
    ),
    Preset(
        "adagrad_decay",
        "AdaGrad's step size decays",
        "AdaGrad's cache only grows, so its effective step lr / sqrt(cache) shrinks towards "
        "zero: each hundred steps it covers less ground, and after 1000 steps it is still far "
        "from the minimum.",
        ravine_scene(RunSpec.make("adagrad", lr=0.05), steps=1000),
    ),
    Preset(
        "rmsprop_fix",
        "RMSProp fixes AdaGrad",
        "Same lr: RMSProp's cache leaks (decay_rate 0.99), so its step stays about lr and it "
        "reaches the minimum in a few hundred steps while AdaGrad slows to a crawl. Then the "
        "leak turns against it: near the minimum the gradient dies away and the cache with "
        "it, lr / sqrt(cache) climbs past the steep direction's limit of 2, and around step "
        "770 the loss jumps from far below 1e-10 back up to about 0.06. A constant lr never "
        "settles for good: the cue for decaying it (a 1/t schedule removes the jump).",
        ravine_scene(RunSpec.make("adagrad", lr=0.05),
                     RunSpec.make("rmsprop", lr=0.05, decay_rate=0.99), steps=1000),
    ),
    Preset(
        "adam_bias",
        "Adam with and without bias correction",
        "m and v start at zero; without bias correction v is the more underestimated, so the "
        "notes' Adam takes first steps about three times too long (2.2 against 0.7 at lr "
        "0.5) and overshoots the minimum by 4.8 instead of 1.4, while the corrected one "
        "starts with steps of about lr along each axis.",
        ravine_scene(RunSpec.make("adam", lr=0.5),
                     RunSpec.make("adam", lr=0.5, bias_correction=False), steps=200),
    ),
    Preset(
        "saddle",
        "Escaping a saddle point",
        "Starting almost on the ridge, the way down (along y) has a tiny gradient: SGD lingers "
        "near the saddle, while RMSProp and Adam divide by the gradient's size and leave quickly.",
        Scene(
            surface="saddle",
            start=(-1.8, 1e-3),
            steps=150,
            runs=(RunSpec.make("sgd", lr=0.01), RunSpec.make("rmsprop", lr=0.01),
                  RunSpec.make("adam", lr=0.01)),
        ),
    ),
)

# Under noisy gradients (scenes.dynamics), checked by tests/test_scenes_dynamics.py:
# - SGD at lr 1 on a ravine of kappa 10 under noise 1 settles into a loss floor of
#   about lr * noise**2 / 2 within 100 steps; cutting lr to 0.3 every 100 steps
#   lowers the floor by about as much each time (0.66, 0.17, 0.025 over five seeds).
# - AdaGrad (lr 0.3) and RMSProp (lr 0.1) on the same ravine under noise 1: AdaGrad's
#   cache grows by about noise**2 every step, so its steps shrink like 1 / sqrt(t): over
#   steps 800-1000 they are about 0.012 long, a thirtieth of its first step (lr * sqrt(2)),
#   its paths move within a box of about 0.4 and its losses stay within a factor of 3,
#   short of the minimum (x about -1.5: it went still before it arrived). RMSProp's cache
#   levels off at noise**2: its steps stay about 0.12 long, ten times AdaGrad's, and its
#   losses jump over two decades as it jitters around the minimum.
PRESETS += (
    Preset(
        "noise_lr_decay",
        "Mini-batch noise: a decaying lr settles SGD",
        "With noisy gradients SGD cannot settle: it jitters around the minimum at a loss "
        "level set by its learning rate. Each time the schedule cuts lr to 0.3 of itself "
        "(every 100 steps) the jitter shrinks and the loss drops to a lower floor, for every seed "
        "of the fan.",
        replace(ravine_scene(RunSpec.make("sgd", lr=1.0), kappa=10.0),
                dynamics=Dynamics(noise=1.0, seed=0, fan=5,
                                  schedule=Schedule("step", drop=0.3, every=100))),
    ),
    Preset(
        "noise_adagrad",
        "Under noise AdaGrad's steps shrink to zero",
        "Noise adds to AdaGrad's cache at every step, so its steps keep shrinking (like "
        "1 / sqrt(t)): by step 800 they are a thirtieth of its first one and its paths go "
        "still, short of the minimum, their loss curves flat. RMSProp's cache forgets: its "
        "steps keep their size, ten times AdaGrad's, and it keeps jittering around the "
        "minimum, its loss jumping up and down.",
        replace(ravine_scene(RunSpec.make("adagrad", lr=0.3), RunSpec.make("rmsprop", lr=0.1),
                             steps=1000, kappa=10.0),
                dynamics=Dynamics(noise=1.0, seed=0, fan=5)),
    ),
)



def penguin_scene(*runs: RunSpec, scaling: str = "raw", steps: int = 300,
                  dynamics: Dynamics = NO_DYNAMICS) -> Scene:
    """A scene on the penguins' loss, from (w, b) = (0, 0), the line predicting 0 kg."""
    return Scene(surface="penguins", choices=surface_choices("penguins", {"scaling": scaling}),
                 start=(0.0, 0.0), steps=steps, runs=tuple(runs), dynamics=dynamics)


# On real data (surfaces/penguins.py), checked by tests/test_scenes_presets.py:
# - Raw flipper lengths (1.7 to 2.3 dm) tie w to b: the Hessian's eigenvalues are 10.1 across
#   the valley and 0.0078 along it (condition number 1,295), so SGD is stable below
#   lr 2 / 10.1 = 0.198. From (0, 0) SGD (lr 0.15), Momentum (lr 0.1, mu 0.9) and Adam
#   (lr 0.5) are on the valley floor (within 0.05 across it) by step 6; along it, in 300
#   steps, SGD covers 30% of the way to the fit, Adam 50%, Momentum 91%. Standardised, the
#   same three runs end within 0.001 of the fit.
# - Standardised (a round bowl, Hessian 2 I) under mini-batches of 8 rows, SGD at lr 0.1:
#   full batch gets the loss within 0.05 of its minimum at step 14 (14 x 342 = 4,788 rows
#   read); each of the five seeds at step 13 to 15, having read 104 to 120 rows. From
#   step 100 on the seeds jitter about the fit, their loss on average 0.0045 above the
#   minimum, where full batch has settled to rounding.
PRESETS += (
    Preset(
        "unscaled",
        "Unscaled features make a ravine",
        "Flipper lengths measured in dm lie far from zero (1.7 to 2.3), which ties the slope w "
        "to the intercept b: the loss of a line through the penguins is a narrow diagonal "
        "ravine, condition number 1,295. All three runs reach its floor within 6 steps and then "
        "crawl along it: in 300 steps SGD (lr 0.15, just below its limit 0.198) covers 30% of "
        "the way to the fit, Adam 50% (per-axis step sizes cannot straighten a diagonal "
        "valley), Momentum 91%. Switch the scaling to standardised: the same runs in a round "
        "bowl.",
        penguin_scene(RunSpec.make("sgd", lr=0.15), RunSpec.make("momentum", lr=0.1, mu=0.9),
                      RunSpec.make("adam", lr=0.5)),
    ),
    Preset(
        "small_batches",
        "Small batches: noisy steps, cheap steps",
        "Each step's gradient is the mean over 8 of the 342 penguins, 43 times cheaper than a "
        "full-batch step, and noisy: the five seeds' losses jitter instead of settling (from "
        "step 100 on about 0.0045 above the minimum, on the loss panel; on the contour their "
        "paths stay within the star). "
        "Yet they get there as fast as full batch, within 0.05 of the minimum loss by step 13 "
        "to 15 (full batch: 14), having read 104 to 120 rows where full batch reads 4,788. Set "
        "the mini-batch size to all 342 to see the exact path.",
        penguin_scene(RunSpec.make("sgd", lr=0.1), scaling="standardised", steps=200,
                      dynamics=Dynamics(seed=0, fan=5, batch_size=8)),
    ),
)

PRESETS_BY_KEY: dict[str, Preset] = {p.key: p for p in PRESETS}
