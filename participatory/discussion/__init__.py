"""Discussion around the objects of other domains: comments, supports, follows and notifications."""
