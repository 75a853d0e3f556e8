"""container-workloads-eda (post 002#19): the settlement service, a container on ECS Fargate (the post's Spring
Boot service, in Python). One business logic (``settlement``), two interfaces: the REST endpoint behind the HTTP
API and the internal load balancer (``rest``, ``POST /settlement``) and the queue poller that settles
``Fraud.Not.Detected`` events and answers with ``Settlement.Finalized`` on the bus (``poller``).

The image runs ``python -m handlers.container_workloads_eda.rest`` or ``python -m
handlers.container_workloads_eda.poller``; it is built elsewhere (with this package, ``company_observability``
and ``requirements.txt``) and named by its ECR URI in the stack."""
