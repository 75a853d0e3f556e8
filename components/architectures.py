"""The architecture list: every stack deploys exactly one entry, chosen by config ``architecture``.

An entry's component is found by naming convention, so adding an architecture never edits this table's code:
``saga-orchestration`` in family ``stepfunctions`` is class ``SagaOrchestration`` (args ``SagaOrchestrationArgs``)
in ``components/stepfunctions/saga_orchestration.py``. Entries whose module does not exist yet are catalogued
but not deployable, and say so.
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

import pulumi

from components.governance import PROJECT, ConfigError, Governance, register_tagging


@dataclass(frozen=True)
class Entry:
    id: str
    family: str
    posts: tuple  # "<seed file>#<post number>" as in shared/ARCHITECTURES.md
    title: str  # the source post's title

    @property
    def module(self) -> str:
        return f"components.{self.family}.{self.id.replace('-', '_')}"

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.id.split("-"))

    @property
    def implemented(self) -> bool:
        try:
            return importlib.util.find_spec(self.module) is not None
        except ModuleNotFoundError:  # the family package itself does not exist yet
            return False

    def component(self) -> tuple[type, type]:
        """(component class, args class) of this entry."""
        if not self.implemented:
            raise ConfigError(
                f"architecture {self.id!r} is catalogued (post {', '.join(self.posts)}) but not implemented yet; "
                f"implemented: {', '.join(e.id for e in implemented())}"
            )
        module = importlib.import_module(self.module)
        return getattr(module, self.class_name), getattr(module, f"{self.class_name}Args")


ARCHITECTURES: tuple = (
    Entry('platform', 'platform', ('000#8', '000#13', '000#15', '001#14'),
          'Operating serverless at scale (parts 1-3) and code signing for AWS Lambda'),
    Entry('saga-orchestration', 'stepfunctions', ('000#20',),
          'Building a serverless distributed application using a saga orchestration pattern'),
    Entry('api-poller', 'stepfunctions', ('000#17',),
          'Building an API poller with AWS Step Functions and AWS Lambda'),
    Entry('jsonpath-account-signup', 'stepfunctions', ('000#12',),
          'Using JSONPath effectively in AWS Step Functions'),
    Entry('s3-batch-processing', 'stepfunctions', ('000#7',),
          'Creating AWS Serverless batch processing architectures'),
    Entry('b2b-integration', 'stepfunctions', ('000#16',),
          'Simplifying B2B integrations with AWS Step Functions Workflow Studio'),
    Entry('forecast-workflow', 'stepfunctions', ('000#3',),
          'Build workflows for Amazon Forecast with AWS Step Functions'),
    Entry('batch-job-workflow', 'stepfunctions', ('000#10',),
          'Visualizing AWS Step Functions workflows from the AWS Batch console'),
    Entry('sync-express-form', 'stepfunctions', ('001#11',),
          'New Synchronous Express Workflows for AWS Step Functions'),
    Entry('apigw-sfn-stock-trader', 'stepfunctions', ('001#13',),
          'Introducing Amazon API Gateway service integration for AWS Step Functions'),
    Entry('sfn-project-layout', 'stepfunctions', ('002#1',),
          'Best Practices for Writing Step Functions Terraform Projects'),
    Entry('redshift-s3-etl', 'stepfunctions', ('002#4',),
          'Build an ETL process for Amazon Redshift using Amazon S3 Event Notifications and AWS Step Functions'),
    Entry('file-sharing', 'stepfunctions', ('002#6', '003#4'),
          'Enhancing file sharing using Amazon S3 and AWS Step Functions'),
    Entry('parallel-exit-early', 'stepfunctions', ('002#8', '003#20'),
          'Implementing patterns that exit early out of a parallel state in AWS Step Functions'),
    Entry('satellite-timeseries', 'stepfunctions', ('002#9',),
          'Extract time series from satellite weather data with AWS Lambda'),
    Entry('sfn-versions-aliases', 'stepfunctions', ('002#13',),
          'Deploying state machines incrementally with versions and aliases in AWS Step Functions'),
    Entry('slack-app', 'stepfunctions', ('002#15',),
          'Developing a serverless Slack app using AWS Step Functions and AWS Lambda'),
    Entry('mwaa-stop-start', 'stepfunctions', ('002#17',),
          'Automating stopping and starting Amazon MWAA environments to reduce cost'),
    Entry('distributed-map', 'stepfunctions', ('002#20',),
          'How CyberCRX cut ML processing time from 8 days to 56 minutes with AWS Step Functions Distributed Map'),
    Entry('sqs-dlq-replay', 'messaging', ('001#10',),
          'Using Amazon SQS dead-letter queues to replay messages'),
    Entry('lambda-error-handling', 'messaging', ('002#10',),
          'Implementing AWS Lambda error handling patterns'),
    Entry('dynamic-sns-subscriptions', 'messaging', ('000#9',),
          'Building dynamic Amazon SNS subscriptions for auto scaling container workloads'),
    Entry('container-workloads-eda', 'messaging', ('002#19',),
          'Extending a serverless, event-driven architecture to existing container workloads'),
    Entry('transactional-outbox', 'messaging', ('003#8',),
          'Implementing the transactional outbox pattern with Amazon EventBridge Pipes'),
    Entry('eventbridge-api-destinations', 'messaging', ('004#10',),
          'Using API destinations with Amazon EventBridge'),
    Entry('eventbridge-xray', 'messaging', ('004#11',),
          'Using AWS X-Ray tracing with Amazon EventBridge'),
    Entry('scheduler-auto-delete', 'messaging', ('003#12',),
          'Automatically delete schedules upon completion with Amazon EventBridge Scheduler'),
    Entry('redshift-data-api-events', 'messaging', ('001#20',),
          'Building an event-driven application with AWS Lambda and the Amazon Redshift Data API'),
    Entry('ibm-mq-bridge', 'messaging', ('003#9',),
          'Integrating IBM MQ with Amazon SQS and Amazon SNS using Apache Camel'),
    Entry('securityhub-remediation', 'messaging', ('001#17',),
          'How to deploy the AWS Solution for Security Hub Automated Response and Remediation'),
    Entry('cloudfront-sg-updater', 'messaging', ('001#16',),
          'Automatically update security groups for Amazon CloudFront IP ranges using AWS Lambda'),
    Entry('ami-tracker', 'messaging', ('001#19',),
          'Tracking the latest server images in Amazon EC2 Image Builder pipelines'),
    Entry('kinesis-consumer', 'streaming', ('001#9', '004#1'),
          'Best practices for consuming Amazon Kinesis Data Streams using AWS Lambda'),
    Entry('change-point-detection', 'streaming', ('001#18',),
          'Detect change points in your event data stream using Kinesis Data Streams, DynamoDB and Lambda'),
    Entry('stream-inference', 'streaming', ('001#6',),
          'Real-Time In-Stream Inference with AWS Kinesis, SageMaker & Apache Flink'),
    Entry('streaming-ingestion', 'streaming', ('004#9',),
          'Building serverless applications with streaming data: Part 2 (ingestion)'),
    Entry('streaming-leaderboard', 'streaming', ('004#6',),
          'Building leaderboard functionality with serverless data analytics (Alleycat part 4)'),
    Entry('streaming-rankings', 'streaming', ('004#7',),
          'Building serverless applications with streaming data: Part 3 (Firehose, all-time rankings)'),
    Entry('streaming-monitoring', 'streaming', ('004#5',),
          'Monitoring and troubleshooting serverless data analytics applications (Alleycat part 5)'),
    Entry('scaling-concurrency', 'streaming', ('004#17',),
          'Operating Lambda: Application design – Scaling and concurrency: Part 2'),
    Entry('cross-account-ecr', 'apis', ('000#1',),
          'Introducing cross-account Amazon ECR access for AWS Lambda'),
    Entry('ml-inference-storage', 'apis', ('000#2',),
          'Choosing between storage mechanisms for ML inferencing with AWS Lambda'),
    Entry('secrets-env-layer', 'apis', ('000#4',),
          'Creating AWS Lambda environment variables from AWS Secrets Manager'),
    Entry('query-string-api-keys', 'apis', ('000#11',),
          'Accepting API keys as a query string in Amazon API Gateway'),
    Entry('crudl-microservice', 'apis', ('000#13',),
          'Operating serverless at scale: Improving consistency – Part 2'),
    Entry('federated-schema', 'apis', ('000#18',),
          'Managing federated schema with AWS Lambda and Amazon S3'),
    Entry('federated-graphql', 'apis', ('000#19', '000#6'),
          'Building federated GraphQL on AWS Lambda'),
    Entry('container-image-extensions', 'apis', ('001#1', '001#2'),
          'Working with Lambda layers and extensions in container images'),
    Entry('reverse-proxy', 'apis', ('001#8',),
          'Serving Content Using a Fully Managed Reverse Proxy Architecture in AWS'),
    Entry('avx2-image-function', 'apis', ('001#12',),
          'Creating faster AWS Lambda functions with AVX2'),
    Entry('serverless-image-handler', 'apis', ('001#15',),
          'Fast and Cost-Effective Image Manipulation with Serverless Image Handler'),
    Entry('function-url-edge', 'apis', ('003#5',),
          'Protecting an AWS Lambda function URL with Amazon CloudFront and Lambda@Edge'),
    Entry('multi-tenant-rate-limiting', 'apis', ('003#10',),
          'How SeatGeek uses AWS Serverless to control authorization, authentication, and rate-limiting in a '
          'multi-tenant SaaS application'),
    Entry('response-streaming', 'apis', ('003#11',),
          'Using response streaming with AWS Lambda Web Adapter to optimize performance'),
    Entry('hexagonal-service', 'apis', ('004#2',),
          'Developing evolutionary architecture with AWS Lambda (hexagonal)'),
    Entry('s3-object-lambda-translate', 'apis', ('004#3',),
          'Translating content dynamically by using Amazon S3 Object Lambda'),
    Entry('trivia-game', 'apis', ('004#13',),
          'Building a serverless multi-player game that scales (Simple Trivia Service)'),
    Entry('react-ssr', 'apis', ('004#19',),
          'Building server-side rendering for React in AWS Lambda'),
    Entry('glue-hudi-lake', 'data', ('002#2',),
          'Simplify operational data processing in data lakes using AWS Glue and Apache Hudi'),
    Entry('jira-appflow-lake', 'data', ('002#7',),
          'Empower your Jira data in a data lake with Amazon AppFlow and AWS Glue'),
    Entry('opensearch-serverless-monitoring', 'data', ('003#3',),
          'Monitoring Amazon OpenSearch Serverless using AWS User Notifications'),
    Entry('opensearch-multi-tenant', 'data', ('003#17',),
          'Alcion supports their multi-tenant platform with Amazon OpenSearch Serverless'),
    Entry('redshift-serverless-cost', 'data', ('003#18',),
          'Configure monitoring, limits, and alarms in Amazon Redshift Serverless to keep costs predictable'),
    Entry('talend-redshift-serverless', 'data', ('003#19',),
          'Enable data analytics with Talend and Amazon Redshift Serverless'),
    # Not an architecture: breaks each mandatory guardrail once, to show (and test) what the pack reports.
    Entry('noncompliant-demo', 'demo', (), 'Deliberately non-compliant stack for the guardrail demo'),
)

BY_ID = {entry.id: entry for entry in ARCHITECTURES}


def implemented() -> list:
    return [entry for entry in ARCHITECTURES if entry.implemented]


def get(architecture: Optional[str]) -> Entry:
    """The entry for ``architecture``, or a one-line error listing the valid ids."""
    if not architecture:
        raise ConfigError(
            f"missing config 'architecture': run 'pulumi config set architecture <id>'; valid ids: "
            f"{', '.join(BY_ID)}"
        )
    if architecture not in BY_ID:
        raise ConfigError(f"architecture: {architecture!r} is not a catalogue id; valid ids: {', '.join(BY_ID)}")
    return BY_ID[architecture]


def make_args(args_class: type, parameters: Mapping[str, Any], architecture: str) -> Any:
    """Build the component's args from config ``parameters`` (snake_case field names; unknown ones refused)."""
    fields = {f.name: f for f in dataclasses.fields(args_class)}
    if not isinstance(parameters, Mapping):
        raise ConfigError(f"parameters: {parameters!r} must be an object of parameter: value for {architecture!r}; "
                          f"accepted: {', '.join(fields)}")
    unknown = sorted(set(parameters) - set(fields))
    if unknown:
        raise ConfigError(
            f"parameters: {', '.join(unknown)} not accepted by {architecture!r}; accepted: {', '.join(fields)}"
        )
    try:
        return args_class(**parameters)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"parameters for {architecture!r}: {exc}") from None


def build(config: Optional[pulumi.Config] = None) -> pulumi.ComponentResource:
    """Build the stack's architecture from config (the whole of ``__main__.py``)."""
    config = config or pulumi.Config(PROJECT)
    entry = get(config.get("architecture"))
    component_class, args_class = entry.component()
    args = make_args(args_class, config.get_object("parameters") or {}, entry.id)
    if entry.id == "platform":
        # The platform stack governs itself from its own resources; it has no platform stack to read.
        from components.governance import _check_tags  # noqa: PLC0415

        register_tagging(_check_tags("requiredTags", config.get_object("requiredTags") or {}))
        component = component_class(entry.id, args)
    else:
        governance = Governance.from_config(config)
        # Every resource carries its architecture's `service-id` (the platform's resource groups use it),
        # unless the stack sets its own in `tags`.
        register_tagging(pulumi.Output.from_input(governance.tags).apply(
            lambda tags: {"service-id": entry.id, **tags}))
        component = component_class(entry.id, args, governance=governance)
    # Stack outputs: a component lists what its stack exports in `exports` (name -> Output).
    for name, value in getattr(component, "exports", {}).items():
        pulumi.export(name, value)
    return component
