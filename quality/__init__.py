"""Great Expectations 1.x suites for Lastmile, built in Python and run on dataframes."""
