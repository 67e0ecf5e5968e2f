{#- Fails for every listed column that is empty on some row: one row per such column, with how
    many rows miss it. One query (one scan) for all of a model's required columns: a test per
    column would cost a query, a Dagster check and its events each, on every run. -#}
{% test not_null_columns(model, columns) %}
with counted as (
    select
        {%- for column in columns %}
        sum(case when {{ column }} is null then 1 else 0 end) as {{ column }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
)

{% for column in columns -%}
select
    '{{ column }}' as column_name,
    counted.{{ column }} as null_rows
from counted
where counted.{{ column }} > 0
{% if not loop.last %}union all
{% endif -%}
{% endfor %}
{% endtest %}
