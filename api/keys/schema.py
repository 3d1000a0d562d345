from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.keys.authentication.ApiKeyAuthentication"
    name = "CleApi"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "essaim_<préfixe>_<secret>",
            "description": "Clé d'API de la CAE, créée par sa direction (une clé ne vaut que sur le domaine de sa CAE).",
        }
