{#- Helpers of the customer marts (客户健康度、预警、权限、回款). Portable: the date helpers of
    cross_database.sql and ANSI SQL. -#}

{#- A portable date spine: one row (`date_day`) per day from `start_expression` to
    `end_expression`, both inclusive, both SQL expressions over `from_relation` (a one-row CTE).
    Numbers come from a cross join of digits (no generate_series), so at most 10,000 days
    (27 years) per spine. -#}
{% macro customer_date_spine(from_relation, start_expression, end_expression) -%}
    select {{ add_days(start_expression, 'spine_numbers.day_offset') }} as date_day
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
        {{ add_days(start_expression, 'spine_numbers.day_offset') }}
        <= {{ end_expression }}
{%- endmacro %}

{% macro customer_digits() -%}
    (
        select 0 as digit union all select 1 union all select 2 union all select 3
        union all select 4 union all select 5 union all select 6 union all select 7
        union all select 8 union all select 9
    )
{%- endmacro %}
