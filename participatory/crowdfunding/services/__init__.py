"""What changes crowdfunding data: campaigns (elections, candidacies, legal texts), donations
(cap and expiry), webhooks (Stripe events), ledger (mandataire side) and opendata (aggregates).

Every function takes the session and `now` (and the acting user where there is one), only
flushes, and raises CrowdfundingError; the caller commits.
"""
