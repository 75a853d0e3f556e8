"""Security Hub automated response and remediation (post 001#17): the CIS AWS Foundations Benchmark v1.2.0
playbooks the Step Functions orchestrator (``orchestrator.asl.json``) invokes, one function per playbook."""
