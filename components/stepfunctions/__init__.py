"""Family: Step Functions workflows."""
