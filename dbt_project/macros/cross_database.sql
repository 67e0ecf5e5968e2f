{#- Date and text helpers that must differ between engines: dbt's own cross-database macros
    when dbt renders; a DuckDB stand-in when SQLFluff's plain jinja templater (which has no `dbt`
    namespace) lints. Every model uses these, never an engine's own function. -#}

{% macro lm_datediff(first, second, part) -%}
    {%- if dbt is defined -%}{{ dbt.datediff(first, second, part) }}
    {%- else -%}date_diff('{{ part }}', {{ first }}, {{ second }}){%- endif -%}
{%- endmacro %}

{% macro lm_dateadd(part, amount, column) -%}
    {%- if dbt is defined -%}{{ dbt.dateadd(part, amount, column) }}
    {%- else -%}date_add({{ column }}, to_days(cast({{ amount }} as integer))){%- endif -%}
{%- endmacro %}

{% macro lm_date_trunc(part, column) -%}
    {%- if dbt is defined -%}{{ dbt.date_trunc(part, column) }}
    {%- else -%}date_trunc('{{ part }}', {{ column }}){%- endif -%}
{%- endmacro %}

{% macro lm_listagg(measure, delimiter, order_by) -%}
    {%- if dbt is defined -%}{{ dbt.listagg(measure, delimiter, order_by) }}
    {%- else -%}string_agg({{ measure }}, {{ delimiter }} {{ order_by }}){%- endif -%}
{%- endmacro %}

{#- A date moved by a number of days (a column or an expression), as a date. -#}
{% macro add_days(date_expression, days_expression) -%}
    cast({{ lm_dateadd('day', days_expression, date_expression) }} as date)
{%- endmacro %}

{#- Minutes from one timestamp to another, to the second. -#}
{% macro minutes_between(start_expression, end_expression) -%}
    {{ lm_datediff(start_expression, end_expression, 'second') }} / 60.0
{%- endmacro %}

{#- First day of the month of a date. -#}
{% macro month_start(date_expression) -%}
    cast({{ lm_date_trunc('month', date_expression) }} as date)
{%- endmacro %}

{#- A date's month as text, 'YYYY-MM': a filter value that reads the same in every engine and in
    Superset (whose select filter on a DATE column fails on DuckDB). -#}
{% macro year_month(date_expression) -%}
    {%- if dbt is defined -%}
        {{ dbt.concat([
            "cast(extract(year from " ~ date_expression ~ ") as " ~ dbt.type_string() ~ ")",
            "'-'",
            "lpad(cast(extract(month from " ~ date_expression ~ ") as "
                ~ dbt.type_string() ~ "), 2, '0')"
        ]) }}
    {%- else -%}strftime({{ date_expression }}, '%Y-%m'){%- endif -%}
{%- endmacro %}
