# The fields of django-easyjwt's user model that its sign-up reads and answers, declared as easyjwt
# declares them, so DRF's ModelSerializer builds the same fields, validators and messages. A model
# of its own beside Django's stock user: the rest of the peer logs in by username.
from django.db import models
from django.utils.translation import gettext_lazy as _


class SignUpUser(models.Model):
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    phone = models.CharField(max_length=15, blank=True, null=True)
    email = models.EmailField(
        _("email address"),
        unique=True,
        error_messages={"unique": _("This email already exists.")},
    )
    password = models.CharField(_("password"), max_length=128)
