"""Words for people: labels, the reason of each decision and shortlist entry, the people-facing
tables and an applicant's explanation."""
