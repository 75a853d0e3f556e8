"""Lambda handlers of the ``s3-batch-processing`` architecture (AWS Compute blog, "Creating AWS Serverless batch
processing architectures").

A CSV upload under ``input/`` starts the main orchestrator workflow (``notification``). It splits the file into
chunks (``split``), starts one chunk-processor workflow per chunk (``start_chunks``), polls them until they finish
(``chunk_status``), merges the processed chunks (``merge``) and emails a presigned link to the result
(``email``). The chunk processor reads a chunk (``read``), validates each row (``validate``; invalid rows go to
DynamoDB), enriches valid rows through the financial-data API (``financial_data``, behind API Gateway) and writes
the processed chunk (``write_output``).

S3 layout (the post's): ``input/<file>.csv`` uploads, ``<archive folder>/<file>.csv`` archived inputs,
``<batch id>/to_process/`` chunks, ``<batch id>/output/`` processed chunks and ``<batch id>/output/completed/<file>``
the merged result.
"""
