{#- Drill step 3 (负责人最近沟通): for each drill opportunity, the owner's last
    drill_last_communications communications with the customer (sales logs and WeCom text),
    the text with phone numbers and WeCom ids masked. -#}
with

top_opportunities as (
    select * from {{ ref('fct_drill_top_opportunities') }}
),

communications as (
    select * from {{ ref('int_communications_unioned') }}
),

tagged as (
    select * from {{ ref('int_communications_objections_tagged') }}
),

ranked as (
    select
        top_opportunities.region_id,
        top_opportunities.region_name,
        top_opportunities.opportunity_rank,
        top_opportunities.opportunity_id,
        top_opportunities.customer_id,
        top_opportunities.customer_name,
        top_opportunities.owner_rep_id,
        top_opportunities.owner_rep_name,
        communications.communication_id,
        communications.channel,
        communications.template_code,
        communications.communicated_at,
        communications.is_rep_initiated,
        communications.communication_text,
        row_number() over (
            partition by top_opportunities.opportunity_id
            order by communications.communicated_at desc, communications.communication_id desc
        ) as communication_rank
    from top_opportunities
    inner join communications
        on
            top_opportunities.customer_id = communications.customer_id
            and top_opportunities.owner_rep_id = communications.rep_id
    where communications.channel in ('sales_log', 'wecom_text')
),

objections as (
    select
        communication_id,
        {{ lm_listagg('objection_category', "'、'", 'order by objection_category') }}
            as objection_categories
    from tagged
    group by communication_id
),

final as (
    select
        ranked.region_id,
        ranked.region_name,
        ranked.opportunity_rank,
        ranked.opportunity_id,
        ranked.customer_id,
        ranked.customer_name,
        ranked.owner_rep_id,
        ranked.owner_rep_name,
        cast(ranked.communication_rank as bigint) as communication_rank,
        ranked.communication_id,
        ranked.channel,
        ranked.template_code,
        ranked.communicated_at,
        ranked.is_rep_initiated,
        objections.objection_categories,
        {{ code_label('channel', 'ranked.channel') }} as channel_name,
        trim({{ mask_identifiers_in_text('ranked.communication_text') }}) as communication_text,
        objections.communication_id is not null as has_objection,
        {{ code_label(
            'speaker',
            "case when ranked.channel = 'sales_log' then 'log' "
            ~ "when ranked.is_rep_initiated then 'rep' else 'customer' end"
        ) }} as speaker_name,
        coalesce(objections.objection_categories, '无') as objection_categories_text
    from ranked
    left join objections
        on ranked.communication_id = objections.communication_id
    where ranked.communication_rank <= {{ rule_parameter('drill_last_communications') }}
)

select * from final
