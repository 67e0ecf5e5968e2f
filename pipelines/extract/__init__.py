"""Rule-based extraction from free text (quotes from WeCom chat), run before dbt."""
