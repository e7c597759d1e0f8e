# A stand-in for the CSRF side of django-easyjwt 1.1's client-service in cookie mode
# (REFRESH_TOKEN_IN_COOKIE), written from its documented behaviour, on Debian's Django: GET
# csrf/ makes Django set its csrftoken; refresh and logout are DRF views with Django's own CSRF
# check wrapped around them, as easyjwt's cookie mode does. No auth-service behind it: a refresh
# with a cookie answers a placeholder access token and a logout revokes nothing. What is compared
# with ours is what Django itself decides: the cookie's attributes, which tokens pass, which fail.
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from rest_framework import exceptions, permissions, views
from rest_framework.response import Response
from rest_framework_simplejwt.authentication import JWTAuthentication

REFRESH_COOKIE = "refresh_token"


class CookieModeView(views.APIView):
    # JWT authentication first, as easyjwt's client Quick Start has it: its challenge makes DRF
    # answer AuthenticationFailed with 401 rather than 403.
    authentication_classes = [JWTAuthentication]
    permission_classes = [permissions.AllowAny]


class CsrfProtected(CookieModeView):
    """DRF exempts its views from CSRF; cookie mode puts Django's check back around the whole view."""

    def dispatch(self, request, *args, **kwargs):
        return csrf_protect(super().dispatch)(request, *args, **kwargs)


@method_decorator(ensure_csrf_cookie, "get")
class CsrfCookieView(CookieModeView):
    def get(self, request):
        return Response({"detail": "CSRF cookie set."})


class RefreshView(CsrfProtected):
    def post(self, request):
        if not request.COOKIES.get(REFRESH_COOKIE):
            raise exceptions.AuthenticationFailed("No refresh token provided.")
        return Response({"access": "stand-in"})


class LogoutView(CsrfProtected):
    def post(self, request):
        response = Response({"detail": "Logged out."})
        response.delete_cookie(REFRESH_COOKIE, path="/", samesite="Lax")
        return response


urlpatterns = [
    path("auth/csrf/", CsrfCookieView.as_view()),
    path("auth/token/refresh/", RefreshView.as_view()),
    path("auth/token/logout/", LogoutView.as_view()),
]
