"""Jobs that run the whole desk on a schedule: the daily job (ingest → detect → explain → publish →
send). They sit above ``publish`` and drive the :class:`~movedesk.desk.Desk`."""
