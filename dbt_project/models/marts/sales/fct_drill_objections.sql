{#- Drill step 4 (异议与建议话术): the objections mentioned in the drill communications, each with
    one suggested talk track from the success-case library: a case of the category from the
    customer's industry first, then one on the opportunity's product model, then the latest. -#}
with

drill_communications as (
    select * from {{ ref('fct_drill_communications') }}
),

top_opportunities as (
    select * from {{ ref('fct_drill_top_opportunities') }}
),

tagged as (
    select * from {{ ref('int_communications_objections_tagged') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

cases as (
    select * from {{ ref('stg_crm__success_cases') }}
),

mentioned as (
    select
        drill_communications.region_id,
        drill_communications.region_name,
        drill_communications.opportunity_rank,
        drill_communications.opportunity_id,
        drill_communications.customer_id,
        drill_communications.owner_rep_id,
        drill_communications.communication_rank,
        drill_communications.communication_id,
        drill_communications.channel,
        drill_communications.communicated_at,
        tagged.objection_category,
        tagged.matched_keywords,
        customers.industry,
        top_opportunities.product_model
    from drill_communications
    inner join tagged
        on drill_communications.communication_id = tagged.communication_id
    inner join top_opportunities
        on drill_communications.opportunity_id = top_opportunities.opportunity_id
    left join customers
        on drill_communications.customer_id = customers.customer_id
),

case_choices as (
    select
        mentioned.opportunity_id,
        mentioned.communication_id,
        mentioned.objection_category,
        cases.case_id,
        cases.title,
        cases.talk_track,
        coalesce(cases.industry = mentioned.industry, false) as is_same_industry_case,
        row_number() over (
            partition by
                mentioned.opportunity_id,
                mentioned.communication_id,
                mentioned.objection_category
            order by
                case when cases.industry = mentioned.industry then 0 else 1 end,
                case when cases.product_model = mentioned.product_model then 0 else 1 end,
                cases.published_date desc,
                cases.case_id desc
        ) as case_rank
    from mentioned
    inner join cases
        on mentioned.objection_category = cases.objection_category
),

final as (
    select
        mentioned.region_id,
        mentioned.region_name,
        mentioned.opportunity_rank,
        mentioned.opportunity_id,
        mentioned.customer_id,
        mentioned.owner_rep_id,
        mentioned.communication_rank,
        mentioned.communication_id,
        mentioned.channel,
        mentioned.communicated_at,
        mentioned.objection_category,
        mentioned.matched_keywords,
        case_choices.case_id as suggested_case_id,
        case_choices.title as suggested_case_title,
        case_choices.talk_track as suggested_talk_track,
        case_choices.is_same_industry_case
    from mentioned
    left join case_choices
        on
            mentioned.opportunity_id = case_choices.opportunity_id
            and mentioned.communication_id = case_choices.communication_id
            and mentioned.objection_category = case_choices.objection_category
            and case_choices.case_rank = 1
)

select * from final
