{#- Lost-deal attribution (丢单归因): per close month × region × objection category, the lost
    opportunities and how many of them had a communication mentioning the category in the
    lost_deal_lookback_days before closing. -#}
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

regions as (
    select * from {{ ref('stg_crm__regions') }}
),

tagged as (
    select * from {{ ref('int_communications_objections_tagged') }}
),

keywords as (
    select * from {{ ref('objection_keywords') }}
),

cases as (
    select * from {{ ref('stg_crm__success_cases') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

lost as (
    select
        opportunities.opportunity_id,
        opportunities.customer_id,
        opportunities.closed_at,
        cast({{ lm_date_trunc('month', 'opportunities.closed_at') }} as date) as month_start,
        customers.region_id,
        regions.region_name
    from opportunities
    left join customers
        on opportunities.customer_id = customers.customer_id
    left join regions
        on customers.region_id = regions.region_id
    where opportunities.stage_code = 'lost' and opportunities.closed_at is not null
),

categories as (
    select distinct objection_category from keywords
),

mentions as (
    -- a communication belongs to a lost deal when it is with the deal's customer, in the
    -- window, and not a sales log filed against another opportunity
    select distinct
        lost.opportunity_id,
        tagged.objection_category
    from lost
    inner join tagged
        on
            lost.customer_id = tagged.customer_id
            and lost.closed_at >= tagged.communicated_at
            and {{ lm_datediff('tagged.communicated_at', 'lost.closed_at', 'day') }}
            <= {{ rule_parameter('lost_deal_lookback_days') }}
            and (tagged.opportunity_id is null or lost.opportunity_id = tagged.opportunity_id)
),

lost_by_cell as (
    select
        month_start,
        region_id,
        region_name,
        count(*) as lost_opportunity_count
    from lost
    group by month_start, region_id, region_name
),

mentioning_by_cell as (
    select
        lost.month_start,
        lost.region_id,
        mentions.objection_category,
        count(*) as mentioning_opportunity_count
    from mentions
    inner join lost
        on mentions.opportunity_id = lost.opportunity_id
    group by lost.month_start, lost.region_id, mentions.objection_category
),

latest_case as (
    select
        objection_category,
        case_id,
        talk_track,
        row_number() over (
            partition by objection_category order by published_date desc, case_id desc
        ) as case_rank
    from cases
    where objection_category is not null
),

final as (
    select
        lost_by_cell.month_start,
        {{ partial_period_columns('lost_by_cell.month_start', 'month') }},
        lost_by_cell.region_id,
        lost_by_cell.region_name,
        categories.objection_category,
        lost_by_cell.lost_opportunity_count,
        latest_case.case_id as suggested_case_id,
        latest_case.talk_track as suggested_talk_track,
        coalesce(mentioning_by_cell.mentioning_opportunity_count, 0)
            as mentioning_opportunity_count,
        {{ lm_ratio(
            'coalesce(mentioning_by_cell.mentioning_opportunity_count, 0)',
            'lost_by_cell.lost_opportunity_count'
        ) }} as mention_share
    from lost_by_cell
    cross join categories
    cross join evaluation
    left join mentioning_by_cell
        on
            lost_by_cell.month_start = mentioning_by_cell.month_start
            and lost_by_cell.region_id = mentioning_by_cell.region_id
            and categories.objection_category = mentioning_by_cell.objection_category
    left join latest_case
        on
            categories.objection_category = latest_case.objection_category
            and latest_case.case_rank = 1
)

select * from final
