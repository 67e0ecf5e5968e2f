{#- The three validation metrics (三项验证指标) per scope (company, region, squad) and month.
    See _sales__models.yml for every rule. -#}
with

months as (
    select * from {{ ref('int_months') }}
),

rep_scopes as (
    select * from {{ ref('int_rep_scopes') }}
),

leads as (
    select * from {{ ref('int_leads_responded') }}
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

case_uses as (
    select * from {{ ref('stg_crm__case_library_uses') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

settings as (
    select
        {{ rule_parameter('lead_response_target_minutes') }} as response_target_minutes,
        {{ rule_parameter('process_compliance_target') }} as compliance_target,
        {{ rule_parameter('knowledge_reuse_target') }} as reuse_target,
        {{ rule_parameter('compliance_sample_size') }} as sample_size,
        cast(
            cast({{ rule_parameter('compliance_sample_seed') }} as bigint) as {{ lm_type_string() }}
        )
            as sample_seed
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

-- leads: ordered by response minutes, untouched (+∞) last
scoped_leads as (
    select
        months.month_start,
        rep_scopes.scope_type,
        rep_scopes.scope_id,
        leads.lead_id,
        leads.response_minutes,
        leads.lead_status,
        row_number() over (
            partition by months.month_start, rep_scopes.scope_type, rep_scopes.scope_id
            order by
                case when leads.response_minutes is null then 1 else 0 end,
                leads.response_minutes,
                leads.lead_id
        ) as response_rank,
        count(*) over (
            partition by months.month_start, rep_scopes.scope_type, rep_scopes.scope_id
        ) as lead_count
    from leads
    inner join months
        on
            leads.created_at >= months.month_start
            and leads.created_at < months.next_month_start
    inner join rep_scopes
        on leads.follow_up_rep_id = rep_scopes.rep_id
),

converted_leads as (
    select distinct lead_id from opportunities
    where lead_id is not null
),

lead_metrics as (
    select
        scoped_leads.month_start,
        scoped_leads.scope_type,
        scoped_leads.scope_id,
        max(scoped_leads.lead_count) as lead_count,
        sum(case when scoped_leads.response_minutes is null then 1 else 0 end)
            as untouched_lead_count,
        -- median: mean of the middle one or two ranks; +∞ (null) when a middle lead is untouched
        case
            when
                sum(
                    case
                        when
                            scoped_leads.response_rank
                            in (
                                floor((scoped_leads.lead_count + 1) / 2.0),
                                ceiling((scoped_leads.lead_count + 1) / 2.0)
                            )
                            and scoped_leads.response_minutes is null
                            then 1
                        else 0
                    end
                ) = 0
                then avg(
                    case
                        when
                            scoped_leads.response_rank
                            in (
                                floor((scoped_leads.lead_count + 1) / 2.0),
                                ceiling((scoped_leads.lead_count + 1) / 2.0)
                            )
                            then scoped_leads.response_minutes
                    end
                )
        end as median_response_minutes,
        sum(
            case
                when
                    scoped_leads.response_rank
                    in (
                        floor((scoped_leads.lead_count + 1) / 2.0),
                        ceiling((scoped_leads.lead_count + 1) / 2.0)
                    )
                    and scoped_leads.response_minutes is null
                    then 1
                else 0
            end
        ) > 0 as is_median_infinite,
        -- P95 by the nearest-rank method; +∞ (null) when that lead is untouched
        max(
            case
                when scoped_leads.response_rank = ceiling(0.95 * scoped_leads.lead_count)
                    then scoped_leads.response_minutes
            end
        ) as p95_response_minutes,
        {{ lm_ratio(
            'sum(case when scoped_leads.response_minutes <= settings.response_target_minutes'
            ~ ' then 1 else 0 end)',
            'count(*)'
        ) }} as share_within_target,
        {{ lm_ratio(
            'sum(case when converted_leads.lead_id is not null then 1 else 0 end)', 'count(*)'
        ) }} as lead_conversion_rate
    from scoped_leads
    cross join settings
    left join converted_leads
        on scoped_leads.lead_id = converted_leads.lead_id
    group by scoped_leads.month_start, scoped_leads.scope_type, scoped_leads.scope_id
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

opportunity_month_fields as (
    select
        active_opportunities.month_start,
        active_opportunities.opportunity_id,
        count(log_fields.field_name) as required_field_count,
        sum(case when log_fields.is_filled then 1 else 0 end) as filled_field_count
    from active_opportunity_months as active_opportunities
    inner join log_fields
        on
            active_opportunities.opportunity_id = log_fields.opportunity_id
            and active_opportunities.month_start <= log_fields.log_at
            and active_opportunities.next_month_start > log_fields.log_at
    group by active_opportunities.month_start, active_opportunities.opportunity_id
),

opportunity_month_nodes as (
    select
        active_opportunities.month_start,
        active_opportunities.opportunity_id,
        count(*) as key_nodes_reached,
        sum(case when key_nodes.has_evidence then 1 else 0 end) as key_nodes_evidenced
    from active_opportunity_months as active_opportunities
    inner join key_nodes
        on
            active_opportunities.opportunity_id = key_nodes.opportunity_id
            and active_opportunities.month_start <= key_nodes.reached_at
            and active_opportunities.next_month_start > key_nodes.reached_at
    group by active_opportunities.month_start, active_opportunities.opportunity_id
),

opportunity_month_scored as (
    select
        active_opportunities.month_start,
        active_opportunities.scope_type,
        active_opportunities.scope_id,
        active_opportunities.opportunity_id,
        coalesce(opportunity_month_fields.required_field_count, 0) as required_field_count,
        coalesce(opportunity_month_fields.filled_field_count, 0) as filled_field_count,
        coalesce(opportunity_month_nodes.key_nodes_reached, 0) as key_nodes_reached,
        coalesce(opportunity_month_nodes.key_nodes_evidenced, 0) as key_nodes_evidenced,
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
    left join opportunity_month_fields
        on
            active_opportunities.month_start = opportunity_month_fields.month_start
            and active_opportunities.opportunity_id = opportunity_month_fields.opportunity_id
    left join opportunity_month_nodes
        on
            active_opportunities.month_start = opportunity_month_nodes.month_start
            and active_opportunities.opportunity_id = opportunity_month_nodes.opportunity_id
),

compliance_metrics as (
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

reuse_metrics as (
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

joined as (
    select
        scope_months.month_start,
        scope_months.period_end_date,
        scope_months.days_covered,
        scope_months.is_partial_period,
        scope_months.scope_type,
        scope_months.scope_id,
        lead_metrics.median_response_minutes,
        lead_metrics.p95_response_minutes,
        lead_metrics.share_within_target,
        lead_metrics.lead_conversion_rate,
        settings.response_target_minutes,
        compliance_metrics.sample_required_field_count,
        compliance_metrics.sample_filled_field_count,
        compliance_metrics.sample_key_nodes_reached,
        compliance_metrics.sample_key_nodes_evidenced,
        settings.compliance_target,
        settings.reuse_target,
        coalesce(lead_metrics.lead_count, 0) as lead_count,
        coalesce(lead_metrics.untouched_lead_count, 0) as untouched_lead_count,
        coalesce(lead_metrics.is_median_infinite, false) as is_median_infinite,
        coalesce(compliance_metrics.active_opportunity_count, 0) as active_opportunity_count,
        coalesce(compliance_metrics.required_field_count, 0) as required_field_count,
        coalesce(compliance_metrics.filled_field_count, 0) as filled_field_count,
        coalesce(compliance_metrics.key_nodes_reached, 0) as key_nodes_reached,
        coalesce(compliance_metrics.key_nodes_evidenced, 0) as key_nodes_evidenced,
        coalesce(compliance_metrics.sample_opportunity_count, 0) as sample_opportunity_count,
        coalesce(reuse_metrics.case_library_use_count, 0) as case_library_use_count
    from scope_months
    cross join settings
    left join lead_metrics
        on
            scope_months.month_start = lead_metrics.month_start
            and scope_months.scope_type = lead_metrics.scope_type
            and scope_months.scope_id = lead_metrics.scope_id
    left join compliance_metrics
        on
            scope_months.month_start = compliance_metrics.month_start
            and scope_months.scope_type = compliance_metrics.scope_type
            and scope_months.scope_id = compliance_metrics.scope_id
    left join reuse_metrics
        on
            scope_months.month_start = reuse_metrics.month_start
            and scope_months.scope_type = reuse_metrics.scope_type
            and scope_months.scope_id = reuse_metrics.scope_id
),

rated as (
    select
        *,
        case
            when required_field_count > 0
                then {{ lm_ratio('filled_field_count', 'required_field_count') }}
        end as field_completeness,
        case
            when key_nodes_reached > 0
                then {{ lm_ratio('key_nodes_evidenced', 'key_nodes_reached') }}
        end as trigger_rate,
        case
            when sample_required_field_count > 0
                then {{ lm_ratio('sample_filled_field_count', 'sample_required_field_count') }}
        end as sample_field_completeness,
        case
            when sample_key_nodes_reached > 0
                then {{ lm_ratio('sample_key_nodes_evidenced', 'sample_key_nodes_reached') }}
        end as sample_trigger_rate,
        case
            when active_opportunity_count > 0
                then {{ lm_ratio('case_library_use_count', 'active_opportunity_count') }}
        end as knowledge_reuse_rate
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
        case
            when lead_count = 0 then null
            when is_median_infinite then false
            else median_response_minutes <= response_target_minutes
        end as meets_response_target,
        field_completeness * trigger_rate as process_compliance_rate,
        sample_field_completeness * sample_trigger_rate as sample_process_compliance_rate,
        field_completeness * trigger_rate >= compliance_target as meets_compliance_target,
        knowledge_reuse_rate >= reuse_target as meets_reuse_target,
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
        {{ target_status_label(
            'case when lead_count = 0 then null when is_median_infinite then false '
            ~ 'else median_response_minutes <= response_target_minutes end'
        ) }} as meets_response_target_name,
        {{ target_status_label('field_completeness * trigger_rate >= compliance_target') }}
            as meets_compliance_target_name,
        {{ target_status_label('knowledge_reuse_rate >= reuse_target') }}
            as meets_reuse_target_name,
        {{ percent_text('field_completeness * trigger_rate') }} as process_compliance_text,
        {{ percent_text('knowledge_reuse_rate') }} as knowledge_reuse_text
    from rated
)

select * from final
