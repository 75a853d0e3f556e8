"""The platform stack: what every architecture stack consumes."""
