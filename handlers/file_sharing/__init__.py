"""Lambda handlers and state machines for the ``file-sharing`` architecture.

Post: "Enhancing file sharing using Amazon S3 and AWS Step Functions" (seed 002 #6 = 003 #4). A REST API starts
the Share File and Download File workflows (``share_file.asl.json``, ``download_file.asl.json``) synchronously,
with no function in between; the workflows call ``validate`` (mandatory fields) and ``presign`` (the short-lived
download URL). ``files`` answers the admin routes (profile, upload URL, list, metadata, delete) and ``report`` runs
the Athena download report over the file bucket's S3 server access logs.
"""
