"""The platform stack's config as the platform tests run it (the values of stacks/Pulumi.platform-dev.yaml)."""
ISSUER = "https://login.example.com/"
AUDIENCE = ["api://serverless-workloads"]
TAGS = {"cost-center": "cc-1234", "owner": "platform-team", "service-id": "platform"}
PLATFORM_CONFIG = {
    "serverless-governance:jwtIssuer": ISSUER,
    "serverless-governance:jwtAudience": AUDIENCE,
    "serverless-governance:requiredTags": TAGS,
}
