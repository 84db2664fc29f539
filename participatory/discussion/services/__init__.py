"""What changes discussion's data: each service takes the session, the acting user and `now`, raises a
DiscussionError, and only flushes (the view, CLI or job commits).

comments.py (post, reply, edit, report, hide), supports.py (support, withdraw),
follows.py (follow, unfollow, preferences), notifications.py (notify, read, digests, unsubscribe).
"""
