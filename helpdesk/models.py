# Cases, queue tickets and appointments (SPEC §6) arrive with the help-desk issue.
