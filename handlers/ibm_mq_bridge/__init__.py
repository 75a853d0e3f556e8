"""The IBM MQ <-> SNS/SQS bridge (post 003#9), in Python: the bridge services (``service``) and the sample
Lambda producer and consumer (``producer``, ``consumer``)."""
