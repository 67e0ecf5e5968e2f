{#- Every communication × objection category it mentions (substring match of the configured
    keywords, objection_keywords seed). -#}
with

communications as (
    select * from {{ ref('int_communications_unioned') }}
),

keywords as (
    select * from {{ ref('objection_keywords') }}
),

matches as (
    select
        communications.communication_id,
        communications.channel,
        communications.rep_id,
        communications.customer_id,
        communications.opportunity_id,
        communications.communicated_at,
        keywords.objection_category,
        keywords.keyword
    from communications
    inner join keywords
        on communications.communication_text like concat('%', concat(keywords.keyword, '%'))
),

final as (
    select
        communication_id,
        channel,
        rep_id,
        customer_id,
        opportunity_id,
        communicated_at,
        objection_category,
        count(*) as matched_keyword_count,
        {{ lm_listagg('keyword', "'、'", 'order by keyword') }} as matched_keywords
    from matches
    group by
        communication_id,
        channel,
        rep_id,
        customer_id,
        opportunity_id,
        communicated_at,
        objection_category
)

select * from final
