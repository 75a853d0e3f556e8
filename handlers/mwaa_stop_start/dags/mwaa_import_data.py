"""Import DAG (post 002#17): load the metadata tables exported before the deletion, resume the Start workflow.

Triggered only by the trigger-DAG function (``schedule=None``) with ``conf = {bucket, prefix, task_token}``.
"""
from __future__ import annotations

import io

import boto3
from airflow import DAG, settings
from airflow.operators.python import PythonOperator
from airflow.utils.trigger_rule import TriggerRule
from metadata_backup import IMPORT_DAG_ID, TABLES, backup_key, csv_header, import_sql, read_conf, resume_workflow


def import_tables(dag_run, **_: object) -> None:  # noqa: ANN001 (Airflow's context)
    bucket, prefix, _token = read_conf(dag_run.conf)
    s3 = boto3.client("s3")
    connection = settings.engine.raw_connection()
    try:
        cursor = connection.cursor()
        for table in TABLES:
            text = s3.get_object(Bucket=bucket, Key=backup_key(prefix, table))["Body"].read().decode()
            columns = csv_header(text)
            if not columns:
                continue  # an empty export: nothing to load
            create, copy, insert = import_sql(table, columns)
            cursor.execute(create)
            cursor.copy_expert(copy, io.StringIO(text))
            cursor.execute(insert)
        connection.commit()
    finally:
        connection.close()


def notify(dag_run, **_: object) -> None:  # noqa: ANN001
    _bucket, _prefix, token = read_conf(dag_run.conf)
    failed = [ti.task_id for ti in dag_run.get_task_instances() if ti.state == "failed"]
    resume_workflow(boto3.client("stepfunctions"), token, not failed,
                    {"dag_id": IMPORT_DAG_ID, "run_id": dag_run.run_id, "failed_tasks": failed})


with DAG(IMPORT_DAG_ID, schedule=None, catchup=False, is_paused_upon_creation=False, tags=["mwaa-stop-start"]):
    load = PythonOperator(task_id="import_tables", python_callable=import_tables)
    callback = PythonOperator(task_id="resume_workflow", python_callable=notify, trigger_rule=TriggerRule.ALL_DONE)
    load >> callback
