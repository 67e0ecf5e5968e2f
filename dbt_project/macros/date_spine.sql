{#- The project's one date spine (int_months takes its months from it): one row (`date_day`) per
    day from `start_expression` to `end_expression`, both inclusive, both SQL expressions over
    `from_relation` (a one-row CTE). Portable: numbers come from a cross join of digits (no
    generate_series), so at most 10,000 days (27 years) per spine. -#}
{% macro lm_date_spine(from_relation, start_expression, end_expression) -%}
    select {{ add_days(start_expression, 'spine_numbers.day_offset') }} as date_day
    from (
        select
            ones.digit
            + 10 * tens.digit
            + 100 * hundreds.digit
            + 1000 * thousands.digit as day_offset
        from {{ spine_digits() }} as ones
        cross join {{ spine_digits() }} as tens
        cross join {{ spine_digits() }} as hundreds
        cross join {{ spine_digits() }} as thousands
    ) as spine_numbers
    cross join {{ from_relation }}
    where
        {{ add_days(start_expression, 'spine_numbers.day_offset') }}
        <= {{ end_expression }}
{%- endmacro %}

{% macro spine_digits() -%}
    (
        select 0 as digit union all select 1 union all select 2 union all select 3
        union all select 4 union all select 5 union all select 6 union all select 7
        union all select 8 union all select 9
    )
{%- endmacro %}
