{#- Process compliance (过程合规率), one of the three validation metrics: per scope (company, region,
    squad, rep) and month, the opportunities active in the month, their required sales-log fields
    filled (completeness) times their key nodes reached with evidence (trigger rate), over all of
    them and over the seeded audit sample. One row per scope and month with an active
    opportunity; fct_sales_validation_metrics fills the months without. -#}
with

months as (
    select * from {{ ref('int_months') }}
),

rep_scopes as (
    select * from {{ ref('int_rep_scopes') }}
),

-- an opportunity created after the evaluation day is not there yet (closed after it: still open)
opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
    where {{ is_known_on_evaluation_date('created_at') }}
),

log_fields as (
    select * from {{ ref('int_sales_log_fields_checked') }}
),

key_nodes as (
    select * from {{ ref('int_key_nodes_evidenced') }}
),

settings as (
    select
        {{ rule_parameter('compliance_sample_size') }} as sample_size,
        cast(
            cast({{ rule_parameter('compliance_sample_seed') }} as bigint) as {{ lm_type_string() }}
        )
            as sample_seed
),

-- opportunities active in the month: created before its end, not closed before its start
active_opportunities as (
    select
        months.month_start,
        months.next_month_start,
        rep_scopes.scope_type,
        rep_scopes.scope_id,
        opportunities.opportunity_id
    from opportunities
    inner join months
        on
            opportunities.created_at < months.next_month_start
            and (opportunities.closed_at is null or opportunities.closed_at >= months.month_start)
    inner join rep_scopes
        on opportunities.owner_rep_id = rep_scopes.rep_id
),

-- each opportunity once per month it was active (it may count in several scopes)
active_opportunity_months as (
    select distinct
        month_start,
        next_month_start,
        opportunity_id
    from active_opportunities
),

-- the checks an opportunity meets or misses: each required field of its sales logs (filled or
-- not) and each key node it reached (with evidence or not), dated
checks as (
    select
        opportunity_id,
        log_at as checked_at,
        'field' as check_kind,
        is_filled as is_met
    from log_fields
    union all
    select
        opportunity_id,
        reached_at as checked_at,
        'key_node' as check_kind,
        has_evidence as is_met
    from key_nodes
),

opportunity_month_checks as (
    select
        active_opportunities.month_start,
        active_opportunities.opportunity_id,
        sum(case when checks.check_kind = 'field' then 1 else 0 end) as required_field_count,
        sum(case when checks.check_kind = 'field' and checks.is_met then 1 else 0 end)
            as filled_field_count,
        sum(case when checks.check_kind = 'key_node' then 1 else 0 end) as key_nodes_reached,
        sum(case when checks.check_kind = 'key_node' and checks.is_met then 1 else 0 end)
            as key_nodes_evidenced
    from active_opportunity_months as active_opportunities
    inner join checks
        on
            active_opportunities.opportunity_id = checks.opportunity_id
            and active_opportunities.month_start <= checks.checked_at
            and active_opportunities.next_month_start > checks.checked_at
    group by active_opportunities.month_start, active_opportunities.opportunity_id
),

opportunity_month_scored as (
    select
        active_opportunities.month_start,
        active_opportunities.scope_type,
        active_opportunities.scope_id,
        active_opportunities.opportunity_id,
        coalesce(opportunity_month_checks.required_field_count, 0) as required_field_count,
        coalesce(opportunity_month_checks.filled_field_count, 0) as filled_field_count,
        coalesce(opportunity_month_checks.key_nodes_reached, 0) as key_nodes_reached,
        coalesce(opportunity_month_checks.key_nodes_evidenced, 0) as key_nodes_evidenced,
        row_number() over (
            partition by
                active_opportunities.month_start,
                active_opportunities.scope_type,
                active_opportunities.scope_id
            order by
                {{ sales_seeded_hash(
                    'settings.sample_seed', 'active_opportunities.opportunity_id'
                ) }},
                active_opportunities.opportunity_id
        ) as sample_rank,
        settings.sample_size
    from active_opportunities
    cross join settings
    left join opportunity_month_checks using (month_start, opportunity_id)
),

aggregated as (
    select
        month_start,
        scope_type,
        scope_id,
        count(*) as active_opportunity_count,
        sum(required_field_count) as required_field_count,
        sum(filled_field_count) as filled_field_count,
        sum(key_nodes_reached) as key_nodes_reached,
        sum(key_nodes_evidenced) as key_nodes_evidenced,
        sum(case when sample_rank <= sample_size then 1 else 0 end) as sample_opportunity_count,
        sum(case when sample_rank <= sample_size then required_field_count else 0 end)
            as sample_required_field_count,
        sum(case when sample_rank <= sample_size then filled_field_count else 0 end)
            as sample_filled_field_count,
        sum(case when sample_rank <= sample_size then key_nodes_reached else 0 end)
            as sample_key_nodes_reached,
        sum(case when sample_rank <= sample_size then key_nodes_evidenced else 0 end)
            as sample_key_nodes_evidenced
    from opportunity_month_scored
    group by month_start, scope_type, scope_id
),

rated as (
    select
        *,
        {{ ratio_of_counts('filled_field_count', 'required_field_count') }} as field_completeness,
        {{ ratio_of_counts('key_nodes_evidenced', 'key_nodes_reached') }} as trigger_rate,
        {{ ratio_of_counts('sample_filled_field_count', 'sample_required_field_count') }}
            as sample_field_completeness,
        {{ ratio_of_counts('sample_key_nodes_evidenced', 'sample_key_nodes_reached') }}
            as sample_trigger_rate
    from aggregated
),

final as (
    select
        month_start,
        scope_type,
        scope_id,
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
        field_completeness * trigger_rate as process_compliance_rate,
        sample_field_completeness * sample_trigger_rate as sample_process_compliance_rate
    from rated
)

select * from final
