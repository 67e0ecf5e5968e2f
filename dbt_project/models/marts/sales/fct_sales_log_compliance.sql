{#- Incremental (a large fact): a run adds the logs (re)checked since the last build in
    int_sales_logs_checked; a corrected re-export replaces a log, a log no longer in any landing
    file is deleted. A full rebuild gives the same rows. -#}
{{ config(
    materialized='incremental',
    unique_key='log_id',
    incremental_strategy=lm_incremental_strategy(),
    on_schema_change='fail',
    post_hook="{{ delete_stale_rows('log_id', ref('int_sales_logs_checked')) }}"
) }}

with

-- ingested_at is per log, so this keeps every field row of the logs (re)checked since then
log_fields as (
    select * from {{ ref('int_sales_log_fields_checked') }}
    where {{ loaded_since_last_build('ingested_at', dated_column='log_at') }}
),

final as (
    select
        log_id,
        rep_id,
        customer_id,
        opportunity_id,
        template_code,
        template_name,
        log_at,
        ingested_at,
        count(*) as required_field_count,
        cast(sum(case when is_filled then 1 else 0 end) as bigint) as filled_field_count,
        {{ lm_ratio('sum(case when is_filled then 1 else 0 end)', 'count(*)') }}
            as completeness_score,
        cast(sum(case when is_filled then 0 else 1 end) as bigint) as missing_field_count,
        {{ lm_listagg(
            "case when not is_filled then field_label end", "'、'", "order by field_label"
        ) }}
            as missing_fields,
        max(case when has_placeholder_competitor then 1 else 0 end) = 1
            as has_placeholder_competitor
    from log_fields
    group by
        log_id,
        rep_id,
        customer_id,
        opportunity_id,
        template_code,
        template_name,
        log_at,
        ingested_at
)

select * from final
