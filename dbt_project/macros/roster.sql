{#- Helpers of the roster rules (花名册): who is active when, and who takes over what an inactive
    person held. Portable: ANSI SQL only. -#}

{#- A person is active on a day from their hired_date (inclusive) to their left_date (exclusive:
    the left day is the first day they are gone); an empty date is no bound. `day` is a date. -#}
{% macro is_active_on(hired_date, left_date, day) -%}
    (
        ({{ hired_date }} is null or {{ hired_date }} <= {{ day }})
        and ({{ left_date }} is null or {{ left_date }} > {{ day }})
    )
{%- endmacro %}

{#- The later of two timestamps, where an empty one is the beginning of time. -#}
{% macro later_start(first, second) -%}
    case
        when {{ second }} is null or {{ first }} >= {{ second }} then {{ first }}
        else {{ second }}
    end
{%- endmacro %}

{#- The earlier of two timestamps, where an empty one is the end of time (open). -#}
{% macro earlier_end(first, second) -%}
    case
        when {{ first }} is null then {{ second }}
        when {{ second }} is null or {{ first }} <= {{ second }} then {{ first }}
        else {{ second }}
    end
{%- endmacro %}

{#- What a person held after they became inactive, split by who leads their squad meanwhile.
    `orphans` is a relation with `squad_id`, `orphaned_from`, `orphaned_to` (empty = open) and
    `orphaned_end_reason` (why the holding ends at orphaned_to), plus the `carried` columns;
    `squad_lead_periods` is int_squad_lead_periods. One row per piece: `rep_id` = the acting squad
    lead (empty when the squad has none, or the person had no squad: 待分配), `valid_from`,
    `valid_to`, `end_reason`, and `piece_number` (1, 2, … in time within `partition_by`). -#}
{% macro split_by_squad_lead(orphans, squad_lead_periods, carried, partition_by) -%}
    select
        {%- for column in carried %}
            {{ orphans }}.{{ column }},
        {%- endfor %}
        {{ squad_lead_periods }}.squad_lead_rep_id as rep_id,
        {{ later_start(orphans ~ '.orphaned_from', squad_lead_periods ~ '.valid_from') }}
            as valid_from,
        {{ earlier_end(orphans ~ '.orphaned_to', squad_lead_periods ~ '.valid_to') }} as valid_to,
        case
            when
                {{ squad_lead_periods }}.valid_to is not null
                and (
                    {{ orphans }}.orphaned_to is null
                    or {{ squad_lead_periods }}.valid_to < {{ orphans }}.orphaned_to
                )
                then {{ squad_lead_periods }}.end_reason
            else {{ orphans }}.orphaned_end_reason
        end as end_reason,
        row_number() over (
            partition by {{ orphans }}.{{ partition_by }}
            order by {{ later_start(orphans ~ '.orphaned_from', squad_lead_periods ~ '.valid_from') }}
        ) as piece_number
    from {{ orphans }}
    left join {{ squad_lead_periods }}
        on
            {{ orphans }}.squad_id = {{ squad_lead_periods }}.squad_id
            and (
                {{ squad_lead_periods }}.valid_to is null
                or {{ squad_lead_periods }}.valid_to > {{ orphans }}.orphaned_from
            )
            and (
                {{ squad_lead_periods }}.valid_from is null
                or {{ orphans }}.orphaned_to is null
                or {{ squad_lead_periods }}.valid_from < {{ orphans }}.orphaned_to
            )
{%- endmacro %}

{#- Join condition: the period of `periods` (valid_from, valid_to; an empty start is since always,
    an empty end open) that holds at the instant `at` (a timestamp). -#}
{% macro holds_at(periods, at) -%}
    ({{ periods }}.valid_from is null or {{ at }} >= {{ periods }}.valid_from)
    and ({{ periods }}.valid_to is null or {{ at }} < {{ periods }}.valid_to)
{%- endmacro %}

{#- Join condition: the period of `periods` (valid_from, valid_to; an empty start is since always,
    an empty end open) that holds at the end of `day` (a date): a change during the day gives the
    day to the new holder. -#}
{% macro holds_at_end_of_day(periods, day) -%}
    (
        {{ periods }}.valid_from is null
        or {{ periods }}.valid_from < cast({{ add_days(day, '1') }} as timestamp)
    )
    and (
        {{ periods }}.valid_to is null
        or {{ periods }}.valid_to >= cast({{ add_days(day, '1') }} as timestamp)
    )
{%- endmacro %}
