{#- Every communication × objection category it mentions (the keyword matches of
    int_communication_objection_matches), with who, which customer and when from
    int_communications_unioned. -#}
with

communications as (
    select * from {{ ref('int_communications_unioned') }}
),

matches as (
    select * from {{ ref('int_communication_objection_matches') }}
),

final as (
    select
        communications.communication_id,
        communications.channel,
        communications.rep_id,
        communications.customer_id,
        communications.opportunity_id,
        communications.communicated_at,
        matches.objection_category,
        matches.matched_keyword_count,
        matches.matched_keywords
    from matches
    inner join communications
        on matches.communication_id = communications.communication_id
)

select * from final
