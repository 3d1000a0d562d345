from django.contrib.auth.signals import user_logged_in
from django.db import connection
from django.dispatch import receiver

from .middleware import SESSION_SCHEMA_KEY


@receiver(user_logged_in, dispatch_uid="essaim_bind_session_to_schema")
def bind_session_to_schema(sender, request, user, **kwargs):
    """The session is valid on the host (schema) it was opened on, nowhere else."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_SCHEMA_KEY] = connection.schema_name
