"""The lecture: the notes' claims in the notes' order, each asked, then shown.

A :class:`Step` is one claim of the lecture notes (``/work/shared/lecture-notes.md``,
CS231n's "Training Neural Networks, Part 2"): the question the lecturer asks
before the race is played, and the preset (:mod:`scenes.presets`) whose scene
answers it, with its title, its claim (short enough for two lines at presenter
size) and its numbers in ``details``. Where the notes ask the question
themselves, it is in their words ("Q: What is the trajectory along which we
converge towards the minimum with SGD?"); elsewhere it is the question the
picture answers.

A step's link is ``?lecture=<key>`` (:mod:`scenes.links`); it opens the step's
scene at step 0 of its race, ready to play. ``tests/test_scenes_presets.py``
checks each claim in numbers against the step's own runs.

>>> [step.key for step in LECTURE][:3]
['jitter', 'friction', 'mu_anneal']
>>> STEPS_BY_KEY["adagrad_decay"].question
'What happens to the step size over long time?'
"""

from __future__ import annotations

from dataclasses import dataclass

from scenes.model import Scene
from scenes.presets import PRESETS_BY_KEY, Preset


@dataclass(frozen=True)
class Step:
    """One step of the lecture: a question, and the preset whose picture answers it.

    ``key`` is the preset's key, and the step's in links (``?lecture=friction``).
    """

    key: str
    question: str

    @property
    def preset(self) -> Preset:
        return PRESETS_BY_KEY[self.key]

    @property
    def title(self) -> str:
        return self.preset.title

    @property
    def claim(self) -> str:
        """What the picture shows, shown after the race (the preset's sentence)."""
        return self.preset.look_for

    @property
    def details(self) -> str:
        """The claim's numbers and the rest of what the picture shows."""
        return self.preset.details

    @property
    def scene(self) -> Scene:
        return self.preset.scene


LECTURE: tuple[Step, ...] = (
    # SGD update: "Suppose loss function is steep vertically but shallow horizontally".
    Step("jitter",
         "What is the trajectory along which we converge towards the minimum with SGD?"),
    # Momentum update: "ball rolling down the loss function + friction (mu coefficient)".
    Step("friction", "The ball rolls with friction 1 - mu: what do mu 0.5, 0.9 and 0.99 do?"),
    # "Sometimes annealed over time, e.g. from 0.5 -> 0.99".
    Step("mu_anneal", "What if the friction fades as the ball rolls, mu from 0.5 to 0.99?"),
    # "If there is no mu, the ball would never come to arrest".
    Step("no_friction", "What if there is no friction at all (mu = 1)?"),
    # "In shallow direction ... speeding up"; "In steep direction ... oscillating to the
    # middle".
    Step("momentum_sgd",
         "Same lr: how does momentum move along the shallow direction, and across the steep "
         "one?"),
    # Nesterov momentum update: the gradient at x + mu * v.
    Step("nesterov", "Nesterov takes the gradient where momentum will carry it: what changes?"),
    # "Local minimus is not issue. There is no bad local minima in big neural network."
    Step("many_minima", "Runs that end in different minima: is one of them a bad one?"),
    # AdaGrad: "In steep direction ... the update will be small. In shallow direction ...
    # large."
    Step("adagrad_axes",
         "Dividing by each axis's sum of squared gradients: which steps grow, which shrink?"),
    # "Q2: What happens to the step size over long time?"
    Step("adagrad_decay", "What happens to the step size over long time?"),
    # RMSProp: the cache leaks (decay_rate).
    Step("rmsprop_fix", "If the cache forgets old gradients, does the step size still die out?"),
    # Adam "(incomplete, but close)" ... "compensate": bias correction.
    Step("adam_bias", "m and v start at zero: what does that do to Adam's first steps?"),
    # Beyond the notes' updates: where the gradient is tiny, noise, real data.
    Step("saddle", "Near a saddle point the gradient is tiny: who gets away, and how fast?"),
    # The main loop samples a data batch: each gradient is noisy.
    Step("noise_lr_decay", "With noisy gradients, can SGD settle at the minimum?"),
    Step("noise_adagrad", "Under noise, what happens to AdaGrad's and RMSProp's step sizes?"),
    Step("unscaled", "A line through real data (penguins): where does a ravine come from?"),
    Step("full_batch", "Once the feature is standardised, how fast does full-batch SGD fit?"),
    Step("small_batches", "What if each step reads only 8 penguins instead of all 342?"),
)

STEPS_BY_KEY: dict[str, Step] = {step.key: step for step in LECTURE}


def position(key: str) -> str:
    """Where step ``key`` is in the lecture, in words: ``"3 of 17: mu annealed from 0.5
    to 0.99"``.

    Raises:
        KeyError: no such step.
    """
    step = STEPS_BY_KEY[key]
    return f"{LECTURE.index(step) + 1} of {len(LECTURE)}: {step.title}"


def neighbours(key: str) -> tuple[Step | None, Step | None]:
    """The steps before and after step ``key`` (None at either end of the lecture).

    Raises:
        KeyError: no such step.
    """
    index = LECTURE.index(STEPS_BY_KEY[key])
    before = LECTURE[index - 1] if index > 0 else None
    after = LECTURE[index + 1] if index + 1 < len(LECTURE) else None
    return before, after


__all__ = ["LECTURE", "STEPS_BY_KEY", "Step", "neighbours", "position"]
