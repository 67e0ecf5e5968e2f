{#- What the boards show instead of codes and bare numbers: names from the seeds and the CRM, and
    period labels that mark a period still running. Each is a scalar expression, so a mart adds a
    label column with one line in its final select. -#}

{#- The board name of a code (code_labels seed); the code itself when the seed has none for it
    (the dashboards test that scans the charts' data then fails); `empty` when the code is null.
    Booleans are looked up as true / false (code set yes_no). -#}
{% macro code_label(code_set, column, empty=none) -%}
    coalesce(
        (
            select max(code_labels.label) from {{ ref('code_labels') }} as code_labels
            where
                code_labels.code_set = '{{ code_set }}'
                and code_labels.code = lower(cast({{ column }} as {{ lm_type_string() }}))
        ),
        cast({{ column }} as {{ lm_type_string() }})
        {%- if empty is not none %}, '{{ empty }}'{% endif %}
    )
{%- endmacro %}

{#- A customer's name (CRM), by id. -#}
{% macro customer_name(customer_id) -%}
    (
        select max(named_customers.customer_name) from {{ ref('stg_crm__customers') }} as named_customers
        where named_customers.customer_id = {{ customer_id }}
    )
{%- endmacro %}

{#- A person's name on the CRM roster, by rep id; `empty` when the id is null (e.g. 待分配). -#}
{% macro rep_name(rep_id, empty=none) -%}
    coalesce(
        (
            select max(named_reps.rep_name) from {{ ref('stg_crm__reps') }} as named_reps
            where named_reps.rep_id = {{ rep_id }}
        )
        {%- if empty is not none %}, '{{ empty }}'{% endif %}
    )
{%- endmacro %}

{#- A region's name (CRM), by id. -#}
{% macro region_name(region_id) -%}
    (
        select max(named_regions.region_name) from {{ ref('stg_crm__regions') }} as named_regions
        where named_regions.region_id = {{ region_id }}
    )
{%- endmacro %}

{#- A squad's name (CRM), by id. -#}
{% macro squad_name(squad_id) -%}
    (
        select max(named_squads.squad_name) from {{ ref('stg_crm__squads') }} as named_squads
        where named_squads.squad_id = {{ squad_id }}
    )
{%- endmacro %}

{#- The names of health indicators listed by code ('H1,H3' → '技术交流、决策人互动', in code order),
    from the health_indicators seed; `empty` when none is listed. -#}
{% macro indicator_names(codes, empty='无') -%}
    coalesce(
        (
            select
                {{ lm_listagg(
                    'named_indicators.indicator_name', "'、'", 'order by named_indicators.indicator_code'
                ) }}
            from {{ ref('health_indicators') }} as named_indicators
            where
                concat(concat(',', {{ codes }}), ',')
                like concat(concat('%,', named_indicators.indicator_code), ',%')
        ),
        '{{ empty }}'
    )
{%- endmacro %}

{#- A day as '12月4日'. -#}
{% macro month_day_text(day) -%}
    concat(
        concat(cast(extract(month from {{ day }}) as {{ lm_type_string() }}), '月'),
        concat(cast(extract(day from {{ day }}) as {{ lm_type_string() }}), '日')
    )
{%- endmacro %}

{#- The evaluation day (int_evaluation_date), as a scalar subquery. -#}
{% macro reporting_as_of_date() -%}
    (select max(reporting_evaluation.evaluation_date) from {{ ref('int_evaluation_date') }} as reporting_evaluation)
{%- endmacro %}

{#- A month as the boards show it: 'YYYY-MM' (sorts as text in time order), followed by
    '（截至12月4日）' while the as-of day (default: reporting_as_of_date) falls inside the month
    before its last day: the month is still running and its figures are month to date. -#}
{% macro month_label(month_start, as_of_date=none) -%}
    {%- set as_of_date = as_of_date or reporting_as_of_date() -%}
    concat(
        {{ year_month(month_start) }},
        case
            when
                {{ as_of_date }} >= {{ month_start }}
                and {{ as_of_date }} < {{ period_last_day(month_start, 'month') }}
                then concat(concat('（截至', {{ month_day_text(as_of_date) }}), '）')
            else ''
        end
    )
{%- endmacro %}

{#- A week (Monday start) as the boards show it: 'YYYY-MM-DD' of its Monday, followed by
    '（截至12月4日）' while the as-of day (default: reporting_as_of_date) falls inside the week before
    its Sunday. -#}
{% macro week_label(week_start, as_of_date=none) -%}
    {%- set as_of_date = as_of_date or reporting_as_of_date() -%}
    concat(
        cast({{ week_start }} as {{ lm_type_string() }}),
        case
            when
                {{ as_of_date }} >= {{ week_start }}
                and {{ as_of_date }} < {{ add_days(week_start, 6) }}
                then concat(concat('（截至', {{ month_day_text(as_of_date) }}), '）')
            else ''
        end
    )
{%- endmacro %}

{#- A number as text with at most one decimal ('16.5', '86'), followed by `unit`; null when the
    number is null. -#}
{% macro number_text(number, unit='') -%}
    case
        when round({{ number }}, 1) = round({{ number }}, 0)
            then concat(cast(cast(round({{ number }}, 0) as bigint) as {{ lm_type_string() }}), '{{ unit }}')
        when {{ number }} is not null
            then concat(cast(round({{ number }}, 1) as {{ lm_type_string() }}), '{{ unit }}')
    end
{%- endmacro %}

{#- A share as the boards show it in a table, '92.3%'; `empty` when null (nothing to measure). -#}
{% macro percent_text(share, empty='无数据') -%}
    coalesce({{ number_text('100.0 * ' ~ share, '%') }}, '{{ empty }}')
{%- endmacro %}

{#- A number of minutes as the boards show it: '16.5 分钟'; `infinite_text` when flagged +∞, `empty`
    when null. -#}
{% macro minutes_text(minutes, is_infinite='false', infinite_text='∞', empty='无') -%}
    case
        when {{ is_infinite }} then '{{ infinite_text }}'
        when {{ minutes }} is null then '{{ empty }}'
        else {{ number_text(minutes, ' 分钟') }}
    end
{%- endmacro %}

{#- Whether a value meets its target, as the boards show it (code_labels target_status: 达标,
    未达标, 无数据 when there is nothing to measure). -#}
{% macro target_status_label(meets) -%}
    {{ code_label('target_status', "case when " ~ meets ~ " then 'met' when not " ~ meets
        ~ " then 'missed' else 'none' end") }}
{%- endmacro %}

{#- '30天内 1 份 ✗': a count in an indicator's window, with its unit and whether it passes. -#}
{% macro window_count_text(window_days, count, unit, is_passing) -%}
    concat(
        concat(
            concat(
                concat(cast(cast({{ window_days }} as integer) as {{ lm_type_string() }}), '天内 '),
                cast({{ count }} as {{ lm_type_string() }})
            ),
            ' {{ unit }}'
        ),
        case when {{ is_passing }} then ' ✓' else ' ✗' end
    )
{%- endmacro %}
