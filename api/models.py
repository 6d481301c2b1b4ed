# Organisation API keys (SPEC §5) arrive with the API issue.
