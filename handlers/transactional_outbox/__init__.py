"""transactional-outbox (post 003#8): the order table's DynamoDB stream is the outbox; an EventBridge pipe puts
each change on the order bus; rules fan it out through SQS to the idempotent consumers ``notify_restaurant`` and
``order_tracking``."""
