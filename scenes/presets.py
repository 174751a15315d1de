"""The default scene and one preset for each claim of the lecture notes.

Each preset is a :class:`~scenes.model.Scene`, one short sentence on what to
look for (its claim, at most :data:`CLAIM_LENGTH` characters: two lines at
presenter size) and ``details``, the claim's numbers. The presets come in the
notes' order, and each is a step of the lecture (:mod:`scenes.lecture`, which
adds the question each answers). ``tests/test_scenes_presets.py`` checks
numerically that each preset shows its claim and its details' numbers, so that
a change to a learning rate here cannot quietly break a lesson.
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
    """A one-click scene for one claim of the lecture.

    ``look_for`` is the claim, short enough for two lines at presenter size
    (:data:`CLAIM_LENGTH` characters at most); ``details`` holds its numbers and
    what else the picture shows, for a reader who wants them.
    """

    key: str
    title: str
    look_for: str
    scene: Scene
    details: str = ""

    @property
    def claim(self) -> str:
        """What the picture shows, in a sentence (the lecture's name for ``look_for``)."""
        return self.look_for


CLAIM_LENGTH = 95  # two lines of the presenter's type at 1280 x 720


def annealed(scene: Scene, mu_start: float = 0.5, mu_end: float = 0.99,
             anneal_steps: int = 100) -> Scene:
    """``scene`` with ``mu`` of its Momentum and Nesterov runs annealed, as the notes say."""
    return replace(scene, dynamics=replace(scene.dynamics, schedule=Schedule(
        mu_start=mu_start, mu_end=mu_end, anneal_steps=anneal_steps)))


# In the notes' order. Each claim is checked in numbers by tests/test_scenes_presets.py.
PRESETS: tuple[Preset, ...] = (
    Preset(
        "jitter",
        "SGD jitters in the ravine",
        "SGD zigzags across the steep direction and crawls along the shallow one: no lr suits "
        "both.",
        ravine_scene(RunSpec.make("sgd", lr=1.9), RunSpec.make("sgd", lr=0.5),
                     steps=200, kappa=100.0),
        details="At lr 1.9 SGD zigzags across the steep direction for all its steps while it "
                "crawls along the shallow one; at lr 0.5 the zigzag is gone but the crawl is "
                "slower still: after 100 steps both are more than 1 from the minimum along "
                "the valley.",
    ),
    Preset(
        "friction",
        "Momentum: a ball with friction",
        "mu is one minus the friction: at 0.5 the ball creeps, at 0.9 it settles, at 0.99 it "
        "swings.",
        ravine_scene(*(RunSpec.make("momentum", lr=0.2, mu=mu) for mu in (0.5, 0.9, 0.99))),
        details="At mu 0.5 the ball creeps towards the minimum and is still short of it after "
                "300 steps; at 0.9 it overshoots a little and settles; at 0.99 it swings far "
                "past the minimum and back, again and again.",
    ),
    Preset(
        "mu_anneal",
        "mu annealed from 0.5 to 0.99",
        "mu rising from 0.5 to 0.99: the ball starts calm and gathers speed as the friction "
        "fades.",
        annealed(ravine_scene(RunSpec.make("momentum", lr=0.2, mu=0.99))),
        details="The same ball as the friction preset's (lr 0.2), its mu annealed from 0.5 "
                "towards 0.99 (99% of the way after 100 steps): along the valley it covers 0.66 "
                "in its first 10 steps and 1.57 in steps 40 to 50, nearer the minimum, where "
                "the slope is gentler. It goes 1.3 past the minimum, "
                "where at mu 0.99 throughout it goes 6.2 past; its loss stays below 0.01 "
                "from step 99, where at mu 0.5 throughout only from step 258.",
    ),
    Preset(
        "no_friction",
        "No friction (mu = 1) never settles",
        "With mu = 1 nothing takes energy out: the loss keeps coming back up; mu 0.9 comes to "
        "rest.",
        ravine_scene(RunSpec.make("momentum", lr=0.1, mu=1.0),
                     RunSpec.make("momentum", lr=0.1, mu=0.9), steps=500),
        details="Without friction the ball's loss rises back towards where it started, over "
                "and over (every one of its peaks is above 60% of the starting loss), while "
                "mu = 0.9 comes to rest at the minimum.",
    ),
    Preset(
        "momentum_sgd",
        "Momentum against SGD",
        "Same lr: momentum speeds up along the shallow valley, and swings across it into the "
        "middle.",
        ravine_scene(RunSpec.make("sgd", lr=0.3), RunSpec.make("momentum", lr=0.3, mu=0.9)),
        details="Along the valley momentum's steps grow to six times SGD's longest and it "
                "reaches the minimum, while SGD is still 1.3 short of it after 300 steps; "
                "across the valley momentum swings from side to side, less each time, while "
                "SGD slides straight down.",
    ),
    Preset(
        "nesterov",
        "Nesterov against momentum",
        "Same lr and mu: Nesterov looks ahead, so it swings less across the valley and "
        "overshoots less.",
        ravine_scene(RunSpec.make("momentum", lr=1.0, mu=0.9),
                     RunSpec.make("nesterov", lr=1.0, mu=0.9), steps=150, kappa=10.0),
        details="Nesterov takes the gradient where momentum is about to carry it: along the "
                "valley it goes 3.2 past the minimum where momentum goes 4.8, and across it "
                "its swings add up to a seventh of momentum's.",
    ),
    Preset(
        "many_minima",
        "Many minima, none of them bad",
        "From one start the runs end in three different minima, every one of them of loss 0.",
        Scene(surface="himmelblau", start=(0.5, 4.5), steps=400,
              runs=(RunSpec.make("sgd", lr=5e-3), RunSpec.make("momentum", lr=2e-3, mu=0.95),
                    RunSpec.make("adam", lr=0.1))),
        details="SGD slides to (3, 2), Momentum is carried past it to (3.58, -1.85), Adam "
                "heads to (-2.81, 3.13); each ends with a loss below 1e-6. The notes' claim "
                "is about big networks, whose local minima are nearly all as good as the "
                "best; a 2D surface can only hint at it.",
    ),
    Preset(
        "adagrad_axes",
        "AdaGrad scales each axis",
        "AdaGrad divides each axis by its gradient history: long steps along the valley, short "
        "across.",
        ravine_scene(RunSpec.make("sgd", lr=1.8), RunSpec.make("adagrad", lr=1.0), steps=100),
        details="Across the steep direction the gradients are large, so AdaGrad's step size "
                "there, lr / sqrt(cache), falls to 0.63; along the shallow one it stays above "
                "2.3. It never zigzags, and after 50 steps it is 0.5 from the minimum where "
                "SGD (lr 1.8, zigzagging) is 1.3 from it.",
    ),
    Preset(
        "adagrad_decay",
        "AdaGrad's step size decays",
        "AdaGrad's cache only grows, so its step size decays towards zero, far from the "
        "minimum.",
        ravine_scene(RunSpec.make("adagrad", lr=0.05), steps=1000),
        details="Its effective step lr / sqrt(cache) shrinks at every step, to less than a "
                "twentieth of its first: each hundred steps covers less ground, and after "
                "1000 steps it is still more than 4 from the minimum.",
    ),
    Preset(
        "rmsprop_fix",
        "RMSProp fixes AdaGrad",
        "Same lr: RMSProp's cache leaks, so its step keeps its size and it reaches the "
        "minimum.",
        ravine_scene(RunSpec.make("adagrad", lr=0.05),
                     RunSpec.make("rmsprop", lr=0.05, decay_rate=0.99), steps=1000),
        details="RMSProp's cache forgets old gradients (decay_rate 0.99), so its step "
                "size lr / sqrt(cache) does not decay (it grows as the gradient shrinks): its "
                "loss is below 1e-3 by step 400, while AdaGrad's is still above 0.1 at step 1000. "
                "Near the minimum the leak turns against it: the cache dies away with the "
                "gradient, the step climbs past the steep direction's limit of 2, and around "
                "step 770 the loss jumps from below 1e-10 back to about 0.06, and again "
                "before step 1000 (the loss panel marks it). A constant lr never settles for "
                "good: the cue for decaying it (a 1/t schedule removes the jumps).",
    ),
    Preset(
        "adam_bias",
        "Adam with and without bias correction",
        "Without bias correction Adam's first steps are three times too long: it overshoots "
        "more.",
        ravine_scene(RunSpec.make("adam", lr=0.5),
                     RunSpec.make("adam", lr=0.5, bias_correction=False), steps=200),
        details="m and v start at zero; without bias correction v is the more "
                "underestimated, so the notes' Adam takes first steps of 2.2 against 0.7 at "
                "lr 0.5 and overshoots the minimum by 4.8 instead of 1.4, while the corrected "
                "one starts with steps of about lr along each axis.",
    ),
    Preset(
        "saddle",
        "Escaping a saddle point",
        "Starting almost on the ridge, SGD lingers near the saddle; RMSProp and Adam leave "
        "quickly.",
        Scene(
            surface="saddle",
            start=(-1.8, 1e-3),
            steps=150,
            runs=(RunSpec.make("sgd", lr=0.01), RunSpec.make("rmsprop", lr=0.01),
                  RunSpec.make("adam", lr=0.01)),
        ),
        details="The way down (along y) has a tiny gradient there: SGD stays within 1 of the "
                "ridge for all 150 steps, while RMSProp and Adam divide by the gradient's "
                "size and are away within 30 and 100 steps.",
    ),
)

# Under noisy gradients (scenes.dynamics), checked by tests/test_scenes_presets.py and
# tests/test_scenes_dynamics.py:
# - SGD at lr 1 on a ravine of kappa 2 under noise 1 jitters at a loss of about
#   lr * noise**2 / 2; cut to 0.2 of itself at steps 100 and 200, its median loss over each
#   stretch falls from 0.55 to 0.08 to 0.009: three levels on the loss panel.
# - AdaGrad (lr 0.3) and RMSProp (lr 0.1) on a ravine of kappa 10 under noise 1: AdaGrad's
#   cache grows by about noise**2 every step, so its steps shrink like 1 / sqrt(t): over
#   steps 800-1000 they are about 0.012 long, a thirtieth of its first step (lr * sqrt(2)),
#   its paths move within a box of about 0.4 and its losses stay within a factor of 3,
#   short of the minimum (x about -1.5: it went still before it arrived). RMSProp's cache
#   levels off at noise**2: its steps stay about 0.12 long, ten times AdaGrad's, and its
#   losses jump over two decades as it jitters around the minimum.
PRESETS += (
    Preset(
        "noise_lr_decay",
        "Noisy gradients: a decaying lr settles SGD",
        "With noisy gradients SGD jitters at a loss set by its lr: each cut of lr lowers it.",
        replace(ravine_scene(RunSpec.make("sgd", lr=1.0), kappa=2.0),
                dynamics=Dynamics(noise=1.0, seed=0, fan=3,
                                  schedule=Schedule("step", drop=0.2, every=100))),
        details="Gaussian noise of standard deviation 1 on every gradient component stands "
                "in for mini-batches. At a constant lr SGD cannot settle: it jitters around "
                "the minimum. The schedule cuts lr to 0.2 of itself at steps 100 and 200, and "
                "each time the loss drops to a lower level (median 0.55, then 0.08, then "
                "0.009, the three seeds alike).",
    ),
    Preset(
        "noise_adagrad",
        "Under noise AdaGrad's steps shrink to zero",
        "Under noise AdaGrad's steps shrink to zero short of the minimum; RMSProp keeps its "
        "step size.",
        replace(ravine_scene(RunSpec.make("adagrad", lr=0.3), RunSpec.make("rmsprop", lr=0.1),
                             steps=1000, kappa=10.0),
                dynamics=Dynamics(noise=1.0, seed=0, fan=5)),
        details="Noise adds to AdaGrad's cache at every step, so its steps keep shrinking "
                "(like 1 / sqrt(t)): by step 800 they are a thirtieth of its first one and "
                "its paths go still, short of the minimum, their loss curves flat. RMSProp's "
                "cache forgets: its steps keep their size, ten times AdaGrad's, and it keeps "
                "jittering around the minimum, its loss jumping up and down.",
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
#   lr 2 / 10.1 = 0.198. From (0, 0), along the valley in 300 steps SGD (lr 0.15) covers 30%
#   of the way to the fit, Adam (lr 0.5) 50%, Momentum (lr 0.1, mu 0.9) 91%. Standardised,
#   the same three runs end within 0.001 of the fit.
# - Standardised (a round bowl, Hessian 2 I), SGD at lr 0.1: full batch gets the loss within
#   0.05 of its minimum at step 14 (14 x 342 = 4,788 rows read); under mini-batches of 8
#   rows each of the five seeds at step 13 to 15, having read 104 to 120 rows. From step
#   100 on the seeds jitter about the fit, their loss on average 0.0045 above the minimum,
#   where full batch has settled to rounding. A scene's batch size is every run's, so the
#   full-batch run is a preset of its own, just before the mini-batch one.
_BOWL_SGD = RunSpec.make("sgd", lr=0.1)
PRESETS += (
    Preset(
        "unscaled",
        "Unscaled features make a ravine",
        "Raw flipper lengths make a narrow ravine, condition number 1,295: SGD crawls along "
        "it.",
        penguin_scene(RunSpec.make("sgd", lr=0.15), RunSpec.make("momentum", lr=0.1, mu=0.9),
                      RunSpec.make("adam", lr=0.5)),
        details="Flipper lengths measured in dm lie far from zero (1.7 to 2.3), which ties "
                "the slope w to the intercept b: the loss of a line through the penguins is a "
                "narrow diagonal ravine, condition number 1,295. Along it, in 300 steps, SGD "
                "(lr 0.15, just below its limit 0.198) covers 30% of the way to the fit, Adam "
                "50% (per-axis step sizes cannot straighten a diagonal valley), Momentum 91%. "
                "Switch the scaling to standardised: the same runs in a round bowl.",
    ),
    Preset(
        "full_batch",
        "Full batch: exact steps",
        "Each step reads all 342 penguins: the loss is within 0.05 of its minimum by step 14.",
        penguin_scene(_BOWL_SGD, scaling="standardised", steps=200),
        details="Standardised, the loss is a round bowl; SGD at lr 0.1 heads straight for the "
                "fit and settles on it, having read 14 x 342 = 4,788 rows by step 14. The next "
                "preset draws mini-batches of 8 rows instead.",
    ),
    Preset(
        "small_batches",
        "Small batches: noisy steps, cheap steps",
        "8 of the 342 penguins a step, 43 times cheaper: 5 seeds near the fit by step 15, then "
        "jitter.",
        penguin_scene(_BOWL_SGD, scaling="standardised", steps=200,
                      dynamics=Dynamics(seed=0, fan=5, batch_size=8)),
        details="The same SGD as full batch's (lr 0.1). Each step's gradient is the mean over "
                "8 rows drawn afresh: the five seeds' losses come within 0.05 of the minimum "
                "by step 13 to 15 (full batch: 14), having read 104 to 120 rows where full "
                "batch reads 4,788; from step 100 on they jitter about 0.0045 above the "
                "minimum (on the loss panel) where full batch has settled.",
    ),
)

PRESETS_BY_KEY: dict[str, Preset] = {p.key: p for p in PRESETS}
