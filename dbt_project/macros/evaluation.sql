{#- The evaluation day (评估日): the one day every "as of" figure is computed for, from the facts
    dated on or before it (local time). Defined here and nowhere else:
    the dbt var `evaluation_date` (YYYY-MM-DD, dbt by hand), else the environment variable
    LASTMILE_AS_OF (the Dagster dbt step always sets it: a changed variable re-parses only the
    files reading it, a changed var the whole project), else today in the var `reporting_time_zone`.
    Models read it through int_evaluation_date; staging models cut their facts with
    is_known_on_evaluation_date(). -#}

{% macro evaluation_date_text() -%}
    {%- set value = var('evaluation_date', none) or env_var('LASTMILE_AS_OF', '') -%}
    {%- if not value -%}
        {%- set zone = modules.pytz.timezone(var('reporting_time_zone')) -%}
        {%- set value = modules.datetime.datetime.now(zone).strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {%- set value = value | string | trim -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error(
            "evaluation date " ~ value ~ " is not a day written YYYY-MM-DD (dbt var "
            ~ "evaluation_date or LASTMILE_AS_OF)") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The evaluation day as a SQL date. -#}
{% macro evaluation_date() -%}
    cast('{{ evaluation_date_text() }}' as date)
{%- endmacro %}

{#- True when a fact dated by `column` (a date, or a local timestamp) is known on the evaluation
    day: dated on or before it. An undated fact is known (nothing says it comes later). -#}
{% macro is_known_on_evaluation_date(column) -%}
    ({{ column }} is null or cast({{ column }} as date) <= {{ evaluation_date() }})
{%- endmacro %}

{#- `column` (a date or timestamp) when it is on or before the evaluation day, else null: a
    state change dated later (a churn, a close, an approval, a delivery) has not happened yet. -#}
{% macro as_known_on_evaluation_date(column) -%}
    case when {{ is_known_on_evaluation_date(column) }} then {{ column }} end
{%- endmacro %}

{#- The last day of the period (`part` = 'month' or 'week') that starts on `period_start`. -#}
{% macro period_last_day(period_start, part) -%}
    {%- if part == 'month' -%}
        {{ add_days(month_start(add_days(period_start, '32')), '-1') }}
    {%- elif part == 'week' -%}
        {{ add_days(period_start, '6') }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("period_last_day: part must be month or week") }}
    {%- endif -%}
{%- endmacro %}

{#- The last day the figures of a period cover: the period's last day, or the evaluation day
    while the period is still running (month-to-date, week-to-date). -#}
{% macro period_end_date(period_start, part, evaluation='evaluation') -%}
    case
        when {{ period_last_day(period_start, part) }} > {{ evaluation }}.evaluation_date
            then {{ evaluation }}.evaluation_date
        else {{ period_last_day(period_start, part) }}
    end
{%- endmacro %}

{#- The partial-period columns of a metric mart, for the period (`part` = 'month' or 'week')
    starting on `period_start`; `evaluation` names int_evaluation_date in the query:
    period_end_date (see above), days_covered (period start to period_end_date, both included)
    and is_partial_period (the period runs past the evaluation day: its figures are to date,
    not comparable with a full period's). -#}
{% macro partial_period_columns(period_start, part, evaluation='evaluation') -%}
    {{ period_end_date(period_start, part, evaluation) }} as period_end_date,
    cast(
        {{ lm_datediff(period_start, period_end_date(period_start, part, evaluation), 'day') }}
        + 1 as bigint
    ) as days_covered,
    {{ period_last_day(period_start, part) }} > {{ evaluation }}.evaluation_date
        as is_partial_period
{%- endmacro %}
