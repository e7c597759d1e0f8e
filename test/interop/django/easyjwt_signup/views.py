# easyjwt's CreateUserView and CreateUserSerializer (1.0.13 and 1.1.0) over the model above.
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import generics, serializers

from .models import SignUpUser


class CreateUserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(style={"input_type": "password"}, write_only=True, required=True)

    class Meta:
        model = SignUpUser
        fields = ("id", "email", "password", "first_name", "last_name", "phone")
        extra_kwargs = {
            "first_name": {"required": False},
            "last_name": {"required": False},
            "phone": {"required": False},
        }

    def validate_password(self, value):
        # As easyjwt: the validators run without the user.
        try:
            validate_password(value)
        except DjangoValidationError as e:
            raise serializers.ValidationError(list(e.messages))
        return value

    def create(self, validated_data):
        # easyjwt's create_user: the email lower-cased, the password hashed.
        password = validated_data.pop("password")
        validated_data["email"] = validated_data["email"].lower()
        return SignUpUser.objects.create(password=make_password(password), **validated_data)


class CreateUserView(generics.CreateAPIView):
    permission_classes = ()
    serializer_class = CreateUserSerializer
