"""Lastmile's Dagster code location: ingestion, dbt models, quality checks and publishing."""
