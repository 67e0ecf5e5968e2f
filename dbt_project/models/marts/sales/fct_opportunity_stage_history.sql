with

stage_history as (
    select * from {{ ref('int_opportunity_stages_sequenced') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

final as (
    select
        stage_history.history_id,
        stage_history.opportunity_id,
        opportunities.customer_id,
        opportunities.owner_rep_id,
        stage_history.stage_code,
        stage_history.stage_name,
        cast(stage_history.stage_order as bigint) as stage_order,
        stage_history.entered_at,
        stage_history.left_at,
        stage_history.is_current_stage,
        cast(stage_history.days_in_stage as bigint) as days_in_stage,
        cast(stage_history.max_days_in_stage as bigint) as max_days_in_stage,
        stage_history.is_stuck
    from stage_history
    inner join opportunities
        on stage_history.opportunity_id = opportunities.opportunity_id
)

select * from final
