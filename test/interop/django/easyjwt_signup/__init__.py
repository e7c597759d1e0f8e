# django-easyjwt's sign-up for the test peer: its user model's sign-up fields and its CreateUserView.
