"""scheduler-auto-delete (post 003#12): a function creates a one-time EventBridge Scheduler schedule per reminder,
with ``ActionAfterCompletion: DELETE``, so that Scheduler removes it after it has published the reminder."""
