"""Shared test machinery (not tests): import it as ``tests.support.<module>``.

* :mod:`tests.support.sfn`: lint our ASL files and execute them in moto's Step Functions interpreter, with Lambda
  tasks answered by the real handlers and ``apigateway:invoke`` tasks by an emulated REST API.
* :mod:`tests.support.iam`: parliament over the IAM policies a mocks run writes.

Each function's docstring says what moto can and cannot do at that point, so a test that uses it does not have
to repeat why.
"""
