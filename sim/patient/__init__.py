"""One patient at a time: the patient record, choices, teaching alerts, the timeline of a scripted
scenario and the interactive teaching case. Imports the pathway layer only, never the cohort code."""
