{#- Incremental builds of the large facts (sales logs, WeCom messages, health history).
    A daily run adds what is new; `dbt build --full-refresh` (the weekly lastmile_full_rebuild job)
    recomputes all history and gives the same rows. -#}

{#- The rows of `relation` loaded since the last build of {{ this }}: `ingested_at_column` later
    than the latest `watermark_column` already in {{ this }}. Every row on a full build.
    With `dated_column` (the fact's date, cut at the evaluation day in staging), also the rows
    dated after the latest `built_dated_column` (default: the same name) already in {{ this }}:
    a fact that landed early but was dated after the last build's evaluation day was left out
    then, and is known now that the evaluation day has moved on. -#}
{% macro loaded_since_last_build(
    ingested_at_column, watermark_column='ingested_at', dated_column=none, built_dated_column=none
) -%}
    {%- if is_incremental() -%}
        (
            {{ ingested_at_column }} > (
                select coalesce(
                    max(previous_build.{{ watermark_column }}), cast('1900-01-01' as timestamp)
                )
                from {{ this }} as previous_build
            )
            {%- if dated_column %}
                or {{ dated_column }} > (
                    select coalesce(
                        max(previous_build.{{ built_dated_column or dated_column }}),
                        cast('1900-01-01' as timestamp)
                    )
                    from {{ this }} as previous_build
                )
            {%- endif %}
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

{#- Post-hook of a daily history: delete the days after the evaluation day, which a build
    evaluating an earlier day than the last one would otherwise leave behind (a full rebuild
    never builds them). -#}
{% macro delete_after_evaluation_date(date_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ date_column }} > {{ evaluation_date() }}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: delete_stale_rows against the raw rows instead of the latest-version staging view,
    so that an increment never deduplicates the whole raw table. A built row is stale when no raw
    row holds its key at its load time (a corrected re-export dropped it), when a raw row of its
    key was loaded later (a newer version, which this build inserted or which is dated after the
    evaluation day), or when it is itself dated after the evaluation day (a replay). -#}
{% macro delete_stale_versions(key_column, raw_relation, ingested_at_column, dated_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as built_rows
        where
            not {{ is_known_on_evaluation_date('built_rows.' ~ dated_column) }}
            or not exists (
                select 1
                from {{ raw_relation }} as raw_rows
                where
                    raw_rows.{{ key_column }} = built_rows.{{ key_column }}
                    and raw_rows._ingested_at = built_rows.{{ ingested_at_column }}
            )
            or exists (
                select 1
                from {{ raw_relation }} as raw_rows
                where
                    raw_rows.{{ key_column }} = built_rows.{{ key_column }}
                    and raw_rows._ingested_at > built_rows.{{ ingested_at_column }}
            )
    {%- endif -%}
{%- endmacro %}
