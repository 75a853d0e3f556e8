"""The company JWT Lambda authorizer (``handlers.jwt_authorizer.app.handler``), deployed by the platform stack."""
