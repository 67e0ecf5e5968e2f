{#- The objection keywords found in what the customer said (the text mining, a large fact built
    incrementally): one row per communication × objection category it mentions. The customer's
    words are the customer's WeCom messages and, in a sales log, the fields that record the
    customer (needs, notes, recording summary: sales_log_customer_text); the rep's own WeCom
    messages and the log's summary are not mined. A keyword inside one of its excluded phrases
    (objection_keyword_exclusions: 贵 in 贵司) counts only where it occurs beyond them. A run
    matches the sales logs and WeCom messages loaded since the last build (a text loaded again
    replaces its rows; a communication no longer in any landing file loses them). Who and which
    customer the communication belongs to is joined later (int_communications_objections_tagged),
    so that always follows the current CRM. A keyword change (objection_keywords,
    objection_keyword_exclusions seeds) triggers a full rebuild. -#}
{{ config(
    materialized='incremental',
    unique_key='communication_id',
    incremental_strategy=lm_incremental_strategy(),
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

exclusions as (
    select * from {{ ref('objection_keyword_exclusions') }}
),

texts as (
    select
        log_id as communication_id,
        log_at as communicated_at,
        _ingested_at as ingested_at,
        {{ sales_log_customer_text() }} as communication_text
    from sales_logs
    union all
    select
        message_id as communication_id,
        sent_at as communicated_at,
        ingested_at,
        coalesce(content, '') as communication_text
    from messages
    where not is_sent_by_rep
),

keyword_hits as (
    select
        texts.communication_id,
        texts.communicated_at,
        texts.ingested_at,
        texts.communication_text,
        keywords.objection_category,
        keywords.keyword
    from texts
    inner join keywords
        on texts.communication_text like concat('%', concat(keywords.keyword, '%'))
),

-- a keyword counts where the text holds it more often than inside its excluded phrases
matches as (
    select
        keyword_hits.communication_id,
        keyword_hits.communicated_at,
        keyword_hits.ingested_at,
        keyword_hits.objection_category,
        keyword_hits.keyword
    from keyword_hits
    left join exclusions
        on keyword_hits.keyword = exclusions.keyword
    group by
        keyword_hits.communication_id,
        keyword_hits.communicated_at,
        keyword_hits.ingested_at,
        keyword_hits.objection_category,
        keyword_hits.keyword,
        keyword_hits.communication_text
    having
        max({{ occurrences('keyword_hits.communication_text', 'keyword_hits.keyword') }})
        > coalesce(
            sum(
                {{ occurrences('keyword_hits.communication_text', 'exclusions.excluded_phrase') }}
                * {{ occurrences('exclusions.excluded_phrase', 'keyword_hits.keyword') }}
            ),
            0
        )
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
