{#- Helpers of the customer marts (客户健康度、预警、权限、回款). Portable: only dbt's
    cross-database macros (dateadd, datediff) and ANSI SQL. -#}

{#- One column per named business rule, pivoted from the rule_parameters seed. Use in a CTE
    that selects from the seed: `select {{ customer_rule_values(['h2_window_days']) }} from rules`. -#}
{% macro customer_rule_values(names) -%}
    {%- for name in names %}
    max(case when parameter = '{{ name }}' then value end) as {{ name }}
    {%- if not loop.last %},{% endif -%}
    {%- endfor %}
{%- endmacro %}

{#- A date moved by a number of days (the number may be a column or an expression). -#}
{#- (`dbt` is undefined only under SQLFluff's plain jinja templater: a lint-only stand-in) -#}
{% macro customer_add_days(date_expression, days_expression) -%}
    {%- if dbt is defined -%}
        cast({{ dbt.dateadd('day', days_expression, date_expression) }} as date)
    {%- else -%}
        cast(date_add({{ date_expression }}, {{ days_expression }}) as date)
    {%- endif -%}
{%- endmacro %}

{#- Minutes from one timestamp to another, to the second. -#}
{% macro customer_minutes_between(start_expression, end_expression) -%}
    {%- if dbt is defined -%}
        {{ dbt.datediff(start_expression, end_expression, 'second') }} / 60.0
    {%- else -%}
        date_diff('second', {{ start_expression }}, {{ end_expression }}) / 60.0
    {%- endif -%}
{%- endmacro %}

{#- Values of a group joined by commas, in order. -#}
{% macro customer_listagg(measure, order_by_clause) -%}
    {%- if dbt is defined -%}
        {{ dbt.listagg(measure, "','", order_by_clause) }}
    {%- else -%}
        string_agg({{ measure }}, ',' {{ order_by_clause }})
    {%- endif -%}
{%- endmacro %}

{#- A portable date spine: one row (`date_day`) per day from `start_expression` to
    `end_expression`, both inclusive, both SQL expressions over `from_relation` (a one-row CTE).
    Numbers come from a cross join of digits (no generate_series), so at most 10,000 days
    (27 years) per spine. -#}
{% macro customer_date_spine(from_relation, start_expression, end_expression) -%}
    select {{ customer_add_days(start_expression, 'spine_numbers.day_offset') }} as date_day
    from (
        select
            ones.digit
            + 10 * tens.digit
            + 100 * hundreds.digit
            + 1000 * thousands.digit as day_offset
        from {{ customer_digits() }} as ones
        cross join {{ customer_digits() }} as tens
        cross join {{ customer_digits() }} as hundreds
        cross join {{ customer_digits() }} as thousands
    ) as spine_numbers
    cross join {{ from_relation }}
    where
        {{ customer_add_days(start_expression, 'spine_numbers.day_offset') }}
        <= {{ end_expression }}
{%- endmacro %}

{% macro customer_digits() -%}
    (
        select 0 as digit union all select 1 union all select 2 union all select 3
        union all select 4 union all select 5 union all select 6 union all select 7
        union all select 8 union all select 9
    )
{%- endmacro %}

{#- First day of the month of a date. -#}
{% macro customer_month_start(date_expression) -%}
    {%- if dbt is defined -%}
        cast({{ dbt.date_trunc('month', date_expression) }} as date)
    {%- else -%}
        cast(date_trunc('month', {{ date_expression }}) as date)
    {%- endif -%}
{%- endmacro %}

{#- Whole days from one date to another. -#}
{% macro customer_days_between(start_expression, end_expression) -%}
    {%- if dbt is defined -%}
        {{ dbt.datediff(start_expression, end_expression, 'day') }}
    {%- else -%}
        date_diff('day', {{ start_expression }}, {{ end_expression }})
    {%- endif -%}
{%- endmacro %}
