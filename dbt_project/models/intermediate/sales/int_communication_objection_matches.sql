{#- The objection keywords each communication's text contains (the text mining, a large fact built
    incrementally): one row per communication × objection category it mentions. A run matches
    the sales logs and WeCom messages loaded since the last build (a text loaded again replaces its
    rows; a communication no longer in any landing file loses them). Who and which customer the
    communication belongs to is joined later (int_communications_objections_tagged), so that
    always follows the current CRM. A keyword change (objection_keywords seed) triggers a full
    rebuild. -#}
{{ config(
    materialized='incremental',
    unique_key='communication_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook="{{ delete_stale_rows('communication_id', '(select log_id as communication_id, _ingested_at as ingested_at from ' ~ ref('stg_crm__sales_logs') ~ ' union all select message_id, ingested_at from ' ~ ref('int_wecom_messages_keyed') ~ ')') }}"
) }}

with

sales_logs as (
    select * from {{ ref('stg_crm__sales_logs') }}
    where {{ loaded_since_last_build(
        '_ingested_at', dated_column='log_at', built_dated_column='communicated_at'
    ) }}
),

messages as (
    select * from {{ ref('int_wecom_messages_keyed') }}
    where {{ loaded_since_last_build(
        'ingested_at', dated_column='sent_at', built_dated_column='communicated_at'
    ) }}
),

keywords as (
    select * from {{ ref('objection_keywords') }}
),

texts as (
    select
        log_id as communication_id,
        log_at as communicated_at,
        _ingested_at as ingested_at,
        {{ sales_log_text() }} as communication_text
    from sales_logs
    union all
    select
        message_id as communication_id,
        sent_at as communicated_at,
        ingested_at,
        coalesce(content, '') as communication_text
    from messages
),

matches as (
    select
        texts.communication_id,
        texts.communicated_at,
        texts.ingested_at,
        keywords.objection_category,
        keywords.keyword
    from texts
    inner join keywords
        on texts.communication_text like concat('%', concat(keywords.keyword, '%'))
),

final as (
    select
        communication_id,
        objection_category,
        count(*) as matched_keyword_count,
        {{ lm_listagg('keyword', "'、'", 'order by keyword') }} as matched_keywords,
        communicated_at,
        ingested_at
    from matches
    group by communication_id, objection_category, communicated_at, ingested_at
)

select * from final
