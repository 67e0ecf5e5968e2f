{#- The three validation metrics (三项验证指标) per scope (company, region, squad, rep) and month,
    against their targets: every scope and month, the metrics themselves from one intermediate
    model each (int_validation_response_agility, int_validation_process_compliance,
    int_validation_knowledge_reuse; a scope and month without leads or opportunities gets zero
    counts and no rate). See _fct_sales_validation_metrics.yml for every rule. -#}
with

months as (
    select * from {{ ref('int_months') }}
),

rep_scopes as (
    select * from {{ ref('int_rep_scopes') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

response_agility as (
    select * from {{ ref('int_validation_response_agility') }}
),

process_compliance as (
    select * from {{ ref('int_validation_process_compliance') }}
),

knowledge_reuse as (
    select * from {{ ref('int_validation_knowledge_reuse') }}
),

settings as (
    select
        {{ rule_parameter('lead_response_target_minutes') }} as response_target_minutes,
        {{ rule_parameter('process_compliance_target') }} as compliance_target,
        {{ rule_parameter('knowledge_reuse_target') }} as reuse_target
),

scope_months as (
    select distinct
        months.month_start,
        months.next_month_start,
        {{ partial_period_columns('months.month_start', 'month') }},
        rep_scopes.scope_type,
        rep_scopes.scope_id
    from months
    cross join rep_scopes
    cross join evaluation
),

joined as (
    select
        scope_months.month_start,
        scope_months.period_end_date,
        scope_months.days_covered,
        scope_months.is_partial_period,
        scope_months.scope_type,
        scope_months.scope_id,
        response_agility.median_response_minutes,
        response_agility.p95_response_minutes,
        response_agility.share_within_target,
        response_agility.lead_conversion_rate,
        settings.response_target_minutes,
        process_compliance.field_completeness,
        process_compliance.trigger_rate,
        process_compliance.process_compliance_rate,
        process_compliance.sample_field_completeness,
        process_compliance.sample_trigger_rate,
        process_compliance.sample_process_compliance_rate,
        settings.compliance_target,
        knowledge_reuse.knowledge_reuse_rate,
        settings.reuse_target,
        coalesce(response_agility.lead_count, 0) as lead_count,
        coalesce(cast(response_agility.untouched_lead_count as bigint), 0) as untouched_lead_count,
        coalesce(response_agility.is_median_infinite, false) as is_median_infinite,
        coalesce(process_compliance.active_opportunity_count, 0) as active_opportunity_count,
        coalesce(cast(process_compliance.required_field_count as bigint), 0)
            as required_field_count,
        coalesce(cast(process_compliance.filled_field_count as bigint), 0) as filled_field_count,
        coalesce(cast(process_compliance.key_nodes_reached as bigint), 0) as key_nodes_reached,
        coalesce(cast(process_compliance.key_nodes_evidenced as bigint), 0) as key_nodes_evidenced,
        coalesce(cast(process_compliance.sample_opportunity_count as bigint), 0)
            as sample_opportunity_count,
        coalesce(knowledge_reuse.case_library_use_count, 0) as case_library_use_count
    from scope_months
    cross join settings
    left join response_agility using (month_start, scope_type, scope_id)
    left join process_compliance using (month_start, scope_type, scope_id)
    left join knowledge_reuse using (month_start, scope_type, scope_id)
),

-- whether each metric meets its target: no leads, no verdict; an untouched median misses
targeted as (
    select
        *,
        case
            when lead_count = 0 then null
            when is_median_infinite then false
            else median_response_minutes <= response_target_minutes
        end as meets_response_target,
        process_compliance_rate >= compliance_target as meets_compliance_target,
        knowledge_reuse_rate >= reuse_target as meets_reuse_target
    from joined
),

final as (
    select
        month_start,
        period_end_date,
        days_covered,
        is_partial_period,
        scope_type,
        scope_id,
        lead_count,
        untouched_lead_count,
        median_response_minutes,
        is_median_infinite,
        p95_response_minutes,
        share_within_target,
        lead_conversion_rate,
        response_target_minutes,
        active_opportunity_count,
        required_field_count,
        filled_field_count,
        field_completeness,
        key_nodes_reached,
        key_nodes_evidenced,
        trigger_rate,
        sample_opportunity_count,
        sample_field_completeness,
        sample_trigger_rate,
        compliance_target,
        case_library_use_count,
        knowledge_reuse_rate,
        reuse_target,
        meets_response_target,
        process_compliance_rate,
        sample_process_compliance_rate,
        meets_compliance_target,
        meets_reuse_target,
        {{ month_label('month_start') }} as month_label,
        case scope_type
            when 'company' then '全公司'
            when 'region' then {{ region_name('scope_id') }}
            when 'squad' then {{ squad_name('scope_id') }}
            when 'rep' then {{ rep_name('scope_id') }}
        end as scope_name,
        {{ minutes_text(
            'median_response_minutes', 'is_median_infinite', '∞（有线索未触达）', '本月无线索'
        ) }} as median_response_text,
        {{ target_status_label('meets_response_target') }} as meets_response_target_name,
        {{ target_status_label('meets_compliance_target') }} as meets_compliance_target_name,
        {{ target_status_label('meets_reuse_target') }} as meets_reuse_target_name,
        {{ percent_text('process_compliance_rate') }} as process_compliance_text,
        {{ percent_text('knowledge_reuse_rate') }} as knowledge_reuse_text
    from targeted
)

select * from final
