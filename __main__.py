"""Deploys the catalogue entry named by stack config ``architecture`` (see README, "Catalogue")."""
from components import architectures

architectures.build()
