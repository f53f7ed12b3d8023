"""The usage page (the current workspace) and a team's budgets page. Thin: the numbers
come from studio.credits.usage and studio.credits.budgets."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from studio.credits import budgets, usage
from studio.credits.forms import BudgetsForm
from studio.teams import access


@login_required
@require_GET
def usage_page(request):
    """Credits per day per member (last 30 days), totals per model, caps and spend, for
    the workspace chosen in the header. Any member of a team may look."""
    workspace = request.workspace
    context = {
        "chart": usage.daily_chart(workspace, request.user),
        "models": usage.model_totals(workspace, request.user),
        "caps": usage.caps(workspace, request.user),
        "days": usage.DAYS,
    }
    return TemplateResponse(request, "credits/usage.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def budgets_page(request, team_id):
    """Owners see and edit the team's cap and every member's; other members see the
    team's cap and their own, read only (a POST from them is 403). Strangers get 404."""
    mine = access.get_membership(
        request.user, team_id, access.MANAGE if request.method == "POST" else access.VIEW
    )
    team = mine.team
    is_owner = mine.allows(access.MANAGE)
    context = {"team": team, "is_owner": is_owner, "team_budget": budgets.team_budget(team)}
    if not is_owner:
        context["my_budget"] = budgets.member_budget(mine)
        return TemplateResponse(request, "credits/budgets.html", context)
    rows = budgets.member_rows(team)
    form = BudgetsForm(request.POST or None, team=team, rows=rows)
    if request.method == "POST" and form.is_valid():
        budgets.caps_set(
            team=team, team_cap=form.cleaned_data["team_cap"], member_caps=form.member_caps
        )
        messages.success(request, "Budgets saved.")
        return redirect("credits:budgets", team_id=team.pk)
    context["form"] = form
    return TemplateResponse(request, "credits/budgets.html", context)
