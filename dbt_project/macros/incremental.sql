{#- Incremental builds of the large facts (sales logs, WeCom messages, health history).
    A daily run adds what is new; `dbt build --full-refresh` (the weekly lastmile_full_rebuild job)
    recomputes all history and gives the same rows. -#}

{#- The rows of `relation` loaded since the last build of {{ this }}: `ingested_at_column` later
    than the latest `watermark_column` already in {{ this }}. Every row on a full build. -#}
{% macro loaded_since_last_build(ingested_at_column, watermark_column='ingested_at') -%}
    {%- if is_incremental() -%}
        {{ ingested_at_column }} > (
            select coalesce(
                max(previous_build.{{ watermark_column }}), cast('1900-01-01' as timestamp)
            )
            from {{ this }} as previous_build
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: delete the rows of {{ this }} that are no longer current — their key is gone from
    `current_relation` (a corrected re-export dropped it), or it was loaded again since (the new
    version's rows were inserted by this build, so rows still carrying the old load time are left
    over: e.g. an objection the corrected text no longer mentions). Keeps the increments equal to
    a full rebuild. -#}
{% macro delete_stale_rows(
    key_column, current_relation, current_key=none, ingested_at_column='ingested_at',
    current_ingested_at=none
) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as built_rows
        where not exists (
            select 1
            from {{ current_relation }} as current_rows
            where
                current_rows.{{ current_key or key_column }} = built_rows.{{ key_column }}
                and current_rows.{{ current_ingested_at or ingested_at_column }}
                = built_rows.{{ ingested_at_column }}
        )
    {%- endif -%}
{%- endmacro %}

{#- The earliest day an incremental build of a daily history recomputes: the last
    `incremental_lookback_days` (dbt var) before the latest day already built, so facts that arrive
    a few days late are folded in daily; older corrections wait for the weekly full rebuild. NULL on
    a full build (everything is recomputed). -#}
{% macro recompute_from_date(date_column) -%}
    {%- if is_incremental() -%}
        (
            select
                {{ add_days(
                    'max(previous_build.' ~ date_column ~ ')',
                    '1 - ' ~ var('incremental_lookback_days')
                ) }}
            from {{ this }} as previous_build
        )
    {%- else -%}
        cast(null as date)
    {%- endif -%}
{%- endmacro %}
