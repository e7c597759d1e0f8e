# The auth-service routes and views: simplejwt's stock views under /auth/, plus easyjwt's /auth/user/
# and /auth/create-user/.
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import path
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework_simplejwt.authentication import JWTAuthentication
from easyjwt_signup.views import CreateUserView
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
    TokenVerifyView,
)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        # easyjwt's field order; client-services read these keys.
        fields = (
            "id",
            "first_name",
            "email",
            "last_name",
            "date_joined",
            "last_login",
            "is_active",
            "is_staff",
            "is_superuser",
        )


class TokenUserDetailView(generics.RetrieveAPIView):
    """Mirrors easyjwt_user.views.TokenUserDetailView: GET answers with request.user."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]
    serializer_class = UserSerializer

    def get_object(self):
        return self.request.user


urlpatterns = [
    path("auth/token/", TokenObtainPairView.as_view()),
    path("auth/token/refresh/", TokenRefreshView.as_view()),
    path("auth/token/verify/", TokenVerifyView.as_view()),
    path("auth/user/", TokenUserDetailView.as_view()),
    path("auth/create-user/", CreateUserView.as_view()),
]

# Without the blacklist app the view exists but cannot blacklist anything: leave the route out.
if "rest_framework_simplejwt.token_blacklist" in settings.INSTALLED_APPS:
    urlpatterns.append(path("auth/token/blacklist/", TokenBlacklistView.as_view()))
