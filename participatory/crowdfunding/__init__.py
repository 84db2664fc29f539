"""Campaign micro-donations: elections, candidates, donations, payment gateway, receipts."""
