"""dynamic-sns-subscriptions (post 000#9): ECS task state changes on the default bus drive a queue per task,
subscribed to the topic while the task runs (``subscribe``) and removed when it stops (``cleanup``);
``consumer`` is the container's side (the post's Java consumer, in Python)."""
