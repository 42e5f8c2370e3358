"""Stand-alone network scanners (eSCL)."""
