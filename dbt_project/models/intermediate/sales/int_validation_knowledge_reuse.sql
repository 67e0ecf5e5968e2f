{#- Knowledge reuse (知识复用率), one of the three validation metrics: per scope (company, region,
    squad, rep) and month, case-library uses by the scope's reps per opportunity active in the
    month (the active opportunities of int_validation_process_compliance). One row per scope and
    month with a use or an active opportunity; fct_sales_validation_metrics fills the others. -#}
with

months as (
    select * from {{ ref('int_months') }}
),

rep_scopes as (
    select * from {{ ref('int_rep_scopes') }}
),

case_uses as (
    select * from {{ ref('stg_crm__case_library_uses') }}
),

compliance as (
    select * from {{ ref('int_validation_process_compliance') }}
),

use_counts as (
    select
        months.month_start,
        rep_scopes.scope_type,
        rep_scopes.scope_id,
        count(*) as case_library_use_count
    from case_uses
    inner join months
        on
            case_uses.used_at >= months.month_start
            and case_uses.used_at < months.next_month_start
    inner join rep_scopes
        on case_uses.rep_id = rep_scopes.rep_id
    group by months.month_start, rep_scopes.scope_type, rep_scopes.scope_id
),

scope_months as (
    select
        month_start,
        scope_type,
        scope_id
    from use_counts
    union
    select
        month_start,
        scope_type,
        scope_id
    from compliance
),

counted as (
    select
        scope_months.month_start,
        scope_months.scope_type,
        scope_months.scope_id,
        coalesce(use_counts.case_library_use_count, 0) as case_library_use_count,
        coalesce(compliance.active_opportunity_count, 0) as active_opportunity_count
    from scope_months
    left join use_counts using (month_start, scope_type, scope_id)
    left join compliance using (month_start, scope_type, scope_id)
),

final as (
    select
        month_start,
        scope_type,
        scope_id,
        case_library_use_count,
        active_opportunity_count,
        {{ ratio_of_counts('case_library_use_count', 'active_opportunity_count') }}
            as knowledge_reuse_rate
    from counted
)

select * from final
