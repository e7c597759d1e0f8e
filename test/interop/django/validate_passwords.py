# Runs Django's own validate_password over a table of passwords and users, for the comparison in
# test/interop/password-validators.test.ts. Reads one JSON file named on the command line:
#   {"validators": AUTH_PASSWORD_VALIDATORS, "rows": [{"password": ..., "user": {...} | null}]}
# and prints, for each row, the list of messages Django gives (empty when it accepts).
import json
import sys

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],
    USE_I18N=True,
    LANGUAGE_CODE="en-us",
)
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.contrib.auth.password_validation import get_password_validators, validate_password  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402

with open(sys.argv[1], encoding="utf-8") as f:
    request = json.load(f)
validators = get_password_validators(request["validators"])
answers = []
for row in request["rows"]:
    user = User(**row["user"]) if row["user"] is not None else None
    try:
        validate_password(row["password"], user, validators)
        answers.append([])
    except ValidationError as error:
        answers.append(list(error.messages))
print(json.dumps(answers))
