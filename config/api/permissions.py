"""Who may use the API at all (the services check what each role may do)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from config.roles import Role, has_role


class HasNewsroomRole(BasePermission):
    """Signed in (session or token) and in one of the newsroom's groups. The services check
    the role each write needs; this only keeps out the anonymous and the role-less."""

    message = "You need a newsroom role (viewer, fact-checker or editor) to use the API."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) and has_role(
            request.user, Role.VIEWER
        )
