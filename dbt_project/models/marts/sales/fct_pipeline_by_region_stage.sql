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

stages as (
    select * from {{ ref('opportunity_stages') }}
),

stage_history as (
    select * from {{ ref('int_opportunity_stages_sequenced') }}
),

-- the stage on the evaluation day (the CRM's stage when the history has none): an opportunity
-- created after it is not there yet, one closed after it is still open
opportunity_stages as (
    select
        opportunities.opportunity_id,
        opportunities.customer_id,
        opportunities.amount_cny,
        coalesce(stage_history.stage_code, opportunities.stage_code) as stage_code
    from opportunities
    left join stage_history
        on
            opportunities.opportunity_id = stage_history.opportunity_id
            and stage_history.is_current_stage
    where {{ is_known_on_evaluation_date('opportunities.created_at') }}
),

open_opportunities as (
    select
        opportunities.opportunity_id,
        opportunities.amount_cny,
        opportunities.stage_code,
        customers.region_id
    from opportunity_stages as opportunities
    inner join stages
        on opportunities.stage_code = stages.stage_code
    inner join customers
        on opportunities.customer_id = customers.customer_id
    where stages.is_open
),

aggregated as (
    select
        region_id,
        stage_code,
        count(*) as opportunity_count,
        sum(amount_cny) as pipeline_amount_cny
    from open_opportunities
    group by region_id, stage_code
),

final as (
    select
        aggregated.region_id,
        regions.region_name,
        aggregated.stage_code,
        stages.stage_name,
        cast(stages.stage_order as bigint) as stage_order,
        aggregated.opportunity_count,
        cast(aggregated.pipeline_amount_cny as decimal(38, 2)) as pipeline_amount_cny
    from aggregated
    inner join regions
        on aggregated.region_id = regions.region_id
    inner join stages
        on aggregated.stage_code = stages.stage_code
)

select * from final
