"""The not-for-clinical-use notice, defined once and shown by every report, drawing and page."""

NOT_FOR_CLINICAL_USE = ("Teaching simulator: hypothetical patients only. "
                        "Never advice for a real patient.")
