from odoo import _, api, models


class CrmRoutingExplainer(models.AbstractModel):
    """Words for what routing measured and decided, in the reader's language.

    Routing stores numbers and codes (minutes, reason codes, ids); a sales
    manager reads sentences with names. Everything that turns one into the
    other lives here, so the wording can change, and be translated, without
    touching what was stored.
    """

    _name = "crm.routing.explainer"
    _description = "Lead Routing Explanations"

    @api.model
    def _duration(self, minutes):
        """A duration as a person says it: "45 s", "22 min", "3 h 10 min",
        "7 days"; empty when unknown."""
        if minutes is None or minutes is False:
            return ""
        minutes = max(float(minutes), 0.0)
        if minutes < 1:
            return _("%(seconds)s s", seconds=round(minutes * 60))
        if minutes < 60:
            return _("%(minutes)s min", minutes=round(minutes))
        if minutes < 24 * 60:
            hours, rest = divmod(round(minutes), 60)
            if not rest:
                return _("%(hours)s h", hours=hours)
            return _("%(hours)s h %(minutes)s min", hours=hours, minutes=rest)
        days = minutes / (24 * 60)
        if days < 10:
            rounded = round(days, 1)
            if rounded == int(rounded):
                rounded = int(rounded)
            return _("%(days)s days", days=rounded)
        return _("%(days)s days", days=round(days))
