"""Request types for views behind the role gate, for the type checker.

``newsroom_required`` (the desk), ``HasNewsroomRole`` (the API) and the admin's ``admin_view``
let no anonymous request through, so such a view's ``request.user`` is a signed-in ``User``.
"""

from django.contrib.auth.models import User
from django.http import HttpRequest
from rest_framework.request import Request


class AuthedHttpRequest(HttpRequest):
    user: User


class AuthedRequest(Request):
    user: User
