with

stage_changes as (
    select * from {{ ref('stg_crm__opportunity_stage_changes') }}
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

sequenced as (
    select
        history_id,
        opportunity_id,
        stage_code,
        entered_at,
        changed_by_rep_id,
        lead(entered_at) over (
            partition by opportunity_id order by entered_at, history_id
        ) as left_at,
        row_number() over (
            partition by opportunity_id order by entered_at desc, history_id desc
        ) as recency_rank
    from stage_changes
),

bounded as (
    select
        sequenced.*,
        cast(sequenced.entered_at as date) as entered_date,
        -- the stage still held on the evaluation day counts to that day (local dates)
        coalesce(cast(sequenced.left_at as date), evaluation.evaluation_date) as until_date
    from sequenced
    cross join evaluation
),

final as (
    select
        sequenced.history_id,
        sequenced.opportunity_id,
        sequenced.stage_code,
        stages.stage_name,
        stages.stage_order,
        stages.is_open,
        stages.max_days_in_stage,
        sequenced.entered_at,
        sequenced.left_at,
        sequenced.changed_by_rep_id,
        sequenced.recency_rank = 1 as is_current_stage,
        {{ lm_datediff('sequenced.entered_date', 'sequenced.until_date', 'day') }}
            as days_in_stage,
        coalesce(
            stages.is_open
            and stages.max_days_in_stage is not null
            and {{ lm_datediff('sequenced.entered_date', 'sequenced.until_date', 'day') }}
            > stages.max_days_in_stage,
            false
        ) as is_stuck
    from bounded as sequenced
    left join stages
        on sequenced.stage_code = stages.stage_code
)

select * from final
