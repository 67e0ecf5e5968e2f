with

tagged as (
    select * from {{ ref('int_communications_objections_tagged') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

final as (
    select
        tagged.communication_id,
        tagged.channel,
        tagged.rep_id,
        tagged.customer_id,
        customers.region_id,
        tagged.opportunity_id,
        tagged.communicated_at,
        tagged.objection_category,
        tagged.matched_keyword_count,
        tagged.matched_keywords,
        cast(tagged.communicated_at as date) as communicated_date,
        concat(concat(tagged.communication_id, '|'), tagged.objection_category)
            as communication_objection_id
    from tagged
    left join customers
        on tagged.customer_id = customers.customer_id
)

select * from final
