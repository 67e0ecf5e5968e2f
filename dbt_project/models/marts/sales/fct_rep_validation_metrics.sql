{#- Each person's own three validation metrics against the targets, per month (个人三项验证指标):
    the `rep` scope of fct_sales_validation_metrics with the rep's name and squad, for the reps'
    and the squad leads' boards (row scope on rep_id). -#}
with

metrics as (
    select * from {{ ref('fct_sales_validation_metrics') }}
),

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

squads as (
    select * from {{ ref('stg_crm__squads') }}
),

final as (
    select
        metrics.month_start,
        metrics.month_label,
        metrics.scope_id as rep_id,
        reps.rep_name,
        reps.squad_id,
        squads.squad_name,
        metrics.lead_count,
        metrics.untouched_lead_count,
        metrics.median_response_minutes,
        metrics.is_median_infinite,
        metrics.median_response_text,
        metrics.response_target_minutes,
        metrics.meets_response_target,
        metrics.meets_response_target_name,
        metrics.share_within_target,
        metrics.active_opportunity_count,
        metrics.process_compliance_rate,
        metrics.compliance_target,
        metrics.meets_compliance_target,
        metrics.meets_compliance_target_name,
        metrics.case_library_use_count,
        metrics.knowledge_reuse_rate,
        metrics.reuse_target,
        metrics.meets_reuse_target,
        metrics.meets_reuse_target_name,
        metrics.process_compliance_text,
        metrics.knowledge_reuse_text
    from metrics
    inner join reps
        on metrics.scope_id = reps.rep_id
    left join squads
        on reps.squad_id = squads.squad_id
    where metrics.scope_type = 'rep'
)

select * from final
