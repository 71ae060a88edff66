"""The web UI's pages. Every page needs a signed-in newsroom role; POSTs go through services."""

from django.urls import path

from verification.views import auth, queue

app_name = "web"

urlpatterns = [
    path("", queue.home, name="home"),
    path("signin/", auth.SignInView.as_view(), name="signin"),
    path("signout/", auth.SignOutView.as_view(), name="signout"),
    path("queue/", queue.queue, name="queue"),
]
