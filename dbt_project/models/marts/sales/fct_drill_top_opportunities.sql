{#- Drill step 2 (区域前N大在途商机): each region's top drill_top_opportunities open opportunities by
    amount, with the stage on the evaluation day, days in it and the stuck flag
    (fct_opportunity_stage_history; the CRM's stage when the history has none). An opportunity
    created after the evaluation day is not there yet; one closed after it is still open. -#}
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

stage_history as (
    select * from {{ ref('fct_opportunity_stage_history') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

regions as (
    select * from {{ ref('stg_crm__regions') }}
),

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

current_stage as (
    select
        opportunity_id,
        stage_code,
        entered_at,
        days_in_stage,
        max_days_in_stage,
        is_stuck
    from stage_history
    where is_current_stage
),

opportunity_stages as (
    select
        opportunities.*,
        coalesce(current_stage.stage_code, opportunities.stage_code) as stage_on_evaluation_date
    from opportunities
    left join current_stage
        on opportunities.opportunity_id = current_stage.opportunity_id
    where {{ is_known_on_evaluation_date('opportunities.created_at') }}
),

open_opportunities as (
    select
        opportunities.opportunity_id,
        opportunities.opportunity_name,
        opportunities.customer_id,
        opportunities.owner_rep_id,
        opportunities.stage_on_evaluation_date as stage_code,
        opportunities.amount_cny,
        opportunities.product_model,
        opportunities.created_at,
        stages.stage_name,
        stages.stage_order,
        customers.customer_name,
        customers.region_id,
        regions.region_name,
        row_number() over (
            partition by customers.region_id
            order by opportunities.amount_cny desc, opportunities.opportunity_id asc
        ) as opportunity_rank
    from opportunity_stages as opportunities
    inner join stages
        on opportunities.stage_on_evaluation_date = stages.stage_code
    inner join customers
        on opportunities.customer_id = customers.customer_id
    left join regions
        on customers.region_id = regions.region_id
    where stages.is_open and opportunities.amount_cny is not null
),

final as (
    select
        open_opportunities.region_id,
        open_opportunities.region_name,
        cast(open_opportunities.opportunity_rank as bigint) as opportunity_rank,
        open_opportunities.opportunity_id,
        open_opportunities.opportunity_name,
        open_opportunities.customer_id,
        open_opportunities.customer_name,
        open_opportunities.owner_rep_id,
        reps.rep_name as owner_rep_name,
        cast(open_opportunities.amount_cny as decimal(38, 2)) as amount_cny,
        open_opportunities.product_model,
        open_opportunities.created_at,
        open_opportunities.stage_code,
        open_opportunities.stage_name,
        cast(open_opportunities.stage_order as bigint) as stage_order,
        current_stage.entered_at as stage_entered_at,
        current_stage.days_in_stage,
        current_stage.max_days_in_stage,
        coalesce(current_stage.is_stuck, false) as is_stuck,
        {{ code_label('yes_no', 'coalesce(current_stage.is_stuck, false)') }} as is_stuck_name
    from open_opportunities
    left join current_stage
        on open_opportunities.opportunity_id = current_stage.opportunity_id
    left join reps
        on open_opportunities.owner_rep_id = reps.rep_id
    where open_opportunities.opportunity_rank <= {{ rule_parameter('drill_top_opportunities') }}
)

select * from final
