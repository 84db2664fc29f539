"""What changes the mandate's data: the agenda (agenda.py), consultations and written contributions
(consultations.py), comments and amendments (amendments.py). Each takes the session, the acting user
and `now`, checks the policy, raises MandateError, writes the audit log and only flushes."""
