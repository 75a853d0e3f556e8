"""Export DAG (post 002#17): pause every other DAG, copy the metadata tables to S3, resume the Stop workflow.

Triggered only by the trigger-DAG function (``schedule=None``) with ``conf = {bucket, prefix, task_token}``.
"""
from __future__ import annotations

import io

import boto3
from airflow import DAG, settings
from airflow.models import DagModel
from airflow.operators.python import PythonOperator
from airflow.utils.trigger_rule import TriggerRule
from metadata_backup import (
    BACKUP_DAG_IDS,
    EXPORT_DAG_ID,
    TABLES,
    backup_key,
    copied_columns,
    export_sql,
    read_conf,
    resume_workflow,
)


def pause_dags(**_: object) -> None:
    """The post: "the deletion process pauses all the DAGs before making the backup"."""
    session = settings.Session()
    session.query(DagModel).filter(DagModel.dag_id.notin_(BACKUP_DAG_IDS)).update(
        {DagModel.is_paused: True}, synchronize_session=False)
    session.commit()


def export_tables(dag_run, **_: object) -> None:  # noqa: ANN001 (Airflow's context)
    bucket, prefix, _token = read_conf(dag_run.conf)
    s3 = boto3.client("s3")
    connection = settings.engine.raw_connection()
    try:
        cursor = connection.cursor()
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table.name} LIMIT 0")  # noqa: S608 (names from TABLES)
            columns = copied_columns(table, [column[0] for column in cursor.description])
            buffer = io.StringIO()
            cursor.copy_expert(export_sql(table, columns), buffer)
            s3.put_object(Bucket=bucket, Key=backup_key(prefix, table), Body=buffer.getvalue().encode())
    finally:
        connection.close()


def notify(dag_run, **_: object) -> None:  # noqa: ANN001
    _bucket, _prefix, token = read_conf(dag_run.conf)
    failed = [ti.task_id for ti in dag_run.get_task_instances() if ti.state == "failed"]
    resume_workflow(boto3.client("stepfunctions"), token, not failed,
                    {"dag_id": EXPORT_DAG_ID, "run_id": dag_run.run_id, "failed_tasks": failed})


with DAG(EXPORT_DAG_ID, schedule=None, catchup=False, is_paused_upon_creation=False, tags=["mwaa-stop-start"]):
    pause = PythonOperator(task_id="pause_dags", python_callable=pause_dags)
    export = PythonOperator(task_id="export_tables", python_callable=export_tables)
    # Runs whatever happened before it, so the workflow is always resumed (success or failure).
    callback = PythonOperator(task_id="resume_workflow", python_callable=notify, trigger_rule=TriggerRule.ALL_DONE)
    pause >> export >> callback
