{#- Helpers of the sales-process models (issue 5). -#}

{#- First element of a JSON array held as text (WeCom's tolist). -#}
{% macro json_array_first(column) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('json_array_first', 'lastmile')(column)) }}
    {%- else -%}
        {{ return(duckdb__json_array_first(column)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__json_array_first(column) -%}
    json_extract_path_text({{ column }}, '0')
{%- endmacro %}

{% macro duckdb__json_array_first(column) -%}
    json_extract_string({{ column }}, '$[0]')
{%- endmacro %}

{#- True when a text value holds something: not null, not blank, not a configured placeholder
    (compared trimmed and lower-cased). `placeholders` is the relation of placeholder_values. -#}
{% macro is_filled_text(column, placeholders) -%}
    (
        {{ column }} is not null
        and trim({{ column }}) <> ''
        and lower(trim({{ column }})) not in (
            select lower(trim(placeholder_value)) from {{ placeholders }}
        )
    )
{%- endmacro %}

{% macro sales_seeded_hash(seed, column) -%}
    {%- if dbt is defined -%}{{ dbt.hash(dbt.concat([seed, "'|'", column])) }}
    {%- else -%}md5(concat({{ seed }}, '|', {{ column }})){%- endif -%}
{%- endmacro %}

{#- Reporting months (`date_month`) from the month of the first opportunity to the evaluation
    day's month, both included. -#}
{% macro sales_month_spine(opportunities) -%}
    {%- if dbt is defined -%}
        {{ dbt.date_spine(
            'month',
            "(select cast(" ~ dbt.date_trunc('month', 'min(created_at)') ~ " as date) from "
                ~ opportunities ~ ")",
            "cast(" ~ dbt.dateadd('month', 1, dbt.date_trunc('month', evaluation_date()))
                ~ " as date)"
        ) }}
    {%- else -%}
        select cast('2026-01-01' as date) as date_month
    {%- endif -%}
{%- endmacro %}
