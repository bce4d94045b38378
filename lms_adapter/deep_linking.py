"""Deep linking: the instructor's rules form and the content item it returns to the platform.

The content item is an ``ltiResourceLink`` with a gradebook line item (scoreMaximum 100, the activity's title) and
the validated exam rules in the custom parameter ``proctor_exam`` (see :mod:`lms_adapter.exam_params`), among them
the optional address of an exam on another site, which learners then take inside the exam-wrapper page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from lms_adapter.exam_params import CUSTOM_PARAM, DEFAULT_PRESET, encode
from proctor_core.config import PRESETS, ExamConfig
from proctor_core.errors import ConfigError
from proctor_core.exam_address import MAX_LENGTH, check_exam_address
from proctor_core.plugins import describe_factory
from proctor_core.service import api
from proctor_core.service.apps import service_config
from proctor_core.service.framing_probe import probe_framing
from proctor_core.service.pages.wrapper import loopback_http_allowed

SCORE_MAXIMUM = 100
RULE_FIELDS = ("threshold_s", "cooldown_s", "points")


class ExamRulesForm(forms.Form):
    """The rules of a new proctored activity: preset, detectors and their rules, penalty policy, evidence."""

    title = forms.CharField(max_length=200, initial="Proctored exam")
    preset = forms.ChoiceField(
        choices=[(name, name) for name in PRESETS],
        initial=DEFAULT_PRESET,
        help_text="exam: silence is a microphone notice (0 points; give it points to penalise it); "
        "interview: silence is penalised",
    )
    policy = forms.ChoiceField(
        initial=ExamConfig.from_preset(DEFAULT_PRESET).policy.name,
        help_text="How violations become deductions (episode: once per continuous absence or away episode)",
    )
    keep_evidence = forms.BooleanField(required=False, help_text="Keep the frame that caused a camera violation")
    evidence_retention_days = forms.IntegerField(min_value=1, max_value=3650, initial=30)
    exam_url = forms.CharField(
        required=False,
        max_length=MAX_LENGTH,
        label="Exam address",
        help_text="Optional: the https address of an exam on another site (a Canvas quiz, any web exam). Learners "
        "then take it inside the monitored page; that site must allow being framed by this tool.",
    )
    add_despite_framing = forms.BooleanField(
        required=False,
        label="Add it anyway",
        help_text="The exam site may allow framing to logged-in visitors only; check it with a test student.",
    )
    data_retention_days = forms.IntegerField(
        min_value=1, max_value=36500, required=False, help_text="Delete sessions this long after they end (blank: keep)"
    )
    on_device = forms.BooleanField(
        required=False, help_text="On-device analysis: faces are found in the browser, pictures only for spot-checks"
    )

    def __init__(self, *args: Any, tool_origin: str | None = None, **kwargs: Any) -> None:
        """``tool_origin``: the origin learners see the tool at; with it, the exam site's framing rules are asked."""
        super().__init__(*args, **kwargs)
        self.tool_origin = tool_origin
        self.framing_refused = False
        plugins = service_config().plugins
        self.fields["policy"].choices = [(name, name) for name in sorted(plugins.policies)]
        self.detectors = []
        for code, spec in sorted(plugins.detectors.items()):
            self.fields[f"{code}__enabled"] = forms.BooleanField(required=False, initial=True, label=code)
            rule, points = spec.default_rule, spec.default_points
            defaults = {"threshold_s": rule.threshold_s, "cooldown_s": rule.cooldown_s, "points": points}
            rules = [] if spec.notice else [self._rule_field(code, name, defaults[name]) for name in RULE_FIELDS]
            description = spec.description or describe_factory(spec.factory)
            enabled = self[f"{code}__enabled"]
            self.detectors.append({"code": code, "description": description, "enabled": enabled, "rules": rules})

    def _rule_field(self, code: str, name: str, default: float) -> forms.BoundField:
        """A blank-able number; its placeholder is the detector's registered default."""
        self.fields[f"{code}__{name}"] = forms.FloatField(
            required=False,
            min_value=0,
            max_value=100 if name == "points" else 3600,
            label=f"{code} {name}",
            widget=forms.NumberInput(attrs={"placeholder": f"{default:g}", "step": "any"}),
        )
        return self[f"{code}__{name}"]

    def clean_exam_url(self) -> str | None:
        value = self.cleaned_data["exam_url"].strip()
        if not value:
            return None
        try:
            url = check_exam_address(value, allow_loopback_http=loopback_http_allowed())
        except ValueError as exc:
            raise forms.ValidationError(str(exc).capitalize() + ".") from exc
        anyway = self["add_despite_framing"].field.widget.value_from_datadict(
            self.data, self.files, self.add_prefix("add_despite_framing")
        )
        if self.tool_origin and not anyway:
            refusal = probe_framing(url, framer_origin=self.tool_origin, allow_loopback=loopback_http_allowed())
            if refusal:
                self.framing_refused = True
                raise forms.ValidationError(
                    f"The exam site refuses to be framed by this tool: {refusal}. Its administrator must allow "
                    f"{self.tool_origin} (see the exam-wrapper guide), or learners will see a blank exam."
                )
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            self.exam_config = self._exam_config(data)
        except (ConfigError, ValueError) as exc:
            raise forms.ValidationError(str(getattr(exc, "message", exc))) from exc
        return data

    def _exam_config(self, data: dict[str, Any]) -> ExamConfig:
        """The form's rules over the preset's, validated against the loaded plugins (blank fields keep the preset)."""
        preset = ExamConfig.from_preset(data["preset"]).model_dump(mode="json")
        detectors = preset["detectors"]
        for code in service_config().plugins.detectors:
            settings = detectors.setdefault(code, {})
            settings["enabled"] = data[f"{code}__enabled"]
            given = {name: data.get(f"{code}__{name}") for name in RULE_FIELDS}
            settings.update({name: value for name, value in given.items() if value is not None})
            if settings.get("notice") and given["points"]:  # points given for a preset's notice: penalise it
                settings["notice"] = False
        config = ExamConfig.model_validate(
            {
                **preset,
                "detectors": detectors,
                "policy": {"name": data["policy"]},
                "keep_evidence": data["keep_evidence"],
                "evidence_retention_days": data["evidence_retention_days"],
                "exam_url": data.get("exam_url"),
                "data_retention_days": data.get("data_retention_days"),
                "analysis": "device" if data["on_device"] else "server",
            }
        )
        return api.validated_config(config)


def content_item(*, title: str, config: ExamConfig, launch_url: str) -> DeepLinkResource:
    """The resource link the platform creates: launch URL, title, graded line item, rules as a custom parameter."""
    line_item = LineItem().set_score_maximum(SCORE_MAXIMUM).set_label(title)
    return (
        DeepLinkResource()
        .set_url(launch_url)
        .set_title(title)
        .set_lineitem(line_item)
        .set_custom_params({CUSTOM_PARAM: encode(config)})
    )
