"""What every page of the web UI needs to know about the signed-in user: their role, and so which
controls to show. The services enforce the same rules again on every POST."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from config.roles import Role, user_role


def newsroom(request: HttpRequest) -> dict[str, Any]:
    role = user_role(getattr(request, "user", None))
    return {
        "role": role,
        "role_label": role.label if role is not None else "",
        "can_check": role is not None and role >= Role.FACT_CHECKER,
        "can_edit": role is not None and role >= Role.EDITOR,
    }
