"""Read an account/region with boto3 and turn it into catalogue facts (audit and Config rule periodic sweeps).

Call pattern (the audit's budget is at most 2 calls per function and 1 per 100 roles):

* Lambda: ListFunctions pages (50 a page). Code signing configs in bulk with ListCodeSigningConfigs +
  ListFunctionsByCodeSigningConfig where the endpoint has them (moto does not: then one
  GetFunctionCodeSigningConfig per function, only when a rule needs it). Tags, reserved concurrency and a
  container image's URI only from GetFunction, only for functions a rule could not judge without them (see
  ``Subject.enrich``).
* IAM: GetAccountAuthorizationDetails (roles with boundaries, tags, inline and attached customer policies)
  in pages of 1,000.
* API Gateway: list APIs, then per API its routes/methods, authorizers and stages (no bulk API exists).
* Step Functions, SQS, SNS: list, then one describe per resource.
* CloudWatch Logs: DescribeLogGroups pages (tags only by ListTagsForResource for groups a rule needs them of).
* S3: ListBuckets (this region's), then per bucket GetPublicAccessBlock only when ``s3.public_access_block`` is
  wanted and GetBucketNotificationConfiguration only when ``s3.notification`` is.
* EventBridge: ListEventBuses, ListRules per bus, ListTargetsByRule per rule.
* Lambda triggers: ListEventSourceMappings pages; per function (no bulk API exists) ListFunctionUrlConfigs,
  GetPolicy and ListFunctionEventInvokeConfigs, each only when its kind is wanted.
* SNS subscriptions: ListSubscriptions pages, GetSubscriptionAttributes per subscription (its DLQ).
* EC2 security groups: DescribeSecurityGroups pages (up to 1,000 groups a page, rules and tags included): no call
  per group.
* EC2 Image Builder: ListInfrastructureConfigurations / ListComponents (the account's own) pages, then one
  GetInfrastructureConfiguration / GetComponent per configuration / component version (the listings lack the
  instance metadata options and the KMS key).
* Amazon MQ: ListBrokers pages, then one DescribeBroker per broker (logs, encryption and tags are not listed).
* AWS Transfer Family: ListServers pages, then one DescribeServer per server (protocols, security policy, logging
  and tags are not listed).
* EventBridge Scheduler: ListSchedules pages, GetSchedule per schedule (the listing has only the target's ARN).
* EventBridge API destinations: ListApiDestinations pages (they carry the endpoint: no call per destination);
  connections: ListConnections pages, DescribeConnection per connection (its KMS key).
* EventBridge Pipes: ListPipes pages, DescribePipe per pipe (source parameters, logging and tags).
* ECS: ListTaskDefinitionFamilies pages (ACTIVE) and one DescribeTaskDefinition per family (its latest active
  revision, with tags); ListClusters pages, then DescribeClusters per 100 clusters (settings, tags) and, per
  cluster, ListServices pages and DescribeServices per 10 services (tags).
* Secrets Manager: ListSecrets pages (100 a page, each secret's KMS key, owning service and tags included): no
  call per secret.
* AWS Glue: GetJobs pages (each job with its settings: no call per job; tags only by GetTags for jobs a rule
  needs them of); GetSecurityConfigurations pages (no tags exist).
* Elastic Load Balancing v2: DescribeLoadBalancers pages, then per load balancer DescribeLoadBalancerAttributes
  when load balancers are wanted and DescribeListeners when listeners are; tags only by DescribeTags for what a
  rule needs them of.
* Amazon MWAA: ListEnvironments pages (they name the environments only), then one GetEnvironment per environment
  (webserver access mode, KMS key, logging; its tags are in GetEnvironment's response: no tag call).

What is wanted comes from the selected rules (``kinds_for``): a rule's own kinds and, for a stack rule, the kinds
it looks up (its ``Rule.lookups``), so selecting only function and role rules never costs the per-function trigger
calls. ``s3.public_access_block`` is not a resource of its own in an account: wanting it fetches each bucket's block
onto the bucket's facts (as AWS Config's bucket item carries it).

Per-resource calls run in a bounded thread pool. Every call retries on its own (``retries.RetryPolicy``: a few
attempts with jittered backoff, no shared quota, none past a deadline). A read that still fails loses only itself:
each listing and each resource's reads are a unit, tried again up to ``rounds`` times, then recorded in
``AccountScanner.unread`` (``evaluation.Unread``) and the scan goes on; what needed it is reported as not
evaluated, never judged from partial data. ``CallCounter`` counts calls (and retries) for the benchmark and the
tests.
"""
from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Optional

from botocore.exceptions import BotoCoreError, ClientError

from detective import cloudfront, errors, recorded, retries
from detective.evaluation import Unread
from guardrails.adapters import config_item, describe
from guardrails.model import Facts, Kind, Rule
from guardrails.rules import required_tags

#: Kinds the scanner can collect (what a rule on any other kind sees in an account: nothing).
SCANNED_KINDS = (
    Kind.FUNCTION, Kind.CODE_SIGNING_CONFIG, Kind.ROLE, Kind.REST_DOMAIN, Kind.HTTP_DOMAIN, Kind.HTTP_API,
    Kind.HTTP_ROUTE, Kind.HTTP_AUTHORIZER, Kind.HTTP_STAGE, Kind.REST_METHOD, Kind.REST_AUTHORIZER,
    Kind.REST_STAGE, Kind.STATE_MACHINE, Kind.QUEUE, Kind.TOPIC, Kind.LOG_GROUP, Kind.BUCKET,
    Kind.BUCKET_PUBLIC_ACCESS_BLOCK, Kind.S3_NOTIFICATION, Kind.EVENT_TARGET, Kind.EVENT_SOURCE_MAPPING,
    Kind.FUNCTION_URL, Kind.PERMISSION, Kind.EVENT_INVOKE_CONFIG, Kind.SNS_SUBSCRIPTION, Kind.DISTRIBUTION,
    Kind.ECR_REPOSITORY,
    Kind.SECURITY_GROUP, Kind.IMAGEBUILDER_INFRASTRUCTURE, Kind.IMAGEBUILDER_COMPONENT, Kind.MQ_BROKER,
    Kind.SCHEDULE, Kind.API_DESTINATION, Kind.EVENT_CONNECTION, Kind.PIPE,
    Kind.ECS_TASK_DEFINITION, Kind.ECS_SERVICE, Kind.ECS_CLUSTER, Kind.LOAD_BALANCER, Kind.LISTENER,
    Kind.REDSHIFT_CLUSTER, Kind.REDSHIFT_LOGGING, Kind.REDSHIFT_PARAMETER_GROUP,
    Kind.SECRET,
    Kind.GLUE_JOB, Kind.GLUE_SECURITY_CONFIGURATION,
    Kind.BATCH_COMPUTE_ENVIRONMENT, Kind.BATCH_JOB_DEFINITION,
    Kind.TRANSFER_SERVER,
    Kind.ATHENA_WORKGROUP,
    Kind.CLOUDTRAIL_TRAIL,
    Kind.MWAA_ENVIRONMENT,
)


def kinds_for(rules: Iterable[Rule]) -> set[Kind]:
    """The scanned kinds the ``rules`` judge or look up: what a scan for them must collect.

    ``required-tags`` applies to every kind but judges only taggable ones (the rest are NOT_APPLICABLE), so only
    those are collected for it: it never costs the per-function trigger calls.
    """
    kinds: set[Kind] = set()
    for rule in rules:
        own = set(rule.kinds)
        if rule.id == required_tags.RULE.id:
            own -= required_tags.UNTAGGABLE
        kinds |= own | set(rule.lookups or ())  # a resource rule looks nothing up (``Rule`` sees to it)
    return kinds & set(SCANNED_KINDS)


# Error codes an AWS-compatible endpoint returns for an operation it does not implement.
_UNSUPPORTED = ("404", "NotImplemented", "UnknownOperationException", "InvalidAction")

ROUNDS = 3  # times a failed unit (a listing, one resource's reads) is read before it is reported unread


class CallCounter:
    """Counts API calls per ``service.Operation`` (one per call) and HTTP sends (including retries)."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self.sends: Counter = Counter()
        self._lock = threading.Lock()

    def attach(self, events) -> None:
        """Register on a botocore event system (``boto3.Session().events`` or ``client.meta.events``)."""
        events.register("before-call.*.*", self._on_call)
        events.register("before-send.*.*", self._on_send)

    def _on_call(self, event_name: str, **_: Any) -> None:
        with self._lock:
            self.calls[".".join(event_name.split(".")[1:3])] += 1

    def _on_send(self, event_name: str, **_: Any) -> None:
        with self._lock:
            self.sends[".".join(event_name.split(".")[1:3])] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def count(self, prefix: str) -> int:
        return sum(n for key, n in self.calls.items() if key.startswith(prefix))


@dataclass
class Subject:
    """A collected resource: its facts, how to fetch what was not fetched, and its AWS Config resource id
    (when it differs from the ARN: a function's name, a role's id, a queue's URL)."""

    facts: Facts
    enrich: Optional[Callable[[], Facts]] = None
    config_id: Optional[str] = None


def config_identity(facts: Facts, subject: Optional[Subject] = None) -> tuple:
    """``(ComplianceResourceType, ComplianceResourceId)`` for an evaluation of ``facts``."""
    resource = facts.resource
    return resource.source_type, (subject.config_id if subject and subject.config_id else resource.ref)


class Progress:
    """A one-line progress bar on stderr, only on a terminal and only for scans long enough to need one."""

    def __init__(self, label: str, total: int, stream=None, threshold: int = 200) -> None:
        self.stream = stream or sys.stderr
        self.enabled = total >= threshold and getattr(self.stream, "isatty", lambda: False)()
        self.label, self.total, self.done = label, total, 0
        self._lock = threading.Lock()

    def step(self) -> None:
        with self._lock:
            self.done += 1
            if self.enabled and (self.done == self.total or self.done % 25 == 0):
                filled = int(30 * self.done / max(self.total, 1))
                self.stream.write(f"\r{self.label:<12} [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}")
                if self.done == self.total:
                    self.stream.write("\n")
                self.stream.flush()


class AccountScanner:
    """Collects facts for one account and region. ``session`` is a ``boto3.Session`` (profile, credentials)."""

    def __init__(self, session, region: str, endpoint_url: Optional[str] = None, workers: int = 8,
                 counter: Optional[CallCounter] = None, progress_stream=None,
                 policy: Optional[retries.RetryPolicy] = None, rounds: int = ROUNDS) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.region = region
        self.workers = workers
        self.progress_stream = progress_stream
        self.policy = policy or retries.RetryPolicy()
        self.rounds = rounds
        self.unread: list = []  # evaluation.Unread: what could not be read after every retry
        config = retries.client_config(workers)

        def client(service: str):
            return self.policy.attach(session.client(service, region_name=region, endpoint_url=endpoint_url,
                                                     config=config))

        self.counter = counter
        self._client = client
        self._clients: dict = {}
        self._lock = threading.Lock()
        self._code_signing_configs: Any = False  # not listed yet
        self._functions: Optional[list] = None  # ListFunctions items, once listed
        self._functions_lock = threading.Lock()  # not ``_lock``: listing takes that one to make the client
        self._get_authorizers_served = True  # until the endpoint shows it lacks GetAuthorizers
        # Nothing can be judged without the account: read like any unit, but its failure ends the scan.
        self.account = self._read(self.client("sts").get_caller_identity)["Account"]
        self.partition = session.get_partition_for_region(region)

    def client(self, service: str):
        with self._lock:
            if service not in self._clients:
                made = self._client(service)
                if self.counter:
                    self.counter.attach(made.meta.events)
                self._clients[service] = made
            return self._clients[service]

    # -- fault isolation ----------------------------------------------------------------------------------------

    def _read(self, fn: Callable[[], Any], unread: Optional[Callable[[str], Unread]] = None) -> Any:
        """``fn()``, read again (up to ``rounds`` times, while the deadline allows) when it fails with an error
        that may pass; if it still fails, ``unread(reason)`` is returned (not recorded: see ``_unit``), or without
        ``unread`` the error is raised."""
        for attempt in range(1, self.rounds + 1):
            try:
                return fn()
            except Exception as error:  # noqa: BLE001 - a failed read is reported as not evaluated, never a crash
                left = self.policy.time_left()
                if attempt < self.rounds and retries.is_transient(error=error) and (left is None or left > 0):
                    continue
                if unread is None:
                    raise
                return unread(errors.describe_error(error))

    def _unit(self, fn: Callable[[], list], unread: Callable[[str], Unread]) -> list:
        """The subjects ``fn()`` collects, or none and an entry in ``unread`` when it could not be read."""
        found = self._read(fn, unread)
        if isinstance(found, Unread):
            with self._lock:
                self.unread.append(found)
            return []
        return found

    def _listing(self, kinds: Iterable[Kind], fn: Callable[[], list]) -> list:
        """A unit for a whole listing: when it fails, every resource of ``kinds`` is unread."""
        kinds = tuple(kinds)
        return self._unit(fn, lambda reason: Unread(kinds, describe.SOURCE_TYPES[kinds[0]], reason))

    def _map(self, label: str, fn: Callable, items: list, kinds: Iterable[Kind] = (),
             identify: Optional[Callable[[Any], tuple]] = None) -> list:
        """``fn`` over ``items`` in the bounded pool, results in order, with a progress bar on long runs. With
        ``kinds``, each item is a unit: one that cannot be read gives no result (``fn`` returns a list then) and
        is recorded as unread, with ``identify(item)`` = (AWS type, ref, name)."""
        progress = Progress(label, len(items), self.progress_stream)
        kinds = tuple(kinds)

        def run(item):
            try:
                if not kinds:
                    return fn(item)
                assert identify is not None, "a unit per item needs identify"
                type_, ref, name = identify(item)
                return self._unit(lambda: fn(item), lambda reason: Unread(kinds, type_, reason, ref, name))
            finally:
                progress.step()

        if self.workers == 1 or len(items) < 2:
            return [run(i) for i in items]
        pool = ThreadPoolExecutor(max_workers=self.workers)
        try:
            results = list(pool.map(run, items))
        except BaseException:
            # Ctrl-C: drop the queued items and do not wait for the calls in flight.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        return results

    def enrich_all(self, subjects: list) -> list:
        """Fetched facts for ``subjects`` (each must have ``enrich``), in the bounded pool; an ``Unread`` for a
        subject that could not be read."""
        def enrich(subject: Subject):
            resource = subject.facts.resource
            assert subject.enrich is not None, "enrich_all takes subjects that have enrich"
            return self._read(subject.enrich, lambda reason: Unread(
                (resource.kind,), resource.source_type, reason, resource.ref, resource.logical_name))

        return self._map("details", enrich, subjects)

    def _where(self) -> dict:
        return {"region": self.region, "account": self.account, "partition": self.partition}

    # -- collection ---------------------------------------------------------------------------------------------

    def collect(self, kinds: Iterable[Kind], recorded_items: Optional[list] = None) -> list:
        """Subjects for every resource of ``kinds`` that could be read (the rest is in ``unread``).

        With ``recorded_items`` (this account's and region's AWS Config items, from an aggregator: see
        ``detective.recorded``), the kinds Config records come from those items instead of API listings; what an
        item lacks is fetched per resource only when a rule needs it, as the Config rule Lambda does."""
        kinds = set(kinds)
        if recorded_items is not None:
            from_items = {k for k in kinds if k in config_item.CONFIG_RESOURCE_TYPES}
            listed = [s for s in self.collect(kinds - from_items) if s.facts.resource.kind not in from_items]
            return listed + [self._recorded_subject(ci) for ci in recorded_items
                             if config_item.kind_of(ci["resourceType"]) in from_items]
        subjects: list = []

        def gather(covered: tuple, collect_them: Callable[[], list]) -> None:
            wanted = tuple(k for k in covered if k in kinds)
            if wanted:
                subjects.extend(self._listing(wanted, collect_them))

        gather((Kind.FUNCTION,), self.functions)
        gather((Kind.CODE_SIGNING_CONFIG,), self.code_signing_configs)
        gather((Kind.ROLE,), self.roles)
        gather((Kind.HTTP_API, Kind.HTTP_ROUTE, Kind.HTTP_AUTHORIZER, Kind.HTTP_STAGE), self.http_apis)
        gather((Kind.REST_METHOD, Kind.REST_AUTHORIZER, Kind.REST_STAGE), self.rest_apis)
        gather((Kind.REST_DOMAIN, Kind.HTTP_DOMAIN), self.domains)
        gather((Kind.STATE_MACHINE,), self.state_machines)
        gather((Kind.QUEUE,), self.queues)
        gather((Kind.TOPIC,), self.topics)
        gather((Kind.LOG_GROUP,), self.log_groups)
        gather((Kind.BUCKET, Kind.BUCKET_PUBLIC_ACCESS_BLOCK, Kind.S3_NOTIFICATION), lambda: self.buckets(
            with_buckets=Kind.BUCKET in kinds or Kind.BUCKET_PUBLIC_ACCESS_BLOCK in kinds,
            public_access_blocks=Kind.BUCKET_PUBLIC_ACCESS_BLOCK in kinds,
            notifications=Kind.S3_NOTIFICATION in kinds))
        gather((Kind.EVENT_TARGET,), self.event_targets)
        gather((Kind.EVENT_SOURCE_MAPPING,), self.event_source_mappings)
        per_function = tuple(k for k in (Kind.FUNCTION_URL, Kind.PERMISSION, Kind.EVENT_INVOKE_CONFIG) if k in kinds)
        gather(per_function, lambda: self.function_settings(per_function))
        gather((Kind.SNS_SUBSCRIPTION,), self.subscriptions)
        gather((Kind.ECR_REPOSITORY,), self.repositories)
        gather((Kind.SCHEDULE,), self.schedules)
        gather((Kind.API_DESTINATION,), self.api_destinations)
        gather((Kind.EVENT_CONNECTION,), self.event_connections)
        gather((Kind.PIPE,), self.pipes)
        gather((Kind.DISTRIBUTION,), lambda: [
            Subject(facts, enrich, config_id=facts.resource.logical_name)
            for facts, enrich in cloudfront.distributions(self.client("cloudfront"), self.region)])
        gather((Kind.SECURITY_GROUP,), self.security_groups)
        gather((Kind.IMAGEBUILDER_INFRASTRUCTURE,), self.infrastructure_configurations)
        gather((Kind.IMAGEBUILDER_COMPONENT,), self.imagebuilder_components)
        gather((Kind.MQ_BROKER,), self.mq_brokers)
        gather((Kind.ECS_TASK_DEFINITION,), self.task_definitions)
        gather((Kind.ECS_CLUSTER,), self.ecs_clusters)
        gather((Kind.ECS_SERVICE,), self.ecs_services)
        gather((Kind.LOAD_BALANCER, Kind.LISTENER), lambda: self.load_balancers(
            with_load_balancers=Kind.LOAD_BALANCER in kinds, listeners=Kind.LISTENER in kinds))
        gather((Kind.REDSHIFT_CLUSTER, Kind.REDSHIFT_LOGGING),
               lambda: self.redshift_clusters(logging=Kind.REDSHIFT_LOGGING in kinds))
        gather((Kind.SECRET,), self.secrets)
        gather((Kind.GLUE_JOB,), self.glue_jobs)
        gather((Kind.GLUE_SECURITY_CONFIGURATION,), self.glue_security_configurations)
        gather((Kind.REDSHIFT_PARAMETER_GROUP,), self.redshift_parameter_groups)
        gather((Kind.BATCH_COMPUTE_ENVIRONMENT,), self.batch_compute_environments)
        gather((Kind.BATCH_JOB_DEFINITION,), self.batch_job_definitions)
        gather((Kind.TRANSFER_SERVER,), self.transfer_servers)
        gather((Kind.ATHENA_WORKGROUP,), self.athena_workgroups)
        gather((Kind.CLOUDTRAIL_TRAIL,), self.cloudtrail_trails)
        gather((Kind.MWAA_ENVIRONMENT,), self.mwaa_environments)
        return subjects

    def _recorded_subject(self, ci: dict) -> Subject:
        """A subject from a configuration item; its ``enrich`` fetches what the item lacks (``complete_item``)."""
        def enrich() -> Facts:
            facts = recorded.complete_item(ci, self.client("lambda"), self.client("iam"))
            if facts is None:
                raise recorded.Gone(f"{ci['resourceType']} {ci['resourceId']} was deleted after Config recorded it")
            return facts

        return Subject(config_item.facts_from_item(ci), enrich, config_id=ci["resourceId"])

    def _function_configs(self) -> list:
        """Every function's ListFunctions item, listed once per scan (functions and their settings share it)."""
        with self._functions_lock:
            if self._functions is None:
                lam = self.client("lambda")
                self._functions = [
                    f for page in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 50})
                    for f in page["Functions"]]
            return self._functions

    def functions(self) -> list:
        lam = self.client("lambda")
        configs = self._function_configs()
        signing = self._code_signing_by_function()

        def enrich_for(config: dict) -> Callable[[], Facts]:
            def enrich() -> Facts:
                response = lam.get_function(FunctionName=config["FunctionArn"])
                csc = signing.get(config["FunctionArn"]) if signing is not None else \
                    lam.get_function_code_signing_config(FunctionName=config["FunctionArn"]).get("CodeSigningConfigArn")
                return describe.function_facts(
                    response["Configuration"], tags=response.get("Tags") or {},
                    reserved_concurrency=describe.reserved_concurrency_from_get_function(response),
                    code_signing_config_arn=csc or None,
                    image_uri=(response.get("Code") or {}).get("ImageUri"),
                )
            return enrich

        subjects = []
        for config in configs:
            csc = describe.NOT_FETCHED if signing is None else signing.get(config["FunctionArn"])
            subjects.append(Subject(describe.function_facts(config, code_signing_config_arn=csc), enrich_for(config),
                                    config_id=config["FunctionName"]))
        return subjects

    def _list_code_signing_configs(self) -> Optional[list]:
        """Every code signing config of the region, or None where the endpoint lacks the API (moto)."""
        if self._code_signing_configs is False:
            try:
                self._code_signing_configs = [
                    c for page in self.client("lambda").get_paginator("list_code_signing_configs").paginate()
                    for c in page["CodeSigningConfigs"]]
            except ClientError as error:
                if error.response["Error"]["Code"] not in _UNSUPPORTED:
                    raise
                self._code_signing_configs = None
        return self._code_signing_configs

    def code_signing_configs(self) -> list:
        return [Subject(describe.code_signing_config_facts(c)) for c in self._list_code_signing_configs() or ()]

    def _code_signing_by_function(self) -> Optional[dict]:
        """Function ARN -> code signing config ARN for the whole region, or None where the API is missing or
        could not be read (then each function that needs it reads its own: slower, nothing lost)."""
        lam = self.client("lambda")
        try:
            configs = self._list_code_signing_configs()
            if configs is None:
                return None
            mapping = {}
            for config in configs:
                arn = config["CodeSigningConfigArn"]
                for page in lam.get_paginator("list_functions_by_code_signing_config").paginate(
                        CodeSigningConfigArn=arn):
                    for function_arn in page["FunctionArns"]:
                        mapping[function_arn] = arn
            return mapping
        except (ClientError, BotoCoreError):
            return None

    def roles(self) -> list:
        iam = self.client("iam")
        details, policies = [], []
        for page in iam.get_paginator("get_account_authorization_details").paginate(
                Filter=["Role", "LocalManagedPolicy"], PaginationConfig={"PageSize": 1000}):
            details += page.get("RoleDetailList", [])
            policies += page.get("Policies", [])
        documents = describe.managed_policy_documents(policies)
        return [Subject(describe.role_facts(d, documents), config_id=d["RoleId"]) for d in details]

    def http_apis(self) -> list:
        v2 = self.client("apigatewayv2")
        apis = []
        token = None
        while True:
            page = v2.get_apis(**({"NextToken": token} if token else {}))
            apis += page.get("Items", [])
            token = page.get("NextToken")
            if not token:
                break
        where = self._where()

        def per_api(api: dict) -> list:
            routes = v2.get_routes(ApiId=api["ApiId"]).get("Items", [])
            authorizers = self._http_authorizers(v2, api["ApiId"], routes)
            stages = v2.get_stages(ApiId=api["ApiId"]).get("Items", [])
            return ([Subject(describe.http_api_facts(api, **where), config_id=api["ApiId"])]
                    + [Subject(describe.http_route_facts(api, r, **where)) for r in routes]
                    + [Subject(describe.http_authorizer_facts(api, a, **where)) for a in authorizers]
                    + [Subject(describe.http_stage_facts(api, s, **where)) for s in stages])

        def identify(api: dict) -> tuple:
            ref = describe.http_api_facts(api, **where).resource.ref
            return "AWS::ApiGatewayV2::Api", ref, api.get("Name", api["ApiId"])

        kinds = (Kind.HTTP_API, Kind.HTTP_ROUTE, Kind.HTTP_AUTHORIZER, Kind.HTTP_STAGE)
        return [s for group in self._map("http apis", per_api, apis, kinds, identify) for s in group]

    def _http_authorizers(self, v2, api_id: str, routes: list) -> list:
        """The API's authorizers: GetAuthorizers, or - where the endpoint lacks it (moto 5.2 serves only
        GetAuthorizer; ``moto_server`` answers GetAuthorizers with HTTP 500, in-process moto raises) - one
        GetAuthorizer per authorizer a route uses. The fallback misses authorizers no route uses, which no rule
        judges on their own. Once GetAuthorizers failed, the rest of the scan goes straight to the fallback."""
        if self._get_authorizers_served:
            try:
                return v2.get_authorizers(ApiId=api_id).get("Items", [])
            except ClientError as error:
                # An HTTP 500 that outlasted the retries is treated as "not served" too: the fallback reads the
                # same authorizers the rules need (and fails, reported unread, if the endpoint is really down).
                if error.response["Error"]["Code"] not in _UNSUPPORTED + ("500", "InternalServerError"):
                    raise
                self._get_authorizers_served = False
            except NotImplementedError:  # how in-process moto (``mock_aws``) answers an operation it lacks
                self._get_authorizers_served = False
        used = sorted({r["AuthorizerId"] for r in routes if r.get("AuthorizerId")})
        found = []
        for authorizer_id in used:
            response = v2.get_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)
            found.append({k: v for k, v in response.items() if k != "ResponseMetadata"})
        return found

    def rest_apis(self) -> list:
        v1 = self.client("apigateway")
        apis = [a for page in v1.get_paginator("get_rest_apis").paginate() for a in page.get("items", [])]
        where = self._where()

        def per_api(api: dict) -> list:
            subjects = []
            for page in v1.get_paginator("get_resources").paginate(restApiId=api["id"], embed=["methods"]):
                for resource in page.get("items", []):
                    for method in (resource.get("resourceMethods") or {}).values():
                        subjects.append(Subject(describe.rest_method_facts(api, resource, method, **where)))
            for authorizer in v1.get_authorizers(restApiId=api["id"]).get("items", []):
                subjects.append(Subject(describe.rest_authorizer_facts(api, authorizer, **where)))
            for stage in v1.get_stages(restApiId=api["id"]).get("item", []):
                subjects.append(Subject(describe.rest_stage_facts(api, stage, **where)))
            return subjects

        def identify(api: dict) -> tuple:
            ref = f"arn:{self.partition}:apigateway:{self.region}::/restapis/{api['id']}"
            return "AWS::ApiGateway::RestApi", ref, api.get("name", api["id"])

        kinds = (Kind.REST_METHOD, Kind.REST_AUTHORIZER, Kind.REST_STAGE)
        return [s for group in self._map("rest apis", per_api, apis, kinds, identify) for s in group]

    def domains(self) -> list:
        where = self._where()
        v1 = self.client("apigateway")
        rest = [d for page in v1.get_paginator("get_domain_names").paginate() for d in page.get("items", [])]
        v2 = self.client("apigatewayv2")
        http, token = [], None
        while True:
            page = v2.get_domain_names(**({"NextToken": token} if token else {}))
            http += page.get("Items", [])
            token = page.get("NextToken")
            if not token:
                break
        # A v1 domain is visible through the v2 API too (same namespace): keep the v1 view for REST domains.
        rest_names = {d["domainName"] for d in rest}
        return ([Subject(describe.rest_domain_facts(d, **where), config_id=d["domainName"]) for d in rest]
                + [Subject(describe.http_domain_facts(d, **where), config_id=d["DomainName"])
                   for d in http if d["DomainName"] not in rest_names])

    def state_machines(self) -> list:
        sfn = self.client("stepfunctions")
        machines = [m for page in sfn.get_paginator("list_state_machines").paginate()
                    for m in page["stateMachines"]]

        def per_machine(machine: dict) -> list:
            description = sfn.describe_state_machine(stateMachineArn=machine["stateMachineArn"])
            tags = sfn.list_tags_for_resource(resourceArn=machine["stateMachineArn"]).get("tags", [])
            return [Subject(describe.state_machine_facts(description, tags=tags))]

        def identify(machine: dict) -> tuple:
            return "AWS::StepFunctions::StateMachine", machine["stateMachineArn"], machine.get("name", "")

        return [s for group in self._map("state machines", per_machine, machines, (Kind.STATE_MACHINE,), identify)
                for s in group]

    def queues(self) -> list:
        sqs = self.client("sqs")
        urls = [u for page in sqs.get_paginator("list_queues").paginate() for u in page.get("QueueUrls", [])]

        def per_queue(url: str) -> list:
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
            return [Subject(describe.queue_facts(attributes, tags=tags), config_id=url)]

        def identify(url: str) -> tuple:  # https://sqs.<region>.amazonaws.com/<account>/<name>
            account, name = url.rstrip("/").split("/")[-2:]
            return "AWS::SQS::Queue", f"arn:{self.partition}:sqs:{self.region}:{account}:{name}", name

        return [s for group in self._map("queues", per_queue, urls, (Kind.QUEUE,), identify) for s in group]

    def topics(self) -> list:
        sns = self.client("sns")
        arns = [t["TopicArn"] for page in sns.get_paginator("list_topics").paginate() for t in page["Topics"]]

        def per_topic(arn: str) -> list:
            attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
            tags = sns.list_tags_for_resource(ResourceArn=arn).get("Tags", [])
            return [Subject(describe.topic_facts(attributes, tags=tags))]

        def identify(arn: str) -> tuple:
            return "AWS::SNS::Topic", arn, arn.split(":")[-1]

        return [s for group in self._map("topics", per_topic, arns, (Kind.TOPIC,), identify) for s in group]

    def repositories(self) -> list:
        """ECR repositories: one DescribeRepositories page per 1,000; their tags only when a rule reads them."""
        ecr = self.client("ecr")
        repositories = [r for page in ecr.get_paginator("describe_repositories").paginate(
            PaginationConfig={"PageSize": 1000}) for r in page["repositories"]]

        def enrich_for(repository: dict) -> Callable[[], Facts]:
            def enrich() -> Facts:
                tags = ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"]).get("tags", [])
                return describe.repository_facts(repository, tags=tags)
            return enrich

        return [Subject(describe.repository_facts(r), enrich_for(r), config_id=r["repositoryName"])
                for r in repositories]
    def batch_compute_environments(self) -> list:
        """Every AWS Batch compute environment: DescribeComputeEnvironments pages (100 each) carry each one's type
        and tags, so an environment costs no call of its own (AWS Config names it by its ARN)."""
        batch = self.client("batch")
        return [Subject(describe.batch_compute_environment_facts(e), config_id=e["computeEnvironmentArn"])
                for page in batch.get_paginator("describe_compute_environments").paginate(
                    PaginationConfig={"PageSize": 100})
                for e in page.get("computeEnvironments", [])]

    def batch_job_definitions(self) -> list:
        """Every ACTIVE AWS Batch job definition revision (each can be submitted): DescribeJobDefinitions pages (100
        each) carry the containers and tags, so a revision costs no call of its own."""
        batch = self.client("batch")
        return [Subject(describe.batch_job_definition_facts(d))
                for page in batch.get_paginator("describe_job_definitions").paginate(
                    status="ACTIVE", PaginationConfig={"PageSize": 100})
                for d in page.get("jobDefinitions", [])]

    def redshift_clusters(self, logging: bool = False) -> list:
        """Every provisioned cluster of the region: DescribeClusters pages carry each cluster's settings and tags,
        so a cluster costs no call of its own; with ``logging`` (the kind REDSHIFT_LOGGING, looked up by
        redshift-audit-logging), one DescribeLoggingStatus per cluster."""
        redshift = self.client("redshift")
        where = self._where()
        clusters = [c for page in redshift.get_paginator("describe_clusters").paginate()
                    for c in page.get("Clusters", [])]
        if not logging:
            return [Subject(describe.redshift_cluster_facts(c, **where), config_id=c["ClusterIdentifier"])
                    for c in clusters]

        def per_cluster(cluster: dict) -> list:
            status = redshift.describe_logging_status(ClusterIdentifier=cluster["ClusterIdentifier"])
            return [Subject(describe.redshift_cluster_facts(cluster, logging_status=status, **where),
                            config_id=cluster["ClusterIdentifier"])]

        def identify(cluster: dict) -> tuple:
            name = cluster["ClusterIdentifier"]
            arn = f"arn:{self.partition}:redshift:{self.region}:{self.account}:cluster:{name}"
            return "AWS::Redshift::Cluster", arn, name

        return [s for group in self._map("Redshift clusters", per_cluster, clusters,
                                         (Kind.REDSHIFT_CLUSTER, Kind.REDSHIFT_LOGGING), identify) for s in group]

    def redshift_parameter_groups(self) -> list:
        """Every cluster parameter group of the region (the default groups included: clusters name them too), with
        its parameters: DescribeClusterParameterGroups pages carry the groups and their tags, then one
        DescribeClusterParameters per group (a group's parameters fit one page of 100)."""
        redshift = self.client("redshift")
        where = self._where()
        groups = [g for page in redshift.get_paginator("describe_cluster_parameter_groups").paginate()
                  for g in page.get("ParameterGroups", [])]

        def per_group(group: dict) -> list:
            parameters = [p for page in redshift.get_paginator("describe_cluster_parameters").paginate(
                ParameterGroupName=group["ParameterGroupName"]) for p in page.get("Parameters", [])]
            return [Subject(describe.redshift_parameter_group_facts(group, parameters=parameters, **where),
                            config_id=group["ParameterGroupName"])]

        def identify(group: dict) -> tuple:
            name = group["ParameterGroupName"]
            arn = f"arn:{self.partition}:redshift:{self.region}:{self.account}:parametergroup:{name}"
            return "AWS::Redshift::ClusterParameterGroup", arn, name

        return [s for group in self._map("Redshift parameter groups", per_group, groups,
                                         (Kind.REDSHIFT_PARAMETER_GROUP,), identify) for s in group]

    def athena_workgroups(self) -> list:
        """Every Athena workgroup: ListWorkGroups (50 a page; it names them only), then one GetWorkGroup each for
        its configuration; its tags (ListTagsForResource) only when a rule reads them."""
        athena = self.client("athena")
        where = self._where()
        names: list = []
        token: dict = {}
        while True:  # botocore has no paginator for ListWorkGroups
            page = athena.list_work_groups(MaxResults=50, **token)
            names += [w["Name"] for w in page.get("WorkGroups", [])]
            if not page.get("NextToken"):
                break
            token = {"NextToken": page["NextToken"]}

        def per_workgroup(name: str) -> list:
            workgroup = athena.get_work_group(WorkGroup=name)["WorkGroup"]

            def enrich() -> Facts:
                arn = describe.athena_workgroup_arn(name, **where)
                tags = [t for tag_page in athena.get_paginator("list_tags_for_resource").paginate(ResourceARN=arn)
                        for t in tag_page.get("Tags", [])]
                return describe.athena_workgroup_facts(workgroup, tags=tags, **where)
            return [Subject(describe.athena_workgroup_facts(workgroup, **where), enrich, config_id=name)]

        def identify(name: str) -> tuple:
            return "AWS::Athena::WorkGroup", describe.athena_workgroup_arn(name, **where), name

        return [s for group in self._map("Athena workgroups", per_workgroup, names, (Kind.ATHENA_WORKGROUP,),
                                         identify) for s in group]

    def cloudtrail_trails(self) -> list:
        """This region's trails: one DescribeTrails (not paginated; includeShadowTrails=False leaves out the
        multi-region trails of other home regions, judged there), whose items carry KmsKeyId and
        LogFileValidationEnabled; tags (ListTags) only when a rule reads them."""
        cloudtrail = self.client("cloudtrail")
        where = self._where()

        def subject(trail: dict) -> Subject:
            def enrich() -> Facts:
                tags = [t for page in cloudtrail.get_paginator("list_tags").paginate(ResourceIdList=[trail["TrailARN"]])
                        for listed in page.get("ResourceTagList", []) for t in listed.get("TagsList", [])]
                return describe.cloudtrail_trail_facts(trail, tags=tags, **where)
            return Subject(describe.cloudtrail_trail_facts(trail, **where), enrich)

        return [subject(trail) for trail in cloudtrail.describe_trails(includeShadowTrails=False).get("trailList", [])]

    def mwaa_environments(self) -> list:
        """Every Amazon MWAA environment: ListEnvironments pages (names only), then one GetEnvironment each (its
        access mode, KMS key, logging configuration and tags)."""
        mwaa = self.client("mwaa")
        names = [name for page in mwaa.get_paginator("list_environments").paginate()
                 for name in page.get("Environments", [])]

        def per_environment(name: str) -> list:
            environment = mwaa.get_environment(Name=name)["Environment"]
            return [Subject(describe.mwaa_environment_facts(environment), config_id=name)]

        def identify(name: str) -> tuple:
            arn = f"arn:{self.partition}:airflow:{self.region}:{self.account}:environment/{name}"
            return "AWS::MWAA::Environment", arn, name

        return [s for group in self._map("MWAA environments", per_environment, names, (Kind.MWAA_ENVIRONMENT,),
                                         identify) for s in group]

    def log_groups(self) -> list:
        logs = self.client("logs")
        where = self._where()

        def enrich_for(group: dict) -> Callable[[], Facts]:
            def enrich() -> Facts:
                arn = describe.log_group_facts(group, **where).resource.ref
                tags = logs.list_tags_for_resource(resourceArn=arn).get("tags", {})
                return describe.log_group_facts(group, tags=tags, **where)
            return enrich

        return [Subject(describe.log_group_facts(g, **where), enrich_for(g), config_id=g["logGroupName"])
                for page in logs.get_paginator("describe_log_groups").paginate() for g in page["logGroups"]]

    def buckets(self, with_buckets: bool = True, public_access_blocks: bool = False,
                notifications: bool = False) -> list:
        """This region's buckets (ListBuckets filtered by region), each bucket's public access block and
        notification configuration only when asked for: one call each per bucket."""
        s3 = self.client("s3")
        where = self._where()
        listed = [b for page in s3.get_paginator("list_buckets").paginate(BucketRegion=self.region)
                  for b in page.get("Buckets", [])]

        def read(call: Callable, missing: str, **kwargs) -> Optional[dict]:
            try:
                return call(**kwargs)
            except ClientError as error:
                if error.response["Error"]["Code"] == missing:
                    return None
                raise

        def enrich_for(bucket: dict, block: Any) -> Callable[[], Facts]:
            def enrich() -> Facts:
                tagging = read(s3.get_bucket_tagging, "NoSuchTagSet", Bucket=bucket["Name"])
                return describe.bucket_facts(bucket, public_access_block=block,
                                             tags=(tagging or {}).get("TagSet", []), **where)
            return enrich

        def per_bucket(bucket: dict) -> list:
            subjects = []
            if with_buckets:
                block: Any = describe.NOT_FETCHED
                if public_access_blocks:
                    found = read(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration",
                                 Bucket=bucket["Name"])
                    block = (found or {}).get("PublicAccessBlockConfiguration")
                subjects.append(Subject(describe.bucket_facts(bucket, public_access_block=block, **where),
                                        enrich_for(bucket, block), config_id=bucket["Name"]))
            if notifications:
                configuration = s3.get_bucket_notification_configuration(Bucket=bucket["Name"])
                notification = describe.s3_notification_facts(bucket["Name"], configuration, **where)
                if notification is not None:
                    subjects.append(Subject(notification))
            return subjects

        def identify(bucket: dict) -> tuple:
            return "AWS::S3::Bucket", describe.bucket_arn(bucket["Name"], self.partition), bucket["Name"]

        kinds = tuple(k for k, wanted in ((Kind.BUCKET, with_buckets),
                                          (Kind.BUCKET_PUBLIC_ACCESS_BLOCK, public_access_blocks),
                                          (Kind.S3_NOTIFICATION, notifications)) if wanted)
        return [s for group in self._map("buckets", per_bucket, listed, kinds, identify) for s in group]

    def event_targets(self) -> list:
        """Every target of every rule on every event bus of the region."""
        events = self.client("events")
        buses, token = [], None
        while True:  # ListEventBuses has no paginator
            page = events.list_event_buses(**({"NextToken": token} if token else {}))
            buses += page.get("EventBuses", [])
            token = page.get("NextToken")
            if not token:
                break
        rules = [r for bus in buses
                 for page in events.get_paginator("list_rules").paginate(EventBusName=bus["Name"])
                 for r in page.get("Rules", [])]

        def per_rule(rule: dict) -> list:
            targets = [t for page in events.get_paginator("list_targets_by_rule").paginate(
                Rule=rule["Name"], EventBusName=rule.get("EventBusName") or "default")
                for t in page.get("Targets", [])]
            return [Subject(describe.event_target_facts(rule, t)) for t in targets]

        def identify(rule: dict) -> tuple:
            return "AWS::Events::Rule", rule.get("Arn") or rule["Name"], rule["Name"]

        return [s for group in self._map("event rules", per_rule, rules, (Kind.EVENT_TARGET,), identify)
                for s in group]

    def event_source_mappings(self) -> list:
        lam = self.client("lambda")

        def enrich_for(mapping: dict) -> Callable[[], Facts]:
            def enrich() -> Facts:
                tags = lam.list_tags(Resource=mapping["EventSourceMappingArn"]).get("Tags", {})
                return describe.event_source_mapping_facts(mapping, tags=tags)
            return enrich

        # Tags need the mapping's ARN; an endpoint that gives none leaves them unknown (nothing to fetch with).
        return [Subject(describe.event_source_mapping_facts(m),
                        enrich_for(m) if m.get("EventSourceMappingArn") else None, config_id=m["UUID"])
                for page in lam.get_paginator("list_event_source_mappings").paginate()
                for m in page.get("EventSourceMappings", [])]

    def function_settings(self, kinds: Iterable[Kind]) -> list:
        """Per function: its URL configs, resource policy statements and event invoke configs, each only when its
        kind is in ``kinds`` (AWS has no region-wide list of any of them)."""
        kinds = set(kinds)
        lam = self.client("lambda")

        def absent(call: Callable, **kwargs) -> Optional[dict]:
            try:
                return call(**kwargs)
            except ClientError as error:
                if error.response["Error"]["Code"] == "ResourceNotFoundException":
                    return None
                raise

        # Whether the endpoint serves ListFunctionUrlConfigs: None until the first function asks (under a lock, so
        # the other workers wait for the answer instead of all trying an operation the endpoint lacks).
        listing: dict = {"served": None}
        probe = threading.Lock()

        def listed(arn: str) -> list:
            return [c for page in lam.get_paginator("list_function_url_configs").paginate(FunctionName=arn)
                    for c in page.get("FunctionUrlConfigs", [])]

        def urls(arn: str) -> list:
            if listing["served"] is None:
                with probe:
                    if listing["served"] is None:
                        try:
                            found = listed(arn)
                            listing["served"] = True
                            return found
                        except ClientError as error:
                            if error.response["Error"]["Code"] not in _UNSUPPORTED:
                                raise
                            listing["served"] = False
            if listing["served"]:
                return listed(arn)
            # moto 5.2 lacks ListFunctionUrlConfigs but serves GetFunctionUrlConfig (the unqualified URL only).
            config = absent(lam.get_function_url_config, FunctionName=arn)
            return [config] if config else []

        def per_function(config: dict) -> list:
            arn = config["FunctionArn"]
            subjects = []
            if Kind.FUNCTION_URL in kinds:
                subjects += [Subject(describe.function_url_facts(u)) for u in urls(arn)]
            if Kind.PERMISSION in kinds:
                policy = absent(lam.get_policy, FunctionName=arn)
                if policy:
                    subjects += [Subject(f) for f in describe.permission_facts(arn, policy["Policy"])]
            if Kind.EVENT_INVOKE_CONFIG in kinds:
                subjects += [Subject(describe.event_invoke_config_facts(c))
                             for page in lam.get_paginator("list_function_event_invoke_configs").paginate(
                                 FunctionName=arn)
                             for c in page.get("FunctionEventInvokeConfigs", [])]
            return subjects

        def identify(config: dict) -> tuple:
            return "AWS::Lambda::Function", config["FunctionArn"], config["FunctionName"]

        return [s for group in self._map("functions", per_function, self._function_configs(), tuple(kinds), identify)
                for s in group]

    def subscriptions(self) -> list:
        sns = self.client("sns")
        listed = [s for page in sns.get_paginator("list_subscriptions").paginate()
                  for s in page.get("Subscriptions", [])]

        def per_subscription(subscription: dict) -> list:
            arn = subscription["SubscriptionArn"]
            if not arn.startswith("arn:"):  # "PendingConfirmation": no attributes to read yet
                return [Subject(describe.subscription_facts(subscription, attributes={}))]
            attributes = sns.get_subscription_attributes(SubscriptionArn=arn).get("Attributes", {})
            return [Subject(describe.subscription_facts(subscription, attributes=attributes))]

        def identify(subscription: dict) -> tuple:
            return "AWS::SNS::Subscription", subscription["SubscriptionArn"], subscription.get("Endpoint", "")

        return [s for group in self._map("subscriptions", per_subscription, listed, (Kind.SNS_SUBSCRIPTION,),
                                         identify) for s in group]

    def secrets(self) -> list:
        """Every secret of the region: ListSecrets pages carry each secret's key, owner and tags (never a value)."""
        return [Subject(describe.secret_facts(secret), config_id=secret["Name"])
                for page in self.client("secretsmanager").get_paginator("list_secrets").paginate(
                    PaginationConfig={"PageSize": 100})
                for secret in page.get("SecretList", [])]

    def security_groups(self) -> list:
        """Every security group of the region: DescribeSecurityGroups pages carry the rules and the tags."""
        where = self._where()
        return [Subject(describe.security_group_facts(g, **where), config_id=g["GroupId"])
                for page in self.client("ec2").get_paginator("describe_security_groups").paginate(
                    PaginationConfig={"PageSize": 1000})
                for g in page.get("SecurityGroups", [])]

    @staticmethod
    def _listed_where_served(list_them: Callable[[], list]) -> list:
        """``list_them()``, or ``[]`` from an endpoint that does not serve the operation at all (an emulator
        without the service, such as moto for Image Builder): an endpoint that lacks the API holds none of its
        resources. Any other error is raised (the listing is then reported unread)."""
        try:
            return list_them()
        except ClientError as error:
            if error.response["Error"]["Code"] not in _UNSUPPORTED:
                raise
            return []
        except NotImplementedError:  # how in-process moto (``mock_aws``) may answer an operation it lacks
            return []

    def infrastructure_configurations(self) -> list:
        """Every Image Builder infrastructure configuration: one GetInfrastructureConfiguration each."""
        builder = self.client("imagebuilder")
        listed = self._listed_where_served(lambda: [
            c for page in builder.get_paginator("list_infrastructure_configurations").paginate()
            for c in page.get("infrastructureConfigurationSummaryList", [])])

        def per_configuration(summary: dict) -> list:
            found = builder.get_infrastructure_configuration(infrastructureConfigurationArn=summary["arn"])
            return [Subject(describe.infrastructure_configuration_facts(found["infrastructureConfiguration"]))]

        def identify(summary: dict) -> tuple:
            return "AWS::ImageBuilder::InfrastructureConfiguration", summary["arn"], summary.get("name", "")

        return [s for group in self._map("image builder", per_configuration, listed,
                                         (Kind.IMAGEBUILDER_INFRASTRUCTURE,), identify) for s in group]

    def imagebuilder_components(self) -> list:
        """Every version of the account's own Image Builder components: one GetComponent each."""
        builder = self.client("imagebuilder")
        listed = self._listed_where_served(lambda: [
            v for page in builder.get_paginator("list_components").paginate(owner="Self")
            for v in page.get("componentVersionList", [])])

        def per_component(version: dict) -> list:
            found = builder.get_component(componentBuildVersionArn=version["arn"])
            return [Subject(describe.imagebuilder_component_facts(found["component"]))]

        def identify(version: dict) -> tuple:
            return "AWS::ImageBuilder::Component", version["arn"], version.get("name", "")

        return [s for group in self._map("components", per_component, listed, (Kind.IMAGEBUILDER_COMPONENT,),
                                         identify) for s in group]

    def transfer_servers(self) -> list:
        """Every AWS Transfer Family server: ListServers pages (up to 1,000 servers a page), then one DescribeServer
        each (the listing lacks protocols, security policy, structured logs and tags)."""
        transfer = self.client("transfer")
        listed = [s for page in transfer.get_paginator("list_servers").paginate(PaginationConfig={"PageSize": 1000})
                  for s in page.get("Servers", [])]

        def per_server(summary: dict) -> list:
            found = transfer.describe_server(ServerId=summary["ServerId"])["Server"]
            return [Subject(describe.transfer_server_facts(found), config_id=summary["ServerId"])]

        def identify(summary: dict) -> tuple:
            return "AWS::Transfer::Server", summary.get("Arn") or summary["ServerId"], summary["ServerId"]

        return [s for group in self._map("transfer servers", per_server, listed, (Kind.TRANSFER_SERVER,), identify)
                for s in group]

    def mq_brokers(self) -> list:
        """Every Amazon MQ broker: one DescribeBroker each."""
        mq = self.client("mq")
        listed = [b for page in mq.get_paginator("list_brokers").paginate() for b in page.get("BrokerSummaries", [])]

        def per_broker(summary: dict) -> list:
            found = mq.describe_broker(BrokerId=summary["BrokerId"])
            return [Subject(describe.mq_broker_facts(found), config_id=summary["BrokerId"])]

        def identify(summary: dict) -> tuple:
            return ("AWS::AmazonMQ::Broker", summary.get("BrokerArn") or summary["BrokerId"],
                    summary.get("BrokerName", ""))

        return [s for group in self._map("brokers", per_broker, listed, (Kind.MQ_BROKER,), identify) for s in group]
    def schedules(self) -> list:
        """Every schedule of every group: the listing names the target only, GetSchedule gives the rest."""
        scheduler = self.client("scheduler")
        listed = [s for page in scheduler.get_paginator("list_schedules").paginate()
                  for s in page.get("Schedules", [])]

        def per_schedule(schedule: dict) -> list:
            found = scheduler.get_schedule(Name=schedule["Name"], GroupName=schedule.get("GroupName") or "default")
            return [Subject(describe.schedule_facts(found))]

        def identify(schedule: dict) -> tuple:
            return "AWS::Scheduler::Schedule", schedule["Arn"], schedule["Name"]

        return [s for group in self._map("schedules", per_schedule, listed, (Kind.SCHEDULE,), identify)
                for s in group]

    def _events_pages(self, operation: str, key: str) -> list:
        """Every item of an EventBridge listing that has no paginator (NextToken by hand)."""
        events = self.client("events")
        items, token = [], None
        while True:
            page = getattr(events, operation)(**({"NextToken": token} if token else {}))
            items += page.get(key, [])
            token = page.get("NextToken")
            if not token:
                return items

    def api_destinations(self) -> list:
        return [Subject(describe.api_destination_facts(d), config_id=d["Name"])
                for d in self._events_pages("list_api_destinations", "ApiDestinations")]

    def event_connections(self) -> list:
        """Every connection; DescribeConnection per connection for its KMS key (the listing lacks it)."""
        events = self.client("events")
        listed = self._events_pages("list_connections", "Connections")

        def per_connection(connection: dict) -> list:
            return [Subject(describe.event_connection_facts(events.describe_connection(Name=connection["Name"])),
                            config_id=connection["Name"])]

        def identify(connection: dict) -> tuple:
            return "AWS::Events::Connection", connection["ConnectionArn"], connection["Name"]

        return [s for group in self._map("connections", per_connection, listed, (Kind.EVENT_CONNECTION,), identify)
                for s in group]

    def pipes(self) -> list:
        """Every pipe; DescribePipe per pipe (the listing has no source parameters, logging or tags)."""
        pipes = self.client("pipes")
        listed = [p for page in pipes.get_paginator("list_pipes").paginate() for p in page.get("Pipes", [])]

        def per_pipe(pipe: dict) -> list:
            return [Subject(describe.pipe_facts(pipes.describe_pipe(Name=pipe["Name"])))]

        def identify(pipe: dict) -> tuple:
            return "AWS::Pipes::Pipe", pipe["Arn"], pipe["Name"]

        return [s for group in self._map("pipes", per_pipe, listed, (Kind.PIPE,), identify) for s in group]
    def task_definitions(self) -> list:
        """The latest active revision of every task definition family (what AWS Config's ECS rules judge too)."""
        ecs = self.client("ecs")
        families = [f for page in ecs.get_paginator("list_task_definition_families").paginate(status="ACTIVE")
                    for f in page.get("families", [])]

        def per_family(family: str) -> list:
            response = ecs.describe_task_definition(taskDefinition=family, include=["TAGS"])
            return [Subject(describe.task_definition_facts(response["taskDefinition"], tags=response.get("tags", [])))]

        def identify(family: str) -> tuple:
            ref = f"arn:{self.partition}:ecs:{self.region}:{self.account}:task-definition/{family}"
            return "AWS::ECS::TaskDefinition", ref, family

        return [s for group in self._map("task defs", per_family, families, (Kind.ECS_TASK_DEFINITION,), identify)
                for s in group]

    def _ecs_cluster_arns(self) -> list:
        ecs = self.client("ecs")
        return [a for page in ecs.get_paginator("list_clusters").paginate() for a in page.get("clusterArns", [])]

    def ecs_clusters(self) -> list:
        ecs = self.client("ecs")
        arns = self._ecs_cluster_arns()
        subjects = []
        for start in range(0, len(arns), 100):  # DescribeClusters takes up to 100 clusters
            described = ecs.describe_clusters(clusters=arns[start:start + 100], include=["SETTINGS", "TAGS"])
            subjects += [Subject(describe.ecs_cluster_facts(c, tags=c.get("tags", [])), config_id=c["clusterName"])
                         for c in described.get("clusters", [])]
        return subjects

    def ecs_services(self) -> list:
        ecs = self.client("ecs")

        def per_cluster(cluster: str) -> list:
            arns = [a for page in ecs.get_paginator("list_services").paginate(cluster=cluster)
                    for a in page.get("serviceArns", [])]
            subjects = []
            for start in range(0, len(arns), 10):  # DescribeServices takes up to 10 services
                described = ecs.describe_services(cluster=cluster, services=arns[start:start + 10], include=["TAGS"])
                subjects += [Subject(describe.ecs_service_facts(s, tags=s.get("tags", [])))
                             for s in described.get("services", [])]
            return subjects

        def identify(cluster: str) -> tuple:
            return "AWS::ECS::Cluster", cluster, cluster.rsplit("/", 1)[-1]

        return [s for group in self._map("ecs clusters", per_cluster, self._ecs_cluster_arns(), (Kind.ECS_SERVICE,),
                                         identify) for s in group]

    def load_balancers(self, with_load_balancers: bool = True, listeners: bool = False) -> list:
        """Every load balancer (with its attributes) and, when asked for, its listeners: one call each per load
        balancer; tags only on ``enrich`` (DescribeTags)."""
        elb = self.client("elbv2")
        listed = [b for page in elb.get_paginator("describe_load_balancers").paginate()
                  for b in page.get("LoadBalancers", [])]

        def tags_of(arn: str) -> list:
            described = elb.describe_tags(ResourceArns=[arn]).get("TagDescriptions") or [{}]
            return list(described[0].get("Tags") or [])

        def enrich_balancer(balancer: dict, attributes: Any) -> Callable[[], Facts]:
            return lambda: describe.load_balancer_facts(balancer, attributes=attributes,
                                                        tags=tags_of(balancer["LoadBalancerArn"]))

        def enrich_listener(listener: dict) -> Callable[[], Facts]:
            return lambda: describe.listener_facts(listener, tags=tags_of(listener["ListenerArn"]))

        def per_balancer(balancer: dict) -> list:
            arn = balancer["LoadBalancerArn"]
            subjects = []
            if with_load_balancers:
                attributes = elb.describe_load_balancer_attributes(LoadBalancerArn=arn).get("Attributes", [])
                subjects.append(Subject(describe.load_balancer_facts(balancer, attributes=attributes),
                                        enrich_balancer(balancer, attributes)))
            if listeners:
                subjects += [Subject(describe.listener_facts(item), enrich_listener(item))
                             for page in elb.get_paginator("describe_listeners").paginate(LoadBalancerArn=arn)
                             for item in page.get("Listeners", [])]
            return subjects

        def identify(balancer: dict) -> tuple:
            arn = balancer["LoadBalancerArn"]
            return "AWS::ElasticLoadBalancingV2::LoadBalancer", arn, balancer.get("LoadBalancerName", arn)

        kinds = tuple(k for k, wanted in ((Kind.LOAD_BALANCER, with_load_balancers), (Kind.LISTENER, listeners))
                      if wanted)
        return [s for group in self._map("load balancers", per_balancer, listed, kinds, identify) for s in group]

    def glue_jobs(self) -> list:
        """Every Glue job (GetJobs carries its settings); its tags by GetTags only when a rule needs them."""
        glue = self.client("glue")
        where = self._where()

        def enrich_for(job: dict) -> Callable[[], Facts]:
            def enrich() -> Facts:
                arn = describe.glue_job_facts(job, **where).resource.ref
                return describe.glue_job_facts(job, tags=glue.get_tags(ResourceArn=arn).get("Tags", {}), **where)
            return enrich

        return [Subject(describe.glue_job_facts(job, **where), enrich_for(job), config_id=job["Name"])
                for page in glue.get_paginator("get_jobs").paginate() for job in page.get("Jobs", [])]

    def glue_security_configurations(self) -> list:
        glue = self.client("glue")
        where = self._where()
        return [Subject(describe.glue_security_configuration_facts(config, **where), config_id=config["Name"])
                for page in glue.get_paginator("get_security_configurations").paginate()
                for config in page.get("SecurityConfigurations", [])]
