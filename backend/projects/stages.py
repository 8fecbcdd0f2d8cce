"""The stages of the Smart City pipeline (machine names are stable; labels are translated)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    IDEA = "idea", _("Idea")
    ASSESSMENT = "assessment", _("Assessment")
    FUNDING = "funding", _("Funding")
    IMPLEMENTATION = "implementation", _("Implementation")
    EVALUATION = "evaluation", _("Evaluation")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    ON_HOLD = "on_hold", _("On hold")


# Stages a project can be put on hold from, and resumed to.
ACTIVE_STAGES = (Stage.IDEA, Stage.ASSESSMENT, Stage.FUNDING, Stage.IMPLEMENTATION, Stage.EVALUATION)
REJECTABLE_STAGES = (Stage.IDEA, Stage.ASSESSMENT, Stage.FUNDING)
TERMINAL_STAGES = (Stage.COMPLETED, Stage.REJECTED)
