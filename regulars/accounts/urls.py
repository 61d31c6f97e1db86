from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import SignInForm

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", authentication_form=SignInForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.sign_up, name="signup"),
    path("login/code/", views.sign_in_by_code, name="sign_in_by_code"),
    path("password/reset/", views.reset_password, name="reset_password"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/my-data.json", views.download_my_data, name="download"),
    path("privacy/erase/", views.erase, name="erase"),
]
